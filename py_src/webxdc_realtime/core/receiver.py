"""The receiving side of a page: every frame that arrives is judged here, and only here.

One :class:`Receiver` per page (its :class:`~webxdc_realtime.Endpoint` makes it and tells
it what changes: a new stay in the channel, whether the app listens, the network's
conditions). It holds everything the judging needs: the peers heard from and their names,
the last sequence number heard from each sender, the frames remembered to tell one that
comes twice, the network, and the counters of what came in.

A frame is judged by its header and length alone (and an announcement's payload, its
sender's address): for the app now (:class:`Data`), later or held by the network
(:class:`Later`, :class:`Held`, judged again when their time comes: :meth:`due`), an
announcement for the glue, or dropped and counted by reason. Never raised: a malformed or
foreign frame is another peer's doing.

Frames come two ways, and both take the same fast path (:meth:`_fast_frame`, one test):

- alone (:meth:`accept`, then :meth:`receive_parts`): a large frame as ``[header,
  payload]``, or a message of one frame, whose payload the glue keeps;
- in a *message of frames*, everything another page sent in one task (:meth:`start`):
  :meth:`run` judges at once every frame from the current one that takes the fast path,
  which the glue then hands to the listener one by one; :meth:`next` judges the next frame
  whatever it is. The app's listener may change what later frames deserve (it leaves,
  joins again, stores a listener that takes no data): before such a call reaches the core,
  the glue calls :meth:`cut` with how many frames of the run the app got, and the rest are
  taken back, uncounted, and judged afresh. So a message of frames is judged exactly as
  the same frames sent one per message would be.

The fast path is the common case, taken only where the general path (:meth:`_judge`)
would deliver too: a data frame of our topic whose length field matches, from another
peer, after the last one heard from it, while the app listens, on a perfect network.

A frame arrives a second time when another page replays it (on one BroadcastChannel a
sender's frames arrive in its order, so one whose sequence number is not after the last
heard from its sender came before), or, with a relay, by the second way in (the last
4096 of each sender are remembered then): dropped as ``twice``.
"""

from __future__ import annotations

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
    KIND_AT,
    LENGTH_AT,
    NUMBER,
    PEER_ID_SIZE,
    PREFIX_SIZE,
    SENDER_AT,
    SEQ_AT,
    SEQ_MODULUS,
    TAIL,
    FrameHeader,
    FrameKind,
    decode_header,
    encode_header,
    frame_end,
)
from .network import NOW, Network, NetworkState, Verdict
from .scope import Scope

# Announcements that carry the sender's address; the glue hands their payload over.
_NAMED = frozenset({FrameKind.PEER_JOINED.value, FrameKind.PEER_PRESENT.value})
_SEEN = 4096  # frames of a sender remembered, to tell one that arrives a second time
_SENDERS = 4096  # senders whose last sequence number is remembered (replays)
_HALF = SEQ_MODULUS // 2
_NET_REASONS = {
    "loss": DropReason.NET_LOSS,
    "partition": DropReason.NET_PARTITION,
    "offline": DropReason.NET_OFFLINE,
    "not_connected": DropReason.NET_NOT_CONNECTED,
}

Bytes = bytes | bytearray | memoryview


class Receiver:
    """The receiving side of one page.

    Parameters
    ----------
    scope : Scope
        Chat and app instance: frames of another topic are foreign.
    counters : Counters
        Where to count what comes in (the endpoint's, which counts what goes out).
    answer : callable
        Returns the announcement "present" to post when a peer joins (the endpoint
        makes it: it numbers what the page sends).

    Attributes
    ----------
    counters : Counters
        What came in during the latest stay, drops by reason.
    peers : set of bytes
        Ids of the other peers heard from in the latest stay that have not left.
    names : dict of bytes to str
        The addresses of peers, by id, as they announced them.
    network : Network or None
        The network's conditions as this peer sees them; None: a perfect network.
    member : bool
        Whether the page is in the channel.
    delivering : bool
        Whether data reaches the app now: in the channel, and the channel object that
        receives has a listener that takes data.
    """

    def __init__(self, scope: Scope, counters: Counters, answer: Callable[[], bytes]) -> None:
        self.scope = scope
        self.counters = counters
        self.answer = answer
        self.peers: set[bytes] = set()
        self.names: dict[bytes, str] = {}
        self.network: Network | None = None
        self.member = False
        self.delivering = False
        self._own: bytes | None = None  # our peer id in this stay: our frames are not for us
        self._prefix = encode_header(FrameKind.DATA, scope.topic, bytes(PEER_ID_SIZE), 0, 0)[
            :PREFIX_SIZE
        ]
        self._fast = False  # delivering, on a perfect network, no second way in
        self._dedupe = False
        self._seen: dict[bytes, tuple[set[int], deque[int]]] = {}
        self._floor: tuple[dict[bytes, int], dict[bytes, int]] = ({}, {})
        # The last sequence number heard from each sender, data and announcements apart
        # (see _replayed); a cut run restores it.
        self._last: dict[bytes, int] = {}
        self._last_announced: dict[bytes, int] = {}
        # The message of frames being judged, and its current run (see start, run, cut).
        self.message = b""
        self.pos = 0
        self._empty = False
        self._run_start = 0
        self._run_count = 0
        self._prior: dict[bytes, int | None] = {}  # last heard before the run, per sender
        self._ahead_senders: list[tuple[bytes, int]] = []  # as ahead() handed them out
        self.epoch = 0
        """Moves on whenever what :meth:`ahead` decided may no longer hold: a frame taken by
        another way (its sender's place moves on), or the fast path's conditions change.
        The glue compares it with the decisions' own (:meth:`ahead`); nothing else."""

    # What the endpoint tells it.

    def enter(self, own: bytes, counters: Counters) -> None:
        """Start a new stay in the channel: our new peer id, new counters, no peer yet."""
        self._own = own
        self.counters = counters
        self.peers = set()
        self.epoch += 1
        if self.network is not None:
            self.network.restart()  # every pair connects anew

    def configure(self, member: bool, delivering: bool) -> None:
        """Say whether the page is in the channel, and whether the app takes data now."""
        if not member:
            self.peers.clear()
        self.member = member
        self.delivering = delivering
        self._update()

    def set_dedupe(self, on: bool) -> None:
        """Frames come by two ways (BroadcastChannel and a relay): deliver each once.

        Parameters
        ----------
        on : bool
            Whether to tell frames seen already (by sender, kind and sequence number).
            Turned on while frames come by one way, it counts those heard so far as seen.
        """
        self._dedupe = on
        self._seen.clear()
        # Frames heard already by the one way: those not after the last of their sender
        # (and kind) then are seen already, whichever way a copy comes by later.
        self._floor = (dict(self._last), dict(self._last_announced)) if on else ({}, {})
        self._update()

    def set_network(self, state: NetworkState, addr: str) -> tuple[list[int], list[int]]:
        """Take the network's conditions (every peer of the scope gets the same).

        Parameters
        ----------
        state : NetworkState
            The conditions.
        addr : str
            This peer's address: its links are named by it.

        Returns
        -------
        release : list of int
            Held frames (and updates) whose time has come, in order: deliver each
            frame after :meth:`due` says so.
        drop : list of int
            Held ones to forget.
        """
        if self.network is None:
            self.network = Network(addr, state)
            release: list[int] = []
            drop: list[int] = []
            for peer in self.peers:  # heard from before: connected already
                self.network.met(self.names.get(peer, ""), float("-inf"))
        else:
            release, drop = self.network.set(state)
        if state.perfect and not self.network.holding:
            self.network = None  # back to the fast path
        self._update()
        return release, drop

    def connecting(self, now: float) -> list[str]:
        """Return the peers (by address) this page is not connected with yet, at ``now``."""
        return self.network.connecting(now) if self.network is not None else []

    def _update(self) -> None:
        self._fast = self.delivering and self.network is None and not self._dedupe
        self.epoch += 1

    # Frames alone.

    def accept(self, header: Bytes, payload_length: int) -> bool:
        """Deliver a frame by its header part, if it takes the fast path. Never raises.

        :meth:`receive_parts` in as few steps as can be, for the glue's frame-at-a-time
        path, where every step into Python counts.

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
        fields = self._fast_frame(bytes(header), 0)
        if fields is None or fields[2] != payload_length:
            return False
        sender, seq, length = fields
        self._heard(self._last, sender, seq)
        self.peers.add(sender)
        self._count_delivered(1, length)
        self.epoch += 1
        return True

    def ahead(self, count: int) -> tuple[list[bytes], int]:
        """Decide ahead: the frames :meth:`accept` would deliver next, before they come.

        For each peer heard from, the header parts (all but the length field) of its next
        ``count`` data frames, in order: one of them, with a length field of at most the
        limit, is delivered as :meth:`accept` would, as long as no frame is delivered or
        held by another way meanwhile (frames dropped, and announcements, change nothing
        here); one before a frame taken is not (it comes too late). The glue takes such
        frames without a call, then says which with :meth:`took_ahead`, before any other
        call.

        Parameters
        ----------
        count : int
            Frames ahead per sender (less than half the circle of sequence numbers).

        Returns
        -------
        senders : list of bytes
            Per sender, ``count`` header parts of ``LENGTH_AT`` bytes each, concatenated;
            empty when the fast path is off (the app does not listen, a network, a relay).
        limit : int
            The largest length field delivered.
        """
        if not self._fast:
            self._ahead_senders = []
            return [], MAX_PAYLOAD
        prefix = self._prefix
        peers = self.peers
        self._ahead_senders = [(s, last) for s, last in self._last.items() if s in peers]
        return [
            b"".join(
                prefix + sender + NUMBER.pack((last + k) % SEQ_MODULUS) for k in range(1, count + 1)
            )
            for sender, last in self._ahead_senders
        ], MAX_PAYLOAD

    def took_ahead(self, taken: list[int], frames: int, payload_bytes: int) -> None:
        """Take in what the glue delivered by the frames of :meth:`ahead`, as if one by one.

        Parameters
        ----------
        taken : list of int
            Per sender of :meth:`ahead`, in its order, the index of the last of its frames
            delivered since the glue last said (-1: none since).
        frames, payload_bytes : int
            How many frames were delivered since, and their payload bytes.
        """
        for (sender, last), index in zip(self._ahead_senders, taken, strict=True):
            if index >= 0:
                self._last[sender] = (last + 1 + index) % SEQ_MODULUS
                self.peers.add(sender)
        self._count_delivered(frames, payload_bytes)

    def receive(self, head: Bytes, frame_length: int, now: float = 0.0) -> Event:
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
        payload = bytes(head[HEADER_SIZE:frame_length]) if head[KIND_AT] in _NAMED else None
        return self.receive_parts(head[:HEADER_SIZE], frame_length - HEADER_SIZE, payload, now)

    def receive_parts(
        self, header: Bytes, payload_length: int, payload: bytes | None = None, now: float = 0.0
    ) -> Event:
        """Judge a frame that arrived as two parts, header and payload. Never raises.

        The header part must be exactly ``HEADER_SIZE`` bytes. The payload is not read,
        but an announcement's.

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
            :class:`Data` for the listener of the channel object that receives, now;
            :class:`Later` or :class:`Held` when the network delays or holds it (then
            :meth:`due`); :class:`PeerJoined` (with the answer to post),
            :class:`PeerPresent` or :class:`PeerLeft` for the glue;
            :class:`NeedsPayload` (call again with it); or :class:`Dropped`.
        """
        if self.accept(header, payload_length):
            sender, seq, length = TAIL.unpack_from(header, PREFIX_SIZE)
            return Data(sender, seq, HEADER_SIZE, length)
        if (
            payload is None
            and payload_length
            and len(header) == HEADER_SIZE
            and header[KIND_AT] in _NAMED
            and payload_length <= ANNOUNCE_MAX
        ):
            return NeedsPayload()
        frame_length = len(header) + payload_length
        self.counters.arrived(1, frame_length)
        if len(header) != HEADER_SIZE:
            return self._drop(
                DropReason.MALFORMED, f"header part of {len(header)} bytes, not {HEADER_SIZE}"
            )
        return self._judge(header, frame_length, payload or b"", now)

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
        self.counters.arrived(1, frame_length)
        return self._drop(DropReason.MALFORMED, detail)

    def due(self, length: int) -> Dropped | None:
        """Judge again a data frame that the network delayed or held: its time has come.

        It is judged again by who receives now, as if it arrived now: left, or a listener
        that takes no data, and it is dropped, as it would be without the delay.

        Parameters
        ----------
        length : int
            Its payload's length.

        Returns
        -------
        Dropped or None
            None: counted as delivered, hand it to the listener of the channel object
            that receives now. Else the drop.
        """
        if not self.member:
            return self._drop(DropReason.LEFT)
        if not self.delivering:
            return self._drop(DropReason.NO_LISTENER)
        self.counters.delivered(1, length)
        return None

    # Messages of frames.

    def start(self, message: bytes) -> None:
        """Take a message of frames to judge; nothing is judged yet.

        Parameters
        ----------
        message : bytes
            Frames back to back, as received (see ``frame``).
        """
        self.message = message
        self.pos = self._run_start = self._run_count = 0
        self._empty = not message  # an empty message is one (malformed) frame

    @property
    def done(self) -> bool:
        """Whether every frame of the message was judged."""
        return self.pos >= len(self.message) and not self._empty

    def run(self) -> int:
        """Judge the frames from :attr:`pos` on that take the fast path.

        Returns
        -------
        int
            How many frames, from :attr:`pos` as it was, to hand to the listener now, in
            order (counted as delivered); 0 if the next frame needs :meth:`next`.
        """
        message = self.message
        start = pos = self.pos
        self._run_start, self._run_count = start, 0
        if not self._fast:
            return 0
        size = len(message)
        test, last_seen, heard, add = self._fast_frame, self._last, self._heard, self.peers.add
        prior = self._prior
        prior.clear()
        count = 0
        while pos + HEADER_SIZE <= size:
            fields = test(message, pos)
            if fields is None:
                break
            sender, seq, length = fields
            end = pos + HEADER_SIZE + length
            if end > size:
                break
            if sender not in prior:
                prior[sender] = last_seen.get(sender)
            heard(last_seen, sender, seq)
            add(sender)
            count += 1
            pos = end
        if count:
            self._count_delivered(count, pos - start - count * HEADER_SIZE)
            self.epoch += 1
        self._run_count, self.pos = count, pos
        return count

    def next(self, now: float = 0.0) -> tuple[int, int, Event]:
        """Judge the next frame of the message, whatever it is. Never raises.

        Parameters
        ----------
        now : float
            The clock, ms (for the network's bandwidth).

        Returns
        -------
        start, end : int
            Where the frame is in the message; its payload starts at ``start +
            HEADER_SIZE`` when it is well-formed.
        event : Event
            As :meth:`receive` says.
        """
        start = self.pos
        end = frame_end(self.message, start) if self.message else 0
        self.pos = end
        self._run_count = 0
        self._empty = False
        return start, end, self.receive(self.message[start:end], end - start, now)

    def cut(self, delivered: int) -> None:
        """Of the last run, only the first ``delivered`` frames reached the app.

        The others are uncounted, and the next :meth:`run` or :meth:`next` judges them
        again, in whatever state the app's calls have left the page.

        Parameters
        ----------
        delivered : int
            Frames of the run handed to the listener, ``0 <= delivered <= count``.
        """
        count, self._run_count = self._run_count, 0
        if not count or delivered >= count:
            return
        self.epoch += 1
        # Forget the frames not delivered: what was last heard from each sender is what
        # it was before the run, then the delivered frames' numbers.
        last_seen, message = self._last, self.message
        for sender, value in self._prior.items():
            if value is None:
                last_seen.pop(sender, None)
            else:
                last_seen[sender] = value
        pos, first, payload = self._run_start, 0, 0
        for index in range(count):
            sender, seq, length = TAIL.unpack_from(message, pos + PREFIX_SIZE)
            if index == delivered:
                first = pos
            if index < delivered:
                last_seen[sender] = seq
            else:
                payload += length
            pos += HEADER_SIZE + length
        self._count_delivered(delivered - count, -payload)
        self.pos = first

    # The judging.

    def _fast_frame(self, buffer: bytes, pos: int) -> tuple[bytes, int, int] | None:
        """Test the header at ``pos`` (``HEADER_SIZE`` bytes there) for the fast path.

        A data frame of our topic, from another peer, after the last one heard from it,
        with a length field of at most ``MAX_PAYLOAD``: its ``(sender, seq, length)``;
        whether the payload is there, and the rest (the app listens, a perfect network:
        ``_fast``), is for the caller.
        """
        if not buffer.startswith(self._prefix, pos):
            return None
        fields: tuple[bytes, int, int] = TAIL.unpack_from(buffer, pos + PREFIX_SIZE)
        sender, seq, length = fields
        if length > MAX_PAYLOAD or sender == self._own or not _after(seq, self._last.get(sender)):
            return None
        return fields

    def _count_delivered(self, frames: int, payload_bytes: int) -> None:
        self.counters.arrived(frames, frames * HEADER_SIZE + payload_bytes)
        self.counters.delivered(frames, payload_bytes)

    def _judge(self, head: Bytes, frame_length: int, payload: bytes, now: float) -> Event:
        try:
            header = decode_header(head, frame_length)
        except RemoteProtocolError as exc:
            return self._drop(DropReason.MALFORMED, exc.message)
        if header.topic != self.scope.topic:
            return self._drop(DropReason.FOREIGN_TOPIC)
        if header.sender == self._own:
            return self._drop(DropReason.OWN)
        if not self.member:
            return self._drop(DropReason.LEFT)
        if self._seen_before(header) if self._dedupe else self._replayed(header):
            return self._drop(DropReason.TWICE)
        if header.kind is FrameKind.PEER_LEFT:
            self.peers.discard(header.sender)
            self._seen.pop(header.sender, None)
            if self.network is not None:
                self.network.forget(self.names.get(header.sender, ""))
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
        if header.kind is not FrameKind.DATA and self.network is not None:
            # The advertisement: their pair starts connecting (again, if it joined again).
            self.network.met(name, now, anew=header.kind is FrameKind.PEER_JOINED)
        if header.kind is FrameKind.PEER_JOINED:
            return PeerJoined(header.sender, self.answer())
        if header.kind is FrameKind.PEER_PRESENT:
            return PeerPresent(header.sender)
        if not self.delivering:
            return self._drop(DropReason.NO_LISTENER)
        data = Data(header.sender, header.seq, HEADER_SIZE, header.payload_length)
        if isinstance(verdict, int):
            self.counters.frames_held += 1
            return Held(data, verdict)
        if verdict.delays == (0.0,):
            self.counters.delivered(1, header.payload_length)
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
        if last_seen is self._last:  # a data frame, taken by another way than ahead
            self.epoch += 1
        return False

    @staticmethod
    def _heard(last_seen: dict[bytes, int], sender: bytes, seq: int) -> None:
        if sender not in last_seen and len(last_seen) >= _SENDERS:
            del last_seen[next(iter(last_seen))]  # the sender heard from first
        last_seen[sender] = seq

    def _seen_before(self, header: FrameHeader) -> bool:
        """Whether this frame came already (the last 4096 of each sender are kept)."""
        data = header.kind is FrameKind.DATA
        floor = self._floor[0 if data else 1].get(header.sender)
        if floor is not None and not _after(header.seq, floor):
            return True
        key = data << 32 | header.seq
        seen, order = self._seen.setdefault(header.sender, (set(), deque()))
        if key in seen:
            return True
        seen.add(key)
        order.append(key)
        if len(order) > _SEEN:
            seen.discard(order.popleft())
        return False

    def _network_verdict(
        self, header: FrameHeader, name: str, head: Bytes, size: int, now: float
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
            bytes(head[KIND_AT : KIND_AT + 1])
            + bytes(head[SEQ_AT:LENGTH_AT] if name else head[SENDER_AT:LENGTH_AT]),
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
