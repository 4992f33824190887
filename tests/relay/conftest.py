"""A real NATS relay (the nats-server binary), started and stopped by the tests, and pages
in browser contexts of their own: they share no BroadcastChannel, only the relay."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from browser.conftest import Tab, serve
from cli.conftest import host_page  # noqa: F401 - a fixture, for `run --relay`

ROOT = Path(__file__).resolve().parents[2]
PAGES = "/tests/browser/pages"


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    with serve(ROOT) as url:
        yield url


@pytest.fixture
def browser_page(browser: Any, site: str) -> Iterator[Callable[..., Tab]]:
    """``browser_page(path)``: a page in a browser context of its own (another "device")."""
    contexts: list[Any] = []

    def open_page(path: str, wait: bool = True, context: Any = None) -> Tab:
        if context is None:
            context = browser.new_context()
            contexts.append(context)
        tab = Tab(context.new_page())
        tab.page.goto(site + (path if path.startswith("/") else f"{PAGES}/{path}"))
        if wait:
            tab.wait_live()
        return tab

    try:
        yield open_page
    finally:
        for context in contexts:
            context.close()
