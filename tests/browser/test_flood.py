"""A foreign page floods the channel with garbage and replays while two peers talk."""

from __future__ import annotations

from typing import Any

from webxdc_realtime import Scope

from .conftest import wait_for
from .test_multitab import joined

TALK = """([tag, from, count]) => {
    let i = from;
    const step = () => {
        for (let k = 0; k < 10 && i < count; k++, i++) T.send([tag, i >> 8, i & 255, 7, 7, 7]);
        if (i < count) setTimeout(step, 40);
    };
    step();
    return true;
}"""


def test_peers_keep_talking_through_a_flood_of_garbage_and_replays(tabs: Any, fresh: Any) -> None:
    a, b = tabs(2)
    errors: list[str] = []
    for tab in (a, b):
        tab.page.on("pageerror", lambda error: errors.append(str(error)))
    joined(a, b)
    config = a.js("webxdcRealtime.config")
    name = Scope(config["chatId"], config["instanceId"]).channel_name
    foreign = fresh("garbage.html", wait=False)
    foreign.js("(name) => listen(name)", name)
    # Each peer's first ten frames (two messages each) recorded, then the flood, and the rest.
    count = 300
    a.js(TALK, [65, 0, 10])
    b.js(TALK, [66, 0, 10])
    assert wait_for(lambda: foreign.js("flood.recorded") >= 4), foreign.js("flood")
    foreign.js("([ms, atLeast]) => startFlood(ms, atLeast)", [2500, 10_000])
    a.js(TALK, [65, 10, count])
    b.js(TALK, [66, 10, count])
    for tab in (a, b):
        wait_for(lambda tab=tab: tab.js("T.got.length") >= count, timeout=60)
    wait_for(lambda: foreign.js("flood.done"), timeout=60)
    # Each peer got the other's frames: all, once each, in order, and nothing else.
    expected_b = [[65, i >> 8, i & 255, 7, 7, 7] for i in range(count)]
    expected_a = [[66, i >> 8, i & 255, 7, 7, 7] for i in range(count)]
    assert b.js("T.arrays()") == expected_b
    assert a.js("T.arrays()") == expected_a
    flood = foreign.js("flood")
    assert flood["posted"] >= 10_000 and flood["recorded"] > 0, flood
    for tab in (a, b):
        dropped = tab.stats()["dropped"]
        assert dropped.get("malformed", 0) > 1000, dropped
        assert dropped.get("twice", 0) > 100, dropped
        assert tab.stats()["frames_delivered"] == count
        assert [text for kind, text in tab.log() if kind == "error"] == []
    assert errors == []
