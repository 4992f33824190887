"""Decisions made ahead (``Channel.ahead``, ``Receiver.ahead``): a glue that applies them
and hands back what it took ends where one that asked frame by frame does, frame for frame.

The glue's side is emulated here as js_glue/webxdc/ahead.js does it: a frame whose header
part is a key, not before one taken from its sender, of at most the limit, is delivered
with no call; for anything else what was taken is handed back first, then the core judges
it, and the decisions are forgotten if the core's epoch moved since they were made (the
glue knows no rule of when: it compares). Taking a message of frames, the glue also asks
again when a sender's decisions are all taken (``Ahead.renew``), with no frame judged
between: that ends where frame by frame does too."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from webxdc_realtime import HEADER_SIZE, UINT8ARRAY_TAG, Endpoint, Scope
from webxdc_realtime.core.errors import MAX_PAYLOAD
from webxdc_realtime.core.events import Data

SCOPE = Scope("chat", "app")
LENGTH_AT = HEADER_SIZE - 4
COUNT = 4  # few, so that the runs cross the end of what was handed out


def ids(start: int) -> itertools.count[int]:
    return itertools.count(start)


def endpoint(seed: int, profile: str = "strict") -> Endpoint:
    counter = ids(seed)
    return Endpoint(SCOPE, profile, make_peer_id=lambda: next(counter).to_bytes(8, "big"))


class Glue:
    """The receiving side of ahead.js, over one endpoint."""

    def __init__(self, target: Endpoint, renew: bool = False) -> None:
        self.endpoint = target
        self.renew = renew  # a sender's all taken: ask for its next ones (a message's frames)
        self.keys: dict[bytes, tuple[int, int]] | None = None
        self.taken: list[int] = []
        self.fresh: list[int] = []
        self.limit = 0
        self.epoch = -1
        self.frames = self.bytes = 0
        self.calls = 0

    def settle(self) -> None:
        if self.keys is not None and self.frames:
            self.endpoint.took_ahead(self.fresh, self.frames, self.bytes)
            self.fresh = [-1] * len(self.fresh)
        self.frames = self.bytes = 0

    def check(self) -> None:
        """After a call into the core: forget the decisions if its epoch moved."""
        if self.endpoint.receive_epoch != self.epoch:
            self.keys = None

    def arrive(self, frame: bytes, renewed: bool = False) -> bool:
        """Whether the frame reaches the app."""
        header, length = frame[:HEADER_SIZE], len(frame) - HEADER_SIZE
        if self.keys is None:
            self.calls += 1
            senders, self.limit = self.endpoint.frames_ahead(COUNT)
            self.epoch = self.endpoint.receive_epoch
            self.keys = {}
            for s, part in enumerate(senders):
                for i in range(COUNT):
                    self.keys[part[i * LENGTH_AT : (i + 1) * LENGTH_AT]] = (s, i)
            self.taken = [-1] * len(senders)
            self.fresh = [-1] * len(senders)
        at = self.keys.get(header[:LENGTH_AT])
        field = int.from_bytes(header[LENGTH_AT:HEADER_SIZE], "big")
        if at is not None and length <= self.limit and field == length:
            sender, index = at
            if index > self.taken[sender]:
                self.taken[sender] = index
                self.fresh[sender] = index
                self.frames += 1
                self.bytes += length
                return True
        if self.renew and not renewed and COUNT - 1 in self.taken:
            self.settle()  # as Ahead.renew: hand back, forget, ask again
            self.keys = None
            return self.arrive(frame, renewed=True)
        self.settle()
        self.calls += 1
        delivered = reference(self.endpoint, frame)
        self.check()
        return delivered


def reference(target: Endpoint, frame: bytes) -> bool:
    """Frame by frame, as the glue asks without decisions made ahead."""
    header, length = frame[:HEADER_SIZE], len(frame) - HEADER_SIZE
    if target.accept(header, length):
        return True
    event = target.receive_parts(header, length, frame[HEADER_SIZE:], 0.0)
    return isinstance(event, Data)


def listening(seed: int) -> Endpoint:
    target = endpoint(seed)
    target.join().set_listener("function")
    target.take_outbox()
    return target


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 2),  # which sender
            st.sampled_from(["next", "skip", "replay", "other"]),
            st.integers(0, 40),  # payload length
        ),
        max_size=60,
    ),
    st.booleans(),
)
def test_frames_taken_ahead_end_as_frame_by_frame(
    steps: list[tuple[int, str, int]], renew: bool
) -> None:
    senders = [endpoint(100 * (k + 1)) for k in range(3)]
    channels = [s.join() for s in senders]
    sent: list[list[bytes]] = [[], [], []]
    ahead, plain = listening(1), listening(1)
    glue = Glue(ahead, renew)
    for who, how, length in steps:
        if how == "replay" and sent[who]:
            frame = sent[who][length % len(sent[who])]
        elif how == "other":  # the length field says otherwise, or a frame of another kind
            header = channels[who].send(UINT8ARRAY_TAG, length)
            assert isinstance(header, bytes)
            frame = header + bytes(length + 1)
        else:
            if how == "skip":  # a frame lost on the way: the next one comes after a gap
                channels[who].send(UINT8ARRAY_TAG, 0)
            header = channels[who].send(UINT8ARRAY_TAG, length)
            assert isinstance(header, bytes)
            frame = header + bytes(length)
            sent[who].append(frame)
        assert glue.arrive(frame) == reference(plain, frame), (who, how, length)
    glue.settle()
    glue.keys = None
    assert ahead.counters.as_dict() == plain.counters.as_dict()
    assert ahead.peers == plain.peers
    # And what comes next is judged alike: every frame sent so far again, then new ones.
    for frames in sent:
        for frame in frames:
            assert reference(ahead, frame) == reference(plain, frame)
    for channel in channels:
        header = channel.send(UINT8ARRAY_TAG, 3)
        assert isinstance(header, bytes)
        assert reference(ahead, header + b"abc") == reference(plain, header + b"abc")


def test_a_stream_from_known_senders_takes_one_call_in_count() -> None:
    sender = endpoint(100)
    channel = sender.join()
    target = listening(1)
    glue = Glue(target)
    for _ in range(4 * COUNT):
        header = channel.send(UINT8ARRAY_TAG, 2)
        assert isinstance(header, bytes)
        assert glue.arrive(header + b"hi")
    # The first frame: no peer known, so asked and judged; then COUNT at a time.
    assert glue.calls <= 2 + 2 * (4 * COUNT // COUNT)
    glue.settle()
    assert target.counters.frames_delivered == 4 * COUNT


def test_a_stream_asks_again_when_a_senders_decisions_are_all_taken_with_no_frame_judged() -> None:
    sender = endpoint(100)
    channel = sender.join()
    target = listening(1)
    glue = Glue(target, renew=True)
    for _ in range(4 * COUNT):
        header = channel.send(UINT8ARRAY_TAG, 2)
        assert isinstance(header, bytes)
        assert glue.arrive(header + b"hi")
    # The first frame: asked, none (a new sender), judged by the core; every other one
    # taken ahead, COUNT a call (without asking again, one call in COUNT + 1 judges one).
    assert glue.calls == 2 + -(-(4 * COUNT - 1) // COUNT)
    glue.settle()
    assert target.counters.frames_delivered == 4 * COUNT


def test_nothing_is_decided_ahead_without_the_fast_path() -> None:
    target = endpoint(1)
    target.join()  # no listener: frames are dropped, not delivered
    sender = endpoint(100)
    header = sender.join().send(UINT8ARRAY_TAG, 1)
    assert isinstance(header, bytes)
    target.receive_parts(header, 1, b"x", 0.0)
    assert target.frames_ahead(COUNT) == ([], MAX_PAYLOAD)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(0, MAX_PAYLOAD), min_size=1, max_size=3 * COUNT))
def test_sends_decided_ahead_are_the_sends_made_one_by_one(lengths: list[int]) -> None:
    ahead, plain = endpoint(7), endpoint(7)
    mine, theirs = ahead.join(), plain.join()
    taken = 0
    tickets = mine.ahead(COUNT)
    assert tickets is not None
    headers, limit = tickets
    assert limit == MAX_PAYLOAD
    for length in lengths:
        if taken == COUNT:
            mine.sent_ahead(taken, 0)  # bytes are counted below, all at once
            tickets = mine.ahead(COUNT)
            assert tickets is not None
            headers, taken = tickets[0], 0
        part = headers[taken * HEADER_SIZE : (taken + 1) * HEADER_SIZE]
        assert part[LENGTH_AT:] == bytes(4)
        assert part[:LENGTH_AT] + length.to_bytes(4, "big") == theirs.send(UINT8ARRAY_TAG, length)
        taken += 1
    mine.sent_ahead(taken, sum(lengths))
    assert ahead.counters.as_dict() == plain.counters.as_dict()
    assert mine.send(UINT8ARRAY_TAG, 5) == theirs.send(UINT8ARRAY_TAG, 5)


def test_no_sends_ahead_where_a_send_does_more_than_send() -> None:
    left = endpoint(1)
    channel = left.join()
    channel.leave()
    assert channel.ahead(COUNT) is None  # strict: a send after leave throws
    mobile = endpoint(2, "mobile")
    old = mobile.join()
    old.leave()
    assert old.ahead(COUNT) is None  # mobile: it joins again
    desktop = endpoint(3, "desktop")
    tickets = desktop.join().ahead(COUNT)
    assert tickets is not None and tickets[1] == MAX_PAYLOAD  # over it: logged, not sent


def test_a_peer_that_left_is_not_brought_back_by_what_was_taken_before() -> None:
    sender = endpoint(100)
    channel = sender.join()
    joined = sender.take_outbox()
    ahead, plain = listening(1), listening(1)
    glue = Glue(ahead)
    for target in (ahead, plain):
        for frame in joined:
            target.receive_parts(frame[:HEADER_SIZE], 0, b"", 0.0)
    frames = []
    for _ in range(3):
        header = channel.send(UINT8ARRAY_TAG, 1)
        assert isinstance(header, bytes)
        frames.append(header + b"x")
    assert glue.arrive(frames[0]) and reference(plain, frames[0])  # asked, then judged
    assert glue.arrive(frames[1]) and reference(plain, frames[1])  # taken ahead
    channel.leave()
    (left,) = sender.take_outbox()
    assert not glue.arrive(left) and not reference(plain, left)  # handed back, then judged
    assert ahead.peers == plain.peers == set()
    glue.settle()  # nothing taken since: the peer stays gone
    assert ahead.peers == set()
    # Its late frame is still data for the app, as the fast path would have it.
    assert glue.arrive(frames[2]) == reference(plain, frames[2]) is True
    glue.settle()
    assert ahead.peers == plain.peers
    assert ahead.counters.as_dict() == plain.counters.as_dict()


def test_the_send_epoch_moves_when_sends_decided_ahead_may_no_longer_hold() -> None:
    target = endpoint(1)
    channel = target.join()
    tickets = channel.ahead(COUNT)
    assert tickets is not None
    epoch = target.send_epoch
    channel.sent_ahead(2, 10)  # what was decided, taken: they still hold
    assert target.send_epoch == epoch
    channel.set_listener("function")  # an app call: its effects made
    assert target.send_epoch > epoch
    epoch = target.send_epoch
    channel.send(UINT8ARRAY_TAG, 3)  # a send made another way: the next number moved on
    assert target.send_epoch > epoch
    epoch = target.send_epoch
    channel.leave()
    assert target.send_epoch > epoch


def test_the_receive_epoch_stays_for_drops_and_moves_for_what_changes_the_fast_path() -> None:
    target = listening(1)
    sender = endpoint(100)
    header = sender.join().send(UINT8ARRAY_TAG, 1)
    assert isinstance(header, bytes)
    epoch = target.receive_epoch
    target.receive_parts(b"garbage", 0, b"", 0.0)  # malformed: dropped
    target.receive_parts(header[:4] + bytes(16) + header[20:], 1, b"x", 0.0)  # another topic
    assert target.receive_epoch == epoch
    assert target.accept(header, 1)  # taken by another way than ahead
    assert target.receive_epoch > epoch
    epoch = target.receive_epoch
    target.receive_parts(header, 1, b"x", 0.0)  # the same again: twice, dropped
    assert target.receive_epoch == epoch
    assert target.current is not None
    target.current.leave()  # no delivery now
    assert target.receive_epoch > epoch
