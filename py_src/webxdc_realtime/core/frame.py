"""The wire frame: a fixed 36-byte header, then the payload.

Every frame that crosses the BroadcastChannel has this layout (big-endian)::

    offset size field
    0      2    magic, b"WX"
    2      1    version, 1
    3      1    kind: 1 data, 2 peer joined, 3 peer left, 4 peer present
    4      16   topic: the scope hash (see ``_scope``)
    20     8    sender: the peer id, random per join
    28     4    seq: the sender's frame counter, from 0 at each join, wrapping at 2**32;
                data frames and announcements are counted apart
    32     4    payload length
    36     ...  payload: the app's data; in "joined" and "present", the sender's
                address (UTF-8, at most 256 bytes), so that peers can name each other

The header has a fixed size so that the glue can hand the core the header and the
payload's length, and the payload never has to be copied into Python. On a
BroadcastChannel a frame travels as two parts, ``[header, payload]``: structured
cloning then copies the payload once each way, as it does for a raw
BroadcastChannel message, and the receiver's payload part is already a fresh
Uint8Array of its own buffer, ready for the app.

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
