"""A peer in Python, for scripts and bots: a chat's realtime channel and updates, by the relay.

A :class:`Peer` joins a chat and app instance through the relay (``webxdc-realtime
relay``), as a page with ``?relay=`` does, with the same core: its frames are the
browser's, judged by the same rules, so the pages of the chat see it as one more peer::

    from webxdc_realtime.host.peer import Peer

    async with Peer("nats://127.0.0.1:4222", chat="chat-1", addr="bot@example.org") as peer:
        await peer.send(b"hello")
        await peer.send_update({"payload": {"text": "I am here"}})
        async for data in peer:             # every frame another peer sends, as bytes
            await peer.send(data.upper())

``peer.events()`` gives more: :class:`Message` (with its sender), :class:`Joined`,
:class:`Left` and :class:`Update`. Read one or the other. What nobody reads is kept up to
``backlog`` events; beyond that the newest are let go and counted (:attr:`Peer.overflow`):
the channel is ephemeral, and a bot that stops reading must not grow without bound.

Updates are those sent while the peer is there: like a page joined by the relay, it gets
no history from it (a messenger would give it; see SPEC-webxdc.md).
"""

from __future__ import annotations

import asyncio
import json
import ssl
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from ..core.channel import RELAY_ANNOUNCE_AGAIN_MS, Endpoint
from ..core.errors import MAX_PAYLOAD
from ..core.events import Counters, Data, PeerJoined, PeerLeft, PeerPresent
from ..core.frame import split_message
from ..core.rules import UINT8ARRAY_TAG
from ..core.scope import Scope
from ..core.updates import SYNC_ANSWER_MS, UpdateLog, parse_record
from .relay import RelayError, split_relay


@dataclass(frozen=True, slots=True)
class Message:
    """Data another peer sent: what its app passed to ``send()``.

    Attributes
    ----------
    sender : str
        Its ``selfAddr`` (the hex of its peer id until it has announced itself).
    data : bytes
        The payload.
    """

    sender: str
    data: bytes


@dataclass(frozen=True, slots=True)
class Joined:
    """Another peer is in the channel.

    Attributes
    ----------
    addr : str
        Its ``selfAddr``.
    present : bool
        False: it joined now; True: it was there before us (it answered our join, or
        said again that it is there: a relay's servers may carry a join before they know
        who listens).
    """

    addr: str
    present: bool


@dataclass(frozen=True, slots=True)
class Left:
    """Another peer left the channel.

    Attributes
    ----------
    addr : str
        Its ``selfAddr``.
    """

    addr: str


@dataclass(frozen=True, slots=True)
class Update:
    """An update, another peer's or our own, as an app's update listener gets it.

    Attributes
    ----------
    sender : str
        The ``selfAddr`` of the peer that sent it.
    update : dict
        The update with ``serial`` and ``max_serial`` (this peer's numbers).
    """

    sender: str
    update: dict[str, Any]


PeerEvent = Message | Joined | Left | Update


class Peer:
    """A peer of one chat and app instance, joined through the relay.

    Parameters
    ----------
    relay : str
        The relay's NATS addresses, comma-separated, its token in them if it has one
        (``nats://TOKEN@host:4222``, ``tls://...``): what ``webxdc-realtime relay`` prints
        for terminals.
    chat : str
        The chat, as pages give it with ``?chat=`` (default ``"default"``, theirs too).
    instance : str
        The app instance: a page's is its folder unless ``?instance=`` says (``"/"``, the
        default, for an app at the root of its origin, as ``webxdc-realtime run`` serves it).
    addr : str
        This peer's ``selfAddr``, as the others see it.
    tls_ca : str or None
        A PEM file of the authority that signed the relay's certificate, if the system's
        do not know it.
    backlog : int
        Events kept for the reader at most (see the module's docs).

    Attributes
    ----------
    overflow : int
        Events let go because nobody read them.
    dropped : int
        Frames not sent because the relay was away (the channel is ephemeral; updates
        are kept and sent when it is back).
    """

    def __init__(
        self,
        relay: str,
        chat: str = "default",
        instance: str = "/",
        *,
        addr: str = "bot@localhost",
        tls_ca: str | None = None,
        backlog: int = 10_000,
    ) -> None:
        if backlog < 1:
            raise ValueError(f"backlog must be at least 1, not {backlog}")
        self.relay = relay
        self.scope = Scope(chat, instance)
        self.addr = addr
        self.tls_ca = tls_ca
        self.overflow = 0
        self.dropped = 0
        self._answering = False
        self._endpoint = Endpoint(self.scope, addr=addr)
        self._updates = UpdateLog(addr)
        self._events: asyncio.Queue[PeerEvent] = asyncio.Queue(backlog)
        self._present: set[str] = set()
        self._errors: list[BaseException] = []
        self._nc: Any = None
        self._again: asyncio.Task[None] | None = None

    # -- joining and leaving ------------------------------------------------------------

    async def join(self) -> Peer:
        """Connect to the relay, join the channel and announce it.

        Returns
        -------
        Peer
            This peer.

        Raises
        ------
        RelayError
            If no server of the relay takes the connection (why, and what to do).
        RuntimeError
            If it has joined already.
        """
        if self._nc is not None:
            raise RuntimeError(f"{self.addr} has joined already")
        errors = self._errors = []
        self._nc = await connect(self.relay, self.tls_ca, errors, self._reconnected)
        self._endpoint.join().set_listener("function")
        await self._nc.subscribe(self.scope.relay_subject, cb=self._on_frames)
        await self._nc.subscribe(self.scope.relay_updates_subject, cb=self._on_update)
        await self._nc.subscribe(self.scope.relay_sync_subject, cb=self._on_sync)
        await self._nc.flush()  # subscribed at the server, or refused, before we go on
        # nats-server may say a subscription is refused a moment after the flush's answer:
        # what it says later makes `status` "refused", and `send` raise.
        await asyncio.sleep(0.05)
        if self._refused():
            nc, self._nc = self._nc, None
            await nc.close()
            raise RelayError(self._refused())
        await self._flush()
        await self._nc.publish(self.scope.relay_sync_subject, b"")  # the chat's updates so far
        self._announce_again()
        return self

    async def leave(self) -> None:
        """Announce that this peer leaves, and close the connection. Twice is once."""
        nc, self._nc = self._nc, None
        if nc is None:
            return
        if self._again is not None:
            self._again.cancel()
        channel = self._endpoint.current
        if channel is not None:
            channel.leave()
            for frame in self._endpoint.take_outbox():
                await nc.publish(self.scope.relay_subject, frame)
        await nc.drain()

    async def __aenter__(self) -> Peer:
        return await self.join()

    async def __aexit__(self, *exc: object) -> None:
        await self.leave()

    # -- sending -------------------------------------------------------------------------

    async def send(self, data: bytes | bytearray | memoryview) -> None:
        """Send data to the other peers, as an app's ``channel.send(Uint8Array)`` does.

        Raises
        ------
        ValueError
            If it is over 128000 bytes (SPEC.md's limit).
        RuntimeError
            If the peer has not joined (or has left).
        RelayError
            If the relay refused this chat to these credentials.
        """
        payload = bytes(data)
        if len(payload) > MAX_PAYLOAD:
            raise ValueError(f"{len(payload)} bytes is over the limit of {MAX_PAYLOAD}")
        nc = self._connected()
        channel = self._endpoint.current
        assert channel is not None  # joined: the connection and the channel go together
        header = channel.send(UINT8ARRAY_TAG, len(payload))
        assert isinstance(header, bytes)  # a Uint8Array within the limit is sent
        if not nc.is_connected:  # the relay is away: dropped (ephemeral), as a page does
            self.dropped += 1
            return
        await self._flush()
        await nc.publish(self.scope.relay_subject, header + payload)

    async def send_update(self, update: dict[str, Any], descr: str = "") -> int:
        """Send an update, as ``webxdc.sendUpdate(update, descr)`` does.

        The other peers of the chat get it, and so does this one (:meth:`events`).

        Parameters
        ----------
        update : dict
            With a ``payload``; ``info``, ``summary``, ``document``, ``href``, ``notify``
            as SPEC-webxdc.md says.
        descr : str
            Deprecated, as in the API.

        Returns
        -------
        int
            Its serial at this peer.

        Raises
        ------
        ValueError
            If the update is not valid: the message says why.
        RuntimeError
            If the peer has not joined (or has left).
        """
        nc = self._connected()
        try:
            text: str | None = json.dumps(update, ensure_ascii=False)
            why = ""
        except (TypeError, ValueError) as error:
            text, why = None, str(error)
        sent = self._updates.send(text, why=why, descr=bool(descr), now=time.monotonic() * 1000)
        if sent.stored is None:
            raise ValueError("; ".join(sent.errors))
        record = list(sent.stored.record)
        await nc.publish(self.scope.relay_updates_subject, json.dumps(record).encode())
        self._put(Update(self.addr, json.loads(self._updates.delivery(sent.stored))))
        return sent.stored.serial

    # -- receiving -----------------------------------------------------------------------

    async def events(self) -> AsyncIterator[PeerEvent]:
        """Yield every event in order, until the peer leaves.

        They are :class:`Message`, :class:`Joined`, :class:`Left` and :class:`Update`.
        """
        while self._nc is not None or not self._events.empty():
            try:
                yield self._events.get_nowait()  # under load: no waiting, no task made
            except asyncio.QueueEmpty:
                try:  # a quarter second at a time: a peer that leaves ends the loop
                    yield await asyncio.wait_for(self._events.get(), 0.25)
                except TimeoutError:
                    continue

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self._data()

    async def _data(self) -> AsyncIterator[bytes]:
        async for event in self.events():
            if isinstance(event, Message):
                yield event.data

    async def receive(self, timeout: float | None = None) -> bytes:
        """Return the next data another peer sends (other events meanwhile are let go).

        Raises
        ------
        TimeoutError
            If none comes within ``timeout`` seconds.
        """
        async with asyncio.timeout(timeout):
            while True:
                event = await self._events.get()
                if isinstance(event, Message):
                    return event.data

    @property
    def peers(self) -> set[str]:
        """The other peers in the channel now, by ``selfAddr``."""
        return set(self._present)

    @property
    def counters(self) -> Counters:
        """What this peer's channel sent and received (``core.events.Counters``)."""
        return self._endpoint.counters

    @property
    def status(self) -> str:
        """How the peer's link to the relay goes.

        ``"connected"``, ``"reconnecting"``, ``"refused"`` (these credentials are for
        another chat), or ``"closed"`` (not joined, or left).
        """
        if self._nc is None or self._nc.is_closed:
            return "closed"
        if self._refused():
            return "refused"
        return "connected" if self._nc.is_connected else "reconnecting"

    # -- inside --------------------------------------------------------------------------

    def _connected(self) -> Any:
        if self._nc is None:
            raise RuntimeError(f"{self.addr} has not joined: `await peer.join()` first")
        if self._refused():
            raise RelayError(self._refused())
        return self._nc

    def _refused(self) -> str:
        """Why the relay refused this chat to our credentials, or ""."""
        if any("permissions violation" in str(error).lower() for error in self._errors):
            return (
                f"the relay refused chat {self.scope.chat_id!r} to these credentials: "
                "they are another chat's (`webxdc-realtime relay --chat` prints each chat's)"
            )
        return ""

    def _put(self, event: PeerEvent) -> None:
        try:
            self._events.put_nowait(event)
        except asyncio.QueueFull:
            self.overflow += 1

    async def _flush(self) -> None:
        for frame in self._endpoint.take_outbox():
            await self._nc.publish(self.scope.relay_subject, frame)

    def _name(self, sender: bytes) -> str:
        return self._endpoint.names.get(sender, sender.hex())

    async def _on_frames(self, msg: Any) -> None:
        # A message of frames: a browser sends what it sent in one task together.
        for frame in split_message(msg.data) or [b""]:
            event = self._endpoint.receive(frame, len(frame))
            if isinstance(event, Data):
                payload = frame[event.offset : event.offset + event.length]
                self._put(Message(self._name(event.sender), payload))
            elif isinstance(event, PeerJoined):
                if self._nc is not None:
                    await self._nc.publish(self.scope.relay_subject, event.reply)
                self._present.add(self._name(event.sender))
                self._put(Joined(self._name(event.sender), present=False))
            elif isinstance(event, PeerPresent):
                name = self._name(event.sender)
                if name not in self._present:  # else it says so again (announce_again)
                    self._present.add(name)
                    self._put(Joined(name, present=True))
            elif isinstance(event, PeerLeft):
                self._present.discard(self._name(event.sender))
                self._put(Left(self._name(event.sender)))
            # else dropped: malformed, another chat's, our own; the counters say which

    def _announce_again(self) -> None:
        # Announce our presence once more a while after joining or reconnecting: another
        # server of the relay may not have known yet that anyone listened (see
        # Endpoint.announce_again).
        async def later() -> None:
            await asyncio.sleep(RELAY_ANNOUNCE_AGAIN_MS / 1000)
            if self._nc is not None:
                self._endpoint.announce_again()
                await self._flush()

        if self._again is not None:
            self._again.cancel()
        self._again = asyncio.ensure_future(later())

    async def _reconnected(self) -> None:
        # Back: ask each peer for its own updates again (those sent while we were away).
        if self._nc is not None:
            await self._nc.publish(self.scope.relay_sync_subject, b"")
            self._announce_again()

    async def _on_sync(self, msg: Any) -> None:
        # Another peer asks for the chat's updates: ours, once for requests that come together.
        if self._answering:
            return
        self._answering = True
        await asyncio.sleep(SYNC_ANSWER_MS / 1000)
        self._answering = False
        for record in self._updates.own():
            if self._nc is not None:
                await self._nc.publish(
                    self.scope.relay_updates_subject, json.dumps(record).encode()
                )

    async def _on_update(self, msg: Any) -> None:
        try:
            record = parse_record(json.loads(msg.data))
        except ValueError:  # not JSON (UnicodeDecodeError is one): not a record of ours
            return
        stored = self._updates.receive(record) if record is not None else None
        if stored is not None:
            self._put(Update(stored.record.sender, json.loads(self._updates.delivery(stored))))


async def connect(
    relay: str,
    tls_ca: str | None = None,
    errors: list[BaseException] | None = None,
    reconnected: Callable[[], Awaitable[None]] | None = None,
) -> Any:
    """Connect to the relay (``nats://`` or ``tls://`` URLs, comma-separated; a token in them).

    Over TLS the server's certificate is checked against the system's authorities, or
    against ``tls_ca`` (a PEM file) if given. The first connection is tried once; once
    connected, the client reconnects for ever (to another server of the cluster, if any).

    Parameters
    ----------
    relay : str
        As :class:`Peer` takes it.
    tls_ca : str or None
        A PEM file of the authority that signed the relay's certificate.
    errors : list or None
        Gets what the servers say is wrong (a subscription refused, ...).
    reconnected : async callable or None
        Called each time the connection is back.

    Raises
    ------
    RelayError
        If no server takes the connection: why (the last error), and what to do.
    """
    import nats

    servers, auth = split_relay(relay)
    # A token (every chat), or a chat's credentials, USER:PASSWORD (relay --chat).
    user, colon, password = (auth or "").partition(":")
    token = None if colon else auth
    tls = None
    if tls_ca or any(server.startswith("tls://") for server in servers):
        tls = ssl.create_default_context(cafile=tls_ca)
    errors = [] if errors is None else errors

    async def quietly(error: Exception) -> None:
        errors.append(error)  # said once, below, rather than as nats-py's tracebacks

    try:
        nc = await nats.connect(
            servers=servers,
            token=token,
            user=user if colon else None,
            password=password if colon else None,
            tls=tls,
            no_echo=True,
            name="webxdc-realtime peer",
            connect_timeout=5,
            # The first connection is tried twice per server, then given up: nats-py's
            # retries would otherwise go on for ever on a refused port or a certificate it
            # refused. Once connected, it reconnects for ever (below), every quarter second.
            allow_reconnect=False,
            max_reconnect_attempts=1,
            reconnect_time_wait=0.25,
            error_cb=quietly,
            reconnected_cb=reconnected,
        )
    except Exception as error:
        last = errors[-1] if errors else error
        hint = ""
        if isinstance(last, ssl.SSLCertVerificationError):
            hint = "; give --tls-ca with the authority that signed the relay's certificate"
        elif "authorization" in str(last).lower():
            hint = (
                "; the relay wants its token (tls://TOKEN@host:port) or a chat's "
                "credentials (tls://USER:PASSWORD@host:port), as `relay` printed them"
            )
        raise RelayError(f"could not connect to {', '.join(servers)}: {last}{hint}") from None
    nc.options["allow_reconnect"] = True  # connected: from now on, try again for ever
    nc.options["max_reconnect_attempts"] = -1
    return nc
