"""The network between peers, as data and as one receiver's judgement. No I/O, no clock.

Real realtime channels lose, delay, duplicate and reorder, and peers drop out. Here the
*conditions* are data (:class:`NetworkState`, in the manner of Toxiproxy's toxics and
netem's vocabulary), the same at every peer of a chat and app instance, and each
receiver's core judges every arriving frame against them (:class:`Network`): deliver
after so many milliseconds, deliver twice, drop (and why), or hold. The glue only
schedules what it is told.

- **delay** and **jitter** (ms): each frame is late by ``delay`` plus a uniform draw in
  ``[-jitter, +jitter]`` (never below 0). Reordering follows from jitter: a later frame
  may draw a shorter delay.
- **loss**, **duplicate**: shares of frames dropped, or delivered twice.
- **bandwidth** (bytes/s): frames of one link queue behind each other.
- **partitions**: groups of peers; peers in different groups hear nothing of each
  other. Peers in no group are not affected.
- **offline** peers: what they send and what is sent to them is held, and released in
  order when they come back (``hold``), or dropped (``drop``).
- Conditions apply to every link, or to one directed link ``A > B`` (then they replace
  the global ones for it).
- **connect** (ms, or a range): the connection phase. After a peer joins (or re-joins),
  data between it and each other peer is dropped (``not_connected``) until their pair is
  connected, so long after their first announcement (drawn per pair, from the seed, in the
  range). Announcements pass (they are the advertisement); updates too (they go through the
  chat). This is how Delta Chat's channels start (``network_forms.PRESETS["deltachat"]``).

Every random choice is a hash of the seed, the link and the frame's identity (its sender
and sequence number), never of the time: one seed gives the same drops on every run.
Updates go through the same conditions, but reliably, as in a chat: never lost nor
duplicated, and held across partitions and outages rather than dropped.
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Literal, NamedTuple

Mode = Literal["hold", "drop"]
_UNIT: Final = struct.Struct(">Q")


class NetworkError(ValueError):
    """A condition that makes no sense; the message says which and why."""


@dataclass(frozen=True, slots=True)
class Conditions:
    """What one link (or every link) does to frames.

    Attributes
    ----------
    delay, jitter : float
        Milliseconds.
    loss, duplicate : float
        Shares, 0 to 1.
    bandwidth : float or None
        Bytes per second; None: unlimited.
    """

    delay: float = 0.0
    jitter: float = 0.0
    loss: float = 0.0
    duplicate: float = 0.0
    bandwidth: float | None = None

    def __post_init__(self) -> None:
        for name in ("delay", "jitter"):
            value = getattr(self, name)
            if not isinstance(value, int | float) or isinstance(value, bool) or value < 0:
                raise NetworkError(f"{name} must be a number of milliseconds >= 0, not {value!r}")
        for name in ("loss", "duplicate"):
            value = getattr(self, name)
            if not isinstance(value, int | float) or isinstance(value, bool) or not 0 <= value <= 1:
                raise NetworkError(f"{name} must be a share from 0 to 1, not {value!r}")
        bandwidth = self.bandwidth
        if bandwidth is not None and (
            not isinstance(bandwidth, int | float) or isinstance(bandwidth, bool) or bandwidth <= 0
        ):
            raise NetworkError(
                f"bandwidth must be bytes per second > 0, or null, not {bandwidth!r}"
            )

    @property
    def perfect(self) -> bool:
        """Whether this does nothing to frames."""
        return self == PERFECT

    def fields(self) -> dict[str, Any]:
        """Return every condition by name."""
        return {name: getattr(self, name) for name in Conditions.__slots__}

    def export(self) -> dict[str, Any]:
        """Return the JSON form: only what differs from a perfect link."""
        return {k: v for k, v in self.fields().items() if v != PERFECT.fields()[k]}

    @staticmethod
    def read(value: object, where: str) -> Conditions:
        """Read conditions given by name (JSON), saying ``where`` if one is wrong.

        Raises
        ------
        NetworkError
            Not an object, an unknown name, or a value out of range.
        """
        if not isinstance(value, Mapping):
            raise NetworkError(f"{where} must be an object of conditions, not {value!r}")
        unknown = set(value) - set(Conditions.__slots__)
        if unknown:
            known = ", ".join(Conditions.__slots__)
            raise NetworkError(
                f"{where}: unknown condition {sorted(unknown)[0]!r} (known: {known})"
            )
        return Conditions(**value)


PERFECT: Final = Conditions()


@dataclass(frozen=True, slots=True)
class NetworkState:
    """Every condition of a chat and app instance's network: the same at every peer.

    Attributes
    ----------
    seed : int
        Seeds every random choice.
    all : Conditions
        For every link without conditions of its own.
    links : mapping of (str, str) to Conditions
        Conditions of one directed link, sender address to receiver address.
    partitions : tuple of frozenset of str
        Groups of addresses that hear only each other.
    offline : mapping of str to {"hold", "drop"}
        Peers that are offline, and what happens to their frames.
    connect : (float, float) or None
        The connection phase: a pair of peers is connected this long (ms, drawn in the
        range per pair) after their first announcement; None: at once.
    """

    seed: int = 0
    all: Conditions = PERFECT
    links: Mapping[tuple[str, str], Conditions] = field(default_factory=dict)
    partitions: tuple[frozenset[str], ...] = ()
    offline: Mapping[str, Mode] = field(default_factory=dict)
    connect: tuple[float, float] | None = None

    def __post_init__(self) -> None:
        if self.connect is not None:
            low, high = self.connect
            if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in (low, high)):
                raise NetworkError(f"connect takes milliseconds, not {self.connect!r}")
            if not 0 <= low <= high:
                raise NetworkError(
                    f"connect must be a range of milliseconds, low to high, >= 0, not {low}..{high}"
                )

    @property
    def perfect(self) -> bool:
        """Whether the network does nothing to frames (the fast path stays on)."""
        return (
            self.all.perfect
            and all(c.perfect for c in self.links.values())
            and not self.partitions
            and not self.offline
            and self.connect is None
        )

    def conditions(self, sender: str, receiver: str) -> Conditions:
        """Return the conditions of the link from ``sender`` to ``receiver``."""
        return self.links.get((sender, receiver), self.all)

    def apart(self, sender: str, receiver: str) -> bool:
        """Whether a partition keeps ``sender`` and ``receiver`` apart."""
        sender_in = next((i for i, g in enumerate(self.partitions) if sender in g), None)
        receiver_in = next((i for i, g in enumerate(self.partitions) if receiver in g), None)
        return sender_in is not None and receiver_in is not None and sender_in != receiver_in

    def export(self) -> dict[str, Any]:
        """Return the JSON form (see ``network_forms.state_from_json``)."""
        return {
            "seed": self.seed,
            "all": self.all.export(),
            "links": [{"from": a, "to": b, **c.export()} for (a, b), c in self.links.items()],
            "partitions": [sorted(group) for group in self.partitions],
            "offline": dict(self.offline),
            **({"connect": list(self.connect)} if self.connect is not None else {}),
        }


# -- One receiver's judgement ---------------------------------------------------------------------


class Verdict(NamedTuple):
    """What becomes of one arriving frame that is not held (a held one is an id instead).

    Attributes
    ----------
    delays : tuple of float
        Deliver after each of these (ms); empty: dropped.
    reason : str
        Why it was dropped ("loss", "partition", "offline"), or "".
    """

    delays: tuple[float, ...]
    reason: str = ""


NOW: Final = Verdict((0.0,))


def _draw(seed: int, sender: str, receiver: str, frame: bytes, purpose: bytes) -> float:
    """Return a uniform number in [0, 1) from the seed, the link and the frame only."""
    digest = hashlib.blake2b(
        b"\0".join((str(seed).encode(), sender.encode(), receiver.encode(), frame, purpose)),
        digest_size=8,
    ).digest()
    number: int = _UNIT.unpack(digest)[0]
    return number / 2**64


class Network:
    """The network as one receiver sees it.

    Parameters
    ----------
    me : str
        This peer's address.
    state : NetworkState
        The conditions.
    """

    def __init__(self, me: str, state: NetworkState | None = None) -> None:
        self.me = me
        self.state = state or NetworkState()
        self._busy: dict[str, float] = {}
        self._held: list[tuple[int, str]] = []  # (id, sender), in arrival order
        self._next_id = 0
        self._met: dict[str, float] = {}  # when each peer's pair began connecting (ms)

    @property
    def holding(self) -> bool:
        """Whether frames are held, waiting for their peers to be online again."""
        return bool(self._held)

    def met(self, peer: str, now: float, *, anew: bool = True) -> None:
        """Note that ``peer`` announced itself: their pair starts connecting at ``now`` (ms).

        It joined (``anew``: the pair starts again), or answered a join (``anew=False``:
        it starts only if it had not begun; an answer to a third peer's join changes
        nothing between these two). ``-inf``: connected already (known before a
        connection phase was set).
        """
        if anew or peer not in self._met:
            self._met[peer] = now

    def forget(self, peer: str) -> None:
        """Forget ``peer``, which left: their pair must connect anew."""
        self._met.pop(peer, None)

    def restart(self) -> None:
        """Start every pair anew: this peer joined again, and others announce themselves."""
        self._met.clear()

    def connected_at(self, peer: str) -> float | None:
        """When this peer's pair with ``peer`` is connected (ms); None: not begun."""
        start = self._met.get(peer)
        connect = self.state.connect
        if start is None or connect is None:
            return start if connect is not None else float("-inf")
        low, high = connect
        ends = sorted((peer, self.me))
        draw = _draw(self.state.seed, ends[0], ends[1], b"", b"connect")
        return start + low + (high - low) * draw

    def connecting(self, now: float) -> list[str]:
        """Return the peers this one knows and is not connected with yet, at ``now``."""
        if self.state.connect is None:
            return []
        return sorted(p for p in self._met if (self.connected_at(p) or 0.0) > now)

    def judge(
        self,
        sender: str,
        frame: bytes,
        size: int,
        now: float,
        *,
        reliable: bool = False,
        announcement: bool = False,
    ) -> Verdict | int:
        """Judge one frame from ``sender`` arriving at ``now`` (ms).

        Parameters
        ----------
        sender : str
            The sender's address ("" if unknown: the global conditions apply).
        frame : bytes
            The frame's identity (sender id and sequence number; an update's id).
        size : int
            Its bytes, for the bandwidth.
        now : float
            The receiver's clock, ms.
        reliable : bool
            An update: never lost nor duplicated; held, not dropped.
        announcement : bool
            A peer's announcement: let in at once or dropped, never delayed nor held.

        Returns
        -------
        Verdict or int
            The verdict; an int is the id of a held frame (see :meth:`release`).
        """
        state = self.state
        offline = state.offline.get(sender) or state.offline.get(self.me)
        if offline is not None:
            if (offline == "drop" and not reliable) or announcement:
                return Verdict((), reason="offline")
            return self._hold(sender)
        if state.apart(sender, self.me):
            return self._hold(sender) if reliable else Verdict((), reason="partition")
        if state.connect is not None and not reliable and not announcement:
            connected = self.connected_at(sender)
            if connected is None or now < connected:
                return Verdict((), reason="not_connected")
        conditions = state.conditions(sender, self.me)
        if conditions.perfect:
            return NOW
        if announcement:
            loss = conditions.loss and _draw(state.seed, sender, self.me, frame, b"loss")
            return Verdict((), reason="loss") if loss and loss < conditions.loss else NOW
        seed = state.seed
        if (
            not reliable
            and conditions.loss
            and _draw(seed, sender, self.me, frame, b"loss") < conditions.loss
        ):
            return Verdict((), reason="loss")
        delay = conditions.delay
        if conditions.jitter:
            delay += (2 * _draw(seed, sender, self.me, frame, b"jitter") - 1) * conditions.jitter
        delay = max(delay, 0.0)
        if conditions.bandwidth:
            start = max(now + delay, self._busy.get(sender, 0.0))
            done = start + size * 1000 / conditions.bandwidth
            self._busy[sender] = done
            delay = done - now
        if (
            not reliable
            and conditions.duplicate
            and _draw(seed, sender, self.me, frame, b"duplicate") < conditions.duplicate
        ):
            return Verdict((delay, delay + 1.0))
        return Verdict((delay,))

    def _hold(self, sender: str) -> int:
        self._next_id += 1
        self._held.append((self._next_id, sender))
        return self._next_id

    def set(self, state: NetworkState) -> tuple[list[int], list[int]]:
        """Take new conditions; release or drop what they no longer hold back.

        Parameters
        ----------
        state : NetworkState
            The new conditions.

        Returns
        -------
        release : list of int
            Held frames to deliver now, in the order they arrived.
        drop : list of int
            Held frames to forget (their peer went offline with ``drop``).
        """
        self.state = state
        release: list[int] = []
        drop: list[int] = []
        keep: list[tuple[int, str]] = []
        for held, sender in self._held:
            offline = state.offline.get(sender) or state.offline.get(self.me)
            if offline == "hold" or state.apart(sender, self.me):
                keep.append((held, sender))
            elif offline == "drop":
                drop.append(held)
            else:
                release.append(held)
        self._held = keep
        return release, drop
