"""Browsers shared by the in-Pyodide, multi-tab, host-page, plugin and relay tests.

Test tools cannot download browsers here: we launch Debian's own, headless, with flags that
keep them off the network. Chromium (the engine of Delta Chat desktop and Android) is
`chromium`; Firefox ESR is `firefox`, driven by Playwright's `moz-firefox` channel over
WebDriver BiDi (Playwright 1.64.1: 1.65.2 fails there). `browser` is each of them in turn:
a test that takes it runs once per engine (see docs/TESTING.md for which run in both).

Also what every room of tests uses: ``wait_for``, and a real relay (``relay``: nats-server,
checked to leave no server behind).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings
from pytest_pyodide import runner

from webxdc_realtime.host.pytest_plugin import CHROMIUM_FLAGS as PLUGIN_CHROMIUM_FLAGS
from webxdc_realtime.host.relay import Relay

# loadPyodide() runs under this script timeout; a busy 2-core machine needs more than 20 s.
runner._BrowserBaseRunner.script_timeout = 120

# Hypothesis's deadline is a timed assertion: an example that took 290 ms on a machine busy
# with browsers failed a property that holds. Time is for `make bench`, not for tests.
settings.register_profile("webxdc-realtime", deadline=None)
settings.load_profile("webxdc-realtime")

# Headless, as the plugin and Playwright itself run it: Chromium's headless shell (Debian's
# chromium-headless-shell, `make setup` installs it), the same engine with no browser window
# to build; a page costs half the CPU of one in the whole browser (docs/TESTING.md).
CHROMIUM = (
    os.environ.get("CHROMIUM")
    or shutil.which("chromium-headless-shell")
    or shutil.which("chromium")
    or "/usr/bin/chromium"
)
FIREFOX = os.environ.get("FIREFOX") or shutil.which("firefox-esr") or "/usr/bin/firefox-esr"
# The plugin's flags, and the collector exposed for the tests that measure memory.
CHROMIUM_FLAGS = [*PLUGIN_CHROMIUM_FLAGS, "--js-flags=--expose-gc"]
ENGINES = ("chromium", "firefox")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """``@pytest.mark.engines("chromium", reason=...)``: a test of both engines (it takes
    ``browser``) runs in those only; its reason says why the other adds nothing."""
    kept, dropped = [], []
    for item in items:
        marker = item.get_closest_marker("engines")
        callspec = getattr(item, "callspec", None)
        engine = callspec.params.get("browser") if callspec else None
        if marker is not None and not marker.kwargs.get("reason"):
            raise pytest.UsageError(f"{item.nodeid}: @pytest.mark.engines needs a reason=")
        if marker is not None and engine is not None and engine not in marker.args:
            dropped.append(item)
        else:
            kept.append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


@pytest.fixture(scope="session")
def playwright() -> Iterator[Any]:
    """One Playwright for the whole run (its sync API allows one per thread)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def chromium(playwright: Any) -> Iterator[Any]:
    """Headless Debian chromium for the whole run."""
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
    try:
        yield browser
    finally:
        browser.close()


@pytest.fixture(scope="session")
def firefox(playwright: Any) -> Iterator[Any]:
    """Headless Debian firefox-esr for the whole run."""
    browser = playwright.firefox.launch(
        channel="moz-firefox", executable_path=FIREFOX, headless=True
    )
    try:
        yield browser
    finally:
        browser.close()


@pytest.fixture(scope="session", params=ENGINES)
def browser(request: pytest.FixtureRequest) -> Any:
    """Each engine in turn: a test that takes this runs in Chromium and in Firefox."""
    return request.getfixturevalue(request.param)


def node_tests(path: Path, passes: int) -> None:
    """Run a module of `node --test` (the glue's parts alone, no page): all pass, this many."""
    done = subprocess.run(["node", "--test", str(path)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"# pass {passes}" in done.stdout, done.stdout


def wait_for(condition: Callable[[], Any], timeout: float = 15.0) -> Any:
    """Poll ``condition`` until it is truthy; return its value (or the last one on time-out)."""
    deadline = time.monotonic() + timeout
    value = condition()
    while not value and time.monotonic() < deadline:
        time.sleep(0.05)
        value = condition()
    return value


def engine(browser: Any) -> str:
    """``"chromium"`` or ``"firefox"``: for what one engine words or measures its own way."""
    return "firefox" if browser.browser_type.name == "firefox" else "chromium"


@pytest.fixture(scope="session")
def playwright_browsers(request: pytest.FixtureRequest) -> Iterator[dict[str, Any]]:
    """Override pytest-pyodide's fixture: hand it our chromium."""
    if request.config.option.runner.lower() != "playwright":
        yield {}
        return
    yield {"chrome": request.getfixturevalue("chromium")}


@pytest.fixture(scope="session")
def webxdc_browser(browser: Any) -> Any:
    """Our plugin's browser: the session's, each engine in turn (one Playwright per process)."""
    return browser


def no_nats_server_left(relay: Relay) -> None:
    """Assert that the relay's nats-server processes have ended, none left running."""
    for server in relay.servers:
        assert server.process is not None and server.process.poll() is not None, server
    pids = {str(s.process.pid) for s in relay.servers if s.process is not None}
    running = subprocess.run(["pgrep", "-x", "nats-server"], capture_output=True, text=True)
    assert not pids & set(running.stdout.split())


@pytest.fixture(scope="module")
def relay() -> Iterator[Relay]:
    """A real relay (nats-server) for a test module; checked to leave no server behind."""
    servers = Relay().start()
    try:
        yield servers
    finally:
        servers.stop()
        no_nats_server_left(servers)
