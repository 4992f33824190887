"""Browser set-up shared by the in-Pyodide and multi-tab tests.

pytest-pyodide's Playwright runner cannot be told where the browser is, and test tools
cannot download browsers here: we launch Debian's chromium ourselves, headless, with
flags that keep it off the network.
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


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """One headless Debian chromium for the whole run."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="session")
def playwright_browsers(request: pytest.FixtureRequest) -> Iterator[dict[str, Any]]:
    """Override pytest-pyodide's fixture: hand it our chromium."""
    if request.config.option.runner.lower() != "playwright":
        yield {}
        return
    yield {"chrome": request.getfixturevalue("chromium")}


@pytest.fixture(scope="session")
def webxdc_browser(chromium: Any) -> Any:
    """Our plugin's browser: the session's chromium (one Playwright per process)."""
    return chromium
