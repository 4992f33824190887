"""A peer in a terminal: the same core, joined to a chat through the relay (nats-py).

``webxdc-realtime listen`` prints every frame of a chat and app instance (who sent it,
its size, its payload as text or hex) and who joins and leaves; ``webxdc-realtime send``
sends one. Frames are the browser's: the core encodes and judges them (its scope, its
rules, its announcements), so a terminal peer is a peer like any tab, and a bot is a few
lines on top of :class:`TerminalPeer`.
"""

from __future__ import annotations

import asyncio
import ssl
import time
from collections.abc import Callable
from typing import Any

from ..core.channel import Endpoint
from ..core.errors import MAX_PAYLOAD
from ..core.events import Data, PeerJoined, PeerLeft, PeerPresent
from ..core.frame import split_message
from ..core.rules import UINT8ARRAY_TAG
from ..core.scope import Scope
from .relay import RelayError, split_relay


def preview(payload: bytes, width: int = 60) -> str:
    """Return a payload as quoted text when it reads as text, else as hex."""
    try:
        text = payload.decode("utf-8")
        if text.isprintable() or not text:
            shown = text if len(text) <= width else text[: width - 1] + "…"
            return f'"{shown}"'
    except UnicodeDecodeError:
        pass
    hexed = payload[: width // 3].hex(" ")
    return hexed + (" …" if len(payload) > width // 3 else "")


class TerminalPeer:
    """A peer of a chat and app instance, over a NATS connection.

    Parameters
    ----------
    nc : nats.aio.client.Client
        Connected.
    scope : Scope
        Chat and app instance.
    addr : str
        This peer's address, as its announcements name it.
    say : callable
        Gets a line for each frame, join and leave.
    """

    def __init__(self, nc: Any, scope: Scope, addr: str, say: Callable[[str], None]) -> None:
        self.nc = nc
        self.endpoint = Endpoint(scope, addr=addr)
        self.subject = scope.relay_subject
        self.say = say
        self.received: list[bytes] = []

    async def join(self) -> None:
        """Join and listen; announce it."""
        self.endpoint.join().set_listener("function")
        await self.nc.subscribe(self.subject, cb=self._on_message)
        await self._flush()

    async def _flush(self) -> None:
        for frame in self.endpoint.take_outbox():
            await self.nc.publish(self.subject, frame)

    async def send(self, payload: bytes) -> None:
        """Send one payload to the other peers."""
        channel = self.endpoint.current
        assert channel is not None, "join first"
        header = channel.send(UINT8ARRAY_TAG, len(payload))
        assert isinstance(header, bytes)  # strict: a Uint8Array within the limit is sent
        await self._flush()
        await self.nc.publish(self.subject, header + payload)

    async def leave(self) -> None:
        """Leave; announce it."""
        if self.endpoint.current is not None:
            self.endpoint.current.leave()
            await self._flush()
            await self.nc.flush()

    async def _on_message(self, msg: Any) -> None:
        # A message of frames (a browser sends what it sent in one task together).
        for frame in split_message(msg.data) or [b""]:
            await self._on_frame(frame)

    async def _on_frame(self, frame: bytes) -> None:
        event = self.endpoint.receive(frame, len(frame))
        stamp = time.strftime("%H:%M:%S")
        sender = getattr(event, "sender", b"")
        name = self.endpoint.names.get(sender, sender.hex())
        if isinstance(event, Data):
            payload = frame[event.offset : event.offset + event.length]
            self.received.append(payload)
            self.say(f"{stamp}  {name}  {event.length} B  {preview(payload)}")
        elif isinstance(event, PeerJoined):
            await self.nc.publish(self.subject, event.reply)
            self.say(f"{stamp}  {name} joined")
        elif isinstance(event, PeerPresent):
            self.say(f"{stamp}  {name} is here")
        elif isinstance(event, PeerLeft):
            self.say(f"{stamp}  {name} left")


async def connect(relay: str, tls_ca: str | None = None) -> Any:
    """Connect to the relay (``nats://`` or ``tls://`` URLs, comma-separated; a token in them).

    Over TLS the server's certificate is checked against the system's authorities, or
    against ``tls_ca`` (a PEM file) if given. The first connection is tried once; once
    connected, the client reconnects for ever (to another server of the cluster, if any).

    Raises
    ------
    RelayError
        If no server takes the connection: why (the last error), and what to do.
    """
    import nats

    servers, token = split_relay(relay)
    tls = None
    if tls_ca or any(server.startswith("tls://") for server in servers):
        tls = ssl.create_default_context(cafile=tls_ca)
    errors: list[BaseException] = []

    async def quietly(error: Exception) -> None:
        errors.append(error)  # said once, below, rather than as nats-py's tracebacks

    try:
        nc = await nats.connect(
            servers=servers,
            token=token,
            tls=tls,
            no_echo=True,
            name="webxdc-realtime terminal",
            connect_timeout=5,
            # The first connection is tried once per server: nats-py's retries hang on a
            # certificate it refused. Once connected, it reconnects for ever (below).
            allow_reconnect=False,
            error_cb=quietly,
        )
    except Exception as error:
        last = errors[-1] if errors else error
        hint = ""
        if isinstance(last, ssl.SSLCertVerificationError):
            hint = "; give --tls-ca with the authority that signed the relay's certificate"
        elif "authorization" in str(last).lower():
            hint = "; the relay wants its token: tls://TOKEN@host:port"
        raise RelayError(f"could not connect to {', '.join(servers)}: {last}{hint}") from None
    nc.options["allow_reconnect"] = True  # connected: from now on, try again for ever
    nc.options["max_reconnect_attempts"] = -1
    return nc


async def listen(
    relay: str,
    scope: Scope,
    addr: str,
    say: Callable[[str], None],
    stop: asyncio.Event | None = None,
    tls_ca: str | None = None,
) -> None:
    """Join and print every frame until ``stop`` is set (or forever); then leave."""
    nc = await connect(relay, tls_ca)
    peer = TerminalPeer(nc, scope, addr, say)
    await peer.join()
    say(f"listening to chat {scope.chat_id!r}, instance {scope.instance_id!r} as {addr}")
    try:
        await (stop or asyncio.Event()).wait()
    finally:
        await peer.leave()
        await nc.drain()


async def send(
    relay: str,
    scope: Scope,
    addr: str,
    payload: bytes,
    linger: float = 0.2,
    tls_ca: str | None = None,
) -> None:
    """Join, send one payload, leave."""
    if len(payload) > MAX_PAYLOAD:
        raise ValueError(f"{len(payload)} bytes is over the limit of {MAX_PAYLOAD}")
    nc = await connect(relay, tls_ca)
    peer = TerminalPeer(nc, scope, addr, lambda line: None)
    await peer.join()
    await peer.send(payload)
    await asyncio.sleep(linger)  # the others answer our join meanwhile; then we leave
    await peer.leave()
    await nc.drain()
