"""The network model: what each condition does to frames, for one seed, every run."""

from __future__ import annotations

import itertools
import statistics

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from webxdc_realtime.core.network import (
    NOW,
    Conditions,
    Network,
    NetworkError,
    NetworkState,
    Verdict,
)
from webxdc_realtime.core.network_forms import (
    parse_net,
    state_from_json,
    to_json,
    to_net,
    with_changes,
)


def frames(n: int) -> list[bytes]:
    return [b"peer-id!" + i.to_bytes(4, "big") for i in range(n)]


def judge_all(
    state: NetworkState, n: int = 2000, sender: str = "ada", me: str = "ben"
) -> list[Verdict | int]:
    network = Network(me, state)
    return [network.judge(sender, f, 16, now=float(i)) for i, f in enumerate(frames(n))]


def test_a_perfect_network_delivers_everything_at_once() -> None:
    assert NetworkState().perfect
    assert set(judge_all(NetworkState(), 100)) == {NOW}


def test_loss_drops_its_share_the_same_frames_for_a_seed_others_for_another() -> None:
    state = NetworkState(seed=7, all=Conditions(loss=0.3))
    first = [v.reason for v in judge_all(state)]  # type: ignore[union-attr]
    assert 0.27 < first.count("loss") / len(first) < 0.33
    assert [v.reason for v in judge_all(state)] == first  # type: ignore[union-attr]
    other = [v.reason for v in judge_all(NetworkState(seed=8, all=Conditions(loss=0.3)))]  # type: ignore[union-attr]
    assert other != first


def test_delay_and_jitter_spread_frames_and_reorder_them() -> None:
    state = NetworkState(seed=1, all=Conditions(delay=100, jitter=40))
    verdicts = judge_all(state, 3000)
    delays = [v.delays[0] for v in verdicts]  # type: ignore[union-attr]
    assert min(delays) >= 60 and max(delays) <= 140
    assert 97 < statistics.mean(delays) < 103
    arrivals = [i + d for i, d in enumerate(delays)]  # frame i arrives at i ms
    reordered = sum(1 for a, b in itertools.pairwise(arrivals) if b < a)
    assert reordered > 1000  # jitter of 40 ms on frames 1 ms apart reorders most
    fixed = [v.delays[0] for v in judge_all(NetworkState(all=Conditions(delay=100)), 100)]  # type: ignore[union-attr]
    assert set(fixed) == {100.0}


def test_duplicates_are_delivered_twice() -> None:
    verdicts = judge_all(NetworkState(seed=3, all=Conditions(duplicate=0.1)), 5000)
    twice = [v for v in verdicts if len(v.delays) == 2]  # type: ignore[union-attr]
    assert 0.08 < len(twice) / 5000 < 0.12
    assert twice[0].delays == (0.0, 1.0)  # type: ignore[union-attr]


def test_bandwidth_queues_the_frames_of_a_link() -> None:
    network = Network("ben", NetworkState(all=Conditions(bandwidth=1000)))  # 1000 B/s
    first = network.judge("ada", b"1", 100, now=0)
    second = network.judge("ada", b"2", 100, now=0)
    other = network.judge("cleo", b"3", 100, now=0)
    assert (first.delays, second.delays, other.delays) == ((100.0,), (200.0,), (100.0,))  # type: ignore[union-attr]
    later = network.judge("ada", b"4", 100, now=1000)
    assert later.delays == (100.0,)  # type: ignore[union-attr]


def test_a_link_has_conditions_of_its_own_one_way() -> None:
    state = NetworkState(all=Conditions(delay=10), links={("ada", "ben"): Conditions(loss=1.0)})
    assert Network("ben", state).judge("ada", b"x", 1, 0) == Verdict((), reason="loss")
    assert Network("ada", state).judge("ben", b"x", 1, 0) == Verdict((10.0,))
    assert Network("ben", state).judge("cleo", b"x", 1, 0) == Verdict((10.0,))


def test_a_partition_drops_both_ways_and_spares_whom_it_does_not_name() -> None:
    state = NetworkState(partitions=(frozenset({"ada", "ben"}), frozenset({"cleo"})))
    apart = Verdict((), reason="partition")
    assert Network("cleo", state).judge("ada", b"x", 1, 0) == apart
    assert Network("ada", state).judge("cleo", b"x", 1, 0) == apart
    assert Network("ben", state).judge("ada", b"x", 1, 0) == NOW
    assert Network("dan", state).judge("cleo", b"x", 1, 0) == NOW


def test_updates_are_held_across_a_partition_and_released_when_it_heals() -> None:
    network = Network("cleo", NetworkState(partitions=(frozenset({"ada"}), frozenset({"cleo"}))))
    held = network.judge("ada", b"u1", 1, 0, reliable=True)
    assert isinstance(held, int)
    assert network.set(NetworkState()) == ([held], [])


def test_an_offline_peer_holds_frames_and_releases_them_in_order() -> None:
    ben = Network("ben", NetworkState(offline={"ben": "hold"}))
    held = [ben.judge("ada", f, 1, float(i)) for i, f in enumerate(frames(5))]
    assert all(isinstance(h, int) for h in held)
    from_ben = Network("cleo", NetworkState(offline={"ben": "hold"})).judge("ben", b"x", 1, 0)
    assert isinstance(from_ben, int)  # its sends are held too
    assert ben.set(NetworkState(offline={"ben": "hold"})) == ([], [])  # still offline
    assert ben.set(NetworkState()) == (held, [])


def test_offline_with_drop_drops_and_forgets_what_was_held() -> None:
    ben = Network("ben", NetworkState(offline={"ben": "hold"}))
    held = ben.judge("ada", b"x", 1, 0)
    assert ben.set(NetworkState(offline={"ben": "drop"})) == ([], [held])
    assert ben.judge("ada", b"y", 1, 0) == Verdict((), reason="offline")
    assert isinstance(ben.judge("ada", b"u", 1, 0, reliable=True), int)  # updates: never lost


def test_updates_are_neither_lost_nor_duplicated() -> None:
    network = Network("ben", NetworkState(all=Conditions(loss=1.0, duplicate=1.0, delay=5)))
    assert network.judge("ada", b"u", 1, 0, reliable=True) == Verdict((5.0,))


@settings(max_examples=50)
@given(seed=st.integers(0, 2**31), loss=st.floats(0, 1), jitter=st.floats(0, 500))
def test_one_seed_gives_the_same_verdicts_whatever_the_clock(
    seed: int, loss: float, jitter: float
) -> None:
    state = NetworkState(seed=seed, all=Conditions(loss=loss, jitter=jitter, delay=50))
    a, b = Network("ben", state), Network("ben", state)
    for i, f in enumerate(frames(50)):
        assert a.judge("ada", f, 10, now=i) == b.judge("ada", f, 10, now=i * 37.5 + 1000)


# The URL grammar and the JSON form


def test_the_url_grammar() -> None:
    state = parse_net(
        "delay=100ms; jitter=0.05s; loss=30%; dup=5%; bw=64kB/s; seed=7;"
        "link=ada@x>ben@x, loss=100%, delay=1s; partition=ada@x,ben@x|cleo@x; offline=dan@x;"
        "offline=eve@x:drop"
    )
    assert state.seed == 7
    assert state.all == Conditions(delay=100, jitter=50, loss=0.3, duplicate=0.05, bandwidth=64000)
    assert state.links == {("ada@x", "ben@x"): Conditions(loss=1.0, delay=1000)}
    assert state.partitions == (frozenset({"ada@x", "ben@x"}), frozenset({"cleo@x"}))
    assert state.offline == {"dan@x": "hold", "eve@x": "drop"}
    assert parse_net("") == NetworkState()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("speed=3", "unknown condition 'speed'"),
        ("loss=lots", "loss takes a number"),
        ("loss=150%", "loss must be a share from 0 to 1"),
        ("delay=5km", "delay takes a number (units: ms, s)"),
        ("seed=x", "seed must be a whole number"),
        ("link=ada", "a link is written link=FROM>TO"),
        ("offline=ben:later", "offline takes ADDR or ADDR:hold or ADDR:drop"),
    ],
)
def test_the_url_grammar_names_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(NetworkError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_net(text)


ADDRS = st.sampled_from(["ada@x", "ben@x", "cleo@x", "dan@x"])
CONDITIONS = st.fixed_dictionaries(
    {},
    optional={
        "delay": st.floats(0, 10_000),
        "jitter": st.floats(0, 1_000),
        "loss": st.floats(0, 1),
        "duplicate": st.floats(0, 1),
        "bandwidth": st.floats(1, 1e9),
    },
)
STATES = st.fixed_dictionaries(
    {},
    optional={
        "seed": st.integers(0, 2**31),
        "all": CONDITIONS,
        "links": st.lists(
            st.tuples(ADDRS, ADDRS, CONDITIONS).map(lambda t: {"from": t[0], "to": t[1], **t[2]}),
            max_size=3,
        ),
        "partitions": st.lists(st.lists(ADDRS, min_size=1, max_size=2, unique=True), max_size=2),
        "offline": st.dictionaries(ADDRS, st.sampled_from(["hold", "drop"]), max_size=2),
        "connect": st.lists(st.floats(0, 10_000), min_size=2, max_size=2).map(sorted),
    },
)


@given(value=STATES)
def test_the_url_grammar_writes_any_state_as_it_reads_it(value: dict[str, object]) -> None:
    """A trace's network given to a new run (``run --net-from``) is the same network."""
    state = state_from_json(value)
    assert parse_net(to_net(state)) == state
    assert parse_net(to_json(state)) == state  # the JSON form, too (a trace's)


def test_the_json_form_round_trips() -> None:
    state = parse_net("delay=5;link=a>b,loss=50%;partition=a|b;offline=c;seed=3")
    assert state_from_json(state.export()) == state
    assert to_json(NetworkState()) == (
        '{"all": {}, "links": [], "offline": {}, "partitions": [], "seed": 0}'
    )


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ([], "a network state must be an object"),
        ({"speed": 1}, "unknown network setting 'speed'"),
        ({"seed": "1"}, "seed must be an integer"),
        ({"all": []}, "all must be an object of conditions"),
        ({"all": {"latency": 1}}, "all: unknown condition 'latency'"),
        ({"all": {"delay": -1}}, "delay must be a number of milliseconds >= 0"),
        ({"all": {"bandwidth": 0}}, "bandwidth must be bytes per second > 0"),
        ({"all": {"loss": True}}, "loss must be a share"),
        ({"links": [{"from": "a"}]}, 'a link needs "from" and "to"'),
        ({"partitions": ["a"]}, "partitions must be lists of addresses"),
        ({"offline": {"a": "sleep"}}, 'offline must map addresses to "hold" or "drop"'),
    ],
)
def test_a_bad_state_is_refused_with_why(value: object, message: str) -> None:
    with pytest.raises(NetworkError, match=message):
        state_from_json(value)


def test_the_changes_of_the_js_api() -> None:
    state = with_changes(NetworkState(), {"set": {"loss": 0.3, "seed": 9}})
    assert (state.seed, state.all) == (9, Conditions(loss=0.3))
    state = with_changes(state, {"set": {"delay": 20}})
    assert state.all == Conditions(loss=0.3, delay=20)  # merged
    state = with_changes(state, {"link": ["a", "b", {"loss": 1}]})
    assert state.links == {("a", "b"): Conditions(loss=1)}
    assert with_changes(state, {"link": ["a", "b", None]}).links == {}
    state = with_changes(state, {"partition": [["a"], ["b", "c"]]})
    assert state.apart("a", "c") and not state.apart("b", "c")
    assert with_changes(state, {"heal": True}).partitions == ()
    state = with_changes(state, {"offline": ["b", "drop"]})
    assert state.offline == {"b": "drop"}
    assert with_changes(state, {"online": "b"}).offline == {}
    assert with_changes(state, {"reset": True}) == NetworkState(seed=9)
    assert with_changes(state, {"state": {"seed": 1}}) == NetworkState(seed=1)
    assert not state.perfect


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({}, "one operation"),
        ({"fly": 1}, "unknown network change 'fly'"),
        ({"set": 3}, "set takes an object"),
        ({"set": {"seed": 1.5}}, "seed must be an integer"),
        ({"link": ["a"]}, "link takes"),
        ({"offline": "a"}, "offline takes"),
        ({"offline": ["a", "nap"]}, 'offline mode must be "hold" or "drop"'),
    ],
)
def test_a_bad_change_is_refused_with_why(change: dict[str, object], message: str) -> None:
    with pytest.raises(NetworkError, match=message):
        with_changes(NetworkState(), change)
