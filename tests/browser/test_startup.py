"""How Python starts: restored from the build's snapshot by default; a plain start when it
is switched off, missing, or made for other versions, and both kinds of tab talk."""

from __future__ import annotations

import json
from typing import Any

import pytest

from conftest import engine

from .conftest import ROOT, UserApp, wait_for

pytestmark = pytest.mark.browser


def test_default_start_restores_the_snapshot_and_plain_tabs_talk_to_it(
    fresh: Any, browser: Any
) -> None:
    snap = fresh("app.html", wait=False)
    plain = fresh("plain.html", wait=False)
    snap.wait_live()
    plain.wait_live()
    assert snap.js("webxdcRealtime.timings.mode") == "snapshot"
    assert plain.js("webxdcRealtime.timings.mode") == "plain"
    for sender, receiver in ((snap, plain), (plain, snap)):
        receiver.js("T.join()")
        sender.js("T.join(); T.send([1, 2, 3])")
        assert wait_for(lambda r=receiver: r.js("T.got.length") == 1)
        assert receiver.js("T.arrays()") == [[1, 2, 3]]
        sender.js("T.reset()")
        receiver.js("T.reset()")
    assert snap.said("info", "restored from snapshot")
    for tab in (snap, plain):  # the heaps `make soak` watches
        memory = tab.js("webxdcRealtime.memory()")
        assert memory["wasm"] >= 16 * 2**20 and memory["wasm"] % 65536 == 0, memory
        if engine(browser) == "chromium":
            assert memory["js"] > 0, memory
        else:  # only Chromium says (performance.memory)
            assert memory["js"] is None, memory


@pytest.fixture
def app_page(user_app: UserApp) -> UserApp:
    """dist/ copied beside a bare test page, to break the snapshot in."""
    harness = (ROOT / "tests" / "browser" / "pages" / "harness.js").read_text()
    page = '<link rel="icon" href="data:,"><script src="webxdc.js"></script>'
    user_app.write_index(f"{page}<script>{harness}</script>")
    return user_app


@pytest.mark.engines(
    "chromium",
    reason="which snapshot to restore is the glue's check, the same JS in both engines; "
    "Firefox's plain start is tested by the missing snapshot",
)
def test_a_snapshot_for_other_versions_falls_back_to_a_plain_start(app_page: UserApp) -> None:
    manifest = app_page.folder / "snapshot.json"
    data = json.loads(manifest.read_text())
    manifest.write_text(json.dumps({**data, "pyodide": "0.0.1"}))
    tab = app_page.open()
    assert tab.js("webxdcRealtime.timings.mode") == "plain"
    assert tab.said("warning", "not 314.0.7")
    assert tab.js("T.join()") is True


def test_a_missing_snapshot_starts_plainly(app_page: UserApp) -> None:
    (app_page.folder / "snapshot.json").unlink()
    (app_page.folder / "snapshot.bin.gz").unlink()
    tab = app_page.open()
    assert tab.js("webxdcRealtime.timings.mode") == "plain"
    assert tab.said("warning", "") == []


@pytest.mark.engines(
    "chromium",
    reason="which snapshot to restore is the glue's check, the same JS in both engines; "
    "Firefox's plain start is tested by the missing snapshot",
)
def test_a_corrupt_snapshot_is_reported_and_falls_back(app_page: UserApp) -> None:
    (app_page.folder / "snapshot.bin.gz").write_bytes(b"not gzip at all")
    tab = app_page.open()
    assert tab.js("webxdcRealtime.timings.mode") == "plain"
    assert tab.said("warning", "could not be restored")


def test_the_build_restores_only_the_snapshots_non_zero_pages() -> None:
    manifest = json.loads((ROOT / "dist" / "snapshot.json").read_text())
    assert manifest["format"] == "pages-v1"
    assert manifest["sparse_restore"] is True
    assert manifest["pages"] * manifest["page"] < manifest["bytes"] * 0.7
    runtime = (ROOT / "dist" / "pyodide.asm.mjs").read_text()
    assert "webxdcRestorePages(Module.HEAP8," in runtime


def test_an_unpatched_runtime_restores_the_whole_image_and_works(app_page: UserApp) -> None:
    """The patch is an economy only: Pyodide's own restore takes the same image."""
    original = (ROOT / "node_modules" / "pyodide" / "pyodide.asm.mjs").read_bytes()
    assert b"webxdcRestorePages" not in original
    (app_page.folder / "pyodide.asm.mjs").write_bytes(original)
    first, second = app_page.open(), app_page.open()
    for tab in (first, second):
        assert tab.js("webxdcRealtime.timings.mode") == "snapshot"
    first.js("T.join()")
    second.js("T.join(); T.send([4, 5])")
    assert wait_for(lambda: first.js("T.arrays()") == [[4, 5]])
