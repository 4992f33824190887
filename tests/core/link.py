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


def type_tag(value: object) -> str:
    """What ``Object.prototype.toString`` would say of the JS twin of ``value``."""
    if isinstance(value, bytes | bytearray):
        return UINT8ARRAY_TAG
    names = {str: "String", list: "Array", type(None): "Null", int: "Number", dict: "Object"}
    return f"[object {names.get(type(value), type(value).__name__)}]"


class Link:
    def __init__(self) -> None:
        self.rooms: defaultdict[str, list[Tab]] = defaultdict(list)
        self.posted: list[tuple[str, bytes]] = []

    def tab(self, chat: str = "chat", instance: str = "app", addr: str = "") -> Tab:
        return Tab(self, Scope(chat, instance), addr)

    def post(self, name: str, frame: bytes, sender: Tab | None = None) -> None:
        self.posted.append((name, frame))
        for tab in list(self.rooms[name]):
            if tab is not sender:
                tab.on_frame(frame)


class Tab:
    """One browsing context with its app listener, driven like the JS glue drives the core."""

    def __init__(self, link: Link, scope: Scope, addr: str) -> None:
        self.link = link
        self.addr = addr
        self.endpoint = Endpoint(scope)
        self.channel: Channel | None = None
        self.received: list[bytes] = []
        self.events: list[Event] = []

    def join(self, listen: bool = True) -> Tab:
        channel, hello = self.endpoint.join()
        self.channel = channel
        self.link.rooms[channel.scope.channel_name].append(self)
        self.link.post(channel.scope.channel_name, hello, self)
        if listen:
            channel.set_listener("function")
        return self

    def send(self, data: object) -> None:
        assert self.channel is not None
        length = len(data) if isinstance(data, bytes | bytearray) else None
        header = self.channel.send(type_tag(data), length)
        assert isinstance(data, bytes | bytearray)
        self.link.post(self.channel.scope.channel_name, header + bytes(data), self)

    def leave(self) -> None:
        assert self.channel is not None
        goodbye = self.channel.leave()
        name = self.channel.scope.channel_name
        if goodbye is not None:
            self.link.post(name, goodbye, self)
            self.link.rooms[name].remove(self)

    def on_frame(self, frame: bytes) -> None:
        assert self.channel is not None
        event = self.channel.receive(frame[:HEADER_SIZE], len(frame))
        self.events.append(event)
        if isinstance(event, PeerJoined):
            self.link.post(self.channel.scope.channel_name, event.reply, self)
        if isinstance(event, Data):
            self.received.append(frame[event.offset : event.offset + event.length])
