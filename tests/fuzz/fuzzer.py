"""Bad input at volume: random and mutated frames through the decoder and the channel.

Valid frames come from real endpoints (data of many sizes, joins, answers, leaves, of
our chat and of another); most are then mutated (bits flipped, truncated, extended,
length fields, versions, kinds, magic, topics and senders changed, replayed, random
bytes, empty messages) and put together, one to eight, in messages of frames as a page
posts them. Every message goes through:

- ``decode_header`` on each frame: it returns, or raises ``RemoteProtocolError``;
- six receiving endpoints in different states (listening on the fast path; a listener
  that takes no data; network conditions set; Delta Chat's network, with its connection
  phase; a relay's de-duplication; one that leaves and joins again), each judging the
  message as the glue does (``Receiver``);
- a seventh that gets each frame alone, as ``[header, payload]``, its header part cut at a
  random length now and then.

Each verdict is checked against a reference decoder written here from the frame layout
(``core.frame``'s docstring), independent of the core's: a malformed frame is dropped as
``malformed``, a well-formed one of another chat as ``foreign_topic``, and so on; only
well-formed data of our chat from another peer reaches the app, with exactly its
payload. Every frame is counted as received, and every drop under its reason. An
exception anywhere is a failure. Run ``python tests/fuzz/fuzzer.py --frames 1000000``
(``make fuzz``); ``tests/fuzz/test_fuzz.py`` runs a short one in ``make test``.
"""

from __future__ import annotations

import argparse
import random
import struct
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

if __package__ in (None, ""):  # run as a script: import the package from the source tree
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "py_src"))

import webxdc_realtime
from webxdc_realtime import (
    HEADER_SIZE,
    MAX_PAYLOAD,
    UINT8ARRAY_TAG,
    Data,
    Dropped,
    DropReason,
    Endpoint,
    Event,
    Held,
    Later,
    NeedsPayload,
    PeerJoined,
    PeerLeft,
    PeerPresent,
    RemoteProtocolError,
    Scope,
    decode_header,
)
from webxdc_realtime.core.network_forms import parse_net

SCOPE = Scope("fuzz chat", "fuzz app")
OTHER = Scope("another chat", "fuzz app")
MUTATIONS = (
    "valid",
    "flip",
    "truncate",
    "extend",
    "length",
    "version",
    "kind",
    "magic",
    "topic",
    "sender",
    "replay",
    "random",
    "empty",
)
WEIGHTS = (30, 14, 8, 6, 8, 4, 5, 3, 4, 3, 6, 6, 2)

# -- the reference decoder: the layout of _frame's docstring, nothing of the core's ----------
_LAYOUT = struct.Struct(">2sBB16s8sII")


def reference_split(message: bytes) -> list[bytes]:
    """The frames of a message: each header's length field says where the next starts;
    a length past the end, or bytes too few for a header, make the rest one frame."""
    if not message:
        return [b""]
    out, pos = [], 0
    while pos < len(message):
        if len(message) - pos < HEADER_SIZE:
            out.append(message[pos:])
            break
        length = int.from_bytes(message[pos + 32 : pos + 36], "big")
        end = min(len(message), pos + HEADER_SIZE + length)
        out.append(message[pos:end])
        pos = end
    return out


def reference_class(frame: bytes, topic: bytes, own: bytes | None) -> str:
    """``malformed``, ``foreign``, ``own``, ``data`` or ``announcement``."""
    if len(frame) < HEADER_SIZE:
        return "malformed"
    magic, version, kind, frame_topic, sender, _seq, length = _LAYOUT.unpack_from(frame)
    if magic != b"WX" or version != 1 or kind not in (1, 2, 3, 4):
        return "malformed"
    if length != len(frame) - HEADER_SIZE:
        return "malformed"
    if (
        (kind == 1 and length > MAX_PAYLOAD)
        or (kind == 3 and length)
        or (kind in (2, 4) and length > 256)
    ):
        return "malformed"
    if frame_topic != topic:
        return "foreign"
    if sender == own:
        return "own"
    return "data" if kind == 1 else "announcement"


# What each class of frame may become, whatever the receiver's state.
_ALLOWED_DROPS = {
    "malformed": {DropReason.MALFORMED},
    "foreign": {DropReason.FOREIGN_TOPIC},
    "own": {DropReason.OWN},
    "data": {
        DropReason.LEFT,
        DropReason.NO_LISTENER,
        DropReason.TWICE,
        DropReason.NET_LOSS,
        DropReason.NET_PARTITION,
        DropReason.NET_OFFLINE,
        DropReason.NET_NOT_CONNECTED,
    },
    "announcement": {
        DropReason.LEFT,
        DropReason.TWICE,
        DropReason.NET_LOSS,
        DropReason.NET_PARTITION,
        DropReason.NET_OFFLINE,
    },
}
_DELIVERIES = (Data, Later, Held)
_ANNOUNCED = (PeerJoined, PeerLeft, PeerPresent)


# -- the frames ----------------------------------------------------------------------------------
class Corpus:
    """Valid frames from real endpoints: three peers of our chat, one of another."""

    def __init__(self, rng: random.Random, ids: Callable[[], bytes]) -> None:
        self.rng = rng
        self.peers = [Endpoint(SCOPE, make_peer_id=ids, addr=f"peer{i}@fuzz") for i in range(3)]
        self.foreign = Endpoint(OTHER, make_peer_id=ids, addr="other@fuzz")
        self.past: list[bytes] = []
        for endpoint in [*self.peers, self.foreign]:
            endpoint.join()

    def frame(self) -> bytes:
        rng = self.rng
        endpoint = self.foreign if rng.random() < 0.1 else rng.choice(self.peers)
        roll = rng.random()
        if roll < 0.03:  # leave and join again: "left", then "joined"
            assert endpoint.current is not None
            endpoint.current.leave()
            endpoint.join()
            frames = endpoint.take_outbox()
            out = rng.choice(frames)
        else:
            endpoint.take_outbox()
            size = self.size()
            assert endpoint.current is not None
            header = endpoint.current.send(UINT8ARRAY_TAG, size)
            assert isinstance(header, bytes)
            out = header + rng.randbytes(size)
        if len(self.past) < 512:
            self.past.append(out)
        else:
            self.past[rng.randrange(512)] = out
        return out

    def size(self) -> int:
        roll = self.rng.random()
        if roll < 0.6:
            return self.rng.randrange(0, 64)
        if roll < 0.95:
            return self.rng.randrange(64, 2048)
        if roll < 0.999:
            return self.rng.randrange(2048, 9000)
        return self.rng.choice([MAX_PAYLOAD - 1, MAX_PAYLOAD])


def mutate(frame: bytes, how: str, rng: random.Random, corpus: Corpus, own: bytes) -> bytes:
    """Return ``frame`` changed in the way named ``how`` (one of MUTATIONS)."""
    data = bytearray(frame)
    if how == "valid":
        return frame
    if how == "flip":
        for _ in range(rng.randint(1, 4)):
            bit = rng.randrange(len(data) * 8)
            data[bit // 8] ^= 1 << (bit % 8)
    elif how == "truncate":
        return frame[: rng.randrange(len(frame))]
    elif how == "extend":
        return frame + rng.randbytes(rng.randint(1, 40))
    elif how == "length":
        length = len(frame) - HEADER_SIZE
        choice = rng.choice([length + 1, length - 1, 0, 2**32 - 1, rng.randrange(2**32)])
        data[32:36] = (choice % 2**32).to_bytes(4, "big")
    elif how == "version":
        data[2] = rng.choice([0, 2, 3, 127, 255])
    elif how == "kind":
        data[3] = rng.choice([0, 1, 2, 3, 4, 5, 99, 255])
    elif how == "magic":
        data[0:2] = rng.randbytes(2)
    elif how == "topic":
        data[4:20] = rng.randbytes(16)
    elif how == "sender":
        data[20:28] = own if rng.random() < 0.5 else rng.randbytes(8)
    elif how == "replay":
        return rng.choice(corpus.past) if corpus.past else frame
    elif how == "random":
        return rng.randbytes(rng.randrange(0, 120))
    elif how == "empty":
        return b""
    return bytes(data)


# -- the receivers ---------------------------------------------------------------------------------
@dataclass
class Receiver:
    """An endpoint under test, its name, and what became of the frames it judged."""

    name: str
    endpoint: Endpoint
    alone: bool = False  # each frame alone, as [header, payload]
    toggles: bool = False  # leaves and joins again now and then
    outcomes: Counter[str] = field(default_factory=Counter)
    batch: webxdc_realtime.Receiver = field(init=False)

    def __post_init__(self) -> None:
        self.batch = self.endpoint.receiver


def receivers(ids: Callable[[], bytes]) -> list[Receiver]:
    def listening(profile: str = "strict", listener: str = "function") -> Endpoint:
        endpoint = Endpoint(SCOPE, profile, make_peer_id=ids, addr="me@fuzz")
        endpoint.join().set_listener(listener)
        endpoint.take_outbox()
        return endpoint

    network = listening()
    network.set_network(
        parse_net(
            "delay=20ms; jitter=10ms; loss=20%; dup=10%; bw=64kB/s; seed=3; offline=peer2@fuzz"
        )
    )
    deltachat = listening()
    deltachat.set_network(parse_net("deltachat; seed=5"))
    relay = listening()
    relay.set_dedupe(True)
    return [
        Receiver("listening (fast path)", listening()),
        Receiver("listener takes no data (desktop)", listening("desktop", "null")),
        Receiver("network conditions set", network),
        Receiver("Delta Chat's network (a connection phase)", deltachat),
        Receiver("relay de-duplication", relay),
        Receiver("leaves and joins again", listening(), toggles=True),
        Receiver("each frame alone [header, payload]", listening(), alone=True),
    ]


# -- one run ---------------------------------------------------------------------------------------
@dataclass
class Report:
    """What a run saw."""

    seed: int
    frames: int = 0
    messages: int = 0
    seconds: float = 0.0
    mutations: Counter[str] = field(default_factory=Counter)
    decoded: int = 0
    rejected: int = 0
    failures: list[str] = field(default_factory=list)
    receivers: list[Receiver] = field(default_factory=list)
    stopped: bool = False

    def fail(self, text: str) -> None:
        if len(self.failures) < 20:
            self.failures.append(text)


def judge(receiver: Receiver, message: bytes, now: float) -> list[tuple[bytes, Event | bytes]]:
    """Judge a message as the glue does; return each frame with its event, or, for one
    handed to the app in a run, its payload."""
    batch = receiver.batch
    out: list[tuple[bytes, Event | bytes]] = []
    batch.start(message)
    while not batch.done:
        start = batch.pos
        count = batch.run()
        pos = start
        for _ in range(count):
            length = int.from_bytes(message[pos + 32 : pos + 36], "big")
            end = pos + HEADER_SIZE + length
            out.append((message[pos:end], message[pos + HEADER_SIZE : end]))
            pos = end
        if count:
            continue
        start, end, event = batch.next(now)
        out.append((message[start:end] if message else b"", event))
    return out


def judge_alone(
    receiver: Receiver, frame: bytes, rng: random.Random, now: float
) -> tuple[Event, bool]:
    """A frame posted alone: its header part (cut elsewhere now and then), and its
    payload's length. Returns the event, and whether the header part was a header's size
    (if not, the frame is malformed whatever it holds)."""
    endpoint = receiver.endpoint
    cut = HEADER_SIZE if rng.random() < 0.9 else rng.randrange(0, HEADER_SIZE + 2)
    header, payload = frame[:cut], frame[cut:]
    event = endpoint.receive_parts(header, len(payload), None, now)
    if isinstance(event, NeedsPayload):
        event = endpoint.receive_parts(header, len(payload), payload, now)
    return event, len(header) == HEADER_SIZE


def check(
    report: Report,
    receiver: Receiver,
    frames: list[bytes],
    judged: list[tuple[bytes, Event | bytes]],
    own: bytes | None,
    whole: list[bool] | None = None,
) -> None:
    """Check each verdict against the reference decoder (``whole``: whether each frame's
    header part was a header's size, when they came alone)."""
    if len(judged) != len(frames):
        report.fail(f"{receiver.name}: {len(frames)} frames judged as {len(judged)}")
        return
    for index, (frame, (seen, outcome)) in enumerate(zip(frames, judged, strict=True)):
        if seen != frame:
            report.fail(f"{receiver.name}: frame boundaries differ at {frame[:40].hex()}")
            continue
        kind = reference_class(frame, SCOPE.topic, own)
        if whole is not None and not whole[index]:
            kind = "malformed"
        if isinstance(outcome, bytes | Data | Later | Held):
            receiver.outcomes["delivered"] += 1
            payload = outcome if isinstance(outcome, bytes) else frame[HEADER_SIZE:]
            if kind != "data" or payload != frame[HEADER_SIZE:]:
                report.fail(f"{receiver.name}: a {kind} frame reached the app: {frame[:48].hex()}")
        elif isinstance(outcome, Dropped):
            receiver.outcomes[outcome.reason.value] += 1
            if outcome.reason not in _ALLOWED_DROPS[kind]:
                report.fail(
                    f"{receiver.name}: a {kind} frame dropped as {outcome.reason.value}: "
                    f"{frame[:48].hex()}"
                )
        elif isinstance(outcome, _ANNOUNCED):
            receiver.outcomes["announcement"] += 1
            if kind != "announcement":
                report.fail(f"{receiver.name}: a {kind} frame announced a peer: {frame[:48].hex()}")
        else:
            report.fail(f"{receiver.name}: unexpected {outcome!r}")


def run(
    frames: int,
    seed: int = 1,
    progress: Callable[[Report], None] | None = None,
    every: int = 100_000,
) -> Report:
    """Fuzz ``frames`` frames; return what was seen (failures in ``report.failures``)."""
    rng = random.Random(seed)
    ids = random.Random(seed + 1).randbytes  # peer ids too: one seed, one run
    corpus = Corpus(rng, lambda: ids(8))
    report = Report(seed, receivers=receivers(lambda: ids(8)))
    started = time.monotonic()
    next_progress = every
    now = 0.0
    try:
        while report.frames < frames:
            count = rng.randint(1, 8)
            own = rng.choice(report.receivers).endpoint.peer_id or bytes(8)
            parts = []
            for _ in range(count):
                how = rng.choices(MUTATIONS, WEIGHTS)[0]
                report.mutations[how] += 1
                parts.append(mutate(corpus.frame(), how, rng, corpus, own))
            message = b"".join(parts)
            expected = reference_split(message)
            report.frames += len(expected)
            report.messages += 1
            now += rng.random() * 2
            for frame in expected:
                try:
                    decode_header(frame, len(frame))
                    report.decoded += 1
                except RemoteProtocolError:
                    report.rejected += 1
            for receiver in report.receivers:
                endpoint = receiver.endpoint
                if receiver.toggles and rng.random() < 0.02:
                    if endpoint.member:
                        assert endpoint.current is not None
                        endpoint.current.leave()
                    else:
                        endpoint.join().set_listener("function")
                    endpoint.take_outbox()
                counters, own = endpoint.counters, endpoint.peer_id
                received, dropped = counters.frames_received, Counter(counters.dropped)
                whole = None
                if receiver.alone:
                    alone = [judge_alone(receiver, frame, rng, now) for frame in expected]
                    judged: list[tuple[bytes, Event | bytes]] = [
                        (frame, event) for frame, (event, _) in zip(expected, alone, strict=True)
                    ]
                    whole = [ok for _, ok in alone]
                else:
                    judged = judge(receiver, message, now)
                check(report, receiver, expected, judged, own, whole)
                if endpoint.counters is counters:  # (a join starts new counters)
                    received = counters.frames_received - received
                    if received != len(expected):
                        report.fail(
                            f"{receiver.name}: {len(expected)} frames counted as {received}"
                        )
                    drops = Counter(e.reason.value for _, e in judged if isinstance(e, Dropped))
                    if Counter(counters.dropped) - dropped != drops:
                        report.fail(f"{receiver.name}: drops {drops} counted otherwise")
                endpoint.take_outbox()
            if progress and report.frames >= next_progress:
                report.seconds = time.monotonic() - started
                progress(report)
                next_progress += every
    except KeyboardInterrupt:
        report.stopped = True
    except Exception as error:  # an exception escaped: the failure the fuzzer is for
        report.fail(f"exception: {type(error).__name__}: {error} (seed {seed})")
    report.seconds = time.monotonic() - started
    return report


def summary(report: Report) -> str:
    rate = report.frames / report.seconds if report.seconds else 0.0
    lines = [
        f"fuzz: {report.frames:,} frames in {report.messages:,} messages, seed {report.seed}, "
        f"{report.seconds:.1f} s ({rate:,.0f} frames/s)"
        + (" - stopped by Ctrl-C" if report.stopped else ""),
        "  frames made (a message's frames are then read apart again): "
        + ", ".join(f"{how} {report.mutations[how]:,}" for how in MUTATIONS),
        f"  decoder: {report.decoded:,} well-formed, {report.rejected:,} rejected "
        "(RemoteProtocolError, nothing else)",
        "  receivers (each judged every frame; what became of them):",
    ]
    for receiver in report.receivers:
        outcomes = receiver.outcomes
        parts = [f"delivered {outcomes['delivered']:,}", f"announced {outcomes['announcement']:,}"]
        parts += [
            f"{reason.value} {outcomes[reason.value]:,}"
            for reason in DropReason
            if outcomes[reason.value]
        ]
        lines.append(f"    {receiver.name}: " + ", ".join(parts))
    lines.append(
        f"  failures: {len(report.failures)}"
        + ("" if not report.failures else "\n    " + "\n    ".join(report.failures))
    )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--frames", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    def progress(report: Report) -> None:
        print(
            f"  {report.frames:>10,} frames, {report.seconds:6.1f} s, "
            f"failures {len(report.failures)}",
            flush=True,
        )

    print(f"fuzz: {args.frames:,} frames, seed {args.seed} (Ctrl-C stops and reports)", flush=True)
    report = run(args.frames, args.seed, progress)
    print(summary(report))
    sys.exit(130 if report.stopped else 1 if report.failures else 0)


if __name__ == "__main__":
    main()
