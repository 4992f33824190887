"""An app shaped as the official Vite template builds it, through `webxdc-realtime run`: its
absolute /assets/ paths, a fetch('/data.json'), a .wasm fetched by an absolute path, images
whose names have a space and letters beyond ASCII, an <audio> that seeks. Every peer
renders it, and no request fails."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

import pytest

from .conftest import ROOT, HostPage, run, wait_for

pytestmark = pytest.mark.browser

ABSOLUTE = ROOT / "tests" / "apps" / "absolute-paths"


def renders(frame: Any) -> bool:
    state = frame.evaluate("window.fixture && { ...fixture, send: 0, update: 0 }")
    return bool(
        state
        and state["data"] == "fetched from /data.json"
        and state["answer"] == 42
        and state["images"] == {"space": 16, "accents": 8}
        and state["audio"]
        and state["ready"]
    )


def check_every_peer(host: HostPage, peers: int) -> list[Any]:
    host.wait_live(peers)
    frames = host.peers()
    assert wait_for(lambda: all(renders(f) for f in frames), 30), [
        f.evaluate("window.fixture && { ...fixture, send: 0, update: 0 }") for f in frames
    ]
    for frame in frames:
        audio = frame.evaluate("fixture.audio")
        assert audio["duration"] == pytest.approx(2.0, abs=0.01)
        assert audio["at"] == pytest.approx(1.5, abs=0.01)  # seeked: the server gave a range
        assert audio["seekable"] == pytest.approx(2.0, abs=0.01)
    # Realtime between peers, updates to all: the app's channel and the chat work at root.
    frames[0].evaluate("fixture.send('hello from the first')")
    frames[0].evaluate("fixture.update('one')")
    assert wait_for(lambda: all(f.evaluate("fixture.heard") for f in frames[1:]))
    assert all(f.evaluate("fixture.heard") == ["hello from the first"] for f in frames[1:])
    assert frames[0].evaluate("fixture.heard") == []
    assert wait_for(lambda: all(f.evaluate("fixture.updates") == [{"text": "one"}] for f in frames))
    host.log()
    assert host.failed == []
    return frames


def test_a_folder_with_absolute_paths(host_page: Any) -> None:
    with run(ABSOLUTE, "--peers", "3") as command:
        assert command.said('serving "Absolute paths"')
        host = host_page(command.url)
        frames = check_every_peer(host, 3)
        assert [f.evaluate("location.pathname") for f in frames] == ["/index.html"] * 3
        assert host.js("document.querySelector('#icon').naturalWidth") == 64


def test_an_xdc_with_absolute_paths(host_page: Any, tmp_path: Path) -> None:
    xdc = tmp_path / "absolute.xdc"
    with zipfile.ZipFile(xdc, "w") as archive:
        for path in sorted(ABSOLUTE.rglob("*")):
            archive.write(path, path.relative_to(ABSOLUTE).as_posix())
    with run(xdc, "--peers", "2") as command:
        check_every_peer(host_page(command.url), 2)
