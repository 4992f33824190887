"""Reading an app as a messenger would: a folder, or an .xdc unpacked into a folder of its
own; what is wrong is said in words a developer can act on."""

from __future__ import annotations

import re
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import pytest

from webxdc_realtime.host import app as app_module
from webxdc_realtime.host.app import InvalidAppError, file_below, load_app

from .conftest import PINGBOARD


def write_zip(path: Path, files: dict[str, str | bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return path


def test_a_folder_app_with_its_manifest_and_icon() -> None:
    app = load_app(PINGBOARD)
    assert (app.name, app.icon, app.packed) == ("Pingboard", "icon.png", False)
    assert app.root == PINGBOARD
    assert app.file("index.html") == PINGBOARD / "index.html"
    assert app.file("") == PINGBOARD / "index.html"  # a folder gives its index.html
    assert app.file("/app.js") == PINGBOARD / "app.js"
    assert app.file("../../README.md") is None
    assert app.file("nothing.js") is None
    assert app.file("bad\0name") is None
    app.close()  # a folder is the developer's: nothing is removed
    assert (PINGBOARD / "index.html").is_file()


def test_nothing_outside_the_root_is_served_not_even_through_a_link(tmp_path: Path) -> None:
    root = tmp_path / "app"
    (root / "sub").mkdir(parents=True)
    (root / "sub" / "index.html").write_text("sub")
    (tmp_path / "secret.txt").write_text("secret")
    (root / "out.txt").symlink_to(tmp_path / "secret.txt")
    (root / "in.txt").symlink_to(root / "sub" / "index.html")
    assert file_below(root, "sub/") == root / "sub" / "index.html"
    assert file_below(root, "sub/../../secret.txt") is None
    assert file_below(root, "out.txt") is None
    assert file_below(root, "in.txt") == root / "in.txt"


def test_an_xdc_is_unpacked_into_a_folder_of_its_own_and_removed_on_close(
    tmp_path: Path,
) -> None:
    xdc = write_zip(
        tmp_path / "game.xdc",
        {
            "index.html": "<p>",
            "js/app.js": "1",
            "my pic.png": b"\x89PNG",
            "café.txt": "é",
            "icon.jpg": b"\xff\xd8",
            "manifest.toml": "",
        },
    )
    app = load_app(xdc)
    assert (app.name, app.icon, app.packed) == ("game", "icon.jpg", True)  # no name: the file's
    assert app.root.name == "app" and app.root.parent.name.startswith("webxdc-realtime-")
    found = app.file("js/app.js")
    assert found is not None and found.read_text() == "1"
    assert app.file("my pic.png") is not None and app.file("café.txt") is not None
    assert app.file("js/../../game.xdc") is None
    app.close()
    assert not app.root.exists() and not app.root.parent.exists()


def test_an_xdc_rebuilt_in_place_is_read_again(tmp_path: Path) -> None:
    xdc = write_zip(tmp_path / "a.xdc", {"index.html": "one", "manifest.toml": 'name = "One"'})
    app = load_app(xdc)
    first = app.root
    write_zip(xdc, {"index.html": "two", "manifest.toml": 'name = "Two"'})
    app.reload()
    assert (app.name, (app.root / "index.html").read_text()) == ("Two", "two")
    assert not first.exists()  # the old folder went
    write_zip(xdc, {"readme": ""})
    with pytest.raises(InvalidAppError, match=r"no index\.html"):
        app.reload()
    assert (app.name, (app.root / "index.html").read_text()) == ("Two", "two")  # kept
    app.close()


def test_a_folder_without_a_manifest_is_named_after_itself(tmp_path: Path) -> None:
    folder = tmp_path / "my-app"
    folder.mkdir()
    (folder / "index.html").write_text("<p>")
    assert (load_app(folder).name, load_app(folder).icon) == ("my-app", None)


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({"index.html": "", "manifest.toml": "name = "}, "manifest.toml is not valid TOML"),
        ({"index.html": "", "manifest.toml": "name = 3"}, "manifest.toml's name must be a string"),
        ({"readme.txt": ""}, "no index.html at the root of the zip; a webxdc app starts there"),
        (
            {"app/index.html": ""},
            "no index.html at the root of the zip; it is at app/index.html: zip the folder's "
            "contents, not the folder",
        ),
        ({"index.html": "", "/etc/x": ""}, "the entry '/etc/x' would land outside the app"),
        ({"index.html": "", "a/../../x": ""}, "the entry 'a/../../x' would land outside"),
    ],
)
def test_what_is_wrong_with_an_xdc_is_said_and_nothing_is_left_behind(
    tmp_path: Path, files: dict[str, str], message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    temporary = tmp_path / "tmp"  # of this test alone: others may unpack apps meanwhile
    temporary.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temporary))
    with pytest.raises(InvalidAppError, match=message.replace("(", r"\(")):
        load_app(write_zip(tmp_path / "bad.xdc", files))
    assert list(temporary.iterdir()) == []


def test_an_xdc_that_expands_too_far_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(app_module, "MAX_UNPACKED", 1000)
    with pytest.raises(InvalidAppError, match="expands to 2000 bytes, more than 1000"):
        load_app(write_zip(tmp_path / "big.xdc", {"index.html": "x" * 2000}))
    monkeypatch.setattr(app_module, "MAX_ENTRIES", 2)
    with pytest.raises(InvalidAppError, match="3 entries, more than 2"):
        load_app(write_zip(tmp_path / "many.xdc", {"index.html": "", "a": "", "b": ""}))


def test_a_size_the_zip_lies_about_is_refused(tmp_path: Path) -> None:
    xdc = write_zip(tmp_path / "liar.xdc", {"index.html": "x" * 5000})
    data = bytearray(xdc.read_bytes())
    # The central directory's uncompressed size of index.html, lowered to 10.
    central = data.rindex(b"PK\x01\x02")
    data[central + 24 : central + 28] = (10).to_bytes(4, "little")
    xdc.write_bytes(bytes(data))
    with pytest.raises(InvalidAppError, match=r"cannot read 'index\.html': Bad CRC-32"):
        load_app(xdc)


def test_a_missing_path_a_folder_without_index_and_a_file_not_a_zip(tmp_path: Path) -> None:
    with pytest.raises(InvalidAppError, match="no such file or folder"):
        load_app("/nowhere/app.xdc")
    with pytest.raises(InvalidAppError, match=r"no index\.html in this folder"):
        load_app(tmp_path)
    (tmp_path / "app.xdc").write_text("hello")
    with pytest.raises(InvalidAppError, match="not a zip file"):
        load_app(tmp_path / "app.xdc")


def raw_zip(path: Path, names: list[bytes], flags: int = 0x800) -> Path:
    """A zip whose entries' names are these bytes, as they are (zipfile would encode them)."""
    placeholders = [
        ("Q" * (len(name) - 2) + f"{index:02d}").encode() for index, name in enumerate(names)
    ]
    with zipfile.ZipFile(path, "w") as archive:
        for placeholder in placeholders:
            archive.writestr(placeholder.decode(), b"x")
    data = bytearray(path.read_bytes())
    for placeholder, name in zip(placeholders, names, strict=True):
        for at in [i for i in range(len(data)) if data.startswith(placeholder, i)]:
            data[at : at + len(placeholder)] = name
    # Mark every name UTF-8 (general purpose flag 0x800), in the local and central headers.
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = data.find(signature)
        while at != -1:
            flag = int.from_bytes(data[at + offset : at + offset + 2], "little") | flags
            data[at + offset : at + offset + 2] = flag.to_bytes(2, "little")
            at = data.find(signature, at + 4)
    path.write_bytes(bytes(data))
    return path


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (
            lambda p: write_zip(p, {"index.html": "1", "a.js": "2", "b.js": "3"}).write_bytes(
                write_zip(p, {"index.html": "1", "a.js": "2", "b.js": "3"}).read_bytes()[:-30]
            ),
            "not a zip file",
        ),
        (
            lambda p: raw_zip(p, [b"index.html", b"caf\xe9.html"]),  # latin-1, marked UTF-8
            "an entry's name is marked UTF-8 but is not",
        ),
        (
            lambda p: write_zip(p, {"index.html": "1", "data": "2", "data/x.js": "3"}),
            "the entry 'data/x.js' is below 'data', which is a file",
        ),
    ],
    ids=["truncated", "not UTF-8", "a file and a folder of one name"],
)
def test_hostile_zips_are_refused_with_what_is_wrong(
    tmp_path: Path, make: Any, message: str
) -> None:
    xdc = tmp_path / "hostile.xdc"
    make(xdc)
    with pytest.raises(InvalidAppError, match=re.escape(message)):
        load_app(xdc)


def test_an_entry_twice_is_refused(tmp_path: Path) -> None:
    xdc = tmp_path / "twice.xdc"
    with zipfile.ZipFile(xdc, "w") as archive:
        archive.writestr("index.html", "one")
        with pytest.warns(UserWarning, match="Duplicate name"):
            archive.writestr("index.html", "two")
    with pytest.raises(InvalidAppError, match=r"the entry 'index\.html' is in the zip twice"):
        load_app(xdc)


def test_a_link_out_of_a_folder_app_is_refused(tmp_path: Path) -> None:
    app = tmp_path / "app"
    (app / "assets").mkdir(parents=True)
    (app / "index.html").write_text("<p>")
    (tmp_path / "secret.txt").write_text("x")
    (app / "assets" / "ok.txt").symlink_to(app / "index.html")  # inside: fine
    assert load_app(app).root == app
    (app / "assets" / "out.txt").symlink_to(tmp_path / "secret.txt")
    with pytest.raises(
        InvalidAppError, match=r"out\.txt: a link to .*secret\.txt, outside the app"
    ):
        load_app(app)
    (app / "assets" / "out.txt").unlink()
    (app / "loop").symlink_to(app / "loop")
    with pytest.raises(InvalidAppError, match="a link that leads nowhere, or in a loop"):
        load_app(app)
