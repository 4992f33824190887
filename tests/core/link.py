"""An in-memory stand-in for BroadcastChannel that joins N cores (h11's ConnectionPair idea).

Each ``Tab`` is one browsing context: an ``Endpoint``, the app's listener and what it
got. ``Link.post`` delivers a frame, synchronously and in order, to every *other*
subscriber of the same channel name, as BroadcastChannel does: the separation of
scopes is structural (other names are other rooms), and every frame is still judged
by the receiving core.
"""

from __future__ import annotations

from collections import defaultdict

from webxdc_realtime import (
    HEADER_SIZE,
    UINT8ARRAY_TAG,
    Channel,
    Data,
    Endpoint,
    Event,
    PeerJoined,
    Scope,
)

from .jsvalues import Descriptor, Read, read


class Link:
    def __init__(self) -> None:
        self.rooms: defaultdict[str, list[Tab]] = defaultdict(list)
        self.posted: list[tuple[str, bytes]] = []

    def tab(
        self, chat: str = "chat", instance: str = "app", addr: str = "", profile: str = "strict"
    ) -> Tab:
        return Tab(self, Scope(chat, instance), addr, profile)

    def post(self, name: str, frame: bytes, sender: Tab | None = None) -> None:
        self.posted.append((name, frame))
        for tab in list(self.rooms[name]):
            if tab is not sender:
                tab.on_frame(frame)


class Tab:
    """One browsing context with its app listener, driven like the JS glue drives the core:
    in the room (the BroadcastChannel open) while the page is in the channel."""

    def __init__(self, link: Link, scope: Scope, addr: str, profile: str = "strict") -> None:
        self.link = link
        self.addr = addr
        self.endpoint = Endpoint(scope, profile)
        self.name = scope.channel_name
        self.channel: Channel | None = None
        self.received: list[bytes] = []
        self.events: list[Event] = []

    @property
    def peer_id(self) -> bytes:
        assert self.endpoint.peer_id is not None
        return self.endpoint.peer_id

    def flush(self) -> None:
        """Post what the core asked for, joining or leaving the room as the page does."""
        room = self.link.rooms[self.name]
        if self.endpoint.member and self not in room:
            room.append(self)
        for frame in self.endpoint.take_outbox():
            self.link.post(self.name, frame, self)
        if not self.endpoint.member and self in room:
            room.remove(self)

    def join(self, listen: bool = True) -> Tab:
        self.channel = self.endpoint.join()
        self.flush()
        if listen:
            self.channel.set_listener("function")
        return self

    def send(self, data: bytes | Descriptor, channel: Channel | None = None) -> bytes | str:
        """Send ``data``: a Uint8Array of these bytes, or any JS value (see ``jsvalues``)."""
        channel = channel or self.channel
        assert channel is not None
        if isinstance(data, bytes):
            got = Read(UINT8ARRAY_TAG, len(data), True, data)
        else:
            got = read(data, self.endpoint.profile.send_reads)
        result = channel.send(got.tag, got.length, got.bytes_ok)
        self.flush()
        if isinstance(result, bytes):
            assert got.payload is not None
            self.link.post(self.name, result + got.payload, self)
        return result

    def leave(self, channel: Channel | None = None) -> None:
        channel = channel or self.channel
        assert channel is not None
        channel.leave()
        self.flush()

    def on_frame(self, frame: bytes) -> None:
        event = self.endpoint.receive(frame[:HEADER_SIZE], len(frame))
        self.events.append(event)
        if isinstance(event, PeerJoined):
            self.link.post(self.name, event.reply, self)
        if isinstance(event, Data):
            self.received.append(frame[event.offset : event.offset + event.length])
