"""An in-memory stand-in for BroadcastChannel that joins N cores (h11's ConnectionPair idea).

Each ``Tab`` is one browsing context: an ``Endpoint``, the app's listener and what it
got. ``Link.post`` delivers a frame, synchronously and in order, to every *other*
subscriber of the same channel name, as BroadcastChannel does: the separation of
scopes is structural (other names are other rooms), and every frame is still judged
by the receiving core.
"""

from __future__ import annotations

import heapq
from collections import defaultdict

from webxdc_realtime import (
    HEADER_SIZE,
    UINT8ARRAY_TAG,
    Channel,
    Data,
    Endpoint,
    Event,
    Held,
    Later,
    PeerJoined,
    Scope,
)
from webxdc_realtime.core.network import NetworkState

from .jsvalues import Descriptor, Read, read


class Link:
    """Frames go to every other tab of a room at once; the network's delays run on a
    virtual clock (``run``), so that delayed frames arrive in the order of their times."""

    def __init__(self) -> None:
        self.rooms: defaultdict[str, list[Tab]] = defaultdict(list)
        self.posted: list[tuple[str, bytes]] = []
        self.now = 0.0
        self._later: list[tuple[float, int, Tab, bytes]] = []
        self._count = 0

    def later(self, delay: float, tab: Tab, payload: bytes) -> None:
        self._count += 1
        heapq.heappush(self._later, (self.now + delay, self._count, tab, payload))

    def run(self, until: float | None = None) -> None:
        """Let the virtual clock run (to ``until``, or until nothing is late)."""
        while self._later and (until is None or self._later[0][0] <= until):
            at, _, tab, payload = heapq.heappop(self._later)
            self.now = max(self.now, at)
            tab.arrive(payload)
        if until is not None:
            self.now = max(self.now, until)

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
        self.endpoint = Endpoint(scope, profile, addr=addr)
        self.name = scope.channel_name
        self.channel: Channel | None = None
        self.received: list[bytes] = []
        self.events: list[Event] = []
        self.held: dict[int, bytes] = {}

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
        event = self.endpoint.receive(frame, len(frame), self.link.now)
        self.events.append(event)
        if isinstance(event, PeerJoined):
            self.link.post(self.name, event.reply, self)
        if isinstance(event, Data):
            self.received.append(frame[event.offset : event.offset + event.length])
        if isinstance(event, Later):
            payload = frame[HEADER_SIZE:]
            for delay in event.delays:
                self.link.later(delay, self, payload)
        if isinstance(event, Held):
            self.held[event.held] = frame[HEADER_SIZE:]

    def arrive(self, payload: bytes) -> None:
        """A delayed or held frame's time has come: the core judges it again, as the glue asks."""
        if self.endpoint.due(len(payload)) is None:
            self.received.append(payload)

    def set_network(self, state: NetworkState) -> None:
        """Take new conditions, as the glue does: held frames released in order, or dropped."""
        release, drop = self.endpoint.set_network(state)
        for held in release:
            self.arrive(self.held.pop(held))
        for held in drop:
            del self.held[held]
