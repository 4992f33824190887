"""Frames that arrive a second time: replayed by another page on the BroadcastChannel.

On one BroadcastChannel the frames of a sender arrive in its order; a frame whose
sequence number is not after the last one heard from its sender came before, and is
dropped as ``twice``. Identical *payloads* sent twice are two frames (row 16).
"""

from __future__ import annotations

from webxdc_realtime import (
    HEADER_SIZE,
    Data,
    Dropped,
    DropReason,
    Endpoint,
    FrameKind,
    PeerJoined,
    PeerLeft,
    encode_header,
)

from .test_batch import SCOPE, dropped_rest
from .test_batch import data as sent


def listening() -> Endpoint:
    endpoint = Endpoint(SCOPE)
    endpoint.join().set_listener("function")
    endpoint.take_outbox()
    return endpoint


def frame(kind: FrameKind, sender: bytes, seq: int, payload: bytes = b"") -> bytes:
    return encode_header(kind, SCOPE.topic, sender, seq, len(payload)) + payload


def test_a_replayed_data_frame_is_dropped_identical_payloads_are_not() -> None:
    a, b = listening(), listening()
    first, second = sent(a, b"same"), sent(a, b"same")
    assert isinstance(b.receive(first, len(first)), Data)
    assert isinstance(b.receive(second, len(second)), Data)  # row 16: a frame of its own
    again = b.receive(first, len(first))
    assert again == Dropped(DropReason.TWICE)
    assert b.counters.frames_delivered == 2
    assert b.counters.dropped["twice"] == 1


def test_a_replay_inside_one_message_is_dropped() -> None:
    a, b = listening(), listening()
    one, two = sent(a, b"1"), sent(a, b"2")
    batch = b.receiver
    batch.start(one + two + one + two)
    assert batch.run() == 2
    assert dropped_rest(batch) == [DropReason.TWICE, DropReason.TWICE]


def test_a_replayed_join_is_not_answered_twice() -> None:
    b = listening()
    newcomer = Endpoint(SCOPE)
    newcomer.join()
    (joined,) = newcomer.take_outbox()
    assert isinstance(b.receive(joined, len(joined)), PeerJoined)
    assert b.receive(joined, len(joined)) == Dropped(DropReason.TWICE)


def test_replays_after_the_sender_left_are_still_dropped() -> None:
    a, b = listening(), listening()
    data = sent(a, b"x")
    assert isinstance(b.receive(data, len(data)), Data)
    assert a.current is not None
    a.current.leave()
    (left,) = a.take_outbox()
    assert isinstance(b.receive(left, len(left)), PeerLeft)
    assert b.receive(data, len(data)) == Dropped(DropReason.TWICE)


def test_sequence_numbers_wrap_around() -> None:
    b = listening()
    sender = bytes(range(8))
    for seq in (2**32 - 2, 2**32 - 1, 0, 1):
        data = frame(FrameKind.DATA, sender, seq, b"p")
        assert isinstance(b.receive(data, len(data)), Data), seq
    old = frame(FrameKind.DATA, sender, 2**32 - 1, b"p")
    assert b.receive(old, len(old)) == Dropped(DropReason.TWICE)


def test_data_and_announcements_are_numbered_apart() -> None:
    b = listening()
    sender = bytes(8)
    for kind in (FrameKind.PEER_JOINED, FrameKind.DATA):
        data = frame(kind, sender, 0)
        assert not isinstance(b.receive(data, len(data)), Dropped), kind


def test_a_cut_run_forgets_the_frames_the_app_did_not_get() -> None:
    a, b = listening(), listening()
    message = b"".join(sent(a, bytes([i])) for i in range(4))
    batch = b.receiver
    batch.start(message)
    assert batch.run() == 4
    batch.cut(1)  # the app replaced its listener by another function: same verdicts
    assert batch.run() == 3
    assert batch.done
    assert b.counters.frames_delivered == 4
    assert b.counters.frames_received == 4
    assert b.counters.dropped["twice"] == 0
    # And the last heard is the last frame: a replay of any is dropped.
    last = message[-(HEADER_SIZE + 1) :]
    assert b.receive(last, len(last)) == Dropped(DropReason.TWICE)


def test_the_senders_remembered_are_bounded() -> None:
    b = listening()
    first = frame(FrameKind.DATA, (0).to_bytes(8, "big"), 5, b"p")
    assert isinstance(b.receive(first, len(first)), Data)
    for n in range(1, 4097):
        data = frame(FrameKind.DATA, n.to_bytes(8, "big"), 0, b"p")
        b.receive(data, len(data))
    # The first sender was forgotten (the oldest goes): its replay is new again.
    assert isinstance(b.receive(first, len(first)), Data)


def test_the_senders_remembered_are_bounded_in_messages_too() -> None:
    b = listening()
    first = frame(FrameKind.DATA, (0).to_bytes(8, "big"), 5, b"p")
    others = b"".join(frame(FrameKind.DATA, n.to_bytes(8, "big"), 0, b"p") for n in range(1, 4097))
    batch = b.receiver
    batch.start(first + others)
    assert batch.run() == 4097
    assert batch.done
    assert isinstance(b.receive(first, len(first)), Data)  # forgotten, as one at a time


def test_a_cut_run_of_a_sender_heard_before_restores_its_last_and_goes_on_from_there() -> None:
    a, b = listening(), listening()
    before = sent(a, b"x")
    assert isinstance(b.receive(before, len(before)), Data)
    message = b"".join(sent(a, bytes([i])) for i in range(3))
    batch = b.receiver
    batch.start(message)
    assert batch.run() == 3
    batch.cut(0)  # the app got none of them: judged again, after the frame heard before
    assert batch.run() == 3
    assert b.counters.frames_delivered == 4
    assert b.receive(before, len(before)) == Dropped(DropReason.TWICE)


def test_a_frame_the_glue_could_not_read_is_counted_malformed() -> None:
    b = listening()
    assert b.reject(40, "not bytes") == Dropped(DropReason.MALFORMED, "not bytes")
    assert b.counters.frames_received == 1
    assert b.counters.bytes_received == 40
    assert b.counters.dropped["malformed"] == 1
