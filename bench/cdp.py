"""Chromium driven over ``--remote-debugging-pipe`` with a few lines of CDP, for benchmarks.

Playwright turns on CDP's Network domain in every page, which copies each WebSocket frame
(base64) to its driver: a benchmark of WebSocket traffic under Playwright measures that copy
too. Here only ``Target`` (browser contexts, pages) and ``Runtime.evaluate`` are used: no
domain is enabled, so the browser reports no event of the pages' traffic.

The pipe: the browser reads commands (JSON, each ended by a NUL byte) from its fd 3 and
writes answers to its fd 4.
"""

from __future__ import annotations

import itertools
import json
import os
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any


class CdpError(Exception):
    """The browser answered a command with an error, or an evaluation threw."""


class Browser:
    """A headless Chromium and its pipe."""

    def __init__(self, executable: str, flags: list[str]) -> None:
        self._profile = tempfile.mkdtemp(prefix="bench-cdp-")
        to_browser_r, self._to_browser = os.pipe()
        self._from_browser, from_browser_w = os.pipe()
        self._ids = itertools.count(1)
        self._waiting: dict[int, tuple[threading.Event, list[dict[str, Any]]]] = {}
        self._lock = threading.Lock()

        def pipes() -> None:  # in the child: its ends at fds 3 and 4
            high_r, high_w = os.dup(to_browser_r), os.dup(from_browser_w)
            os.dup2(high_r, 3)
            os.dup2(high_w, 4)
            os.set_inheritable(3, True)
            os.set_inheritable(4, True)

        self.process = subprocess.Popen(
            [executable, *flags, "--remote-debugging-pipe", f"--user-data-dir={self._profile}"],
            close_fds=False,  # fds 3 and 4 are made after the closing would be (pipes())
            preexec_fn=pipes,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(to_browser_r)
        os.close(from_browser_w)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        pending = b""
        while chunk := os.read(self._from_browser, 1 << 20):
            pending += chunk
            *messages, pending = pending.split(b"\0")
            for raw in messages:
                message = json.loads(raw)
                if "id" in message:  # an answer; events are not asked for, and ignored
                    with self._lock:
                        waiter = self._waiting.pop(message["id"], None)
                    if waiter is not None:
                        waiter[1].append(message)
                        waiter[0].set()

    def send(
        self, method: str, params: dict[str, Any] | None = None, session: str | None = None
    ) -> dict[str, Any]:
        """Send a command; return its result."""
        ident = next(self._ids)
        done: tuple[threading.Event, list[dict[str, Any]]] = (threading.Event(), [])
        with self._lock:
            self._waiting[ident] = done
        command: dict[str, Any] = {"id": ident, "method": method, "params": params or {}}
        if session:
            command["sessionId"] = session
        os.write(self._to_browser, json.dumps(command).encode() + b"\0")
        if not done[0].wait(600):
            raise CdpError(f"{method}: no answer in 600 s")
        answer = done[1][0]
        if "error" in answer:
            raise CdpError(f"{method}: {answer['error']}")
        result: dict[str, Any] = answer["result"]
        return result

    @contextmanager
    def context(self) -> Iterator[Context]:
        """A browser context of its own (no storage, no BroadcastChannel shared)."""
        ident = self.send("Target.createBrowserContext")["browserContextId"]
        try:
            yield Context(self, ident)
        finally:
            self.send("Target.disposeBrowserContext", {"browserContextId": ident})

    def close(self) -> None:
        with suppress(CdpError, OSError):
            self.send("Browser.close")
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        os.close(self._to_browser)
        shutil.rmtree(self._profile, ignore_errors=True)


class Context:
    """A browser context: pages in it share storage and BroadcastChannel."""

    def __init__(self, browser: Browser, ident: str) -> None:
        self.browser, self.ident = browser, ident

    def page(self, url: str) -> Page:
        """Open ``url`` in a new page; return once its document has loaded."""
        target = self.browser.send(
            "Target.createTarget", {"url": "about:blank", "browserContextId": self.ident}
        )["targetId"]
        session = self.browser.send("Target.attachToTarget", {"targetId": target, "flatten": True})
        page = Page(self.browser, session["sessionId"])
        self.browser.send("Page.navigate", {"url": url}, page.session)
        page.wait("document.readyState === 'complete' && location.href !== 'about:blank'")
        return page


class Page:
    """A page, through its session: evaluate expressions, awaited, values by JSON."""

    def __init__(self, browser: Browser, session: str) -> None:
        self.browser, self.session = browser, session

    def evaluate(self, expression: str) -> Any:
        """Evaluate ``expression`` (a promise is awaited); return its value."""
        result = self.browser.send(
            "Runtime.evaluate",
            {"expression": expression, "awaitPromise": True, "returnByValue": True},
            self.session,
        )
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            said = details.get("exception", {}).get("description") or details.get("text")
            raise CdpError(f"{expression[:80]}: {said}")
        return result["result"].get("value")

    def wait(self, expression: str, timeout: float = 120) -> Any:
        """Wait until ``expression`` is truthy (polled in the page); return it."""
        late = json.dumps("timed out: " + expression)
        return self.evaluate(
            f"""new Promise((resolve, reject) => {{
                const until = Date.now() + {timeout * 1000};
                const poll = () => {{
                  let value;
                  try {{ value = ({expression}); }} catch (e) {{ value = undefined; }}
                  if (value) resolve(value);
                  else if (Date.now() > until) reject(new Error({late}));
                  else setTimeout(poll, 20);
                }};
                poll();
            }})"""
        )
