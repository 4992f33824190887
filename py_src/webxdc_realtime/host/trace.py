"""Traces of sessions: read, write, keep within a bound, and summarise (docs/TRACE.md).

The host page records a trace (``js_glue/trace/recorder.js``) and hands it out as gzip'd
JSON lines: a header, one event per line, an end line. This module is the other side of
that format: :func:`read` checks a file and says plainly what is wrong with one it cannot
take (not gzip, cut short, not a trace, a newer version); :class:`Sink` is the ring that
``run --trace FILE`` keeps of what the host page sends, written when the command stops;
:func:`summary` says per peer what it sent, got and lost, and why, and the first error.
"""

from __future__ import annotations

import gzip
import json
import os
import zlib
from collections import Counter, deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..core.network_forms import state_from_json, to_net

FORMAT = "webxdc-realtime trace"
"""What a trace's first line says it is (``format``)."""
VERSION = 1
"""The newest version of the format this reader takes."""
DEFAULT_LIMIT = 50_000
"""Events a trace keeps, the newest (the recorder's default too)."""

Event = dict[str, Any]


class TraceError(ValueError):
    """A file that is not a trace this version can read; the message says what is wrong."""


@dataclass
class Trace:
    """A trace: its header and its events, oldest first.

    Attributes
    ----------
    header : dict
        ``format``, ``version``, ``runtime`` (its version), ``seed``, ``network`` (the
        conditions at the end), ``started``, ``limit``, ``payload_limit``, ``dropped``
        (events let go of to stay within ``limit``), ``peers`` (``addr``, ``name``),
        ``app``, ``chat``, ``profile``.
    events : list of dict
        Each with ``t`` (ms since the trace started), ``peer`` and ``kind``.
    """

    header: dict[str, Any]
    events: list[Event] = field(default_factory=list)

    def names(self) -> dict[str, str]:
        """Each peer's address to its name (its address when the header has none)."""
        names = {p["addr"]: p.get("name") or p["addr"] for p in self.header.get("peers", [])}
        for event in self.events:
            names.setdefault(event["peer"], event["peer"])
        return names


def read(path: str | os.PathLike[str]) -> Trace:
    """Read a trace file (``.jsonl.gz``, or its lines uncompressed).

    Raises
    ------
    TraceError
        Naming what is wrong: not gzip, cut short, not JSON lines, no header, another
        format, a version newer than :data:`VERSION`, an event without its fields.
    """
    name = os.fspath(path)
    raw = Path(path).read_bytes()
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except EOFError:
            raise TraceError(f"{name}: cut short (its gzip stream ends early)") from None
        except (OSError, zlib.error) as error:
            raise TraceError(f"{name}: not a trace (bad gzip data: {error})") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise TraceError(f"{name}: not a trace (neither gzip nor UTF-8 text)") from None
    lines = text.splitlines()
    if not lines:
        raise TraceError(f"{name}: empty")
    header = _line(name, 1, lines[0], "its header")
    if header.get("format") != FORMAT:
        raise TraceError(f'{name}: not a trace (its first line is no "{FORMAT}" header)')
    version = header.get("version")
    if not isinstance(version, int):
        raise TraceError(f"{name}: its header has no version")
    if version > VERSION:
        raise TraceError(
            f"{name}: a trace of format version {version}, by webxdc-realtime "
            f"{header.get('runtime', '?')}; this reader takes version {VERSION} and older: "
            "upgrade webxdc-realtime"
        )
    events = []
    end = None
    for number, line in enumerate(lines[1:], start=2):
        if not line:
            continue
        event = _line(name, number, line, "an event")
        if event.get("kind") == "end":
            end = event
            break
        for key in ("t", "peer", "kind"):
            if key not in event:
                raise TraceError(f"{name}: line {number}: an event without {key!r}")
        events.append(event)
    if end is None:
        raise TraceError(f"{name}: cut short after {len(events)} events (no end line)")
    if end.get("events") != len(events):
        said = end.get("events")
        raise TraceError(f"{name}: its end line says {said} events, it holds {len(events)}")
    return Trace(header, events)


def _line(name: str, number: int, line: str, what: str) -> dict[str, Any]:
    try:
        value = json.loads(line)
    except json.JSONDecodeError as error:
        raise TraceError(f"{name}: line {number}: {what} that is not JSON ({error.msg})") from None
    if not isinstance(value, dict):
        raise TraceError(f"{name}: line {number}: {what} that is not a JSON object")
    return value


def write(path: str | os.PathLike[str], trace: Trace) -> None:
    """Write ``trace`` as the recorder does: gzip'd JSON lines, with its end line."""
    lines = [json.dumps(trace.header, separators=(",", ":"))]
    lines += [json.dumps(e, separators=(",", ":")) for e in trace.events]
    lines.append(json.dumps({"kind": "end", "events": len(trace.events)}))
    Path(path).write_bytes(gzip.compress(("\n".join(lines) + "\n").encode()))


def net_of(trace: Trace) -> str:
    """Return the network ``trace``'s session ended with, seed and all, as ``?net=`` says it.

    Raises
    ------
    NetworkError
        If the header's ``network`` is no network state.
    """
    return to_net(state_from_json(trace.header.get("network") or {}))


class Sink:
    """What ``run --trace FILE`` keeps of the host page's trace: the newest ``limit`` events.

    The host page POSTs what it recorded since it last did (``take``); this keeps the
    newest header and the events in a ring, and counts those it let go of.

    Parameters
    ----------
    limit : int
        Events kept.
    """

    def __init__(self, limit: int = DEFAULT_LIMIT) -> None:
        self.header: dict[str, Any] | None = None
        self.events: deque[Event] = deque(maxlen=limit)
        self.dropped = 0
        self.posts = 0  # parts taken: the command waits for the last one when it stops

    def take(self, body: dict[str, Any]) -> None:
        """Take one POST of the host page: ``{header, events, missed}``."""
        header, events = body.get("header"), body.get("events")
        if not isinstance(header, dict) or not isinstance(events, list):
            raise TraceError("not a part of a trace (no header and events)")
        self.header = header
        maxlen = self.events.maxlen or 0
        overflow = max(0, len(self.events) + len(events) - maxlen)
        self.dropped += overflow + int(body.get("missed", 0))
        self.events.extend(e for e in events if isinstance(e, dict))
        self.posts += 1

    def trace(self) -> Trace | None:
        """Return the trace so far, or None if the host page sent nothing."""
        if self.header is None:
            return None
        header = {**self.header, "dropped": self.header.get("dropped", 0) + self.dropped}
        header["limit"] = self.events.maxlen
        # The page sends each peer's frames as it takes them: in order of time, here, and
        # each received frame with its sender, once its send came too.
        events = sorted(self.events, key=lambda e: e.get("t", 0))
        senders = {e.get("id"): e["peer"] for e in events if e.get("kind") == "send"}
        for event in events:
            if event.get("kind") in ("receive", "due") and not event.get("from"):
                event["from"] = senders.get(event.get("id"))
        return Trace(header, events)


@dataclass
class PeerSummary:
    """What one peer did and had done to it."""

    sent: int = 0
    sent_bytes: int = 0
    got: int = 0
    lost: Counter[str] = field(default_factory=Counter)
    late: int = 0
    updates_sent: int = 0
    updates_got: int = 0
    errors: int = 0


def summarise(trace: Trace) -> dict[str, PeerSummary]:
    """Per peer (address): frames sent, got, lost and why, updates, errors thrown at it.

    A frame delayed or held counts as got or lost when its time came (its ``due`` event);
    "got" is what reached the app's listener.
    """
    peers: dict[str, PeerSummary] = {}
    for event in trace.events:
        peer = peers.setdefault(event["peer"], PeerSummary())
        kind = event["kind"]
        if kind == "send":
            peer.sent += 1
            peer.sent_bytes += int(event.get("size", 0))
        elif kind in ("receive", "due"):
            verdict = event.get("verdict")
            if verdict == "delivered":
                peer.got += 1
            elif verdict == "dropped":
                peer.lost[event.get("reason") or "?"] += 1
            elif verdict in ("delayed", "duplicated", "held"):
                peer.late += 1
        elif kind == "update":
            peer.updates_sent += 1
        elif kind == "update-in":
            peer.updates_got += 1
        elif kind == "error":
            peer.errors += 1
    return peers


REASONS = {
    "net_loss": "loss",
    "net_partition": "partition",
    "net_offline": "offline",
    "net_not_connected": "not connected",
    "no_listener": "no listener",
    "left": "had left",
    "twice": "twice",
    "malformed": "malformed",
    "foreign_topic": "another chat",
}


def summary(trace: Trace) -> str:
    """Return what ``webxdc-realtime trace FILE --summary`` prints."""
    h = trace.header
    names = trace.names()
    out = [
        f"trace of {h.get('app', '?')!s}: chat {h.get('chat', '?')!s}, profile "
        f"{h.get('profile', '?')!s}, seed {h.get('seed', 0)}, webxdc-realtime "
        f"{h.get('runtime', '?')}, started {h.get('started', '?')}",
    ]
    span = trace.events[-1]["t"] / 1000 if trace.events else 0.0
    kept = f"{len(trace.events)} events over {span:.1f} s"
    if h.get("dropped"):
        kept += f" (the {h['dropped']} before them let go of: the limit is {h.get('limit')})"
    out.append(kept)
    for addr, peer in sorted(summarise(trace).items(), key=lambda kv: names.get(kv[0], kv[0])):
        lost = sum(peer.lost.values())
        why = ", ".join(f"{n} {REASONS.get(r, r)}" for r, n in peer.lost.most_common())
        line = (
            f"  {names.get(addr, addr)} ({addr}): sent {peer.sent} frames ({peer.sent_bytes} B), "
            f"got {peer.got}, lost {lost}" + (f" ({why})" if why else "")
        )
        if peer.late:
            line += f", {peer.late} delayed or held"
        line += f"; updates sent {peer.updates_sent}, got {peer.updates_got}"
        if peer.errors:
            line += f"; {peer.errors} errors"
        out.append(line)
    first = next((e for e in trace.events if e["kind"] == "error"), None)
    if first is None:
        out.append("no error was thrown at an app")
    else:
        who = names.get(first["peer"], first["peer"])
        out.append(
            f"first error: at {first['t'] / 1000:.3f} s, {who}'s {first.get('call')}(): "
            f"{first.get('message')}"
        )
    return "\n".join(out)
