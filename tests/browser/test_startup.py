"""How Python starts: restored from the build's snapshot by default; a plain start when it
is switched off, missing, or made for other versions, and both kinds of tab talk."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from .conftest import ROOT, Tab, serve, wait_for

pytestmark = pytest.mark.browser


def test_default_start_restores_the_snapshot_and_plain_tabs_talk_to_it(fresh: Any) -> None:
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


@pytest.fixture
def dist_copy(tmp_path: Path, chromium: Any) -> Iterator[Callable[[], Tab]]:
    """A copy of dist/ beside a bare test page, to break the snapshot in."""
    app = tmp_path / "app"
    shutil.copytree(ROOT / "dist", app, ignore=shutil.ignore_patterns(".stamp"))
    harness = (ROOT / "tests" / "browser" / "pages" / "harness.js").read_text()
    page = '<link rel="icon" href="data:,"><script src="webxdc.js"></script>'
    (app / "index.html").write_text(f"{page}<script>{harness}</script>")
    with serve(tmp_path) as url:
        context = chromium.new_context()

        def open_tab() -> Tab:
            tab = Tab(context.new_page())
            tab.page.goto(url + "/app/")
            tab.wait_live()
            return tab

        try:
            yield open_tab
        finally:
            context.close()


def test_a_snapshot_for_other_versions_falls_back_to_a_plain_start(
    dist_copy: Callable[[], Tab], tmp_path: Path
) -> None:
    manifest = tmp_path / "app" / "snapshot.json"
    data = json.loads(manifest.read_text())
    manifest.write_text(json.dumps({**data, "pyodide": "0.0.1"}))
    tab = dist_copy()
    assert tab.js("webxdcRealtime.timings.mode") == "plain"
    assert tab.said("warning", "not 314.0.7")
    assert tab.js("T.join()") is True


def test_a_missing_snapshot_starts_plainly(dist_copy: Callable[[], Tab], tmp_path: Path) -> None:
    (tmp_path / "app" / "snapshot.json").unlink()
    (tmp_path / "app" / "snapshot.bin.gz").unlink()
    tab = dist_copy()
    assert tab.js("webxdcRealtime.timings.mode") == "plain"
    assert tab.said("warning", "") == []


def test_a_corrupt_snapshot_is_reported_and_falls_back(
    dist_copy: Callable[[], Tab], tmp_path: Path
) -> None:
    (tmp_path / "app" / "snapshot.bin.gz").write_bytes(b"not gzip at all")
    tab = dist_copy()
    assert tab.js("webxdcRealtime.timings.mode") == "plain"
    assert tab.said("warning", "could not be restored")
