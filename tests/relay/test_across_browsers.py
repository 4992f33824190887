"""Peers across browsers: a page in Firefox and a page in Chromium, in one chat through the
relay. Realtime frames and updates cross both ways, each once."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from browser.conftest import Tab, wait_for
from webxdc_realtime.host.relay import Relay

from .test_relay import relayed

pytestmark = pytest.mark.browser


@pytest.fixture
def both(chromium: Any, firefox: Any, site: str) -> Iterator[dict[str, Any]]:
    """A fresh context in each browser."""
    contexts = {"chromium": chromium.new_context(), "firefox": firefox.new_context()}
    try:
        yield contexts
    finally:
        for context in contexts.values():
            context.close()


def open_tab(context: Any, url: str) -> Tab:
    tab = Tab(context.new_page())
    tab.page.goto(url)
    tab.wait_live()
    return tab


def test_a_firefox_peer_and_a_chromium_peer_share_frames_and_updates(
    relay: Relay, both: dict[str, Any], site: str
) -> None:
    pages = "/tests/browser/pages/"
    chat = f"across-{time.monotonic_ns()}"
    ada = open_tab(both["firefox"], site + pages + relayed(relay, chat, "api.html", "ada@firefox"))
    ben = open_tab(
        both["chromium"], site + pages + relayed(relay, chat, "api.html", "ben@chromium")
    )
    assert "Firefox" in ada.js("navigator.userAgent")
    assert "Chrome" in ben.js("navigator.userAgent")
    for tab in (ada, ben):
        assert wait_for(lambda tab=tab: tab.js("webxdcRealtime.relay.status") == "connected")
        tab.js("T.join()")
    assert wait_for(lambda: ada.stats()["peers"] == 1 and ben.stats()["peers"] == 1, timeout=15)
    assert ada.stats()["names"] == ["ben@chromium"]
    assert ben.stats()["names"] == ["ada@firefox"]
    # Realtime, both ways, each frame once (a relay is the only way between two browsers).
    for i in range(5):
        ada.js(f"T.send([1, {i}])")
        ben.js(f"T.send([2, {i}])")
    assert wait_for(lambda: ada.js("T.got.length") >= 5 and ben.js("T.got.length") >= 5)
    time.sleep(0.3)  # nothing more comes
    assert ben.js("T.arrays()") == [[1, i] for i in range(5)]
    assert ada.js("T.arrays()") == [[2, i] for i in range(5)]
    # Updates, both ways, each once, serials per peer.
    assert wait_for(lambda: ada.js("U.ready") and ben.js("U.ready"))
    ada.js("webxdc.sendUpdate({payload: 'from firefox'})")
    assert wait_for(lambda: ben.js("U.got.length") == 1)
    ben.js("webxdc.sendUpdate({payload: 'from chromium'})")
    assert wait_for(lambda: ada.js("U.got.length") == 2 and ben.js("U.got.length") == 2)
    time.sleep(0.3)
    for tab in (ada, ben):
        got = tab.js("U.got.map((u) => [u.payload, u.serial, u.max_serial])")
        assert got == [["from firefox", 1, 1], ["from chromium", 2, 2]], got
