"""Running `webxdc-realtime run` as a user does: the installed command, in a subprocess,
on a free port; its host page opened in headless Chromium."""

from __future__ import annotations

import contextlib
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import wait_for  # noqa: F401 - one for every test room

ROOT = Path(__file__).resolve().parents[2]
COMMAND = Path(sys.executable).parent / "webxdc-realtime"
PINGBOARD = ROOT / "tests" / "apps" / "pingboard"


@pytest.fixture(scope="session")
def stand_in(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A runtime folder of the shape `make build` makes, its files stand-ins: for tests of
    the server and the command that need no browser (so `make check` needs no build)."""
    folder = tmp_path_factory.mktemp("runtime")
    (folder / "host").mkdir()
    (folder / "host" / "index.html").write_text('<script src="host/host.js"></script>')
    (folder / "host" / "host.js").write_text("/* the host page */")
    (folder / "webxdc.js").write_text("/* webxdc.js */")
    (folder / "pyodide.mjs").write_text("export {};")
    (folder / "pyodide.asm.wasm").write_bytes(b"\0asm\1\0\0\0")
    return folder


class Run:
    """A running `webxdc-realtime run`: its address and everything it printed so far."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.process = process
        self.lines: list[str] = []
        self.url = ""  # the host page's address
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        deadline = time.monotonic() + 30
        while not self.url and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.05)
        assert self.url, f"no address printed: {self.lines}"
        self.origin = self.url.split("/_webxdc-realtime/", 1)[0]  # the app's, at its root

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))
            found = re.search(r"open (http://\S+)", line)
            if found:
                self.url = found.group(1)

    def said(self, needle: str) -> list[str]:
        return [line for line in self.lines if needle in line]

    def stop(self) -> tuple[int, str]:
        """Ctrl-C, as a user would; the exit status and the last line."""
        self.process.send_signal(signal.SIGINT)
        code = self.process.wait(timeout=15)
        self._reader.join(timeout=5)
        return code, self.lines[-1] if self.lines else ""


@contextlib.contextmanager
def run(
    app: Path | str,
    *args: str,
    command: Path | list[str] = COMMAND,
    cwd: Path = ROOT,
    env: dict[str, str] | None = None,
) -> Iterator[Run]:
    """`webxdc-realtime run APP --port 0 ARGS` (this venv's, or ``command``: a path, or the
    words that start it, such as ``uvx --from WHEEL webxdc-realtime``), stopped after."""
    words = [str(command)] if isinstance(command, Path) else command
    process = subprocess.Popen(
        [*words, "run", str(app), "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=cwd,
        env=env,
    )
    running = Run(process)
    try:
        yield running
    finally:
        if process.poll() is None:
            code, last = running.stop()
            assert code == 0, running.lines
            assert "stopped" in last, running.lines


class HostPage:
    """The host page in a browser context of its own (its storage, its IndexedDB)."""

    def __init__(self, context: Any, url: str) -> None:
        self.context = context
        self.page = context.new_page()
        self.console: list[tuple[str, str]] = []
        self.page.on("console", lambda msg: self.console.append((msg.type, msg.text)))
        # Requests of the page and its frames that failed, or were answered 400 or more.
        self.failed: list[str] = []
        self.page.on("requestfailed", lambda r: self.failed.append(f"{r.url}: {r.failure}"))
        self.page.on(
            "response", lambda r: r.status >= 400 and self.failed.append(f"{r.url}: {r.status}")
        )
        self.page.set_default_timeout(120_000)
        self.page.goto(url)

    def js(self, expression: str, arg: Any = None) -> Any:
        return self.page.evaluate(expression, arg)

    def log(self) -> list[tuple[str, str]]:
        """The console so far (Playwright's sync API delivers events only while called)."""
        self.page.evaluate("0")
        return self.console

    def wait_live(self, count: int, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        statuses: list[str] = []
        while time.monotonic() < deadline:
            statuses = self.js("host.peers.filter((p) => !p.away).map((p) => p.status)")
            if len(statuses) == count and all(s == "live" for s in statuses):
                return
            time.sleep(0.2)
        raise AssertionError(f"peers not live: {statuses}")

    def peers(self) -> list[Any]:
        """The peers' frames, in the page's order (by their cards' iframes)."""
        frames = [
            element.content_frame()
            for element in self.page.query_selector_all("section.peer iframe")
        ]
        return [frame for frame in frames if frame is not None]


def host_pages(browser: Any, **options: Any) -> Iterator[Callable[[str], HostPage]]:
    """Open host pages, each in a context of its own (``options``: the context's); close them."""
    contexts: list[Any] = []

    def open_page(url: str) -> HostPage:
        context = browser.new_context(viewport={"width": 1500, "height": 900}, **options)
        contexts.append(context)
        return HostPage(context, url)

    try:
        yield open_page
    finally:
        for context in contexts:
            context.close()


@pytest.fixture
def host_page(chromium: Any) -> Iterator[Callable[[str], HostPage]]:
    """The host page in Chromium: what the command does does not depend on the engine."""
    yield from host_pages(chromium)


@pytest.fixture
def host_page_in(browser: Any) -> Iterator[Callable[[str], HostPage]]:
    """The host page in each engine, for what does (what a realm is)."""
    yield from host_pages(browser)
