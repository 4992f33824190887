"""SPEC.md section 2, the rows a core can decide, through an in-memory link of N cores."""

from __future__ import annotations

import pytest

from webxdc_realtime import (
    ALREADY_JOINED,
    HEADER_SIZE,
    MAX_PAYLOAD,
    NOT_UINT8ARRAY,
    TRASHED,
    UINT8ARRAY_TAG,
    Data,
    Dropped,
    DropReason,
    Endpoint,
    FrameKind,
    LocalProtocolError,
    PeerJoined,
    PeerLeft,
    PeerPresent,
    Scope,
    decode_header,
)

from .jsvalues import Descriptor
from .link import Link


def test_row2_join_returns_a_joined_channel_and_announces_it() -> None:
    link = Link()
    a = link.tab().join()
    b = link.tab().join()
    assert a.channel is not None and a.channel.is_current and not a.channel.trashed
    assert a.endpoint.member
    (joined,) = a.events
    assert isinstance(joined, PeerJoined)
    assert joined.sender == b.peer_id
    assert decode_header(joined.reply, len(joined.reply)).kind is FrameKind.PEER_PRESENT
    # The newcomer learns who is there from the answer, and of nothing sent before.
    assert b.events == [PeerPresent(a.peer_id)]
    assert b.endpoint.peers == {a.peer_id}


def test_row3_second_join_while_joined_raises() -> None:
    endpoint = Endpoint(Scope("c", "i"))
    first = endpoint.join()
    endpoint.take_outbox()
    with pytest.raises(LocalProtocolError) as info:
        endpoint.join()
    assert str(info.value) == ALREADY_JOINED == "realtime listener already exists"
    assert info.value.error_type == "Error"
    assert endpoint.current is first  # the refused join changed nothing
    assert endpoint.outbox == []


def test_row4_join_after_leave_gives_a_fresh_working_channel() -> None:
    link = Link()
    a = link.tab().join()
    b = link.tab().join()
    first, first_id = a.channel, a.peer_id
    a.leave()
    a.join()
    assert a.channel is not first
    assert a.peer_id != first_id
    a.send(b"again")
    b.send(b"back")
    assert b.received == [b"again"]
    assert a.received == [b"back"]


def test_row5_set_listener_again_replaces_and_keeps_listening() -> None:
    link = Link()
    a = link.tab().join()
    b = link.tab().join()
    assert b.channel is not None
    b.channel.set_listener("function")
    a.send(b"x")
    assert b.received == [b"x"]


@pytest.mark.parametrize("given", ["undefined", "string", "object", "number", "null"])
def test_row6_listener_must_be_a_function(given: str) -> None:
    channel = Endpoint(Scope("c", "i")).join()
    with pytest.raises(LocalProtocolError) as info:
        channel.set_listener(given)
    assert info.value.error_type == "TypeError"
    assert str(info.value) == f"realtime listener must be a function, got {given}"
    assert channel.listener == "none"


@pytest.mark.parametrize(
    "value",
    [
        {"string": "text"},
        {"array": [1, 2]},
        {"null": True},
        {"undefined": True},
        {"number": 7},
        {"object": True},
        {"arraybuffer": 2},
        {"int8": [1]},
        {"dataview": 2},
    ],
)
def test_row7_send_rejects_what_is_not_a_uint8array(value: Descriptor) -> None:
    link = Link()
    a = link.tab().join()
    b = link.tab().join()
    with pytest.raises(LocalProtocolError) as info:
        a.send(value)
    assert str(info.value) == NOT_UINT8ARRAY == "realtime listener data must be a Uint8Array"
    assert b.received == []


def test_row7_type_is_checked_before_the_channel_state() -> None:
    channel = Endpoint(Scope("c", "i")).join()
    channel.leave()
    with pytest.raises(LocalProtocolError, match="must be a Uint8Array"):
        channel.send("[object String]", None)
    with pytest.raises(LocalProtocolError, match="must be a Uint8Array"):
        channel.send(UINT8ARRAY_TAG, None)


def test_row8_send_and_set_listener_after_leave_raise() -> None:
    channel = Endpoint(Scope("c", "i")).join()
    channel.leave()
    for call in (lambda: channel.send(UINT8ARRAY_TAG, 1), lambda: channel.set_listener("function")):
        with pytest.raises(LocalProtocolError) as info:
            call()
        assert (
            str(info.value) == TRASHED == "realtime listener is trashed and can no longer be used"
        )


def test_row8_size_is_checked_after_the_state() -> None:
    channel = Endpoint(Scope("c", "i")).join()
    channel.leave()
    with pytest.raises(LocalProtocolError, match="trashed"):
        channel.send(UINT8ARRAY_TAG, MAX_PAYLOAD + 1)


def test_row9_over_the_limit_raises_naming_limit_and_size_and_sends_nothing() -> None:
    link = Link()
    a = link.tab().join()
    b = link.tab().join()
    sent_before = a.endpoint.counters.frames_sent
    with pytest.raises(LocalProtocolError) as info:
        a.send(bytes(MAX_PAYLOAD + 1))
    assert "128000" in str(info.value) and "128001" in str(info.value)
    assert a.endpoint.counters.frames_sent == sent_before
    assert b.received == []


def test_row9_exactly_the_limit_is_allowed() -> None:
    link = Link()
    a = link.tab().join()
    b = link.tab().join()
    a.send(bytes(range(256)) * 500)
    assert b.received == [bytes(range(256)) * 500]
    assert len(b.received[0]) == MAX_PAYLOAD


def test_row11_empty_data_is_delivered_as_empty() -> None:
    link = Link()
    a = link.tab().join()
    b = link.tab().join()
    a.send(b"")
    assert b.received == [b""]


def test_row12_every_other_peer_receives_never_the_sender() -> None:
    link = Link()
    tabs = [link.tab().join() for _ in range(4)]
    tabs[0].send(b"hi")
    assert tabs[0].received == []
    assert [t.received for t in tabs[1:]] == [[b"hi"]] * 3


def test_row12_own_frame_echoed_back_is_dropped() -> None:
    link = Link()
    a = link.tab().join()
    assert a.channel is not None
    header = a.channel.send(UINT8ARRAY_TAG, 2)
    assert isinstance(header, bytes)
    event = a.endpoint.receive(header + b"me", HEADER_SIZE + 2)
    assert event == Dropped(DropReason.OWN)
    assert a.endpoint.counters.dropped["own"] == 1


def test_row12_same_self_addr_is_still_another_peer() -> None:
    link = Link()
    phone = link.tab(addr="alice@example.org").join()
    laptop = link.tab(addr="alice@example.org").join()
    phone.send(b"from phone")
    assert laptop.received == [b"from phone"]
    assert phone.received == []


def test_row12_peer_without_listener_gets_nothing() -> None:
    link = Link()
    a = link.tab().join()
    b = link.tab().join(listen=False)
    a.send(b"x")
    assert b.received == []


def test_row13_data_before_set_listener_is_dropped_not_buffered() -> None:
    link = Link()
    a = link.tab().join()
    b = link.tab().join(listen=False)
    a.send(b"early")
    assert b.channel is not None
    assert b.endpoint.counters.dropped["no_listener"] == 1
    b.channel.set_listener("function")
    a.send(b"late")
    assert b.received == [b"late"]


def test_row14_late_joiner_sees_nothing_sent_before() -> None:
    link = Link()
    a = link.tab().join()
    b = link.tab().join()
    a.send(b"before")
    c = link.tab().join()
    a.send(b"after")
    assert b.received == [b"before", b"after"]
    assert c.received == [b"after"]


def test_row16_identical_payloads_are_delivered_twice() -> None:
    link = Link()
    a = link.tab().join()
    b = link.tab().join()
    a.send(b"same")
    a.send(b"same")
    assert b.received == [b"same", b"same"]


def test_row17_order_of_one_sender_is_kept() -> None:
    link = Link()
    a = link.tab().join()
    b = link.tab().join()
    c = link.tab().join()
    for i in range(50):
        a.send(str(i).encode())
        c.send(b"c" + str(i).encode())
    assert [m for m in b.received if not m.startswith(b"c")] == [str(i).encode() for i in range(50)]
    assert b.received[:4] == [b"0", b"c0", b"1", b"c1"]


def test_row17_sequence_numbers_count_up_per_join() -> None:
    link = Link()
    a = link.tab().join()
    b = link.tab().join()
    for _ in range(3):
        a.send(b"x")
    seqs = [e.seq for e in b.events if isinstance(e, Data)]
    assert seqs == [0, 1, 2]  # data frames count apart from a's announcements


def test_row20_leave_twice_is_no_error_and_announces_once() -> None:
    link = Link()
    a = link.tab().join()
    b = link.tab().join()
    assert a.channel is not None
    a.channel.leave()
    (goodbye,) = a.endpoint.take_outbox()
    a.channel.leave()
    assert a.endpoint.take_outbox() == []
    assert a.channel.trashed and not a.endpoint.member
    b.on_frame(goodbye)
    assert b.events[-1] == PeerLeft(a.peer_id)


def test_announcements_never_reach_the_app_and_track_peers() -> None:
    link = Link()
    a = link.tab().join()
    b = link.tab().join()
    c = link.tab().join()
    assert a.endpoint.peers == {b.peer_id, c.peer_id}
    assert c.endpoint.peers == {a.peer_id, b.peer_id}  # from their answers
    c.leave()
    assert a.endpoint.peers == {b.peer_id}
    assert a.received == []


def test_data_from_an_unannounced_peer_counts_it_as_heard() -> None:
    link = Link()
    a = link.tab().join()
    b_endpoint = Endpoint(a.endpoint.scope)
    b_channel = b_endpoint.join()  # its announcement is never posted
    header = b_channel.send(UINT8ARRAY_TAG, 1)
    assert isinstance(header, bytes)
    a.on_frame(header + b"!")
    assert a.received == [b"!"]
    assert a.endpoint.peers == {b_endpoint.peer_id}


def test_frames_after_leave_are_dropped() -> None:
    link = Link()
    a = link.tab().join()
    b = link.tab().join()
    assert a.channel is not None and b.channel is not None
    header = b.channel.send(UINT8ARRAY_TAG, 1)
    assert isinstance(header, bytes)
    a.channel.leave()
    assert a.endpoint.receive(header + b"x", HEADER_SIZE + 1) == Dropped(DropReason.LEFT)


def test_counters_add_up() -> None:
    link = Link()
    a = link.tab().join()
    b = link.tab().join()
    a.send(b"12345")
    b.on_frame(b"garbage")
    # a: its join, its answer to b's join, the data; b: its join.
    assert a.endpoint.counters.as_dict() == {
        "frames_sent": 3,
        "bytes_sent": 3 * HEADER_SIZE + 5,
        "frames_received": 1,
        "bytes_received": HEADER_SIZE,
        "frames_delivered": 0,
        "bytes_delivered": 0,
        "frames_delayed": 0,
        "frames_held": 0,
        "dropped": {},
    }
    assert b.endpoint.counters.as_dict() == {
        "frames_sent": 1,
        "bytes_sent": HEADER_SIZE,
        "frames_received": 3,
        "bytes_received": HEADER_SIZE + (HEADER_SIZE + 5) + 7,
        "frames_delivered": 1,
        "bytes_delivered": 5,
        "frames_delayed": 0,
        "frames_held": 0,
        "dropped": {"malformed": 1},
    }


def test_peer_ids_are_random_per_join() -> None:
    endpoint = Endpoint(Scope("c", "i"))
    ids = set()
    for _ in range(50):
        endpoint.join().leave()
        ids.add(endpoint.peer_id)
    assert len(ids) == 50


def test_endpoint_uses_the_given_peer_id_maker() -> None:
    endpoint = Endpoint(Scope("c", "i"), make_peer_id=lambda: b"12345678")
    endpoint.join()
    (hello,) = endpoint.take_outbox()
    assert endpoint.peer_id == b"12345678"
    assert hello[20:28] == b"12345678"


def test_a_frame_in_two_parts_is_judged_like_one() -> None:
    link = Link()
    a = link.tab().join()
    b = link.tab().join()
    assert a.channel is not None
    header = a.channel.send(UINT8ARRAY_TAG, 3)
    assert isinstance(header, bytes)
    event = b.endpoint.receive_parts(header, 3)
    assert event == Data(a.peer_id, 0, HEADER_SIZE, 3)
    assert b.endpoint.counters.bytes_received == HEADER_SIZE + (HEADER_SIZE + 3)


@pytest.mark.parametrize("extra", [-1, 1, 4])
def test_a_header_part_of_the_wrong_size_is_malformed(extra: int) -> None:
    link = Link()
    a = link.tab().join()
    b = link.tab().join()
    assert a.channel is not None
    header = a.channel.send(UINT8ARRAY_TAG, 3)
    assert isinstance(header, bytes)
    part = header + bytes(extra) if extra > 0 else header[:extra]
    event = b.endpoint.receive_parts(part, 3)
    assert isinstance(event, Dropped)
    assert event.reason is DropReason.MALFORMED
    assert "header part" in event.detail
    assert b.endpoint.counters.frames_received == 2  # a's answer to b's join, then this


def test_an_answer_to_a_join_is_never_answered() -> None:
    link = Link()
    a = link.tab().join()
    posted = len(link.posted)
    b = link.tab().join()
    (joined,) = a.events
    assert isinstance(joined, PeerJoined)
    assert b.events == [PeerPresent(a.peer_id)]
    # b's "joined", a's answer, and nothing more: the answer is not answered.
    assert len(link.posted) == posted + 2


def test_a_peer_that_missed_a_join_learns_of_its_sender_when_it_says_it_is_there_again() -> None:
    # Two peers that join at once on two servers of a relay may each miss the other's join.
    scope = Scope("chat", "app")
    a, b = Endpoint(scope), Endpoint(scope)
    a.join()
    b.join()
    assert [len(a.take_outbox()), len(b.take_outbox())] == [1, 1]  # both joins lost
    a.announce_again()
    (again,) = a.take_outbox()
    assert decode_header(again, len(again)).kind is FrameKind.PEER_PRESENT
    assert b.receive(again, len(again)) == PeerPresent(a.peer_id)
    assert b.peers == {a.peer_id}
    assert b.take_outbox() == []  # said again, it is not answered
    assert a.current is not None
    a.current.leave()
    a.take_outbox()
    a.announce_again()
    assert a.take_outbox() == []  # not in the channel: nothing to say
