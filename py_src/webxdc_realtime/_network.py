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

Every random choice is a hash of the seed, the link and the frame's identity (its sender
and sequence number), never of the time: one seed gives the same drops on every run.
Updates go through the same conditions, but reliably, as in a chat: never lost nor
duplicated, and held across partitions and outages rather than dropped.
"""

from __future__ import annotations

import hashlib
import json
import re
import struct
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
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

    def export(self) -> dict[str, Any]:
        """Return the JSON form: only what differs from a perfect link."""
        return {k: v for k, v in _fields(self).items() if v != _fields(PERFECT)[k]}


PERFECT: Final = Conditions()


def _fields(conditions: Conditions) -> dict[str, Any]:
    return {name: getattr(conditions, name) for name in Conditions.__slots__}


def _conditions(value: object, where: str) -> Conditions:
    if not isinstance(value, Mapping):
        raise NetworkError(f"{where} must be an object of conditions, not {value!r}")
    unknown = set(value) - set(Conditions.__slots__)
    if unknown:
        known = ", ".join(Conditions.__slots__)
        raise NetworkError(f"{where}: unknown condition {sorted(unknown)[0]!r} (known: {known})")
    return Conditions(**value)


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
    """

    seed: int = 0
    all: Conditions = PERFECT
    links: Mapping[tuple[str, str], Conditions] = field(default_factory=dict)
    partitions: tuple[frozenset[str], ...] = ()
    offline: Mapping[str, Mode] = field(default_factory=dict)

    @property
    def perfect(self) -> bool:
        """Whether the network does nothing to frames (the fast path stays on)."""
        return (
            self.all.perfect
            and all(c.perfect for c in self.links.values())
            and not self.partitions
            and not self.offline
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
        """Return the JSON form (see :func:`state_from_json`)."""
        return {
            "seed": self.seed,
            "all": self.all.export(),
            "links": [{"from": a, "to": b, **c.export()} for (a, b), c in self.links.items()],
            "partitions": [sorted(group) for group in self.partitions],
            "offline": dict(self.offline),
        }


def state_from_json(value: object) -> NetworkState:
    """Read a network state given as JSON data.

    Parameters
    ----------
    value : object
        ``{"seed", "all": {conditions}, "links": [{"from", "to", conditions...}],
        "partitions": [[addr, ...], ...], "offline": {addr: "hold" | "drop"}}``; every
        key is optional.

    Returns
    -------
    NetworkState
        The state.

    Raises
    ------
    NetworkError
        What is wrong with it.
    """
    if not isinstance(value, Mapping):
        raise NetworkError(f"a network state must be an object, not {value!r}")
    unknown = set(value) - {"seed", "all", "links", "partitions", "offline"}
    if unknown:
        raise NetworkError(f"unknown network setting {sorted(unknown)[0]!r}")
    seed = value.get("seed", 0)
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise NetworkError(f"seed must be an integer, not {seed!r}")
    links: dict[tuple[str, str], Conditions] = {}
    for link in value.get("links", []):
        if not isinstance(link, Mapping) or not all(
            isinstance(link.get(k), str) for k in ("from", "to")
        ):
            raise NetworkError(f'a link needs "from" and "to" addresses: {link!r}')
        rest = {k: v for k, v in link.items() if k not in ("from", "to")}
        links[(link["from"], link["to"])] = _conditions(rest, f"link {link['from']} > {link['to']}")
    partitions = value.get("partitions", [])
    if not isinstance(partitions, list) or not all(
        isinstance(group, list) and all(isinstance(a, str) for a in group) for group in partitions
    ):
        raise NetworkError("partitions must be lists of addresses")
    offline = value.get("offline", {})
    if not isinstance(offline, Mapping) or not all(m in ("hold", "drop") for m in offline.values()):
        raise NetworkError('offline must map addresses to "hold" or "drop"')
    return NetworkState(
        seed=seed,
        all=_conditions(value.get("all", {}), "all"),
        links=links,
        partitions=tuple(frozenset(group) for group in partitions if group),
        offline=dict(offline),
    )


# -- The URL grammar ------------------------------------------------------------------------------

_NUMBER = r"(\d+(?:\.\d+)?)"
_UNITS: Final = {
    "delay": {"": 1.0, "ms": 1.0, "s": 1000.0},
    "jitter": {"": 1.0, "ms": 1.0, "s": 1000.0},
    "loss": {"": 1.0, "%": 0.01},
    "duplicate": {"": 1.0, "%": 0.01},
    "bandwidth": {"": 1.0, "b/s": 1.0, "kb/s": 1000.0, "mb/s": 1_000_000.0},
}
_ALIASES: Final = {"dup": "duplicate", "bw": "bandwidth"}


def _condition(text: str, where: str) -> tuple[str, float]:
    key, _, raw = text.partition("=")
    key = _ALIASES.get(key.strip(), key.strip())
    if key not in _UNITS:
        raise NetworkError(f"{where}: unknown condition {key!r} in {text!r}")
    match = re.fullmatch(_NUMBER + r"\s*([a-z%/]*)", raw.strip().lower())
    if not match or match.group(2) not in _UNITS[key]:
        units = ", ".join(u for u in _UNITS[key] if u) or "none"
        raise NetworkError(f"{where}: {key} takes a number (units: {units}), not {raw!r}")
    return key, float(match.group(1)) * _UNITS[key][match.group(2)]


def parse_net(text: str) -> NetworkState:
    """Read the ``?net=`` / ``data-net`` grammar.

    Items are separated by ``;``::

        delay=100ms; jitter=40ms; loss=30%; dup=5%; bw=64kB/s; seed=7
        link=ada@x>ben@x, loss=100%, delay=1s
        partition=ada@x,ben@x|cleo@x
        offline=ben@x            (held; "offline=ben@x:drop" drops)

    Parameters
    ----------
    text : str
        The value.

    Returns
    -------
    NetworkState
        The state it describes.

    Raises
    ------
    NetworkError
        Naming the item that is wrong.
    """
    seed = 0
    overall: dict[str, float] = {}
    links: dict[tuple[str, str], Conditions] = {}
    partitions: list[frozenset[str]] = []
    offline: dict[str, Mode] = {}
    for item in (part.strip() for part in text.split(";")):
        if not item:
            continue
        key, _, value = item.partition("=")
        key = key.strip()
        if key == "seed":
            if not re.fullmatch(r"\d+", value.strip()):
                raise NetworkError(f"seed must be a whole number, not {value!r}")
            seed = int(value)
        elif key == "link":
            ends, *settings = value.split(",")
            sender, arrow, receiver = ends.partition(">")
            if not arrow or not sender.strip() or not receiver.strip():
                raise NetworkError(f"a link is written link=FROM>TO, cond=value...: {item!r}")
            where = f"link {sender.strip()} > {receiver.strip()}"
            links[(sender.strip(), receiver.strip())] = Conditions(
                **dict(_condition(s, where) for s in settings)
            )
        elif key == "partition":
            partitions = [
                frozenset(a.strip() for a in group.split(",") if a.strip())
                for group in value.split("|")
            ]
        elif key == "offline":
            addr, _, mode = value.partition(":")
            if mode.strip() not in ("", "hold", "drop"):
                raise NetworkError(f"offline takes ADDR or ADDR:hold or ADDR:drop, not {value!r}")
            offline[addr.strip()] = "drop" if mode.strip() == "drop" else "hold"
        else:
            name, number = _condition(item, "net")
            overall[name] = number
    return NetworkState(
        seed,
        Conditions(**overall),
        links,
        tuple(g for g in partitions if g),
        offline,
    )


# -- One receiver's judgement ---------------------------------------------------------------------


class Verdict(NamedTuple):
    """What becomes of one arriving frame.

    Attributes
    ----------
    delays : tuple of float
        Deliver after each of these (ms); empty: not delivered now.
    held : bool
        Kept until the peers it is between are online again.
    reason : str
        Why it was dropped ("loss", "partition", "offline"), or "".
    """

    delays: tuple[float, ...]
    held: bool = False
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

    @property
    def holding(self) -> bool:
        """Whether frames are held, waiting for their peers to be online again."""
        return bool(self._held)

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


def with_changes(state: NetworkState, change: Mapping[str, Any]) -> NetworkState:
    """Apply one change of the JS API (``webxdcRealtime.network``) to ``state``.

    Parameters
    ----------
    state : NetworkState
        The current state.
    change : mapping
        One of ``{"set": {conditions, seed}}``, ``{"link": [from, to, {conditions} |
        None]}``, ``{"partition": [[addr...], ...]}``, ``{"heal": true}``, ``{"offline":
        [addr, mode]}``, ``{"online": addr}``, ``{"reset": true}``, ``{"state": {...}}``.

    Returns
    -------
    NetworkState
        The new state.

    Raises
    ------
    NetworkError
        What is wrong with the change.
    """
    if not isinstance(change, Mapping) or len(change) != 1:
        raise NetworkError(f"a network change is one operation, not {change!r}")
    ((op, arg),) = change.items()
    if op == "set":
        if not isinstance(arg, Mapping):
            raise NetworkError(f"set takes an object of conditions, not {arg!r}")
        seed = arg.get("seed", state.seed)
        if not isinstance(seed, int) or isinstance(seed, bool):
            raise NetworkError(f"seed must be an integer, not {seed!r}")
        merged = {**_fields(state.all), **{k: v for k, v in arg.items() if k != "seed"}}
        return replace(state, seed=seed, all=_conditions(merged, "set"))
    if op == "link":
        if not (isinstance(arg, list | tuple) and len(arg) == 3):
            raise NetworkError(f"link takes [from, to, conditions or null], not {arg!r}")
        sender, receiver, conditions = arg
        links = dict(state.links)
        if conditions is None:
            links.pop((sender, receiver), None)
        else:
            links[(sender, receiver)] = _conditions(conditions, f"link {sender} > {receiver}")
        return replace(state, links=links)
    if op == "partition":
        return replace(state, partitions=state_from_json({"partitions": arg}).partitions)
    if op == "heal":
        return replace(state, partitions=())
    if op == "offline":
        if not (isinstance(arg, list | tuple) and len(arg) == 2):
            raise NetworkError(f"offline takes [address, mode], not {arg!r}")
        addr, mode = arg
        if mode not in ("hold", "drop"):
            raise NetworkError(f'offline mode must be "hold" or "drop", not {mode!r}')
        return replace(state, offline={**state.offline, addr: mode})
    if op == "online":
        return replace(state, offline={a: m for a, m in state.offline.items() if a != arg})
    if op == "reset":
        return NetworkState(seed=state.seed)
    if op == "state":
        return state_from_json(arg)
    raise NetworkError(f"unknown network change {op!r}")


def to_json(state: NetworkState) -> str:
    """Return the state as JSON text."""
    return json.dumps(state.export(), sort_keys=True)
