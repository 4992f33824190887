"""The connection phase (``connect``): data between two peers is lost until their pair is
connected, a while after one of them joins; the ``deltachat`` preset."""

from __future__ import annotations

import pytest

from webxdc_realtime import DropReason
from webxdc_realtime.core.network import NOW, Conditions, Network, NetworkError, NetworkState
from webxdc_realtime.core.network_forms import (
    PRESETS,
    parse_net,
    state_from_json,
    to_json,
    with_changes,
)

from .link import Link, Tab

TWO_S = NetworkState(connect=(2000.0, 2000.0))


def joined(link: Link, addr: str, state: NetworkState) -> Tab:
    """A tab that has the network's conditions before it joins, as a page under ``?net=``."""
    tab = link.tab(addr=addr)
    tab.endpoint.set_network(state)
    return tab.join()


# -- The model ------------------------------------------------------------------------------------


def test_data_is_dropped_until_the_pair_is_connected_announcements_and_updates_pass() -> None:
    ben = Network("ben", TWO_S)
    assert ben.judge("ada", b"f1", 16, now=0.0).reason == "not_connected"  # type: ignore[union-attr]
    assert ben.judge("ada", b"a1", 16, now=0.0, announcement=True) == NOW
    assert ben.judge("ada", b"u1", 16, now=0.0, reliable=True) == NOW  # updates: the chat
    ben.met("ada", 100.0)
    assert ben.connecting(100.0) == ["ada"]
    assert ben.judge("ada", b"f2", 16, now=2099.0).reason == "not_connected"  # type: ignore[union-attr]
    assert ben.judge("ada", b"f3", 16, now=2100.0) == NOW
    assert ben.connecting(2100.0) == []


def test_a_range_is_drawn_per_pair_the_same_at_both_ends_and_for_a_seed() -> None:
    state = NetworkState(seed=4, connect=(1000.0, 4000.0))
    names = [f"peer{i}" for i in range(40)]

    def delay(me: str, other: str, seed: int = 4) -> float:
        network = Network(me, NetworkState(seed=seed, connect=state.connect))
        network.met(other, 0.0)
        at = network.connected_at(other)
        assert at is not None
        return at

    delays = [delay("ada", name) for name in names]
    assert all(1000.0 <= d <= 4000.0 for d in delays)
    assert max(delays) - min(delays) > 2000.0  # spread over the range
    assert delays == [delay(name, "ada") for name in names]  # both ends agree
    assert delays != [delay("ada", name, seed=5) for name in names]


def test_an_answer_to_a_third_peers_join_does_not_start_a_pair_again() -> None:
    ben = Network("ben", TWO_S)
    ben.met("ada", 0.0)
    ben.met("ada", 5000.0, anew=False)  # ada answers cleo's join
    assert ben.connected_at("ada") == 2000.0
    ben.met("ada", 5000.0)  # ada joined again
    assert ben.connected_at("ada") == 7000.0
    ben.forget("ada")
    assert ben.connected_at("ada") is None


# -- Between cores --------------------------------------------------------------------------------


def test_a_hello_sent_at_join_is_lost_both_ways_and_one_sent_later_arrives() -> None:
    link = Link()
    ada = joined(link, "ada", TWO_S)
    ben = joined(link, "ben", TWO_S)
    assert ada.endpoint.peers and ben.endpoint.peers  # the advertisement went through
    ben.send(b"hello from ben")
    ada.send(b"hello from ada")
    assert ada.received == [] and ben.received == []
    assert ada.endpoint.counters.dropped[DropReason.NET_NOT_CONNECTED.value] == 1
    assert ben.endpoint.connecting(link.now) == ["ada"]
    link.run(2000)
    ben.send(b"again")
    ada.send(b"again")
    assert ada.received == [b"again"] and ben.received == [b"again"]
    assert ben.endpoint.connecting(link.now) == []


def test_joining_again_starts_the_connection_phase_again() -> None:
    link = Link()
    ada = joined(link, "ada", TWO_S)
    ben = joined(link, "ben", TWO_S)
    link.run(3000)
    ben.leave()
    ben.join()
    ada.send(b"lost")
    link.run(4999)
    ada.send(b"lost too")
    link.run(5000)
    ada.send(b"kept")
    assert ben.received == [b"kept"]


def test_a_third_peer_connects_on_its_own_and_leaves_the_others_connected() -> None:
    link = Link()
    ada = joined(link, "ada", TWO_S)
    ben = joined(link, "ben", TWO_S)
    link.run(2500)
    cleo = joined(link, "cleo", TWO_S)
    ada.send(b"to both")
    assert ben.received == [b"to both"]
    assert cleo.received == []
    assert sorted(cleo.endpoint.connecting(link.now)) == ["ada", "ben"]


def test_peers_known_before_the_phase_is_set_are_connected_already() -> None:
    link = Link()
    ada = link.tab(addr="ada").join()
    ben = link.tab(addr="ben").join()
    for tab in (ada, ben):
        tab.set_network(TWO_S)
    ada.send(b"x")
    assert ben.received == [b"x"]


def test_updates_are_not_affected() -> None:
    link = Link()
    joined(link, "ada", TWO_S)
    ben = joined(link, "ben", TWO_S)
    assert ben.endpoint.judge_update("ada", "uid-1", 100, 0.0) == NOW


# -- The forms ------------------------------------------------------------------------------------


def test_the_grammar_of_connect_and_the_preset() -> None:
    assert parse_net("connect=2s").connect == (2000.0, 2000.0)
    assert parse_net("connect=1s..4s").connect == (1000.0, 4000.0)
    assert parse_net("connect=500").connect == (500.0, 500.0)
    assert parse_net("connect=250ms..1.5s").connect == (250.0, 1500.0)
    assert parse_net("deltachat") == PRESETS["deltachat"]
    tuned = parse_net("deltachat; loss=5%; connect=3s")
    assert tuned.all == Conditions(delay=80, jitter=40, loss=0.05)
    assert tuned.connect == (3000.0, 3000.0)
    assert not PRESETS["deltachat"].perfect


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("connect=soon", "connect takes a time or a range of times (500ms, 2s, 1s..4s)"),
        ("connect=4s..1s", "connect must be a range of milliseconds, low to high"),
        ("deltachatt", "presets: deltachat"),
    ],
)
def test_the_grammar_names_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(NetworkError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_net(text)


def test_the_json_form_and_the_changes() -> None:
    state = parse_net("deltachat; seed=3")
    assert state_from_json(state.export()) == state
    assert '"connect": [1000.0, 4000.0]' in to_json(state)
    assert state_from_json({"connect": 2000}).connect == (2000.0, 2000.0)
    state = with_changes(NetworkState(seed=7), {"preset": "deltachat"})
    assert state == NetworkState(seed=7, all=PRESETS["deltachat"].all, connect=(1000.0, 4000.0))
    assert with_changes(state, {"set": {"connect": None}}).connect is None
    assert with_changes(state, {"set": {"connect": [0, 500]}}).connect == (0.0, 500.0)
    assert with_changes(state, {"reset": True}) == NetworkState(seed=7)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"preset": "whatsapp"}, "unknown preset 'whatsapp' (known: deltachat)"),
        ({"set": {"connect": "2s"}}, "connect takes milliseconds or [low, high]"),
        ({"set": {"connect": [3, 1]}}, "connect must be a range of milliseconds"),
        ({"state": {"connect": [-1, 1]}}, "connect must be a range of milliseconds"),
    ],
)
def test_a_bad_connect_or_preset_is_refused_with_why(
    change: dict[str, object], message: str
) -> None:
    with pytest.raises(
        NetworkError,
        match=message.replace("(", r"\(")
        .replace(")", r"\)")
        .replace("[", r"\[")
        .replace("]", r"\]"),
    ):
        with_changes(NetworkState(), change)
