"""Messages of frames (``core.receiver``): judged in runs, cut when the app calls mid-run, and
judged as the same frames one per message would be."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from webxdc_realtime import (
    HEADER_SIZE,
    MAX_PAYLOAD,
    PROFILES,
    UINT8ARRAY_TAG,
    Data,
    Dropped,
    DropReason,
    Endpoint,
    PeerJoined,
    Receiver,
    Scope,
    split_message,
)

SCOPE = Scope("chat", "app")


def pair(profile: str = "strict") -> tuple[Endpoint, Endpoint]:
    """A sender and a listening receiver, each in the channel and aware of the other."""
    sender, receiver = Endpoint(SCOPE, profile), Endpoint(SCOPE, profile)
    sender.join()
    receiver.join().set_listener("function")
    sender.take_outbox()
    receiver.take_outbox()
    return sender, receiver


def data(sender: Endpoint, payload: bytes) -> bytes:
    assert sender.current is not None
    header = sender.current.send(UINT8ARRAY_TAG, len(payload))
    assert isinstance(header, bytes)
    return header + payload


def judge_all(batch: Receiver) -> list[tuple[str, object]]:
    """Judge a whole message as the glue does: runs of payloads, else one frame's event."""
    out: list[tuple[str, object]] = []
    message, pos = batch.message, 0
    while not batch.done:
        count = batch.run()
        for _ in range(count):
            length = int.from_bytes(message[pos + HEADER_SIZE - 4 : pos + HEADER_SIZE], "big")
            out.append(("run", message[pos + HEADER_SIZE : pos + HEADER_SIZE + length]))
            pos += HEADER_SIZE + length
        if count and not batch.done:
            continue
        if batch.done:
            break
        start, end, event = batch.next()
        assert start == pos
        pos = end
        out.append(("event", event))
    return out


def dropped_rest(batch: Receiver) -> list[DropReason]:
    """Judge the rest of a message whose frames are all dropped: their reasons, in order."""
    reasons = []
    while not batch.done:
        assert batch.run() == 0
        event = batch.next()[2]
        assert isinstance(event, Dropped)
        reasons.append(event.reason)
    return reasons


def test_a_burst_is_one_run_counted_as_delivered() -> None:
    sender, receiver = pair()
    payloads = [bytes([i]) * i for i in range(10)]
    message = b"".join(data(sender, p) for p in payloads)
    batch = receiver.receiver
    batch.start(message)
    assert judge_all(batch) == [("run", p) for p in payloads]
    counters = receiver.counters
    assert counters.frames_received == counters.frames_delivered == 10
    assert counters.bytes_delivered == sum(map(len, payloads))
    assert counters.bytes_received == len(message)
    frames = split_message(message)
    assert [f[HEADER_SIZE:] for f in frames] == payloads


def test_other_frames_come_one_at_a_time_in_order() -> None:
    sender, receiver = pair()
    newcomer = Endpoint(SCOPE)
    newcomer.join()
    (joined,) = newcomer.take_outbox()
    foreign = Endpoint(Scope("other chat", "app"))
    foreign.join()
    foreign.take_outbox()
    garbage = b"WX\x09" + bytes(33)  # a header of an unknown version, payload length 0
    parts = [data(sender, b"a"), joined, data(sender, b"b"), garbage, data(sender, b"c")]
    parts += [data(foreign, b"not for us"), data(sender, b"d")[:-1]]
    batch = receiver.receiver
    batch.start(b"".join(parts))
    got = judge_all(batch)
    kinds = [(k, v if k == "run" else getattr(v, "reason", type(v).__name__)) for k, v in got]
    assert kinds == [
        ("run", b"a"),
        ("event", "PeerJoined"),
        ("run", b"b"),
        ("event", DropReason.MALFORMED),
        ("run", b"c"),
        ("event", DropReason.FOREIGN_TOPIC),
        ("event", DropReason.MALFORMED),  # truncated: its length runs past the end
    ]
    assert receiver.counters.dropped["malformed"] == 2
    assert receiver.counters.frames_received == 7


def test_a_length_past_the_end_makes_the_rest_one_malformed_frame() -> None:
    sender, receiver = pair()
    message = data(sender, b"one") + data(sender, b"two")[:-1]
    batch = receiver.receiver
    batch.start(message)
    got = judge_all(batch)
    assert got[0] == ("run", b"one")
    assert isinstance(got[1][1], Dropped) and got[1][1].reason is DropReason.MALFORMED
    assert len(got) == 2


def test_an_empty_message_and_a_short_one_are_one_malformed_frame_each() -> None:
    _, receiver = pair()
    for message in (b"", b"WX\x01"):
        batch = receiver.receiver
        batch.start(message)
        (got,) = judge_all(batch)
        assert isinstance(got[1], Dropped) and got[1].reason is DropReason.MALFORMED
    assert receiver.counters.dropped["malformed"] == 2
    assert receiver.counters.frames_received == 2


def test_a_cut_takes_back_the_rest_of_the_run_and_judges_it_in_the_new_state() -> None:
    sender, receiver = pair()
    message = b"".join(data(sender, bytes([i])) for i in range(5))
    batch = receiver.receiver
    batch.start(message)
    assert batch.run() == 5
    # The app got two frames, then left in its listener: the other three are not its.
    batch.cut(2)
    assert receiver.counters.frames_delivered == 2
    assert receiver.current is not None
    receiver.current.leave()
    events = []
    while not batch.done:
        assert batch.run() == 0
        events.append(batch.next()[2])
    assert [e.reason for e in events if isinstance(e, Dropped)] == [DropReason.LEFT] * 3
    counters = receiver.counters
    assert counters.frames_received == 5
    assert counters.frames_delivered == 2
    assert counters.bytes_delivered == 2


def test_a_cut_after_the_whole_run_or_twice_changes_nothing() -> None:
    sender, receiver = pair()
    message = b"".join(data(sender, b"x") for _ in range(3))
    batch = receiver.receiver
    batch.start(message)
    assert batch.run() == 3
    batch.cut(3)
    batch.cut(1)  # a second call in the same listener: the run is over already
    assert batch.done
    assert receiver.counters.frames_delivered == 3


def test_a_listener_that_takes_no_data_set_mid_run_drops_the_rest() -> None:
    sender, receiver = pair("desktop")
    message = b"".join(data(sender, b"x") for _ in range(4))
    batch = receiver.receiver
    batch.start(message)
    assert batch.run() == 4
    batch.cut(1)
    assert receiver.current is not None
    receiver.current.set_listener("null")
    assert dropped_rest(batch) == [DropReason.NO_LISTENER] * 3
    assert receiver.counters.frames_delivered == 1


@settings(max_examples=200, deadline=None)
@given(sizes=st.lists(st.integers(0, 300), min_size=1, max_size=12))
def test_a_message_is_judged_as_its_frames_one_per_message(sizes: list[int]) -> None:
    """Same deliveries, same counters, whether the frames come together or one by one."""
    sender, together = pair()
    _, alone = pair()
    alone.peers.clear()
    together.peers.clear()
    frames = [data(sender, bytes([n % 256]) * n) for n in sizes]
    batch = together.receiver
    batch.start(b"".join(frames))
    got = [p for kind, p in judge_all(batch) if kind == "run"]
    one_by_one = []
    for frame in frames:
        event = alone.receive(frame, len(frame))
        assert isinstance(event, Data)
        one_by_one.append(frame[event.offset :])
    assert got == one_by_one
    assert together.counters == alone.counters


def test_the_remembered_send_decision_is_the_rules_decision() -> None:
    tags = [UINT8ARRAY_TAG, "[object Array]", "[object String]", "[object Undefined]"]
    lengths = [None, 0, 1, MAX_PAYLOAD, MAX_PAYLOAD + 1, 10**9]
    for profile in PROFILES.values():
        for _ in range(2):  # the second time, from memory
            for facts in itertools.product(tags, lengths, *[(True, False)] * 3):
                named = dict(
                    zip(("tag", "length", "bytes_ok", "trashed", "member"), facts, strict=True)
                )
                assert profile.decide_send(*facts) is profile.decide("send", named)


def test_a_joined_announcement_in_a_message_is_answered() -> None:
    _, receiver = pair()
    newcomer = Endpoint(SCOPE, addr="new@x")
    newcomer.join()
    (joined,) = newcomer.take_outbox()
    batch = receiver.receiver
    batch.start(joined)
    assert batch.run() == 0
    start, end, event = batch.next()
    assert (start, end) == (0, len(joined))
    assert isinstance(event, PeerJoined)
    assert receiver.names[newcomer.peer_id or b""] == "new@x"
