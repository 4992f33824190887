"""The wire frame: a fixed 36-byte header, then the payload.

Every frame that crosses the BroadcastChannel has this layout (big-endian)::

    offset size field
    0      2    magic, b"WX"
    2      1    version, 1
    3      1    kind: 1 data, 2 peer joined, 3 peer left, 4 peer present
    4      16   topic: the scope hash (see ``scope``)
    20     8    sender: the peer id, random per join
    28     4    seq: the sender's frame counter, from 0 at each join, wrapping at 2**32;
                data frames and announcements are counted apart
    32     4    payload length
    36     ...  payload: the app's data; in "joined" and "present", the sender's
                address (UTF-8, at most 256 bytes), so that peers can name each other

The header has a fixed size, so that a frame can be judged by its header and the
payload's length alone: a large frame (over 8 KiB) travels alone as two parts,
``[header, payload]``, and only its header enters Python. Smaller frames travel in
*messages of frames*, back to back::

    message = frame frame ...        each frame: a header, then its payload; its
                                     length field says where the next one starts

(:func:`frame_end`, :func:`split_message`). The glue walks a message too, to hand each
payload to the app: :data:`LAYOUT` tells it where the fields are (exported with the rules
table), so that the layout is written here only.

The decoder accepts only well-formed frames of a version it knows; for anything
else it raises :class:`RemoteProtocolError`, and nothing else.
"""

from __future__ import annotations

import enum
import struct
from typing import Final, NamedTuple

from .errors import MAX_PAYLOAD, RemoteProtocolError

MAGIC: Final = b"WX"
VERSION: Final = 1
TOPIC_SIZE: Final = 16
ANNOUNCE_MAX: Final = 256
"""Bytes of address a "joined" or "present" announcement may carry."""
PEER_ID_SIZE: Final = 8
SEQ_MODULUS: Final = 2**32

_HEADER = struct.Struct(">2sBB16s8sII")
HEADER_SIZE: Final = _HEADER.size
"""Bytes before the payload in every frame (36)."""

# Where each field of a header is (its byte offset), named once, here: the core's other
# modules and, through LAYOUT, the glue use these names, never a number of their own.
KIND_AT: Final = 3
PREFIX_SIZE: Final = 4 + TOPIC_SIZE
"""The magic, version, kind and topic: what every data frame of one topic starts with."""
SENDER_AT: Final = PREFIX_SIZE
NUMBER_SIZE: Final = 4
"""Bytes of the sequence number and of the length field (each big-endian)."""
SEQ_AT: Final = SENDER_AT + PEER_ID_SIZE
LENGTH_AT: Final = SEQ_AT + NUMBER_SIZE
TAIL: Final = struct.Struct(">8sII")
"""The fields after the prefix: sender, sequence number, payload length."""
SEQ_AND_LENGTH: Final = struct.Struct(">II")
"""A header's last fields: sequence number, payload length."""
NUMBER: Final = struct.Struct(">I")
"""A sequence number, or a length field."""
assert LENGTH_AT + NUMBER_SIZE == HEADER_SIZE == PREFIX_SIZE + TAIL.size

LAYOUT: Final = {
    "header_size": HEADER_SIZE,
    "kind_at": KIND_AT,
    "sender_at": SENDER_AT,
    "sender_size": PEER_ID_SIZE,
    "seq_at": SEQ_AT,
    "length_at": LENGTH_AT,
    "number_size": NUMBER_SIZE,
}
"""Where the fields are in a header (offsets in bytes), and how wide, for the glue: the
sequence number and the length field are ``number_size`` bytes, big-endian."""


class FrameKind(enum.IntEnum):
    """What a frame carries. Only ``DATA`` ever reaches the app."""

    DATA = 1
    PEER_JOINED = 2
    PEER_LEFT = 3
    PEER_PRESENT = 4
    """The answer to a join, so that a newcomer learns who is there; never answered."""


class FrameHeader(NamedTuple):
    """The decoded header of one frame (a named tuple: made per frame, and cheap).

    Attributes
    ----------
    kind : FrameKind
        Data, or an announcement of a peer joining, leaving, or being present.
    topic : bytes
        The 16-byte scope hash the sender joined.
    sender : bytes
        The sender's 8-byte peer id.
    seq : int
        The sender's frame counter.
    payload_length : int
        Bytes after the header.
    """

    kind: FrameKind
    topic: bytes
    sender: bytes
    seq: int
    payload_length: int


# A dict lookup: calling the enum (FrameKind(kind)) costs several times more per frame.
_KINDS: Final = {kind.value: kind for kind in FrameKind}


def encode_header(
    kind: FrameKind, topic: bytes, sender: bytes, seq: int, payload_length: int
) -> bytes:
    """Encode a frame header; the payload, if any, follows it on the wire.

    Parameters
    ----------
    kind : FrameKind
        What the frame carries.
    topic : bytes
        16-byte scope hash.
    sender : bytes
        8-byte peer id of the sender.
    seq : int
        Frame counter, ``0 <= seq < 2**32``.
    payload_length : int
        Length of the payload that follows, ``0 <= payload_length <= MAX_PAYLOAD``.

    Returns
    -------
    bytes
        ``HEADER_SIZE`` bytes.
    """
    return _HEADER.pack(MAGIC, VERSION, kind, topic, sender, seq, payload_length)


def decode_header(head: bytes | bytearray | memoryview, frame_length: int) -> FrameHeader:
    """Decode and check the header of a frame of ``frame_length`` bytes.

    Parameters
    ----------
    head : bytes-like
        The frame's first ``HEADER_SIZE`` bytes, or the whole frame; bytes after
        the header are not read.
    frame_length : int
        Length of the whole frame as received.

    Returns
    -------
    FrameHeader
        The checked header.

    Raises
    ------
    RemoteProtocolError
        If the frame is not a well-formed frame of version 1.
    """
    if frame_length < HEADER_SIZE or len(head) < HEADER_SIZE:
        raise RemoteProtocolError(
            f"frame too short: {frame_length} bytes, a header is {HEADER_SIZE}"
        )
    magic, version, kind, topic, sender, seq, length = _HEADER.unpack_from(head)
    if magic != MAGIC:
        raise RemoteProtocolError(f"not a webxdc realtime frame: magic {magic!r}")
    if version != VERSION:
        raise RemoteProtocolError(f"unknown frame version {version}")
    frame_kind = _KINDS.get(kind)
    if frame_kind is None:
        raise RemoteProtocolError(f"unknown frame kind {kind}")
    if length != frame_length - HEADER_SIZE:
        raise RemoteProtocolError(
            f"payload length {length} does not match the frame's "
            f"{frame_length - HEADER_SIZE} bytes after the header"
        )
    if frame_kind is FrameKind.DATA:
        if length > MAX_PAYLOAD:
            raise RemoteProtocolError(f"payload of {length} bytes is over {MAX_PAYLOAD}")
    elif frame_kind is FrameKind.PEER_LEFT and length:
        raise RemoteProtocolError(f"{frame_kind.name} frame carries {length} payload bytes")
    elif length > ANNOUNCE_MAX:
        raise RemoteProtocolError(
            f"{frame_kind.name} frame carries {length} bytes, an address is at most {ANNOUNCE_MAX}"
        )
    return FrameHeader(frame_kind, topic, sender, seq, length)


def frame_end(message: bytes, pos: int) -> int:
    """Return where the frame that starts at ``pos`` of a message of frames ends.

    A length field that points past the end of the message makes the rest of it one
    frame, which the decoder then drops as malformed (its length does not match); so do
    bytes too few for a header.

    Parameters
    ----------
    message : bytes
        Frames back to back.
    pos : int
        Where a frame starts, ``pos < len(message)``.

    Returns
    -------
    int
        The end of the frame, at most ``len(message)``.
    """
    size = len(message)
    if size - pos < HEADER_SIZE:
        return size
    length = int.from_bytes(message[pos + HEADER_SIZE - 4 : pos + HEADER_SIZE], "big")
    return min(size, pos + HEADER_SIZE + length)


def split_message(message: bytes) -> list[bytes]:
    """Split a message of frames into its frames (see :func:`frame_end`).

    Parameters
    ----------
    message : bytes
        Frames back to back.

    Returns
    -------
    list of bytes
        Each frame, in order (the last may be malformed).
    """
    out, pos = [], 0
    while pos < len(message):
        end = frame_end(message, pos)
        out.append(message[pos:end])
        pos = end
    return out
