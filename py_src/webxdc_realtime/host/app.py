"""A webxdc app to run: a folder with an ``index.html``, or an ``.xdc`` (a zip).

Checked as a messenger would (SPEC-webxdc.md, "The app package"): ``index.html`` at the
root (a zip whose files sit in a top-level folder is not a webxdc), ``manifest.toml`` read
if there (``name``, ``source_code_url``, ``min_api``), ``icon.png`` or else ``icon.jpg``.

A folder is served as it is. An ``.xdc`` is unpacked into a temporary folder of its own,
so that one web server serves both the same way (ranges, conditional requests); entries
that would land outside it (absolute names, ``..``), and archives that expand past
:data:`MAX_UNPACKED` bytes or :data:`MAX_ENTRIES` entries, are refused. :meth:`App.reload`
unpacks it again after a rebuild; :meth:`App.close` removes the folder.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import tomllib
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

MAX_UNPACKED = 512 * 1024 * 1024
"""Bytes an ``.xdc`` may expand to: far above any app a messenger would send (Delta Chat
warns above a few MB), far below what would fill a disk."""

MAX_ENTRIES = 50_000
"""Entries an ``.xdc`` may hold."""


class InvalidAppError(Exception):
    """The path is not a webxdc app; the message says what is wrong and what to do."""


@dataclass
class App:
    """An app's files and what its manifest says.

    Attributes
    ----------
    path : Path
        The folder or ``.xdc`` file given.
    root : Path
        The folder served at the root of the app's origin: ``path`` itself, or where the
        ``.xdc`` was unpacked.
    name : str
        ``manifest.toml``'s ``name``, else the folder's or file's name.
    icon : str or None
        ``icon.png`` or ``icon.jpg`` if the app has one.
    manifest : dict
        The whole manifest ({} without one).
    """

    path: Path
    root: Path
    name: str
    icon: str | None
    manifest: dict[str, object] = field(default_factory=dict)

    @property
    def packed(self) -> bool:
        """Whether the app is an ``.xdc`` (unpacked into a temporary folder)."""
        return self.root != self.path

    def file(self, name: str) -> Path | None:
        """Return the app's file that the URL path ``name`` (decoded) names, or None.

        See :func:`file_below`.
        """
        return file_below(self.root, name)

    def reload(self) -> None:
        """Read the app again after it changed: its manifest, and an ``.xdc`` unpacked anew.

        Raises
        ------
        InvalidAppError
            If it is no longer a valid app (then nothing changes).
        """
        fresh = load_app(self.path)
        old = self.root if self.packed else None
        self.root, self.name, self.icon, self.manifest = (
            fresh.root,
            fresh.name,
            fresh.icon,
            fresh.manifest,
        )
        if old is not None:
            shutil.rmtree(old.parent, ignore_errors=True)

    def close(self) -> None:
        """Remove the temporary folder of an ``.xdc``."""
        if self.packed:
            shutil.rmtree(self.root.parent, ignore_errors=True)


def file_below(root: Path, name: str) -> Path | None:
    """Return the file below ``root`` that the URL path ``name`` (decoded) names, or None.

    A folder gives its ``index.html``. Nothing outside ``root`` is ever returned, through
    ``..`` or a symbolic link.

    Parameters
    ----------
    root : Path
        The folder served.
    name : str
        E.g. ``"index.html"``, ``"assets/app.js"``, ``"my pic.png"``, ``""``.

    Returns
    -------
    Path or None
        An existing file below the root.
    """
    parts = [p for p in PurePosixPath(name).parts if p not in ("/", ".")]
    if ".." in parts:
        return None
    try:
        target = root.joinpath(*parts)
        if target.is_dir():
            target = target / "index.html"
        real = target.resolve()
        return target if real.is_relative_to(root.resolve()) and real.is_file() else None
    except (OSError, ValueError):  # a NUL byte, a name too long
        return None


def load_app(path: str | Path) -> App:
    """Open an app to run, checking it as a messenger would.

    Parameters
    ----------
    path : str or Path
        A folder with ``index.html``, or an ``.xdc`` file.

    Returns
    -------
    App
        The app; call :meth:`App.close` when done with an ``.xdc``.

    Raises
    ------
    InvalidAppError
        What is wrong, in words a developer can act on.
    """
    path = Path(path)
    if not path.exists():
        raise InvalidAppError(f"{path}: no such file or folder")
    if path.is_dir():
        if not (path / "index.html").is_file():
            raise InvalidAppError(
                f"{path}: no index.html in this folder; a webxdc app starts there"
            )
        _no_link_out(path)
        return _described(path, path)
    return _described(path, _unpack(path))


def _no_link_out(folder: Path) -> None:
    """Refuse a folder with a symbolic link that leads outside it (or nowhere, or in a loop).

    A webxdc app is self-contained: what a link outside would serve is not the app's, and a
    messenger would not have it.
    """
    root = folder.resolve()
    seen = 0
    for directory, subfolders, names in os.walk(folder):
        for name in (*subfolders, *names):
            seen += 1
            if seen > MAX_ENTRIES:
                raise InvalidAppError(f"{folder}: more than {MAX_ENTRIES} files and folders")
            entry = Path(directory) / name
            if not entry.is_symlink():
                continue
            try:
                target = entry.resolve(strict=True)
            except (OSError, RuntimeError):
                raise InvalidAppError(
                    f"{entry}: a link that leads nowhere, or in a loop; a webxdc app holds "
                    "its files"
                ) from None
            if not target.is_relative_to(root):
                raise InvalidAppError(
                    f"{entry}: a link to {target}, outside the app; a webxdc app holds its "
                    "files (copy it in)"
                )


def _unpack(path: Path) -> Path:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, EOFError) as error:
        raise InvalidAppError(
            f"{path}: not a zip file ({error}); an .xdc is a zip of the app"
        ) from None
    except UnicodeDecodeError:
        raise InvalidAppError(
            f"{path}: an entry's name is marked UTF-8 but is not; rename it and zip again"
        ) from None
    with archive:
        entries = archive.infolist()
        names = {entry.filename for entry in entries}
        if len(names) < len(entries):
            counts = Counter(entry.filename for entry in entries)
            twice = min(name for name, count in counts.items() if count > 1)
            raise InvalidAppError(
                f"{path}: the entry {twice!r} is in the zip twice; which one is the app's?"
            )
        if "index.html" not in names:
            nested = sorted(n for n in names if n.endswith("/index.html"))
            hint = (
                f"; it is at {nested[0]}: zip the folder's contents, not the folder"
                if nested
                else "; a webxdc app starts there"
            )
            raise InvalidAppError(f"{path}: no index.html at the root of the zip{hint}")
        if len(entries) > MAX_ENTRIES:
            raise InvalidAppError(f"{path}: {len(entries)} entries, more than {MAX_ENTRIES}")
        files = {e.filename for e in entries if not e.is_dir()}
        for entry in entries:
            parts = PurePosixPath(entry.filename).parts
            if entry.filename.startswith("/") or ".." in parts or "\\" in entry.filename:
                raise InvalidAppError(
                    f"{path}: the entry {entry.filename!r} would land outside the app; "
                    "entries are paths below the app's root"
                )
            for depth in range(1, len(parts)):
                if "/".join(parts[:depth]) in files:
                    raise InvalidAppError(
                        f"{path}: the entry {entry.filename!r} is below "
                        f"{'/'.join(parts[:depth])!r}, which is a file"
                    )
        declared = sum(entry.file_size for entry in entries)
        if declared > MAX_UNPACKED:
            raise InvalidAppError(
                f"{path}: expands to {declared} bytes, more than {MAX_UNPACKED} "
                f"({MAX_UNPACKED // 2**20} MiB)"
            )
        folder = Path(tempfile.mkdtemp(prefix="webxdc-realtime-")) / "app"
        try:
            _extract(archive, entries, folder, path)
        except BaseException:
            shutil.rmtree(folder.parent, ignore_errors=True)
            raise
    return folder


def _extract(
    archive: zipfile.ZipFile, entries: list[zipfile.ZipInfo], folder: Path, path: Path
) -> None:
    """Write the entries below ``folder``.

    zipfile never gives more bytes than an entry declares (a lie fails its CRC check), so
    the declared sizes, checked before, bound what is written.
    """
    for entry in entries:
        target = folder.joinpath(*PurePosixPath(entry.filename).parts)
        if entry.is_dir():
            target.mkdir(parents=True, exist_ok=True)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            with archive.open(entry) as source, target.open("wb") as out:
                shutil.copyfileobj(source, out, 1 << 20)
        except (zipfile.BadZipFile, OSError, EOFError) as error:
            raise InvalidAppError(f"{path}: cannot read {entry.filename!r}: {error}") from None


def _described(path: Path, root: Path) -> App:
    manifest: dict[str, object] = {}
    if (root / "manifest.toml").is_file():
        try:
            manifest = tomllib.loads((root / "manifest.toml").read_text("utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
            _discard(path, root)
            raise InvalidAppError(f"{path}: manifest.toml is not valid TOML: {error}") from None
    name = manifest.get("name")
    if name is not None and not isinstance(name, str):
        _discard(path, root)
        raise InvalidAppError(f"{path}: manifest.toml's name must be a string")
    icon = next((n for n in ("icon.png", "icon.jpg") if (root / n).is_file()), None)
    title = name or (path.stem if path.is_file() else path.resolve().name)
    return App(path, root, title, icon, manifest)


def _discard(path: Path, root: Path) -> None:
    if root != path:
        shutil.rmtree(root.parent, ignore_errors=True)
