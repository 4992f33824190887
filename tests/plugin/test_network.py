"""The network's conditions in the browser, through our pytest plugin, on a real app
(tests/apps/pingboard): every frame goes through webxdc.js, the core under Pyodide and
BroadcastChannel; the conditions reach every peer from one."""

from __future__ import annotations

import time
from typing import Any

import pytest

from cli.conftest import PINGBOARD

pytestmark = pytest.mark.browser
NETWORK_IS_THE_CORES = (
    "the network's verdicts are the core's (the same wasm in both engines), carried out by"
    " timers; Firefox's delivery is tested by the partition and offline tests here, and the"
    " demo's test"
)


def pings(peer: Any) -> list[str]:
    got: list[str] = peer.evaluate("fixture.pings")
    return got


def send(peer: Any, *texts: str) -> None:
    peer.evaluate("(texts) => texts.forEach((t) => fixture.send(t))", list(texts))


def dropped(peer: Any) -> dict[str, int]:
    stats: dict[str, int] = peer.evaluate("webxdcRealtime.stats().dropped")
    return stats


def test_a_partition_stops_frames_both_ways_and_heals(webxdc_app: Any) -> None:
    app = webxdc_app(PINGBOARD, peers=3)
    ada, ben, cleo = app.peers
    state = app.network.partition([ada, ben], [cleo])
    assert state["partitions"] == [sorted([ada.addr, ben.addr]), [cleo.addr]]
    send(ada, "a1")
    send(cleo, "c1")
    ben.wait_for("fixture.pings.length >= 1")
    time.sleep(0.3)  # what crosses the partition would be there by now
    assert pings(ben) == ["a1"]
    assert pings(cleo) == []
    assert pings(ada) == []
    assert dropped(cleo) == {"net_partition": 1}
    assert dropped(ada) == {"net_partition": 1}
    app.network.heal()
    send(ada, "a2")
    send(cleo, "c2")
    cleo.wait_for("fixture.pings.includes('a2')")
    ada.wait_for("fixture.pings.includes('c2')")
    assert pings(cleo) == ["a2"]
    assert pings(ada) == ["c2"]


def received_under_loss(webxdc_app: Any, seed: int) -> list[int]:
    app = webxdc_app(PINGBOARD, peers=2)
    ada, ben = app.peers
    app.network.set(loss=0.3, seed=seed)
    send(ada, *(str(i) for i in range(200)), "end")
    app.network.reset()
    send(ada, "after")  # not lost: the last frame, once a perfect network is back
    ben.wait_for("fixture.pings.includes('after')")
    return [int(p) for p in pings(ben) if p.isdigit()]


@pytest.mark.engines("chromium", reason=NETWORK_IS_THE_CORES)
def test_loss_drops_about_its_share_and_the_same_frames_again_with_the_same_seed(
    webxdc_app: Any,
) -> None:
    first = received_under_loss(webxdc_app, seed=5)
    assert 120 <= len(first) <= 160  # about 70 % of 200 get through
    assert first == sorted(first)  # loss does not reorder
    assert received_under_loss(webxdc_app, seed=5) == first  # a second run, a new context
    assert received_under_loss(webxdc_app, seed=6) != first


def test_an_offline_peer_gets_what_was_held_in_order_when_it_is_back(webxdc_app: Any) -> None:
    app = webxdc_app(PINGBOARD, peers=3)
    ada, ben, cleo = app.peers
    app.network.offline(ben)
    send(ada, "1", "2", "3")
    send(cleo, "4")
    ada.wait_for("fixture.pings.length >= 1")
    cleo.wait_for("fixture.pings.length >= 3")
    time.sleep(0.3)
    assert pings(ben) == []
    assert ben.evaluate("webxdcRealtime.stats().frames_held") == 4
    app.network.online(ben)
    ben.wait_for("fixture.pings.length >= 4")
    assert pings(ben) == ["1", "2", "3", "4"]


@pytest.mark.engines("chromium", reason=NETWORK_IS_THE_CORES)
def test_updates_are_held_across_a_partition_never_lost(webxdc_app: Any) -> None:
    app = webxdc_app(PINGBOARD, peers=2)
    ada, ben = app.peers
    for peer in (ada, ben):
        peer.wait_for("fixture.ready")
    app.network.partition([ada], [ben])
    ada.frame.click("#add")
    ada.wait_for("fixture.notes.length >= 1")
    time.sleep(0.3)
    assert ben.evaluate("fixture.notes.length") == 0
    app.network.heal()
    ben.wait_for("fixture.notes.length >= 1")
    assert ben.evaluate("fixture.notes.map((n) => [n.payload.n, n.serial])") == [[1, 1]]


@pytest.mark.engines("chromium", reason=NETWORK_IS_THE_CORES)
def test_delays_hold_frames_back(webxdc_app: Any) -> None:
    app = webxdc_app(PINGBOARD, peers=2)
    ada, ben = app.peers
    app.network.link(ada, ben, delay=1500)
    send(ada, "late")
    send(ben, "on time")
    ada.wait_for("fixture.pings.length >= 1")
    assert pings(ben) == []  # still on its way
    ben.wait_for("fixture.pings.length >= 1")
    assert pings(ben) == ["late"]
    assert ben.evaluate("webxdcRealtime.stats().frames_delayed") == 1


def test_a_bad_condition_is_refused_naming_it(webxdc_app: Any) -> None:
    app = webxdc_app(PINGBOARD, peers=1)
    (ada,) = app.peers
    error = ada.evaluate(
        "webxdcRealtime.network.set({loss: 2}).then(() => 'set', (e) => e.message)"
    )
    assert error == "webxdc realtime: network: loss must be a share from 0 to 1, not 2"
