"""The channel state machine: the app's calls in, frames out; frames in, events out.

This module does not know which browser, tab or transport it runs in. It owns no
timer and no I/O, and it never reads the app's data: a send is described by the data's
type tag and length and answered with the header that goes before the payload; a
received frame is judged by its header and length alone (by the receiver).

Two kinds of object, as in the browser:

- :class:`Endpoint`, one per page (tab or iframe): whether the page is in the
  channel, its id on the wire (random per stay, so another tab of the same account
  is another peer, row 12), its counters, and which channel object receives. Every
  arriving frame is judged by its :class:`~webxdc_realtime.core.receiver.Receiver`.
- :class:`Channel`, what ``joinRealtimeChannel()`` returns to the app. Its calls are
  decided by the host profile's rules (``rules``): SPEC.md section 2 under
  ``strict``, the real hosts' laxer ways under ``desktop`` and ``mobile``.

Rules kept here, under every profile (SPEC.md section 2):

- data reaches the app only from *another* peer of the same topic, only while the
  page is in the channel, and only through the channel object joined last, if its
  listener takes data; earlier data is dropped, not buffered (rows 12, 13);
- identical payloads are separate frames, never de-duplicated (row 16);
- anything malformed or foreign is dropped and counted, never raised (row 19).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Final

from .errors import LocalProtocolError
from .events import Counters
from .frame import (
    ANNOUNCE_MAX,
    PEER_ID_SIZE,
    SEQ_AND_LENGTH,
    SEQ_AT,
    SEQ_MODULUS,
    FrameKind,
    encode_header,
)
from .network import NOW, Network, NetworkState, Verdict
from .receiver import Receiver
from .rules import (
    DEFAULT_PROFILE,
    SILENT_LISTENERS,
    UINT8ARRAY_TAG,
    Facts,
    Profile,
    Rule,
    profile_named,
)
from .scope import Scope

RELAY_ANNOUNCE_AGAIN_MS: Final = 1000
"""How long after it joins, or its relay connects, a peer joined through a relay announces
itself once more (:meth:`Endpoint.announce_again`): the servers of a relay tell each other of
a new subscription within milliseconds; a second leaves room for a busy machine."""


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
            Whether the data can be read as bytes (see ``rules``); by default,
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
        member = endpoint.member
        rule = endpoint.profile.decide_send(tag, length, bytes_ok, self.trashed, member)
        if rule.only_sends(member):  # the common case: no effect to make
            assert length is not None  # a profile sends only what reads as bytes
            return endpoint._data_header(length)
        facts = {
            "tag": tag,
            "length": length,
            "bytes_ok": bytes_ok,
            "trashed": self.trashed,
            "member": member,
        }
        rule = endpoint._apply(self, rule, facts)
        if not rule.send:
            return rule.render(facts) if rule.log else ""
        assert length is not None  # a profile sends only what reads as bytes
        return endpoint._frame_header(FrameKind.DATA, length)

    def ahead(self, count: int) -> tuple[bytes, int] | None:
        """Decide ahead: the headers of this object's next sends of a Uint8Array.

        Parameters
        ----------
        count : int
            Sends to decide.

        Returns
        -------
        (bytes, int) or None
            ``count`` headers, concatenated, their length fields zero: the n-th send of a
            Uint8Array of at most the int's length, if nothing else reaches the endpoint
            meanwhile, is that header with its length, as :meth:`send` would return it;
            the glue then says how many it sent with :meth:`sent_ahead`, before any other
            call. None: such a send does more than send (this state, this profile).
        """
        endpoint = self.endpoint
        member = endpoint.member
        rule = endpoint.profile.decide_send(UINT8ARRAY_TAG, 0, True, self.trashed, member)
        if not rule.only_sends(member):
            return None
        return endpoint._data_headers_ahead(count), endpoint.profile.alike_up_to()

    def sent_ahead(self, frames: int, payload_bytes: int) -> None:
        """Take in the sends the glue made by the headers of :meth:`ahead`.

        Parameters
        ----------
        frames, payload_bytes : int
            How many of those headers were sent, in order, and their payloads' bytes.
        """
        self.endpoint._sent_ahead(frames, payload_bytes)

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
    addr : str, optional
        This peer's address (``selfAddr``): its announcements carry it, so that the
        others can name it (the network's links, the devtools).

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
    names : dict of bytes to str
        The addresses of peers, by id, as they announced them.
    network : Network or None
        The network's conditions as this peer sees them; None: a perfect network.
    outbox : list of bytes
        Announcements to post (whole frames), in order; the caller empties it after
        each call.
    """

    def __init__(
        self,
        scope: Scope,
        profile: str | Profile = DEFAULT_PROFILE,
        make_peer_id: Callable[[], bytes] | None = None,
        addr: str = "",
    ) -> None:
        self.scope = scope
        self.profile = profile_named(profile) if isinstance(profile, str) else profile
        self._make_peer_id = make_peer_id or _random_peer_id
        self.addr = addr
        self._name = addr.encode()[:ANNOUNCE_MAX]
        self.member = False
        self.peer_id: bytes | None = None
        self.current: Channel | None = None
        self.counters = Counters()
        self.outbox: list[bytes] = []
        self._seq = 0  # data frames of this stay
        self._announced = 0  # announcements of this stay: numbered apart (see _frame_header)
        self._data_head = b""  # a data frame's first 28 bytes: prefix and our peer id
        self.receiver = Receiver(
            scope, self.counters, lambda: self._announcement(FrameKind.PEER_PRESENT)
        )
        self.send_epoch = 0
        """Moves on whenever what :meth:`Channel.ahead` decided may no longer hold: an app
        call made its effects, or a send was made another way (the next number moved)."""
        # Frames in are the receiver's (see there); the endpoint gives its calls their face,
        # so that a caller (the adapter) knows no receiver. One frame:
        receiver = self.receiver
        self.receive = receiver.receive
        self.receive_parts = receiver.receive_parts
        self.accept = receiver.accept
        self.reject = receiver.reject
        self.due = receiver.due
        self.set_dedupe = receiver.set_dedupe
        # a message of frames, step by step (Receiver.start, run, next, cut):
        self.start_message = receiver.start
        self.run_in_message = receiver.run
        self.next_in_message = receiver.next
        self.cut_run = receiver.cut
        # and the frames it would deliver next, decided ahead (Receiver.ahead, took_ahead).
        self.frames_ahead = receiver.ahead
        self.took_ahead = receiver.took_ahead

    @property
    def receive_epoch(self) -> int:
        """Moves on whenever what :meth:`frames_ahead` decided may no longer hold."""
        return self.receiver.epoch

    @property
    def message_at(self) -> int:
        """Where the next step of the message of frames being judged starts (bytes)."""
        return self.receiver.pos

    @property
    def message_done(self) -> bool:
        """Whether every frame of that message has been judged."""
        return self.receiver.done

    @property
    def peers(self) -> set[bytes]:
        """Ids of the other peers heard from in the latest stay that have not left."""
        return self.receiver.peers

    @property
    def names(self) -> dict[bytes, str]:
        """The addresses of peers, by id, as they announced them."""
        return self.receiver.names

    @property
    def network(self) -> Network | None:
        """The network's conditions as this peer sees them; None: a perfect network."""
        return self.receiver.network

    def connecting(self, now: float) -> list[str]:
        """Return the addresses of the peers this one is not connected with yet, at ``now``.

        Parameters
        ----------
        now : float
            The clock, ms (the one frames are judged by).

        Returns
        -------
        list of str
            Sorted; empty unless the network has a connection phase (``connect``).
        """
        return self.receiver.connecting(now)

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

    def announce_again(self) -> None:
        """Announce once more that this peer is in the channel, if it is (through a relay).

        A relay of several servers carries a join only to the servers that know, by then,
        who listens on the chat; a subscription made a moment before on another server may
        not be known yet, and two peers joining at once may each miss the other's join.
        A peer joined through a relay calls this ``RELAY_ANNOUNCE_AGAIN_MS`` after it joins
        or its relay connects: ``outbox`` then holds a presence frame (the answer to a join,
        which is not answered in turn); nothing when the page is not in the channel.
        """
        if self.member:
            self.outbox.append(self._announcement(FrameKind.PEER_PRESENT))

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
        if rule.trash:
            channel.trashed = True
        if rule.listen:
            channel.listener = str(facts["given"])
        self._update_delivery()
        self.send_epoch += 1
        return rule

    def _enter(self) -> None:
        self.member = True
        self.peer_id = self._make_peer_id()
        self.counters = Counters()
        self.receiver.enter(self.peer_id, self.counters)
        self._seq = self._announced = 0
        self._data_head = encode_header(FrameKind.DATA, self.scope.topic, self.peer_id, 0, 0)[
            :SEQ_AT
        ]
        self.outbox.append(self._announcement(FrameKind.PEER_JOINED))

    def _announcement(self, kind: FrameKind) -> bytes:
        return self._frame_header(kind, len(self._name)) + self._name

    def _update_delivery(self) -> None:
        current = self.current
        delivering = (
            self.member and current is not None and current.listener not in SILENT_LISTENERS
        )
        self.receiver.configure(self.member, delivering)

    def _frame_header(self, kind: FrameKind, payload_length: int) -> bytes:
        assert self.peer_id is not None
        # Data frames and announcements are numbered apart, so that the n-th data frame of
        # a stay is seq n whoever joined when: the network's draws hash it (one seed, the
        # same verdicts on every run).
        if kind is FrameKind.DATA:
            return self._data_header(payload_length)
        seq = self._announced
        self._announced = (seq + 1) % SEQ_MODULUS
        header = encode_header(kind, self.scope.topic, self.peer_id, seq, payload_length)
        self.counters.sent(1, payload_length)
        return header

    def _data_header(self, payload_length: int) -> bytes:
        # _frame_header of a data frame, in few steps: the first 28 bytes are the stay's.
        seq = self._seq
        self._seq = (seq + 1) % SEQ_MODULUS
        self.counters.sent(1, payload_length)
        self.send_epoch += 1
        return self._data_head + SEQ_AND_LENGTH.pack(seq, payload_length)

    def _data_headers_ahead(self, count: int) -> bytes:
        # The next `count` data headers, their lengths zero (see Channel.ahead).
        head, seq = self._data_head, self._seq
        return b"".join(
            head + SEQ_AND_LENGTH.pack((seq + k) % SEQ_MODULUS, 0) for k in range(count)
        )

    def _sent_ahead(self, frames: int, payload_bytes: int) -> None:
        # _data_header, `frames` times.
        self._seq = (self._seq + frames) % SEQ_MODULUS
        self.counters.sent(frames, payload_bytes)

    def set_network(self, state: NetworkState) -> tuple[list[int], list[int]]:
        """Take the network's conditions (every peer of the scope gets the same).

        Parameters
        ----------
        state : NetworkState
            The conditions.

        Returns
        -------
        release : list of int
            Held frames (and updates) whose time has come, in order (a frame then goes
            through :meth:`due`).
        drop : list of int
            Held ones to forget.
        """
        return self.receiver.set_network(state, self.addr)

    def judge_update(self, sender: str, uid: str, size: int, now: float) -> Verdict | int:
        """Return the network's verdict on an update from ``sender`` (held, never lost).

        Parameters
        ----------
        sender : str
            The update's sender (its address).
        uid : str
            The update's id.
        size : int
            Its bytes.
        now : float
            The clock, ms.

        Returns
        -------
        Verdict or int
            Deliver after these delays, or the id of the held update.
        """
        network = self.receiver.network
        if network is None:
            return NOW
        return network.judge(sender, uid.encode(), size, now, reliable=True)
