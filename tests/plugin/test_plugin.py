"""The plugin itself: standalone, as an app developer runs it, and the rest of its API."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from cli.conftest import PINGBOARD
from webxdc_realtime.host.pytest_plugin import _installed

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = Path(__file__).with_name("test_demo.py")
SHELL = shutil.which("chromium-headless-shell")


def test_the_readme_shows_the_example_as_it_is() -> None:
    readme = (ROOT / "README.md").read_text()
    assert EXAMPLE.read_text().strip() in readme


@pytest.mark.parametrize("engine", ["chromium", "firefox"])
def test_the_example_runs_standalone_with_the_plugins_own_browser(
    tmp_path: Path, engine: str
) -> None:
    """No conftest of ours: the entry point loads the plugin, which starts its own browser."""
    copy = tmp_path / "test_example.py"
    shutil.copy(EXAMPLE, copy)
    done = subprocess.run(
        [
            *(sys.executable, "-m", "pytest", str(copy), "-p", "no:cacheprovider"),
            *("--webxdc-browser", engine),
        ],
        cwd=ROOT,  # APP = "demo", relative to where pytest runs
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 passed" in done.stdout
    assert f"webxdc-realtime: peers in {engine} (/" in done.stdout
    if engine == "chromium" and SHELL and not os.environ.get("CHROMIUM"):
        assert f"peers in chromium ({SHELL}" in done.stdout  # headless: the shell


@pytest.mark.skipif(not SHELL, reason="Debian's chromium-headless-shell is not installed")
def test_headless_the_plugin_runs_chromiums_headless_shell_and_headed_the_whole_browser(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("CHROMIUM", raising=False)
    assert _installed("chromium") == SHELL
    assert _installed("chromium", headed=True) == shutil.which("chromium")
    monkeypatch.setenv("CHROMIUM", "/opt/my/chromium")
    assert _installed("chromium") == "/opt/my/chromium"  # what the developer says comes first


def test_peers_by_name_added_reloaded_and_reset(webxdc_app: Any) -> None:
    app = webxdc_app(PINGBOARD, peers=1)
    ada = app.peer("Ada")
    assert repr(ada) == "<Peer Ada ada@peers.localhost>"
    ada.wait_for("fixture.ready")
    # A name not defined yet is waited for (an app that still loads, or reloads); other
    # errors end the wait, with the page's words.
    ada.evaluate("setTimeout(() => (window.later = 42), 300)")
    assert ada.wait_for("later") == 42
    with pytest.raises(Exception, match="TypeError"):
        ada.wait_for("null.x", timeout=5)
    ada.frame.click("#add")
    ben = app.add_peer()
    assert ben.name == "Ben"
    ben.wait_for("fixture.notes.length === 1")
    device = ben.evaluate("fixture.device")
    ben.reload()
    ben.wait_for("fixture.ready")
    assert ben.evaluate("[fixture.device, fixture.notes.length, fixture.visits]") == [device, 1, 2]
    app.reset()
    ben.wait_for("fixture.ready")
    assert ben.evaluate("[fixture.notes.length, fixture.visits]") == [0, 1]
    assert ben.evaluate("fixture.device") != device
    app.page.click('section[data-addr="ben@peers.localhost"] button[title="Remove this peer"]')
    with pytest.raises(LookupError, match="has no frame in the host page"):
        ben.frame  # noqa: B018


def test_a_peer_that_never_goes_live_times_out_and_the_server_stops(
    webxdc_app: Any, tmp_path: Path
) -> None:
    (tmp_path / "index.html").write_text("<p>no webxdc.js here: the peer never reports in</p>")
    with pytest.raises(TimeoutError, match="waited 2 s for <Peer Ada"):
        webxdc_app(tmp_path, peers=1, timeout=2)
