"""The network's conditions between cores: what peers receive, hold and drop, by name."""

from __future__ import annotations

import contextlib
from collections.abc import Callable

import pytest

from webxdc_realtime import PROFILES, DropReason, LocalProtocolError
from webxdc_realtime.core.network import Conditions, NetworkState
from webxdc_realtime.core.network_forms import parse_net

from .link import Link, Tab


def three() -> tuple[Link, Tab, Tab, Tab]:
    link = Link()
    return (link, *(link.tab(addr=name).join() for name in ("ada", "ben", "cleo")))  # type: ignore[return-value]


def everyone(tabs: tuple[Tab, ...], state: NetworkState) -> None:
    for tab in tabs:
        tab.set_network(state)


def test_peers_learn_each_others_addresses_from_their_announcements() -> None:
    _, ada, _ben, cleo = three()
    assert sorted(ada.endpoint.names.values()) == ["ben", "cleo"]  # from their joins
    assert sorted(cleo.endpoint.names.values()) == ["ada", "ben"]  # from the answers


def test_a_partition_stops_frames_both_ways_and_heals() -> None:
    _, ada, ben, cleo = three()
    everyone((ada, ben, cleo), parse_net("partition=ada,ben|cleo"))
    ada.send(b"to all")
    cleo.send(b"from cleo")
    assert ben.received == [b"to all"]
    assert cleo.received == []
    assert ada.received == []
    assert cleo.endpoint.counters.dropped[DropReason.NET_PARTITION.value] == 1
    everyone((ada, ben, cleo), NetworkState())
    ada.send(b"healed")
    assert cleo.received == [b"healed"]
    assert cleo.endpoint.network is None  # a perfect network again: the fast path


def test_loss_takes_the_same_frames_on_every_run_of_a_seed() -> None:
    def run(seed: int) -> list[bytes]:
        _, ada, ben, _ = three()
        everyone((ada, ben), NetworkState(seed=seed, all=Conditions(loss=0.3)))
        for i in range(300):
            ada.send(i.to_bytes(2, "big"))
        return ben.received

    first = run(7)
    assert 180 < len(first) < 240  # about 70 % get through
    assert run(7) == first
    assert run(8) != first


def test_an_offline_peer_gets_what_was_held_in_order_when_back() -> None:
    _, ada, ben, cleo = three()
    everyone((ada, ben, cleo), parse_net("offline=ben"))
    for i in range(5):
        ada.send(bytes([i]))
    assert ben.received == []
    assert len(ben.held) == 5
    assert cleo.received == [bytes([i]) for i in range(5)]
    everyone((ada, ben, cleo), NetworkState())
    assert ben.received == [bytes([i]) for i in range(5)]
    assert ben.endpoint.counters.frames_held == 5


def test_an_offline_peer_with_drop_loses_what_was_sent_meanwhile() -> None:
    _, ada, ben, _ = three()
    everyone((ada, ben), parse_net("offline=ben:drop"))
    ada.send(b"lost")
    everyone((ada, ben), NetworkState())
    ada.send(b"kept")
    assert ben.received == [b"kept"]


def test_delays_and_jitter_deliver_late_and_out_of_order() -> None:
    link, ada, ben, _ = three()
    everyone((ada, ben), NetworkState(seed=2, all=Conditions(delay=100, jitter=90)))
    for i in range(50):
        ada.send(bytes([i]))
    link.run(9)
    assert ben.received == []  # nothing before 10 ms
    link.run()
    got = [b[0] for b in ben.received]
    assert sorted(got) == list(range(50))
    assert got != list(range(50))  # reordered by the jitter
    assert ben.endpoint.counters.frames_delayed == 50


def test_a_link_of_its_own() -> None:
    _, ada, ben, cleo = three()
    everyone((ada, ben, cleo), parse_net("link=ada>ben,loss=100%"))
    ada.send(b"x")
    ben.send(b"y")
    assert (ben.received, cleo.received, ada.received) == ([], [b"x", b"y"], [b"y"])
    assert ben.endpoint.counters.dropped[DropReason.NET_LOSS.value] == 1


def test_announcements_are_dropped_by_a_partition_never_delayed() -> None:
    link = Link()
    ada = link.tab(addr="ada").join()
    ada.set_network(parse_net("partition=ada|ben; delay=500"))
    ben = link.tab(addr="ben")
    ben.endpoint.set_network(parse_net("partition=ada|ben; delay=500"))
    ben.join()
    assert ada.endpoint.peers == set() and ben.endpoint.peers == set()
    cleo = link.tab(addr="cleo")
    cleo.endpoint.set_network(parse_net("partition=ada|ben; delay=500"))
    cleo.join()
    assert "cleo" in ada.endpoint.names.values()  # at once, despite the delay


def test_updates_are_judged_reliably() -> None:
    _, ada, ben, _ = three()
    ben.set_network(parse_net("loss=100%; delay=20"))
    assert ben.endpoint.judge_update("ada", "uid-1", 100, 0).delays == (20.0,)  # type: ignore[union-attr]
    ben.set_network(parse_net("offline=ada:drop"))
    assert isinstance(ben.endpoint.judge_update("ada", "uid-2", 100, 0), int)
    ada.set_network(NetworkState())
    assert ada.endpoint.judge_update("ben", "uid-3", 1, 0).delays == (0.0,)  # type: ignore[union-attr]


def test_an_announcement_in_two_parts_asks_for_its_payload() -> None:
    from webxdc_realtime import HEADER_SIZE, NeedsPayload, PeerJoined

    link = Link()
    ada = link.tab(addr="ada").join()
    ben = link.tab(addr="ben")
    ben.endpoint.join()
    (hello,) = ben.endpoint.take_outbox()
    header, payload = hello[:HEADER_SIZE], hello[HEADER_SIZE:]
    received = ada.endpoint.counters.frames_received
    assert ada.endpoint.receive_parts(header, len(payload)) == NeedsPayload()
    assert ada.endpoint.counters.frames_received == received  # not counted twice
    assert isinstance(ada.endpoint.receive_parts(header, len(payload), payload), PeerJoined)
    assert "ben" in ada.endpoint.names.values()


def test_frames_arriving_by_two_ways_reach_the_app_once() -> None:
    link = Link()
    ada = link.tab(addr="ada").join()
    ben = link.tab(addr="ben").join()
    ben.endpoint.set_dedupe(True)  # BroadcastChannel and a relay: every frame comes twice
    ada.send(b"x")
    ada.send(b"x")  # the same payload twice is two frames: both delivered (row 16)
    frames = [frame for _, frame in link.posted[-2:]]
    for frame in frames:
        ben.on_frame(frame)  # the second way
    assert ben.received == [b"x", b"x"]
    assert ben.endpoint.counters.dropped["twice"] == 2
    ada.leave()
    assert ben.endpoint.receiver._seen == {}  # forgotten with the peer
    ben.endpoint.set_dedupe(False)
    assert ben.endpoint.receiver._fast


def test_frames_heard_by_one_way_before_the_second_opens_are_not_delivered_again() -> None:
    # A page with a relay hears a peer of its browser on the BroadcastChannel only once one
    # is there: the receiver's fast path holds until then, and what came by the relay
    # before counts as seen when the copies by the other way come.
    link = Link()
    ada = link.tab(addr="ada").join()
    ben = link.tab(addr="ben").join()
    assert ben.endpoint.receiver._fast
    for text in (b"one", b"two", b"three"):
        ada.send(text)
    early = [frame for _, frame in link.posted[-3:]]
    ben.endpoint.set_dedupe(True)  # the second way opens
    assert not ben.endpoint.receiver._fast
    ben.on_frame(early[1])  # a copy, late, by the other way
    ada.send(b"four")
    ben.on_frame(link.posted[-1][1])  # and four by both
    assert ben.received == [b"one", b"two", b"three", b"four"]
    assert ben.endpoint.counters.dropped["twice"] == 2


def test_a_sender_is_remembered_for_its_last_4096_frames_only() -> None:
    link = Link()
    ada = link.tab(addr="ada").join()
    ben = link.tab(addr="ben").join()
    ben.endpoint.set_dedupe(True)
    ada.send(b"first")
    first = link.posted[-1][1]
    for _ in range(4096):
        ada.send(b".")
    ben.on_frame(first)  # so old that it is new again
    assert ben.received.count(b"first") == 2


CHANGES: dict[str, Callable[[Tab], object]] = {
    "nothing": lambda tab: None,
    "setListener(null)": lambda tab: tab.channel and tab.channel.set_listener("null"),
    "setListener(fn) again": lambda tab: tab.channel and tab.channel.set_listener("function"),
    "a second join": lambda tab: tab.endpoint.join(),
    "leave": lambda tab: tab.leave(),
}


@pytest.mark.parametrize("profile", sorted(PROFILES))
@pytest.mark.parametrize("change", sorted(CHANGES))
def test_a_delayed_or_held_frame_meets_the_page_as_it_is_when_its_time_comes(
    profile: str, change: str
) -> None:
    """The receiver's state when a frame's delay ends decides, as when it arrives then."""

    def outcome(how: str) -> tuple[list[bytes], int, dict[str, int]]:
        link = Link()
        ada, ben = (link.tab(addr=name, profile=profile).join() for name in ("ada", "ben"))
        if how == "delayed":
            everyone((ada, ben), NetworkState(all=Conditions(delay=50)))
        elif how == "held":
            everyone((ada, ben), NetworkState(offline={"ben": "hold"}))

        def make_change() -> None:
            # Refused as the profile says: nothing changed, in both runs alike.
            with contextlib.suppress(LocalProtocolError):
                CHANGES[change](ben)
            ben.flush()

        if how == "now":
            make_change()
            ada.send(b"x")
        else:
            ada.send(b"x")
            make_change()
            if how == "delayed":
                link.run()
            else:
                everyone((ada, ben), NetworkState())
        counters = ben.endpoint.counters
        dropped = {k: v for k, v in counters.dropped.items() if k in ("left", "no_listener")}
        return ben.received, counters.frames_delivered, dropped

    now = outcome("now")
    for how in ("delayed", "held"):
        got = outcome(how)
        if change == "leave":
            # Left, the page is off the channel: without a delay the frame never comes; with
            # one, it is in the glue's hands already, and dropped when due, as "left".
            assert got == (now[0], now[1], {"left": 1}), how
        else:
            assert got == now, how
