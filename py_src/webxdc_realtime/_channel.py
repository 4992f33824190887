"""The channel state machine: the app's calls in, frames out; frames in, events out.

This module does not know which browser, tab or transport it runs in. It owns no
timer and no I/O, and it never sees a payload: a send is described by the data's
type tag and length and answered with the header that goes before the payload;
a received frame is judged by its header and length alone.

Two kinds of object, as in the browser:

- :class:`Endpoint`, one per page (tab or iframe): whether the page is in the
  channel, its id on the wire (random per stay, so another tab of the same account
  is another peer, row 12), its counters, the peers heard from, and which channel
  object receives. It judges every arriving frame.
- :class:`Channel`, what ``joinRealtimeChannel()`` returns to the app. Its calls are
  decided by the host profile's rules (``_rules``): SPEC.md section 2 under
  ``strict``, the real hosts' laxer ways under ``desktop`` and ``mobile``.

Rules kept here, under every profile (SPEC.md section 2):

- data reaches the app only from *another* peer of the same topic, only while the
  page is in the channel, and only through the channel object joined last, if its
  listener takes data; earlier data is dropped, not buffered (rows 12, 13);
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

from ._errors import MAX_PAYLOAD, LocalProtocolError, RemoteProtocolError
from ._frame import (
    HEADER_SIZE,
    PEER_ID_SIZE,
    SEQ_MODULUS,
    TOPIC_SIZE,
    FrameKind,
    decode_header,
    encode_header,
)
from ._rules import (
    DEFAULT_PROFILE,
    SILENT_LISTENERS,
    UINT8ARRAY_TAG,
    Facts,
    Profile,
    Rule,
    profile_named,
)
from ._scope import Scope

# A data frame of a given topic starts with these 20 bytes: magic, version, kind, topic.
_PREFIX_SIZE = 4 + TOPIC_SIZE
_TAIL = struct.Struct(">8sII")  # sender, seq, payload length


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
    """Arrived while the page was not in the channel (it left)."""


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
    """One channel object: what ``joinRealtimeChannel()`` returned to the app.

    Made by :meth:`Endpoint.join`, not directly. Every call is decided by the
    endpoint's profile; announcements it causes go to ``endpoint.outbox``.

    Parameters
    ----------
    endpoint : Endpoint
        The page it belongs to.

    Attributes
    ----------
    endpoint : Endpoint
        The page it belongs to.
    trashed : bool
        Whether this object was left (only ``strict`` and ``desktop`` refuse calls on it).
    listener : str
        What the stored listener is (JS ``typeof``; ``"none"`` before any).
    """

    __slots__ = ("endpoint", "listener", "trashed")

    def __init__(self, endpoint: Endpoint) -> None:
        self.endpoint = endpoint
        self.trashed = False
        self.listener = "none"

    @property
    def is_current(self) -> bool:
        """Whether this is the channel object that receives: the one joined last."""
        return self.endpoint.current is self

    def set_listener(self, given: str) -> None:
        """``setListener(x)``: store (or replace) the listener.

        Parameters
        ----------
        given : str
            JavaScript ``typeof`` of what the app passed (``"null"`` for null).

        Raises
        ------
        LocalProtocolError
            As the profile says; under ``strict``, a ``TypeError`` if it is not a
            function, then an ``Error`` if the channel was left.
        """
        facts = {"given": given, "trashed": self.trashed}
        self.endpoint._apply(self, self.endpoint.profile.decide("setListener", facts), facts)

    def send(self, tag: str, length: int | None, bytes_ok: bool | None = None) -> bytes | str:
        """``send(data)``: decide it, and return the header to put before the payload.

        Parameters
        ----------
        tag : str
            ``Object.prototype.toString`` of the data, e.g. ``"[object Uint8Array]"``.
        length : int or None
            Bytes to send; None if the data cannot be read as bytes.
        bytes_ok : bool, optional
            Whether the data can be read as bytes (see ``_rules``); by default,
            whether it is a Uint8Array with a length.

        Returns
        -------
        bytes or str
            ``HEADER_SIZE`` bytes: the frame is this header, then the payload. A
            str: nothing is sent, and the text (empty: nothing) is for the console.

        Raises
        ------
        LocalProtocolError
            As the profile says; under ``strict``, if the data is not a Uint8Array,
            the channel was left, or the data is over ``MAX_PAYLOAD`` bytes (checked
            in that order).
        """
        endpoint = self.endpoint
        if bytes_ok is None:
            bytes_ok = tag == UINT8ARRAY_TAG and length is not None
        facts = {
            "tag": tag,
            "length": length,
            "bytes_ok": bytes_ok,
            "trashed": self.trashed,
            "member": endpoint.member,
        }
        rule = endpoint._apply(self, endpoint.profile.decide("send", facts), facts)
        if not rule.send:
            return rule.render(facts) if rule.log else ""
        assert length is not None  # a profile sends only what reads as bytes
        return endpoint._frame_header(FrameKind.DATA, length)

    def leave(self) -> None:
        """``leave()``: as the profile says; leaving twice is no error (row 20)."""
        facts = {"trashed": self.trashed, "member": self.endpoint.member}
        self.endpoint._apply(self, self.endpoint.profile.decide("leave", facts), facts)


def _random_peer_id() -> bytes:
    return secrets.token_bytes(PEER_ID_SIZE)


class Endpoint:
    """What one browsing context (tab or iframe) holds: its stay in the channel.

    Parameters
    ----------
    scope : Scope
        Chat and app instance of the channel.
    profile : str or Profile, optional
        The host profile whose rules decide the app's calls; ``"strict"`` by default.
    make_peer_id : callable, optional
        Returns a fresh 8-byte id each time the page joins; random by default.

    Attributes
    ----------
    scope : Scope
        Chat and app instance; ``scope.channel_name`` names the BroadcastChannel.
    profile : Profile
        The rules in force.
    member : bool
        Whether the page is in the channel.
    peer_id : bytes or None
        The page's id on the wire in its latest stay; None before the first join.
    current : Channel or None
        The channel object joined last: the one that receives.
    counters : Counters
        Frames and bytes in and out of the latest stay, drops by reason.
    peers : set of bytes
        Ids of the other peers heard from in the latest stay that have not left.
    outbox : list of bytes
        Announcements to post, in order; the caller empties it after each call.
    """

    def __init__(
        self,
        scope: Scope,
        profile: str | Profile = DEFAULT_PROFILE,
        make_peer_id: Callable[[], bytes] | None = None,
    ) -> None:
        self.scope = scope
        self.profile = profile_named(profile) if isinstance(profile, str) else profile
        self._make_peer_id = make_peer_id or _random_peer_id
        self.member = False
        self.peer_id: bytes | None = None
        self.current: Channel | None = None
        self.counters = Counters()
        self.peers: set[bytes] = set()
        self.outbox: list[bytes] = []
        self._seq = 0
        self._data_prefix = b""
        self._delivering = False

    def join(self) -> Channel:
        """``joinRealtimeChannel()``: a new channel object, which receives from now on.

        Returns
        -------
        Channel
            The new channel object. If the page was not in the channel, it is
            now, and ``outbox`` holds the announcement.

        Raises
        ------
        LocalProtocolError
            As the profile says; under ``strict``, if the page is in the channel
            already (SPEC.md row 3).
        """
        facts = {"member": self.member}
        self._apply(None, self.profile.decide("join", facts), facts)
        assert self.current is not None
        return self.current

    def take_outbox(self) -> list[bytes]:
        """Return the announcements to post, and empty the outbox.

        Returns
        -------
        list of bytes
            Frames, in the order they must be posted.
        """
        frames, self.outbox = self.outbox, []
        return frames

    def _apply(self, channel: Channel | None, rule: Rule, facts: Facts) -> Rule:
        """Carry out a decided rule: raise its error, or make its effects; return it."""
        if rule.throw is not None:
            raise LocalProtocolError(rule.render(facts), rule.throw)
        if channel is None:  # a join: the new object receives from now on
            channel = self.current = Channel(self)
        if rule.member is True and not self.member:
            self._enter()
        elif rule.member is False and self.member:
            self.outbox.append(self._frame_header(FrameKind.PEER_LEFT, 0))
            self.member = False
            self.peers.clear()
        if rule.trash:
            channel.trashed = True
        if rule.listen:
            channel.listener = str(facts["given"])
        self._update_delivery()
        return rule

    def _enter(self) -> None:
        self.member = True
        self.peer_id = self._make_peer_id()
        self.counters = Counters()
        self.peers = set()
        self._seq = 0
        self._data_prefix = encode_header(FrameKind.DATA, self.scope.topic, self.peer_id, 0, 0)[
            :_PREFIX_SIZE
        ]
        self.outbox.append(self._frame_header(FrameKind.PEER_JOINED, 0))

    def _update_delivery(self) -> None:
        current = self.current
        self._delivering = (
            self.member and current is not None and current.listener not in SILENT_LISTENERS
        )

    def _frame_header(self, kind: FrameKind, payload_length: int) -> bytes:
        assert self.peer_id is not None
        header = encode_header(kind, self.scope.topic, self.peer_id, self._seq, payload_length)
        self._seq = (self._seq + 1) % SEQ_MODULUS
        self.counters.frames_sent += 1
        self.counters.bytes_sent += HEADER_SIZE + payload_length
        return header

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
            :class:`Data` for the listener of ``current``; :class:`PeerJoined`
            (with a reply to post), :class:`PeerPresent` or :class:`PeerLeft` for
            the glue; or :class:`Dropped`.
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
        # field matches, from another peer, while the app listens. Anything else: _judge.
        if (
            self._delivering
            and len(header) == HEADER_SIZE
            and header[:_PREFIX_SIZE] == self._data_prefix
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
        if not self.member:
            return self._drop(DropReason.LEFT)
        if header.kind is FrameKind.PEER_LEFT:
            self.peers.discard(header.sender)
            return PeerLeft(header.sender)
        self.peers.add(header.sender)
        if header.kind is FrameKind.PEER_JOINED:
            return PeerJoined(header.sender, self._frame_header(FrameKind.PEER_PRESENT, 0))
        if header.kind is FrameKind.PEER_PRESENT:
            return PeerPresent(header.sender)
        if not self._delivering:
            return self._drop(DropReason.NO_LISTENER)
        self.counters.frames_delivered += 1
        self.counters.bytes_delivered += header.payload_length
        return Data(header.sender, header.seq, HEADER_SIZE, header.payload_length)

    def _drop(self, reason: DropReason, detail: str = "") -> Dropped:
        self.counters.dropped[reason.value] += 1
        return Dropped(reason, detail)
