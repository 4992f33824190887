"""A real NATS relay (the nats-server binary), started and stopped by the tests, and pages
in browser contexts of their own: they share no BroadcastChannel, only the relay."""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from browser.conftest import Tab, serve
from cli.conftest import host_page  # noqa: F401 - a fixture, for `run --relay`
from webxdc_realtime.host.relay import Relay

ROOT = Path(__file__).resolve().parents[2]
PAGES = "/tests/browser/pages"


def no_nats_server_left(relay: Relay) -> None:
    for server in relay.servers:
        assert server.process is not None and server.process.poll() is not None, server
    pids = {str(s.process.pid) for s in relay.servers if s.process is not None}
    running = subprocess.run(["pgrep", "-x", "nats-server"], capture_output=True, text=True)
    assert not pids & set(running.stdout.split())


@pytest.fixture(scope="module")
def relay() -> Iterator[Relay]:
    servers = Relay().start()
    try:
        yield servers
    finally:
        servers.stop()
        no_nats_server_left(servers)


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
