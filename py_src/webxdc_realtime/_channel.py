"""The channel state machine: the app's calls in, frames out; frames in, events out.

This module does not know which browser, tab or transport it runs in. It owns no
timer and no I/O, and it never sees a payload: a send is described by the data's
type tag and length and answered with the header that goes before the payload;
a received frame is judged by its header and length alone.

Rules kept here (SPEC.md section 2):

- one joined channel per endpoint at a time (row 3); a new one after ``leave`` (row 4);
- a listener must be a function (row 6) and may be replaced (row 5);
- send checks, in order: the data is a Uint8Array (row 7), the channel is not left
  (row 8), the size is within ``MAX_PAYLOAD`` (row 9); empty data is fine (row 11);
- ``leave`` twice is no error (row 20);
- data reaches the app only from *another* peer (a random id per join, so another
  tab of the same account is another peer, row 12) of the same topic, and only
  while a listener is set; earlier data is dropped, not buffered (row 13);
- identical payloads are separate frames, never de-duplicated (row 16);
- anything malformed or foreign is dropped and counted, never raised (row 19).
"""

from __future__ import annotations

import enum
import secrets
import struct
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NamedTuple

from ._errors import (
    ALREADY_JOINED,
    MAX_PAYLOAD,
    NOT_UINT8ARRAY,
    TRASHED,
    LocalProtocolError,
    RemoteProtocolError,
    not_a_function,
    too_large,
)
from ._frame import (
    HEADER_SIZE,
    PEER_ID_SIZE,
    SEQ_MODULUS,
    TOPIC_SIZE,
    FrameKind,
    decode_header,
    encode_header,
)
from ._scope import Scope

# A data frame of a given topic starts with these 20 bytes: magic, version, kind, topic.
_PREFIX_SIZE = 4 + TOPIC_SIZE
_TAIL = struct.Struct(">8sII")  # sender, seq, payload length

UINT8ARRAY_TAG = "[object Uint8Array]"
"""``Object.prototype.toString`` of a Uint8Array, from any realm."""


class ChannelState(enum.Enum):
    """Where a channel is in its life: joined, then left for good."""

    JOINED = "joined"
    LEFT = "left"


class DropReason(enum.StrEnum):
    """Why a received frame did not reach the app."""

    MALFORMED = "malformed"
    """Not a well-formed frame of a known version."""
    FOREIGN_TOPIC = "foreign_topic"
    """Well-formed, but of another chat or app instance."""
    OWN = "own"
    """Sent by this very channel."""
    NO_LISTENER = "no_listener"
    """Data arrived while no listener was set."""
    LEFT = "left"
    """Arrived after this channel was left."""


class Data(NamedTuple):
    """App data from another peer, to hand to the listener.

    A named tuple, as it is made per frame: cheaper than a frozen dataclass.

    Attributes
    ----------
    sender : bytes
        Peer id of the sender.
    seq : int
        The sender's frame counter.
    offset : int
        Where the payload starts in the frame (``HEADER_SIZE``).
    length : int
        Payload length in bytes.
    """

    sender: bytes
    seq: int
    offset: int
    length: int


@dataclass(frozen=True, slots=True)
class PeerJoined:
    """Another peer announced that it joined. Never reaches the app.

    Attributes
    ----------
    sender : bytes
        The new peer's id.
    reply : bytes
        A "present" frame for the glue to post, so that the newcomer learns of us.
    """

    sender: bytes
    reply: bytes


@dataclass(frozen=True, slots=True)
class PeerPresent:
    """Another peer answered our join: it is here. Never reaches the app."""

    sender: bytes


@dataclass(frozen=True, slots=True)
class PeerLeft:
    """Another peer announced that it left. Never reaches the app."""

    sender: bytes


@dataclass(frozen=True, slots=True)
class Dropped:
    """A frame that goes nowhere, and why."""

    reason: DropReason
    detail: str = ""


Event = Data | PeerJoined | PeerPresent | PeerLeft | Dropped


@dataclass(slots=True)
class Counters:
    """What one channel has sent and received.

    Attributes
    ----------
    frames_sent, bytes_sent : int
        Frames put on the wire, announcements included, and their size with headers.
    frames_received, bytes_received : int
        Frames that arrived, whatever became of them, and their size.
    frames_delivered, bytes_delivered : int
        Data handed to the app's listener, and its payload bytes.
    dropped : collections.Counter
        Frames dropped, by :class:`DropReason` value.
    """

    frames_sent: int = 0
    bytes_sent: int = 0
    frames_received: int = 0
    bytes_received: int = 0
    frames_delivered: int = 0
    bytes_delivered: int = 0
    dropped: Counter[str] = field(default_factory=Counter)

    def as_dict(self) -> dict[str, object]:
        """Return the counters as plain values, ``dropped`` as a dict.

        Returns
        -------
        dict
            One key per attribute.
        """
        return {
            "frames_sent": self.frames_sent,
            "bytes_sent": self.bytes_sent,
            "frames_received": self.frames_received,
            "bytes_received": self.bytes_received,
            "frames_delivered": self.frames_delivered,
            "bytes_delivered": self.bytes_delivered,
            "dropped": dict(self.dropped),
        }


class Channel:
    """One joined realtime channel: what ``joinRealtimeChannel()`` returns.

    Made by :meth:`Endpoint.join`, not directly.

    Parameters
    ----------
    scope : Scope
        Chat and app instance of the channel.
    peer_id : bytes
        This channel's 8-byte id on the wire.

    Attributes
    ----------
    scope : Scope
        Chat and app instance; ``scope.channel_name`` names the BroadcastChannel.
    peer_id : bytes
        This channel's id on the wire.
    state : ChannelState
        Joined, or left.
    has_listener : bool
        Whether the app has set a listener.
    counters : Counters
        Frames and bytes in and out, drops by reason.
    peers : set of bytes
        Ids of the other peers heard from that have not announced leaving.
    """

    def __init__(self, scope: Scope, peer_id: bytes) -> None:
        self.scope = scope
        self.peer_id = peer_id
        self.state = ChannelState.JOINED
        self.has_listener = False
        self.counters = Counters()
        self.peers: set[bytes] = set()
        self._seq = 0
        self._data_prefix = encode_header(FrameKind.DATA, scope.topic, peer_id, 0, 0)[:_PREFIX_SIZE]

    def _frame_header(self, kind: FrameKind, payload_length: int) -> bytes:
        header = encode_header(kind, self.scope.topic, self.peer_id, self._seq, payload_length)
        self._seq = (self._seq + 1) % SEQ_MODULUS
        self.counters.frames_sent += 1
        self.counters.bytes_sent += HEADER_SIZE + payload_length
        return header

    def _announce(self, kind: FrameKind) -> bytes:
        return self._frame_header(kind, 0)

    def set_listener(self, given_type: str) -> None:
        """Record that the app set (or replaced) its listener.

        Parameters
        ----------
        given_type : str
            JavaScript ``typeof`` of what the app passed (``"null"`` for null).

        Raises
        ------
        LocalProtocolError
            A ``TypeError`` if it is not a function; an ``Error`` if the
            channel was left.
        """
        if given_type != "function":
            raise LocalProtocolError(not_a_function(given_type), "TypeError")
        if self.state is ChannelState.LEFT:
            raise LocalProtocolError(TRASHED)
        self.has_listener = True

    def send(self, data_type: str, length: int | None) -> bytes:
        """Check one app send and return the header to put before its payload.

        Parameters
        ----------
        data_type : str
            ``Object.prototype.toString`` of the data, e.g. ``"[object Uint8Array]"``.
        length : int or None
            The data's length in bytes (ignored unless it is a Uint8Array).

        Returns
        -------
        bytes
            ``HEADER_SIZE`` bytes; the frame is this header, then the payload.

        Raises
        ------
        LocalProtocolError
            If the data is not a Uint8Array, the channel was left, or the data
            is over ``MAX_PAYLOAD`` bytes (checked in that order).
        """
        if data_type != UINT8ARRAY_TAG or length is None:
            raise LocalProtocolError(NOT_UINT8ARRAY)
        if self.state is ChannelState.LEFT:
            raise LocalProtocolError(TRASHED)
        if length > MAX_PAYLOAD:
            raise LocalProtocolError(too_large(length))
        return self._frame_header(FrameKind.DATA, length)

    def receive(self, head: bytes | bytearray | memoryview, frame_length: int) -> Event:
        """Judge one frame from the wire. Never raises on bad input.

        Parameters
        ----------
        head : bytes-like
            The frame's first ``HEADER_SIZE`` bytes (or all of it, or fewer if
            the frame is shorter); nothing after the header is read.
        frame_length : int
            Length of the whole frame.

        Returns
        -------
        Event
            :class:`Data` for the app's listener; :class:`PeerJoined` (with a
            reply to post), :class:`PeerPresent` or :class:`PeerLeft` for the glue;
            or :class:`Dropped`.
        """
        self.counters.frames_received += 1
        self.counters.bytes_received += frame_length
        return self._judge(head, frame_length)

    def receive_parts(self, header: bytes | bytearray | memoryview, payload_length: int) -> Event:
        """Judge a frame that arrived as two parts, header and payload. Never raises.

        On a BroadcastChannel a frame travels as ``[header, payload]``, so that
        neither end copies the payload; the header part must be exactly
        ``HEADER_SIZE`` bytes.

        Parameters
        ----------
        header : bytes-like
            The header part.
        payload_length : int
            Length of the payload part.

        Returns
        -------
        Event
            As :meth:`receive`.
        """
        frame_length = len(header) + payload_length
        counters = self.counters
        counters.frames_received += 1
        counters.bytes_received += frame_length
        # Fast path for the common case, taken only where _judge would deliver: a data
        # frame of our topic (the first 20 header bytes are then known), whose length
        # field matches, from another peer, while we listen. Anything else: _judge.
        if (
            len(header) == HEADER_SIZE
            and header[:_PREFIX_SIZE] == self._data_prefix
            and self.has_listener
        ):
            sender, seq, length = _TAIL.unpack_from(header, _PREFIX_SIZE)
            if length == payload_length <= MAX_PAYLOAD and sender != self.peer_id:
                self.peers.add(sender)
                counters.frames_delivered += 1
                counters.bytes_delivered += length
                return Data(sender, seq, HEADER_SIZE, length)
        if len(header) != HEADER_SIZE:
            return self._drop(
                DropReason.MALFORMED, f"header part of {len(header)} bytes, not {HEADER_SIZE}"
            )
        return self._judge(header, frame_length)

    def _judge(self, head: bytes | bytearray | memoryview, frame_length: int) -> Event:
        try:
            header = decode_header(head, frame_length)
        except RemoteProtocolError as exc:
            return self._drop(DropReason.MALFORMED, exc.message)
        if header.topic != self.scope.topic:
            return self._drop(DropReason.FOREIGN_TOPIC)
        if header.sender == self.peer_id:
            return self._drop(DropReason.OWN)
        if self.state is ChannelState.LEFT:
            return self._drop(DropReason.LEFT)
        if header.kind is FrameKind.PEER_LEFT:
            self.peers.discard(header.sender)
            return PeerLeft(header.sender)
        self.peers.add(header.sender)
        if header.kind is FrameKind.PEER_JOINED:
            return PeerJoined(header.sender, self._announce(FrameKind.PEER_PRESENT))
        if header.kind is FrameKind.PEER_PRESENT:
            return PeerPresent(header.sender)
        if not self.has_listener:
            return self._drop(DropReason.NO_LISTENER)
        self.counters.frames_delivered += 1
        self.counters.bytes_delivered += header.payload_length
        return Data(header.sender, header.seq, HEADER_SIZE, header.payload_length)

    def _drop(self, reason: DropReason, detail: str = "") -> Dropped:
        self.counters.dropped[reason.value] += 1
        return Dropped(reason, detail)

    def leave(self) -> bytes | None:
        """Leave the channel for good.

        Returns
        -------
        bytes or None
            The announcement frame to send on the first call; ``None`` after
            that (leaving twice is no error).
        """
        if self.state is ChannelState.LEFT:
            return None
        frame = self._announce(FrameKind.PEER_LEFT)
        self.state = ChannelState.LEFT
        self.has_listener = False
        self.peers.clear()
        return frame


def _random_peer_id() -> bytes:
    return secrets.token_bytes(PEER_ID_SIZE)


class Endpoint:
    """What one browsing context (tab or iframe) holds: at most one joined channel.

    Parameters
    ----------
    scope : Scope
        Chat and app instance of every channel this endpoint joins.
    make_peer_id : callable, optional
        Returns a fresh 8-byte id per join; random by default.
    """

    def __init__(self, scope: Scope, make_peer_id: Callable[[], bytes] | None = None) -> None:
        self.scope = scope
        self._make_peer_id = make_peer_id or _random_peer_id
        self.channel: Channel | None = None

    def join(self) -> tuple[Channel, bytes]:
        """Join the realtime channel: ``joinRealtimeChannel()``.

        Returns
        -------
        channel : Channel
            The new channel.
        announcement : bytes
            The frame telling the other peers that this one joined.

        Raises
        ------
        LocalProtocolError
            If the previous channel has not been left (SPEC.md row 3).
        """
        if self.channel is not None and self.channel.state is ChannelState.JOINED:
            raise LocalProtocolError(ALREADY_JOINED)
        self.channel = Channel(self.scope, self._make_peer_id())
        return self.channel, self.channel._announce(FrameKind.PEER_JOINED)
