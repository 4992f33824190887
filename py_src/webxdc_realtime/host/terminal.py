"""A peer in a terminal: ``webxdc-realtime listen`` and ``send``, on :class:`.peer.Peer`.

``listen`` prints every frame of a chat and app instance (who sent it, its size, its
payload as text or hex), every update, and who joins and leaves; ``send`` sends one
payload. Both are a :class:`~webxdc_realtime.host.peer.Peer`, a peer like any tab.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable

from ..core.errors import MAX_PAYLOAD
from ..core.scope import Scope
from .peer import Joined, Left, Message, Peer, Update


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


async def listen(
    relay: str,
    scope: Scope,
    addr: str,
    say: Callable[[str], None],
    stop: asyncio.Event | None = None,
    tls_ca: str | None = None,
) -> None:
    """Join and print every frame and update until ``stop`` is set (or forever); then leave."""
    stop = stop or asyncio.Event()
    async with Peer(relay, scope.chat_id, scope.instance_id, addr=addr, tls_ca=tls_ca) as peer:
        say(f"listening to chat {scope.chat_id!r}, instance {scope.instance_id!r} as {addr}")

        async def printing() -> None:
            async for event in peer.events():
                stamp = time.strftime("%H:%M:%S")
                if isinstance(event, Message):
                    say(f"{stamp}  {event.sender}  {len(event.data)} B  {preview(event.data)}")
                elif isinstance(event, Joined):
                    say(f"{stamp}  {event.addr} {'is here' if event.present else 'joined'}")
                elif isinstance(event, Left):
                    say(f"{stamp}  {event.addr} left")
                elif isinstance(event, Update):
                    text = json.dumps(event.update.get("payload"), ensure_ascii=False)
                    say(f"{stamp}  {event.sender}  update  {text[:60]}")

        task = asyncio.create_task(printing())
        try:
            await stop.wait()
        finally:
            task.cancel()


async def send(
    relay: str,
    scope: Scope,
    addr: str,
    payload: bytes,
    linger: float = 0.2,
    tls_ca: str | None = None,
) -> None:
    """Join, send one payload, leave."""
    if len(payload) > MAX_PAYLOAD:  # said before connecting
        raise ValueError(f"{len(payload)} bytes is over the limit of {MAX_PAYLOAD}")
    async with Peer(relay, scope.chat_id, scope.instance_id, addr=addr, tls_ca=tls_ca) as peer:
        await peer.send(payload)
        await asyncio.sleep(linger)  # the others answer our join meanwhile; then we leave
