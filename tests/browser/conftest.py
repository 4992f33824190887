"""Multi-tab tests: one Chromium context, several pages on one 127.0.0.1 origin.

BroadcastChannel connects only pages of the same origin in the same browser context,
so these tests use Playwright directly (pytest-pyodide gives each fixture its own
context). Loading Pyodide takes seconds per tab, so live tabs are pooled per URL and
reset (channel left, inbox emptied) after each test; a page a test opened afresh is not
closed after it but sent to a blank page of the origin, and opened again for the next test
that asks for one (a new page costs Firefox half a second and half a CPU-second more than a
navigation; Chromium 0.2 s).
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import shutil
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest

from conftest import wait_for  # noqa: F401 - one for every test room

ROOT = Path(__file__).resolve().parents[2]
PAGES = "/tests/browser/pages"
LOAD_TIMEOUT_MS = 180_000

pytestmark = pytest.mark.browser


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    extra_headers: ClassVar[dict[str, str]] = {}

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def end_headers(self) -> None:
        for name, value in self.extra_headers.items():
            self.send_header(name, value)
        super().end_headers()


# Cross-origin isolation: performance.now() then ticks in 5 us, not 100 us (benchmarks).
ISOLATED = {
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Embedder-Policy": "require-corp",
}


class _Server(http.server.ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        # A page let go of while it loads: the browser drops the connection mid-answer.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


@contextlib.contextmanager
def serve(directory: Path, headers: dict[str, str] | None = None) -> Iterator[str]:
    """Serve ``directory`` on a free 127.0.0.1 port; yield its base URL."""
    handler_class = type("Handler", (_QuietHandler,), {"extra_headers": headers or {}})
    handler = functools.partial(handler_class, directory=str(directory))
    server = _Server(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


class Tab:
    """One page, with what its console said."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.console: list[tuple[str, str]] = []
        page.on("console", self._said)
        page.set_default_timeout(LOAD_TIMEOUT_MS)

    def _said(self, msg: Any) -> None:
        self.console.append((msg.type, msg.text))

    def let_go(self) -> None:
        """Stop listening to the page's console (the page is about to serve another tab)."""
        self.page.remove_listener("console", self._said)

    def js(self, expression: str, arg: Any = None) -> Any:
        return self.page.evaluate(expression, arg)

    def wait_live(self) -> None:
        self.js("webxdcRealtime.ready")

    def log(self) -> list[tuple[str, str]]:
        """The console so far. Playwright's sync API delivers events only while it is
        called, so make one call first."""
        self.page.evaluate("0")
        return self.console

    def said(self, kind: str, needle: str) -> list[str]:
        return [text for t, text in self.log() if t == kind and needle in text]

    def stats(self) -> dict[str, Any]:
        stats: dict[str, Any] = self.js("webxdcRealtime.stats()")
        return stats


def all_live(*tabs: Tab) -> tuple[Tab, ...]:
    """Wait for each of ``tabs``, opened with ``wait=False`` so that they load side by side."""
    for tab in tabs:
        tab.wait_live()
    return tabs


def decoded(tab: Tab) -> list[str]:
    """What the spec's example logged as received, in this tab."""
    return [text for _, text in tab.log() if text.startswith("Decoded message: ")]


@pytest.fixture(scope="session")
def site() -> Iterator[str]:
    if not (ROOT / "dist" / "webxdc.js").exists():
        pytest.fail("dist/webxdc.js is missing: run `make build`")
    with serve(ROOT) as url:
        yield url


@pytest.fixture(scope="session")
def context(browser: Any) -> Iterator[Any]:
    ctx = browser.new_context()
    try:
        yield ctx
    finally:
        ctx.close()


class Pool:
    """Live tabs per URL, made on demand and loaded in parallel."""

    def __init__(self, context: Any, site: str) -> None:
        self.context = context
        self.site = site
        self.live: dict[str, list[Tab]] = {}
        self.used: set[str] = set()
        self.spare: list[Any] = []  # pages let go of, on the blank page

    def page(self) -> Any:
        """A page of the context, on the blank page: one let go of, else a new one."""
        return self.spare.pop() if self.spare else self.context.new_page()

    def let_go(self, tab: Tab) -> None:
        """Take ``tab``'s page back: off to the blank page (its document, and the peer in it,
        end), routes removed, kept for the next ``page()``. A page a test closed is gone."""
        if tab.page.is_closed():
            return
        tab.let_go()
        tab.page.unroute_all()
        tab.page.goto(f"{self.site}{PAGES}/blank.html")
        self.spare.append(tab.page)

    def open(self, path: str, wait: bool = True) -> Tab:
        tab = Tab(self.page())
        tab.page.goto(self.site + path)
        if wait:
            tab.wait_live()
        return tab

    def tabs(self, n: int, path: str = f"{PAGES}/app.html") -> list[Tab]:
        have = self.live.setdefault(path, [])
        have.extend(all_live(*(self.open(path, wait=False) for _ in range(n - len(have)))))
        self.used.add(path)
        return have[:n]

    def reset(self) -> None:
        for path in self.used:
            for tab in self.live[path]:
                tab.js("T.reset()")
                tab.console.clear()
        self.used.clear()


@pytest.fixture(scope="session")
def pool(context: Any, site: str) -> Pool:
    return Pool(context, site)


@pytest.fixture
def tabs(pool: Pool) -> Iterator[Callable[..., list[Tab]]]:
    """``tabs(n, path=...)``: n live tabs of one page, each with no channel joined."""
    try:
        yield pool.tabs
    finally:
        pool.reset()


@pytest.fixture
def fresh(pool: Pool) -> Iterator[Callable[..., Tab]]:
    """``fresh(path)``: a newly loaded tab, closed after the test."""
    opened: list[Tab] = []

    def open_tab(path: str, wait: bool = True) -> Tab:
        tab = pool.open(path if path.startswith("/") else f"{PAGES}/{path}", wait)
        opened.append(tab)
        return tab

    try:
        yield open_tab
    finally:
        for tab in opened:
            pool.let_go(tab)


class UserApp:
    """dist/ copied into a folder of its own beside an index.html, served as a user would."""

    def __init__(self, folder: Path, url: str, context: Any) -> None:
        self.folder = folder
        self.url = url
        self.context = context

    def write_index(self, html: str) -> None:
        (self.folder / "index.html").write_text(html)

    def open(self, wait: bool = True) -> Tab:
        tab = Tab(self.context.new_page())
        tab.page.goto(self.url)
        if wait:
            tab.wait_live()
        return tab


@pytest.fixture
def user_app(tmp_path: Path, browser: Any) -> Iterator[UserApp]:
    folder = tmp_path / "my-app"
    shutil.copytree(ROOT / "dist", folder, ignore=shutil.ignore_patterns(".stamp"))
    with serve(tmp_path) as url:
        context = browser.new_context()
        try:
            yield UserApp(folder, url + "/my-app/", context)
        finally:
            context.close()
