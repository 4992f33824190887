"""One source of truth, proven: random call sequences through the core and the browser.

The call rules are a table in the Python core. Once Python is live the core decides
every call; before that, the JS glue decides with the same table, embedded in
webxdc.js. Hypothesis generates sequences of app calls (join; setListener with
functions and non-functions; send with Uint8Arrays, views, Arrays, ArrayBuffers,
strings, undefined..., sizes around 128000; leave; in any order, on any channel object
made so far) and runs each

- through the core in CPython (the oracle: ``tests/core/link.py``), and
- through the built ``dist/webxdc.js`` in Chromium, after Python is live, and before it
  (the page's runtime download held back until the calls are made),

under each host profile, and asserts, call by call, the same outcome (returned, or
threw with the same class and message), the same data delivered to a second tab, the
same errors logged, and that data sent to the page afterwards reaches the same listener.

A third kind runs call by call, each call in a task of its own, with frames from the second
tab between them (``receive``): lone sends and lone frames, which take what the core
decided ahead (``js_glue/webxdc/ahead.js``), interleaved with every change of state.

``DIFF_EXAMPLES`` sets the number of sequences per profile run after live (default 40);
a quarter of that, at least 5, run before live, each in a freshly loaded page; half of
it, at least 5, call by call. That many in Chromium; in Firefox, where the same JS decides,
an eighth of each, at least 1 (and the explicit examples, in full).
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from conftest import engine
from core.jsvalues import Descriptor, typeof
from core.link import Link
from webxdc_realtime import Channel, Data, Event, LocalProtocolError

from .conftest import PAGES, Pool, Tab, wait_for

# One worker for the module under pytest-xdist: what it makes once per module is costly.
pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("differential")]

EXAMPLES = int(os.environ.get("DIFF_EXAMPLES", "40"))
EXAMPLES_LOADING = max(5, EXAMPLES // 4)
EXAMPLES_INTERLEAVED = max(5, EXAMPLES // 2)
PROFILES = ["strict", "desktop", "mobile"]
PROBE = bytes([0xEE])
LOGGED = "webxdc realtime: realtime listener"

byte = st.integers(0, 255)
sizes = st.one_of(
    st.sampled_from([127999, 128000, 128001]),  # the limit's edge, often
    st.sampled_from([0, 1, 2, 8192, 8193, 131072]),  # empty, small, the carriers' edge, large
)
send_values = st.one_of(
    st.builds(lambda n, b: {"u8": n, "fill": b}, sizes, byte),
    st.builds(lambda n, b: {"u8": n, "fill": b}, st.sampled_from([0, 1, 3]), byte),
    st.builds(lambda n, b: {"view": n, "fill": b}, st.sampled_from([0, 3, 128000, 128001]), byte),
    st.lists(st.integers(-2, 257), max_size=4).map(lambda xs: {"array": xs}),
    st.lists(st.integers(0, 255), max_size=3).map(lambda xs: {"array": xs}),
    st.lists(st.integers(-3, 3), max_size=3).map(lambda xs: {"int8": xs}),
    st.integers(0, 4).map(lambda n: {"arraybuffer": n}),
    st.integers(0, 4).map(lambda n: {"dataview": n}),
    st.integers(0, 2).map(lambda n: {"arraylike": n}),
    st.text(alphabet="ab", max_size=3).map(lambda s: {"string": s}),
    st.sampled_from([0, 7, 1.5]).map(lambda x: {"number": x}),
    st.sampled_from(
        [
            {"boolean": True},
            {"object": True},
            {"function": True},
            {"null": True},
            {"undefined": True},
        ]
    ),
)
listener_values = st.one_of(
    st.just({"function": True}),
    st.just({"function": True}),
    st.sampled_from(
        [
            {"null": True},
            {"undefined": True},
            {"number": 42},
            {"string": "cb"},
            {"object": True},
            {"boolean": False},
        ]
    ),
)
slot = st.integers(0, 7)
calls = st.one_of(
    st.just(("join", 0, None)),
    st.tuples(st.just("setListener"), slot, listener_values),
    st.tuples(st.just("send"), slot, send_values),
    st.tuples(st.just("leave"), slot, st.none()),
)
sequences = st.lists(calls, min_size=1, max_size=12)
# Call by call, each in a task of its own, with frames from the peer between them: lone
# sends and lone frames, which take the decisions the core made ahead (ahead.js).
interleaved = st.lists(
    st.one_of(calls, st.tuples(st.just("receive"), st.integers(0, 3), st.none())),
    min_size=1,
    max_size=16,
)

# Always run too, under every profile: a sequence that reaches every rule of every table.
EVERY_RULE: list[tuple[str, int, Descriptor | None]] = [
    ("join", 0, None),
    ("join", 0, None),  # strict, desktop: throws; mobile: a second object, which receives
    ("setListener", 0, {"number": 42}),
    ("setListener", 0, {"null": True}),
    ("setListener", 1, {"function": True}),
    ("send", 0, {"u8": 128000, "fill": 1}),
    ("send", 0, {"u8": 128001, "fill": 2}),
    ("send", 0, {"view": 128001, "fill": 3}),
    ("send", 0, {"string": "ab"}),
    ("send", 0, {"undefined": True}),
    ("send", 0, {"null": True}),
    ("send", 1, {"array": [1, 2]}),
    ("send", 1, {"array": [1, 256]}),
    ("send", 0, {"arraybuffer": 2}),
    ("leave", 0, None),
    ("send", 0, {"u8": 1, "fill": 4}),  # mobile: re-joins
    ("setListener", 0, {"function": True}),
    ("leave", 0, None),
    ("leave", 0, None),
    ("join", 0, None),
    ("send", 1, {"u8": 3, "fill": 5}),
    ("setListener", 1, {"function": True}),
]

Op = tuple[str, int, Descriptor | None]
RECEIVE: Op = ("receive", 2, None)


def digest(payload: bytes) -> list[int]:
    """As the browser harness's S.digest."""
    if not payload:
        return [0, 0, -1, -1]
    return [len(payload), sum(payload) % 65536, payload[0], payload[-1]]


@dataclass
class Run:
    """What a sequence did, as the app and a second tab see it.

    ``probe``: what the app's listeners got, [channel slot, setListener call], from the
    frames of ``receive`` calls, then the probe; ``got_after``: how many of those after
    each call (not compared: for the browser run to wait on).
    """

    outcomes: list[object] = field(default_factory=list)
    delivered: list[list[int]] = field(default_factory=list)
    logged: list[str] = field(default_factory=list)
    probe: list[list[int]] = field(default_factory=list)
    probe_threw: bool = False
    got_after: list[int] = field(default_factory=list, compare=False)


def oracle(profile: str, ops: list[Op]) -> Run:
    """The sequence through the core in CPython, driven as the glue drives it."""
    link = Link()
    peer = link.tab().join()
    app = link.tab(profile=profile)
    run = Run()
    channels: list[Channel] = []
    listener_set_at: dict[int, int] = {}

    def heard(events: list[Event]) -> None:
        current = app.endpoint.current
        if any(isinstance(e, Data) for e in events) and current is not None:
            if current.listener == "function":
                run.probe.append([channels.index(current), listener_set_at[id(current)]])
            else:
                run.probe_threw = True  # a stored non-function is "called": a TypeError

    for at, (call, index, desc) in enumerate(ops):
        if call == "receive":
            count = len(app.events)
            peer.send(bytes([index]) * index)
            heard(app.events[count:])
            run.outcomes.append("ok")
            run.got_after.append(len(run.probe))
            continue
        run.got_after.append(len(run.probe))
        if call != "join" and not channels:
            run.outcomes.append("skip")
            continue
        channel = channels[index % len(channels)] if channels else None
        try:
            if call == "join":
                channels.append(app.endpoint.join())
                app.flush()
            elif call == "setListener":
                assert channel is not None and desc is not None
                channel.set_listener(typeof(desc))
                listener_set_at[id(channel)] = at
            elif call == "send":
                assert desc is not None
                result = app.send(desc, channel)
                if isinstance(result, str) and result:
                    run.logged.append(f"webxdc realtime: {result}")
            else:
                app.leave(channel)
            run.outcomes.append("ok")
        except LocalProtocolError as error:
            run.outcomes.append([error.error_type, error.message])
    run.delivered = [digest(p) for p in peer.received]
    count = len(app.events)
    peer.send(PROBE)
    heard(app.events[count:])
    return run


def browser_run(app: Tab, peer: Tab, expected: Run, outcomes: list[object]) -> Run:
    """Collect what the browser did, once the expected deliveries had time to arrive."""
    peer.js("S.probe()")
    wait_for(
        lambda: (
            peer.js("S.got.length") >= len(expected.delivered)
            and app.js("S.got.length") >= len(expected.probe)
            and (not expected.probe_threw or app.said("error", "listener threw"))
        ),
        timeout=15,
    )
    time.sleep(0.15)  # anything unexpected would have arrived by now
    return Run(
        outcomes=outcomes,
        delivered=peer.js("S.got"),
        logged=[text for _, text in app.log() if text.startswith(LOGGED)],
        probe=app.js("S.got"),
        probe_threw=bool(app.said("error", "listener threw")),
    )


@dataclass
class Room:
    """The pages of one profile's test: the app, live, and a strict peer."""

    url: str
    app: Tab
    peer: Tab


@pytest.fixture(scope="module")
def rooms(pool: Pool) -> Iterator[dict[str, Room]]:
    made = {}
    for profile in PROFILES:
        url = f"{PAGES}/sequence.html?chat=differential-{profile}"
        made[profile] = Room(
            url + f"&profile={profile}",
            pool.open(url + f"&profile={profile}", wait=False),
            pool.open(url, wait=False),
        )
    for room in made.values():
        room.app.wait_live()
        room.peer.wait_live()
        assert room.peer.js("S.receive()") is True
    yield made
    for room in made.values():
        pool.let_go(room.app)
        pool.let_go(room.peer)


def check(profile: str, ops: list[Op], got: Run, expected: Run) -> None:
    for at, (op, want, have) in enumerate(zip(ops, expected.outcomes, got.outcomes, strict=True)):
        assert have == want, f"{profile}: call {at} {op}: browser {have}, core {want}"
    assert got == expected, profile


def examples(browser: Any, count: int) -> int:
    """How many random sequences run in this engine: all in Chromium; an eighth (at least 1)
    in Firefox, where the same JS decides (the explicit examples, which reach every rule of
    every table, run in both). ``DIFF_EXAMPLES`` raises both."""
    return count if engine(browser) == "chromium" else max(1, count // 8)


def checked(count: int, browser: Any) -> Any:
    """Hypothesis's settings for a test of ``count`` sequences in this engine."""
    return settings(
        max_examples=examples(browser, count),
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
    )


@pytest.mark.parametrize("profile", PROFILES)
def test_after_live_the_browser_decides_every_call_as_the_core(
    rooms: dict[str, Room], browser: Any, profile: str
) -> None:
    room = rooms[profile]

    @checked(EXAMPLES, browser)
    @given(ops=sequences)
    @example(ops=EVERY_RULE)
    def sequence(ops: list[Op]) -> None:
        expected = oracle(profile, ops)
        room.peer.js("S.got = []")
        room.app.console.clear()
        outcomes = room.app.js("(ops) => S.run(ops)", ops)
        try:
            check(profile, ops, browser_run(room.app, room.peer, expected, outcomes), expected)
        finally:
            room.app.js("S.cleanup()")

    sequence()


@pytest.mark.parametrize("profile", PROFILES)
def test_call_by_call_with_frames_between_the_browser_decides_as_the_core(
    rooms: dict[str, Room], browser: Any, profile: str
) -> None:
    room = rooms[profile]

    @checked(EXAMPLES_INTERLEAVED, browser)
    @given(ops=interleaved)
    @example(ops=[("join", 0, None), ("setListener", 0, {"function": True})] + [RECEIVE] * 3)
    # A change after frames were taken ahead: the listener taken away (desktop, mobile store
    # null), a second join (mobile: the new object receives, with no listener yet).
    @example(
        ops=[
            ("join", 0, None),
            ("setListener", 0, {"function": True}),
            RECEIVE,  # judged by the core (a new sender): then the next ones are decided ahead
            RECEIVE,  # taken ahead
            ("setListener", 0, {"null": True}),
            RECEIVE,
            ("join", 0, None),
            RECEIVE,
        ]
    )
    @example(ops=[("join", 0, None), ("send", 0, {"u8": 3, "fill": 1}), RECEIVE, *EVERY_RULE])
    def sequence(ops: list[Op]) -> None:
        expected = oracle(profile, ops)
        room.peer.js("S.got = []")
        room.app.console.clear()
        room.app.js("S.start()")
        outcomes: list[object] = []
        try:
            for at, op in enumerate(ops):
                if op[0] == "receive":
                    room.peer.js("(n) => S.sendOne(n)", op[1])
                    want = expected.got_after[at]
                    if not wait_for(
                        lambda want=want: room.app.js("S.got.length") >= want, timeout=5
                    ):
                        break
                    time.sleep(0.01)  # a frame the app should not get would arrive by now
                    outcomes.append("ok")
                else:
                    outcomes.append(room.app.js("([op, at]) => S.one(op, at)", [op, at]))
            check(profile, ops, browser_run(room.app, room.peer, expected, outcomes), expected)
        finally:
            room.app.js("S.cleanup()")

    sequence()


@pytest.mark.parametrize("profile", PROFILES)
def test_while_loading_the_glue_decides_every_call_as_the_core(
    rooms: dict[str, Room], pool: Pool, browser: Any, profile: str
) -> None:
    room = rooms[profile]

    @checked(EXAMPLES_LOADING, browser)
    @given(ops=sequences)
    @example(ops=EVERY_RULE)
    def sequence(ops: list[Op]) -> None:
        expected = oracle(profile, ops)
        room.peer.js("S.got = []")
        app = Tab(pool.page())
        held: list[Any] = []
        app.page.route("**/pyodide.mjs", lambda route: held.append(route))  # Python waits
        try:
            # Firefox holds the page's load event while an import() is pending: wait for less.
            app.page.goto(pool.site + room.url, wait_until="commit")
            # Playwright's sync API delivers the route event only while it is called; the
            # page's harness (S) is a script after webxdc.js, which asks for the runtime.
            assert wait_for(lambda: app.js("typeof S") == "object" and held), "not requested"
            assert app.js("webxdcRealtime.status") == "loading"
            outcomes = app.js("(ops) => S.run(ops)", ops)
            assert app.js("webxdcRealtime.status") == "loading"
            held[0].continue_()
            app.wait_live()
            check(profile, ops, browser_run(app, room.peer, expected, outcomes), expected)
            assert app.said("error", "refused") == []  # the core agreed with the table
            assert app.said("error", "rules (") == []
        finally:
            pool.let_go(app)

    sequence()
