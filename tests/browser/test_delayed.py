"""A frame the network delays is judged again by the core when its delay ends: what the
page did meanwhile (a listener that takes no data, a second join) decides, as it would
if the frame had arrived then. In real tabs, under every host profile."""

from __future__ import annotations

import time
from typing import Any

import pytest

from webxdc_realtime import PROFILES

from .conftest import wait_for

pytestmark = pytest.mark.browser

CHANGES = {
    "setListener(null)": "T.error(() => T.ch.setListener(null))",
    "a second join": "T.error(() => webxdc.joinRealtimeChannel())",
}
DELAY = 500  # ms


def outcome(a: Any, b: Any, change: str, delayed: bool) -> tuple[int, int, int, Any]:
    b.js("T.reset() && T.join()")  # a fresh stay, listening
    assert wait_for(lambda: a.stats()["peers"] == 1 and b.stats()["peers"] == 1)
    if delayed:
        a.js(f"webxdcRealtime.network.set({{delay: {DELAY}}})")
        assert wait_for(lambda: b.js("webxdcRealtime.network.state.all.delay") == DELAY)
        a.js("T.send([7])")
        error = b.js(CHANGES[change])  # before the delay ends
    else:
        error = b.js(CHANGES[change])
        a.js("T.send([7])")
    time.sleep((DELAY + 400) / 1000)
    stats = b.stats()
    assert stats["frames_delayed"] == (1 if delayed else 0)  # the frame was delayed, or not
    if delayed:
        a.js("webxdcRealtime.network.reset()")
        assert wait_for(lambda: not b.stats()["network"])
    return (
        b.js("T.got.length"),
        stats["frames_delivered"],
        stats["dropped"].get("no_listener", 0),
        error and error["message"],
    )


@pytest.mark.engines(
    "chromium",
    reason="what a delayed frame meets is decided by the core when it is due (the same wasm in"
    " both engines); Firefox's timers deliver delayed frames in the plugin's partition test",
)
@pytest.mark.parametrize("profile", sorted(PROFILES))
def test_what_the_page_did_during_a_delay_decides_as_without_one(fresh: Any, profile: str) -> None:
    url = f"app.html?chat=delayed-{profile}&profile={profile}"
    a = fresh(f"{url}#addr=a@x&name=A", wait=False)
    b = fresh(f"{url}#addr=b@x&name=B", wait=False)
    a.wait_live()
    b.wait_live()
    a.js("T.join()")
    b.js("T.join()")
    for change in CHANGES:
        without = outcome(a, b, change, delayed=False)
        with_delay = outcome(a, b, change, delayed=True)
        assert with_delay == without, (change, without, with_delay)
