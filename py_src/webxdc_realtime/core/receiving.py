"""How a page judges the frames it receives: the receiving side of :class:`Endpoint`.

Every frame that arrives is judged by its header and length alone (and an
announcement's payload, its sender's address): for the app now (:class:`Data`), later
or held by the network's conditions, an announcement for the glue, or dropped and
counted by reason. Never raised: a malformed or foreign frame is another peer's doing.

The common case takes a fast path (:meth:`Receiving.accept`): a data frame of our topic
from another peer, after the last one heard from it, while the app listens, on a
perfect network. Everything else takes the general path (``_judge``).

A frame arrives a second time when another page replays it (on one BroadcastChannel a
sender's frames arrive in its order, so one whose sequence number is not after the last
heard from its sender came before), or, with a relay, by the second way in (the last
4096 of each sender are remembered then): dropped as ``twice``.
"""

from __future__ import annotations

import struct
from collections import deque
from collections.abc import Callable

from .errors import MAX_PAYLOAD, RemoteProtocolError
from .events import (
    Counters,
    Data,
    Dropped,
    DropReason,
    Event,
    Held,
    Later,
    NeedsPayload,
    PeerJoined,
    PeerLeft,
    PeerPresent,
)
from .frame import (
    ANNOUNCE_MAX,
    HEADER_SIZE,
    SEQ_MODULUS,
    TOPIC_SIZE,
    FrameHeader,
    FrameKind,
    decode_header,
)
from .network import NOW, Network, Verdict
from .scope import Scope

# A data frame of a given topic starts with these 20 bytes: magic, version, kind, topic.
_PREFIX_SIZE = 4 + TOPIC_SIZE
_TAIL = struct.Struct(">8sII")  # sender, seq, payload length
# Announcements that carry the sender's address; the glue hands their payload over.
_NAMED = frozenset({FrameKind.PEER_JOINED.value, FrameKind.PEER_PRESENT.value})
_SEEN = 4096  # frames of a sender remembered, to tell one that arrives a second time
_SENDERS = 4096  # senders whose last sequence number is remembered (replays)
_HALF = SEQ_MODULUS // 2
_NET_REASONS = {
    "loss": DropReason.NET_LOSS,
    "partition": DropReason.NET_PARTITION,
    "offline": DropReason.NET_OFFLINE,
}


class Receiving:
    """The receiving side of an :class:`~webxdc_realtime.Endpoint`, which holds the state.

    A base of :class:`~webxdc_realtime.Endpoint` only; its attributes are the endpoint's
    (see there).
    """

    scope: Scope
    member: bool
    peer_id: bytes | None
    counters: Counters
    peers: set[bytes]
    names: dict[bytes, str]
    network: Network | None
    _data_prefix: bytes
    _delivering: bool
    _fast: bool
    _dedupe: bool
    _seen: dict[bytes, tuple[set[int], deque[int]]]
    _last: dict[bytes, int]
    _last_announced: dict[bytes, int]
    _announcement: Callable[[FrameKind], bytes]  # the endpoint's: an announcement to post

    def receive(
        self, head: bytes | bytearray | memoryview, frame_length: int, now: float = 0.0
    ) -> Event:
        """Judge one frame from the wire, given whole (or its first bytes). Never raises.

        Parameters
        ----------
        head : bytes-like
            The frame, or its first ``HEADER_SIZE`` bytes; an announcement's payload
            (the sender's address) is read if it is there.
        frame_length : int
            Length of the whole frame.
        now : float
            The clock, ms (see :meth:`receive_parts`).

        Returns
        -------
        Event
            As :meth:`receive_parts`.
        """
        if len(head) < HEADER_SIZE:
            return self.receive_parts(head, frame_length - len(head), None, now)
        payload = bytes(head[HEADER_SIZE:frame_length]) if head[3] in _NAMED else None
        return self.receive_parts(head[:HEADER_SIZE], frame_length - HEADER_SIZE, payload, now)

    def receive_parts(
        self,
        header: bytes | bytearray | memoryview,
        payload_length: int,
        payload: bytes | None = None,
        now: float = 0.0,
    ) -> Event:
        """Judge a frame that arrived as two parts, header and payload. Never raises.

        On a BroadcastChannel a frame travels as ``[header, payload]``, so that
        neither end copies the payload; the header part must be exactly
        ``HEADER_SIZE`` bytes. The payload is not read, but an announcement's.

        Parameters
        ----------
        header : bytes-like
            The header part.
        payload_length : int
            Length of the payload part.
        payload : bytes, optional
            The payload, when :class:`NeedsPayload` asked for it.
        now : float
            The clock, ms; the network's bandwidth needs it.

        Returns
        -------
        Event
            :class:`Data` for the listener of ``current``, now; :class:`Later` or
            :class:`Held` when the network delays or holds it; :class:`PeerJoined`
            (with a reply to post), :class:`PeerPresent` or :class:`PeerLeft` for
            the glue; :class:`NeedsPayload` (call again with it); or
            :class:`Dropped`.
        """
        if self.accept(header, payload_length):
            sender, seq, length = _TAIL.unpack_from(header, _PREFIX_SIZE)
            return Data(sender, seq, HEADER_SIZE, length)
        if (
            payload is None
            and payload_length
            and len(header) == HEADER_SIZE
            and header[3] in _NAMED
            and payload_length <= ANNOUNCE_MAX
        ):
            return NeedsPayload()
        frame_length = len(header) + payload_length
        counters = self.counters
        counters.frames_received += 1
        counters.bytes_received += frame_length
        if len(header) != HEADER_SIZE:
            return self._drop(
                DropReason.MALFORMED, f"header part of {len(header)} bytes, not {HEADER_SIZE}"
            )
        return self._judge(header, frame_length, payload or b"", now)

    def accept(self, header: bytes | bytearray | memoryview, payload_length: int) -> bool:
        """Deliver a frame by its header part, if it takes the fast path. Never raises.

        The fast path is the common case, taken only where the general path would deliver
        too: a data frame of our topic (its first 20 bytes are then known) whose length
        field matches, from another peer, after the last one heard from it, while the app
        listens, on a perfect network. It is :meth:`receive_parts` in as few steps as can
        be, for the glue's frame-at-a-time path, where every step into Python counts.

        Parameters
        ----------
        header : bytes-like
            The header part.
        payload_length : int
            Length of the payload part.

        Returns
        -------
        bool
            True: counted as delivered, hand the payload to the listener now. False:
            nothing done; judge the frame with :meth:`receive_parts`.
        """
        if not self._fast or len(header) != HEADER_SIZE:
            return False
        if header[:_PREFIX_SIZE] != self._data_prefix:
            return False
        sender, seq, length = _TAIL.unpack_from(header, _PREFIX_SIZE)
        last_seen = self._last
        last = last_seen.get(sender)
        if (
            length != payload_length
            or length > MAX_PAYLOAD
            or sender == self.peer_id
            or not _after(seq, last)
        ):
            return False
        self._heard(last_seen, sender, seq)
        self.peers.add(sender)
        counters = self.counters
        counters.frames_received += 1
        counters.bytes_received += HEADER_SIZE + length
        counters.frames_delivered += 1
        counters.bytes_delivered += length
        return True

    def reject(self, frame_length: int, detail: str) -> Dropped:
        """Count a frame that the glue could not even read as bytes: dropped, malformed.

        Parameters
        ----------
        frame_length : int
            Its size, as far as it can tell.
        detail : str
            What was wrong.

        Returns
        -------
        Dropped
            The drop, reason ``malformed``.
        """
        self.counters.frames_received += 1
        self.counters.bytes_received += frame_length
        return self._drop(DropReason.MALFORMED, detail)

    def _count_delivered(self, frames: int, payload_bytes: int) -> None:
        counters = self.counters
        counters.frames_received += frames
        counters.bytes_received += frames * HEADER_SIZE + payload_bytes
        counters.frames_delivered += frames
        counters.bytes_delivered += payload_bytes

    def _judge(
        self, head: bytes | bytearray | memoryview, frame_length: int, payload: bytes, now: float
    ) -> Event:
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
        if self._seen_before(header) if self._dedupe else self._replayed(header):
            return self._drop(DropReason.TWICE)
        if header.kind is FrameKind.PEER_LEFT:
            self.peers.discard(header.sender)
            self._seen.pop(header.sender, None)
            return PeerLeft(header.sender)
        if header.kind.value in _NAMED and payload:
            # Learnt even if the network then drops the announcement: the frame did
            # arrive, and later frames of this sender must be judged by its link.
            self.names[header.sender] = payload.decode("utf-8", "replace")
        name = self.names.get(header.sender, "")
        verdict = self._network_verdict(header, name, head, frame_length, now)
        if isinstance(verdict, Verdict) and verdict.reason:
            return self._drop(_NET_REASONS[verdict.reason])
        self.peers.add(header.sender)
        if header.kind is FrameKind.PEER_JOINED:
            return PeerJoined(header.sender, self._announcement(FrameKind.PEER_PRESENT))
        if header.kind is FrameKind.PEER_PRESENT:
            return PeerPresent(header.sender)
        if not self._delivering:
            return self._drop(DropReason.NO_LISTENER)
        self.counters.frames_delivered += 1
        self.counters.bytes_delivered += header.payload_length
        data = Data(header.sender, header.seq, HEADER_SIZE, header.payload_length)
        if isinstance(verdict, int):
            self.counters.frames_held += 1
            return Held(data, verdict)
        if verdict.delays == (0.0,):
            return data
        self.counters.frames_delayed += 1
        return Later(data, verdict.delays)

    def _replayed(self, header: FrameHeader) -> bool:
        """Whether a frame is not after the last one of its sender (and kind): it came before.

        On one BroadcastChannel the frames of a sender arrive in its order, so any frame
        whose sequence number is not ahead of the last one heard (modulo 2**32, by less
        than half the circle) is one that arrived before: replayed by another page.
        """
        last_seen = self._last if header.kind is FrameKind.DATA else self._last_announced
        if not _after(header.seq, last_seen.get(header.sender)):
            return True
        self._heard(last_seen, header.sender, header.seq)
        return False

    @staticmethod
    def _heard(last_seen: dict[bytes, int], sender: bytes, seq: int) -> None:
        if sender not in last_seen and len(last_seen) >= _SENDERS:
            del last_seen[next(iter(last_seen))]  # the sender heard from first
        last_seen[sender] = seq

    def _seen_before(self, header: FrameHeader) -> bool:
        """Whether this frame came already (the last 4096 of each sender are kept)."""
        key = (header.kind is FrameKind.DATA) << 32 | header.seq
        seen, order = self._seen.setdefault(header.sender, (set(), deque()))
        if key in seen:
            return True
        seen.add(key)
        order.append(key)
        if len(order) > _SEEN:
            seen.discard(order.popleft())
        return False

    def _network_verdict(
        self,
        header: FrameHeader,
        name: str,
        head: bytes | bytearray | memoryview,
        size: int,
        now: float,
    ) -> Verdict | int:
        """Return the network's verdict on a frame from the peer called ``name``.

        The frame's identity is its sequence number (its sender's name is in the draw
        already), so that a seed gives the same verdicts on every run, whatever the
        random peer ids; the id too when the sender is unnamed.
        """
        if self.network is None:
            return NOW
        return self.network.judge(
            name,
            bytes(head[3:4]) + bytes(head[28:32] if name else head[20:32]),
            size,
            now,
            announcement=header.kind is not FrameKind.DATA,
        )

    def _drop(self, reason: DropReason, detail: str = "") -> Dropped:
        self.counters.dropped[reason.value] += 1
        return Dropped(reason, detail)


def _after(seq: int, last: int | None) -> bool:
    """Whether ``seq`` is after ``last`` (None: nothing heard yet), modulo 2**32.

    After: ahead by less than half the circle.
    """
    return last is None or 0 < (seq - last) % SEQ_MODULUS < _HALF
