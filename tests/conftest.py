"""Browsers shared by the in-Pyodide, multi-tab, host-page, plugin and relay tests.

Test tools cannot download browsers here: we launch Debian's own, headless, with flags that
keep them off the network. Chromium (the engine of Delta Chat desktop and Android) is
`chromium`; Firefox ESR is `firefox`, driven by Playwright's `moz-firefox` channel over
WebDriver BiDi (Playwright 1.64.1: 1.65.2 fails there). `browser` is each of them in turn:
a test that takes it runs once per engine (see docs/TESTING.md for which run in both).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from typing import Any

import pytest
from pytest_pyodide import runner

# loadPyodide() runs under this script timeout; a busy 2-core machine needs more than 20 s.
runner._BrowserBaseRunner.script_timeout = 120

CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
FIREFOX = os.environ.get("FIREFOX") or shutil.which("firefox-esr") or "/usr/bin/firefox-esr"
CHROMIUM_FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
    "--js-flags=--expose-gc",
]
ENGINES = ("chromium", "firefox")


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
