"""The wire frame: round trips, every way a frame can be wrong, and the decoder under fuzzing."""

from __future__ import annotations

import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from webxdc_realtime import (
    HEADER_SIZE,
    MAX_PAYLOAD,
    Dropped,
    DropReason,
    Endpoint,
    FrameHeader,
    FrameKind,
    RemoteProtocolError,
    Scope,
    decode_header,
    encode_header,
)

TOPIC = bytes(range(16))
PEER = b"\x01\x02\x03\x04\x05\x06\x07\x08"


def frame(kind: FrameKind = FrameKind.DATA, payload: bytes = b"", seq: int = 0) -> bytes:
    return encode_header(kind, TOPIC, PEER, seq, len(payload)) + payload


def test_header_layout_is_fixed() -> None:
    assert HEADER_SIZE == 36
    raw = frame(payload=b"hey", seq=0x01020304)
    assert raw[:4] == b"WX\x01\x01"
    assert raw[4:20] == TOPIC
    assert raw[20:28] == PEER
    assert raw[28:32] == b"\x01\x02\x03\x04"
    assert raw[32:36] == b"\x00\x00\x00\x03"
    assert raw[36:] == b"hey"


@given(
    kind=st.sampled_from(FrameKind),
    topic=st.binary(min_size=16, max_size=16),
    sender=st.binary(min_size=8, max_size=8),
    seq=st.integers(0, 2**32 - 1),
    length=st.integers(0, MAX_PAYLOAD),
)
def test_round_trip(kind: FrameKind, topic: bytes, sender: bytes, seq: int, length: int) -> None:
    if kind is not FrameKind.DATA:
        length = 0
    head = encode_header(kind, topic, sender, seq, length)
    assert decode_header(head, HEADER_SIZE + length) == FrameHeader(
        kind, topic, sender, seq, length
    )


def test_only_the_header_is_read() -> None:
    # The glue hands the core 36 bytes and the frame length; the payload stays in JS.
    raw = frame(payload=b"x" * 1000)
    assert decode_header(raw[:HEADER_SIZE], len(raw)).payload_length == 1000
    assert decode_header(memoryview(raw), len(raw)).payload_length == 1000


@pytest.mark.parametrize(
    ("raw", "length", "message"),
    [
        (b"", 0, "frame too short: 0 bytes"),
        (frame()[:35], 35, "too short"),
        (frame()[:35], 36, "too short"),
        (b"XW" + frame()[2:], HEADER_SIZE, "not a webxdc realtime frame"),
        (frame()[:2] + b"\x02" + frame()[3:], HEADER_SIZE, "unknown frame version 2"),
        (frame()[:3] + b"\x00" + frame()[4:], HEADER_SIZE, "unknown frame kind 0"),
        (frame()[:3] + b"\x09" + frame()[4:], HEADER_SIZE, "unknown frame kind 9"),
        (frame(payload=b"abc"), HEADER_SIZE + 2, "does not match"),
        (frame(payload=b"abc"), HEADER_SIZE + 4, "does not match"),
        (
            encode_header(FrameKind.DATA, TOPIC, PEER, 0, MAX_PAYLOAD + 1),
            HEADER_SIZE + MAX_PAYLOAD + 1,
            "over 128000",
        ),
        (
            encode_header(FrameKind.PEER_JOINED, TOPIC, PEER, 0, 257) + b"x" * 257,
            HEADER_SIZE + 257,
            "PEER_JOINED frame carries 257 bytes, an address is at most 256",
        ),
        (
            encode_header(FrameKind.PEER_LEFT, TOPIC, PEER, 0, 2) + b"xy",
            HEADER_SIZE + 2,
            "PEER_LEFT frame carries 2",
        ),
    ],
)
def test_malformed_frames_raise_the_remote_error(raw: bytes, length: int, message: str) -> None:
    with pytest.raises(RemoteProtocolError, match=message):
        decode_header(raw, length)


@settings(max_examples=500)
@given(st.binary(max_size=200))
def test_decoder_fed_arbitrary_bytes_only_raises_the_remote_error(raw: bytes) -> None:
    try:
        header = decode_header(raw, len(raw))
    except RemoteProtocolError:
        return
    assert raw[:3] == b"WX\x01"
    assert header.payload_length == len(raw) - HEADER_SIZE


@settings(max_examples=300)
@given(
    kind=st.integers(0, 255),
    version=st.integers(0, 255),
    declared=st.integers(0, 2**32 - 1),
    tail=st.binary(max_size=64),
)
def test_decoder_fed_near_misses_only_raises_the_remote_error(
    kind: int, version: int, declared: int, tail: bytes
) -> None:
    raw = struct.pack(">2sBB16s8sII", b"WX", version, kind, TOPIC, PEER, 0, declared) + tail
    try:
        decode_header(raw, len(raw))
    except RemoteProtocolError:
        assert (version, kind, declared) != (1, 1, len(tail)) or len(tail) > MAX_PAYLOAD


@settings(max_examples=300)
@given(st.binary(max_size=200), st.integers(0, 10**6))
def test_channel_fed_arbitrary_bytes_never_raises_and_never_delivers(
    raw: bytes, length: int
) -> None:
    endpoint = Endpoint(Scope("c", "i"))
    endpoint.join().set_listener("function")
    event = endpoint.receive(raw, length)
    # Without this scope's topic, nothing can get through.
    assert isinstance(event, Dropped)
    assert event.reason in {DropReason.MALFORMED, DropReason.FOREIGN_TOPIC}
    assert endpoint.counters.frames_delivered == 0


@settings(max_examples=400)
@given(
    own=st.booleans(),
    seq=st.integers(0, 2**32 - 1),
    declared=st.sampled_from([0, 1, 16, MAX_PAYLOAD, MAX_PAYLOAD + 1]),
    actual=st.sampled_from([0, 1, 16, MAX_PAYLOAD, MAX_PAYLOAD + 1]),
    flip=st.one_of(st.none(), st.integers(0, 35)),
    trim=st.sampled_from([0, 0, 0, -1, 1]),
    listening=st.booleans(),
)
def test_the_fast_receive_path_agrees_with_the_full_judgement(
    own: bool,
    seq: int,
    declared: int,
    actual: int,
    flip: int | None,
    trim: int,
    listening: bool,
) -> None:
    scope = Scope("c", "i")

    def endpoint() -> Endpoint:
        page = Endpoint(scope, make_peer_id=lambda: b"me-me-me")
        channel = page.join()
        if listening:
            channel.set_listener("function")
        return page

    sender = b"me-me-me" if own else b"other-01"
    header = bytearray(encode_header(FrameKind.DATA, scope.topic, sender, seq, declared))
    if flip is not None:
        header[flip] ^= 0xFF
    part = bytes(header) + b"!" if trim > 0 else bytes(header[: len(header) + trim])
    fast, full = endpoint(), endpoint()
    event = fast.receive_parts(part, actual)
    expected = (
        full.receiver._judge(part, len(part) + actual, b"", 0.0)
        if len(part) == HEADER_SIZE
        else Dropped(DropReason.MALFORMED, f"header part of {len(part)} bytes, not {HEADER_SIZE}")
    )
    if len(part) != HEADER_SIZE:
        full.counters.dropped["malformed"] += 1
    full.counters.frames_received += 1
    full.counters.bytes_received += len(part) + actual
    assert event == expected
    assert fast.counters == full.counters
    assert fast.peers == full.peers
