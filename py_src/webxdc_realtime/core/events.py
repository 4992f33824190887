"""What becomes of a frame that arrives: the events the endpoint hands the glue.

Also the counters the endpoint keeps. Made per frame: named tuples and small dataclasses.
"""

from __future__ import annotations

import enum
from collections import Counter
from dataclasses import dataclass, field
from typing import NamedTuple

from .frame import HEADER_SIZE


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
    NET_LOSS = "net_loss"
    """The network's loss condition took it."""
    NET_PARTITION = "net_partition"
    """A partition keeps its sender and this peer apart."""
    NET_OFFLINE = "net_offline"
    """Its sender or this peer is offline, and frames are dropped meanwhile."""
    NET_NOT_CONNECTED = "net_not_connected"
    """Its sender and this peer are not connected yet (the network's connection phase)."""
    TWICE = "twice"
    """Arrived before: by another way (BroadcastChannel and a relay), or replayed by another
    page (its sequence number is not after the last of its sender). Delivered once."""


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


@dataclass(frozen=True, slots=True)
class Later:
    """Data for the listener, after the network's delays (ms; two: a duplicate)."""

    data: Data
    delays: tuple[float, ...]


@dataclass(frozen=True, slots=True)
class Held:
    """Data the network holds (an offline peer) until it releases ``held`` (an id)."""

    data: Data
    held: int


@dataclass(frozen=True, slots=True)
class NeedsPayload:
    """An announcement whose payload (the sender's address) the endpoint must read."""


Event = Data | PeerJoined | PeerPresent | PeerLeft | Dropped | Later | Held | NeedsPayload


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
    frames_delayed, frames_held : int
        Of those, how many the network delayed, or held for a while.
    dropped : collections.Counter
        Frames dropped, by :class:`DropReason` value.
    """

    frames_sent: int = 0
    bytes_sent: int = 0
    frames_received: int = 0
    bytes_received: int = 0
    frames_delivered: int = 0
    bytes_delivered: int = 0
    frames_delayed: int = 0
    frames_held: int = 0
    dropped: Counter[str] = field(default_factory=Counter)

    def sent(self, frames: int, payload_bytes: int) -> None:
        """Count frames put on the wire: their payloads' bytes, and a header each."""
        self.frames_sent += frames
        self.bytes_sent += frames * HEADER_SIZE + payload_bytes

    def arrived(self, frames: int, wire_bytes: int) -> None:
        """Count frames that came, whatever becomes of them, by their bytes as they came."""
        self.frames_received += frames
        self.bytes_received += wire_bytes

    def delivered(self, frames: int, payload_bytes: int) -> None:
        """Count data handed to the app's listener, by its payloads' bytes."""
        self.frames_delivered += frames
        self.bytes_delivered += payload_bytes

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
            "frames_delayed": self.frames_delayed,
            "frames_held": self.frames_held,
            "dropped": dict(self.dropped),
        }
