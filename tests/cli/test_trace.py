"""Traces (docs/TRACE.md): `run --trace FILE` of a session of three peers under loss, a
partition and an offline peer, checked against each peer's counters and what each app got;
the reader's errors on files that are no trace it can take; the bound on its memory."""

from __future__ import annotations

import base64
import contextlib
import gzip
import json
import re
import signal
import subprocess
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import node_tests
from webxdc_realtime.host.trace import (
    FORMAT,
    VERSION,
    Sink,
    Trace,
    TraceError,
    read,
    summary,
    write,
)

from .conftest import COMMAND, PINGBOARD, HostPage, run, wait_for

ADA, BEN, CLEO = (f"{name}@peers.localhost" for name in ("ada", "ben", "cleo"))
LOG_ROWS = """Array.from(document.querySelectorAll("#devtools .log tbody tr"))
  .slice(1).map((row) => Array.from(row.querySelectorAll("td"), (cell) => cell.textContent))"""


def header(**more: Any) -> dict[str, Any]:
    return {"format": FORMAT, "version": VERSION, "runtime": "0.1.0", "seed": 7, **more}


def event(t: float, peer: str, kind: str, **more: Any) -> dict[str, Any]:
    return {"t": t, "peer": peer, "kind": kind, **more}


SESSION = Trace(
    header(app="Pingboard", chat="c", profile="strict", peers=[{"addr": ADA, "name": "Ada"}]),
    [
        event(0, ADA, "send", id="aa", seq=1, size=2, payload="aGk="),
        event(1, BEN, "receive", id="aa", seq=1, size=2, verdict="delivered"),
        event(1, CLEO, "receive", id="aa", seq=1, size=2, verdict="dropped", reason="net_loss"),
        event(2, BEN, "error", call="send", message="TypeError: not a Uint8Array"),
    ],
)


def test_a_trace_written_is_read_back_and_summarised(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl.gz"
    write(path, SESSION)
    assert read(path) == SESSION
    text = summary(read(path))
    assert "Ada (ada@peers.localhost): sent 1 frames (2 B), got 0, lost 0" in text
    assert (
        "cleo@peers.localhost (cleo@peers.localhost): sent 0 frames (0 B), got 0, lost 1 (1 loss)"
        in text
    )
    assert (
        "first error: at 0.002 s, ben@peers.localhost's send(): TypeError: not a Uint8Array" in text
    )


def lines(*objects: Any) -> bytes:
    return ("\n".join(json.dumps(o) for o in objects) + "\n").encode()


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (
            gzip.compress(lines(header(), {"kind": "end", "events": 0}))[:-12],
            "cut short (its gzip stream ends early)",
        ),
        (lines(header(), event(0, ADA, "send")), "cut short after 1 events (no end line)"),
        (b"\x1f\x8bnot gzip at all", "not a trace (bad gzip data"),
        (b"PK\x03\x04\xff\xfe garbage", "not a trace (neither gzip nor UTF-8 text)"),
        (b"hello\n", "line 1: its header that is not JSON"),
        (
            lines({"format": "something else"}),
            'not a trace (its first line is no "webxdc-realtime trace" header)',
        ),
        (
            lines(header(version=VERSION + 1, runtime="9.0.0")),
            f"a trace of format version {VERSION + 1}, by webxdc-realtime 9.0.0; "
            f"this reader takes version {VERSION} and older: upgrade",
        ),
        (
            lines(header(), {"t": 0, "kind": "send"}, {"kind": "end", "events": 1}),
            "line 2: an event without 'peer'",
        ),
        (lines(header(), {"kind": "end", "events": 3}), "its end line says 3 events, it holds 0"),
        (b"", "empty"),
    ],
    ids=[
        "truncated",
        "no-end",
        "bad-gzip",
        "garbage",
        "not-json",
        "other-format",
        "future",
        "no-peer",
        "miscounted",
        "empty",
    ],
)
def test_a_file_that_is_no_trace_it_can_take_is_named_with_what_is_wrong(
    tmp_path: Path, content: bytes, says: str
) -> None:
    path = tmp_path / "bad.jsonl.gz"
    path.write_bytes(content)
    with pytest.raises(TraceError) as raised:
        read(path)
    assert str(raised.value).startswith(f"{path}: ")
    assert says in str(raised.value)
    done = subprocess.run(
        [str(COMMAND), "trace", str(path), "--summary"], capture_output=True, text=True
    )
    assert done.returncode == 2
    assert says in done.stderr


def test_a_minute_at_a_thousand_frames_a_second_stays_within_the_bound() -> None:
    sink = Sink(limit=20_000)
    for second in range(60):  # what the host page posts each second
        events = [
            event(second * 1000 + i, ADA, "send", id="aa", seq=second * 1000 + i, size=16)
            for i in range(1000)
        ]
        sink.take({"header": header(), "events": events, "missed": 0})
    trace = sink.trace()
    assert trace is not None
    assert len(trace.events) == 20_000
    assert trace.header["dropped"] == 40_000
    assert trace.events[0]["seq"] == 40_000  # the newest kept
    assert trace.events[-1]["seq"] == 59_999


def test_the_host_pages_recorder_alone_in_node() -> None:
    """Its ring's bound (a minute at 1000 frames a second), payloads, fates; the replay."""
    node_tests(Path(__file__).with_name("trace-recorder.test.mjs"), passes=3)


@pytest.mark.browser
def test_run_writes_every_frame_with_what_the_network_and_each_app_did(
    host_page: Any, tmp_path: Path
) -> None:
    path = tmp_path / "session.jsonl.gz"
    with run(PINGBOARD, "--peers", "3", "--trace", str(path)) as command:
        host: HostPage = host_page(command.url)
        host.wait_live(3)
        host.page.click("#tools")  # the devtools, live, to compare the viewer's log with
        ada, ben, cleo = host.peers()
        net = "webxdcRealtime.network"
        send = "(texts) => texts.forEach((t) => fixture.send(t))"

        def change(call: str) -> None:  # made by Ada, in force at every peer
            want = ada.evaluate(f"{net}.{call}.then(() => JSON.stringify({net}.state))")
            assert wait_for(
                lambda: all(f.evaluate(f"JSON.stringify({net}.state)") == want for f in (ben, cleo))
            )

        ada.evaluate(send, [f"a{i}" for i in range(20)])
        change("set({loss: 0.4, seed: 11})")
        ben.evaluate(send, [f"b{i}" for i in range(30)])
        change("reset()")
        change(f"partition(['{ADA}'], ['{BEN}', '{CLEO}'])")
        ada.evaluate(send, [f"c{i}" for i in range(10)])
        cleo.evaluate(send, [f"d{i}" for i in range(10)])
        change("heal()")
        change(f"offline('{CLEO}')")
        ben.evaluate(send, [f"e{i}" for i in range(10)])
        change(f"online('{CLEO}')")
        ada.evaluate(send, ["last"])
        assert wait_for(lambda: all("last" in f.evaluate("fixture.pings") for f in (ben, cleo)))
        try:
            ben.evaluate("fixture.channel.send('not bytes')")
        except Exception as error:  # Playwright's Error: what the app was thrown
            thrown = str(error)
        assert "must be a Uint8Array" in thrown
        stats = {
            addr: f.evaluate("webxdcRealtime.stats()")
            for addr, f in zip((ADA, BEN, CLEO), (ada, ben, cleo), strict=True)
        }
        got = {
            addr: f.evaluate("fixture.pings")
            for addr, f in zip((ADA, BEN, CLEO), (ada, ben, cleo), strict=True)
        }
        # The devtools draw what the peers report, a moment later: the last frame's row,
        # with both fates, is the last to come.
        final = ["Ada", "Ben: delivered, Cleo: delivered", "4 B", "UTF-8 last"]
        assert wait_for(lambda: any(row[2:] == final for row in host.js(LOG_ROWS)))
        live_rows = host.js(LOG_ROWS)
        code, last = command.stop()
    assert code == 0 and "stopped after" in last
    assert command.said(f"written to {path}")
    trace = read(path)
    assert trace.header["app"] == "Pingboard" and trace.header["dropped"] == 0
    assert (trace.header["chat"], trace.header["instance"]) == ("default", "/")
    sent = {(e["id"], e["seq"]): e for e in trace.events if e["kind"] == "send"}
    assert sum(1 for e in sent.values() if e["peer"] == ADA) == 20 + 10 + 1
    for addr in (ADA, BEN, CLEO):
        # What each peer's counters say became of the frames it received, the trace says too.
        mine = [e for e in trace.events if e["peer"] == addr and e["kind"] in ("receive", "due")]
        delivered = [e for e in mine if e["verdict"] == "delivered"]
        dropped = Counter(e["reason"] for e in mine if e["verdict"] == "dropped")
        assert len(delivered) == stats[addr]["frames_delivered"], addr
        assert dropped == Counter(stats[addr]["dropped"]), addr
        # And what the app got, in order: the payloads of the frames delivered to it.
        texts = [base64.b64decode(sent[e["id"], e["seq"]]["payload"]).decode() for e in delivered]
        assert texts == got[addr], addr
    reasons = Counter(e.get("reason") for e in trace.events if e.get("verdict") == "dropped")
    assert reasons["net_loss"] > 0 and reasons["net_partition"] == 30
    # Offline, Cleo was held what Ben sent, and got it when back, in order.
    held = [e for e in trace.events if e["peer"] == CLEO and e.get("verdict") == "held"]
    assert len(held) == 10 == stats[CLEO]["frames_held"]
    due = [e for e in trace.events if e["peer"] == CLEO and e["kind"] == "due"]
    assert [(e["id"], e["seq"], e["verdict"]) for e in due] == [
        (e["id"], e["seq"], "delivered") for e in held
    ]
    errors = [e for e in trace.events if e["kind"] == "error"]
    assert [(e["peer"], e["call"]) for e in errors] == [(BEN, "send")]
    assert any(e["kind"] == "network" and e["state"]["seed"] == 11 for e in trace.events)
    done = subprocess.run(
        [str(COMMAND), "trace", str(path), "--summary"], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert f"Cleo ({CLEO}): sent 10 frames" in done.stdout
    assert (
        "partition" in done.stdout and "loss" in done.stdout and "10 delayed or held" in done.stdout
    )
    assert (
        "first error: " in done.stdout
        and "Ben's send(): Error: realtime listener data must be a Uint8Array" in done.stdout
    )
    # The viewer draws the frame log the live devtools drew (the time aside: each counts
    # from when it began, the devtools from when they were made, the trace from the page).
    with viewing(path) as url:
        page = host.page.context.new_page()
        page.goto(url)
        page.wait_for_function("window.viewer.rows().length > 0")
        assert [row[1:] for row in page.evaluate("viewer.rows()")] == [row[1:] for row in live_rows]
        assert len(live_rows) > 80
        page.select_option("#verdict", "held")
        held_rows = [(row[2], row[3]) for row in page.evaluate("viewer.rows()")]
        assert held_rows == [("Ben", "Ada: delivered, Cleo: held")] * 10


@contextlib.contextmanager
def viewing(path: Path) -> Iterator[str]:
    """``webxdc-realtime trace FILE``: the viewer's address while it runs; then Ctrl-C."""
    process = subprocess.Popen(
        [str(COMMAND), "trace", str(path), "--port", "0"], stdout=subprocess.PIPE, text=True
    )
    try:
        line = process.stdout.readline() if process.stdout else ""
        found = re.search(r"open (http://127\.0\.0\.1:\d+/trace/)", line)
        assert found, line
        yield found[1]
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 0


RECEIVED = "webxdcRealtime.stats().frames_received"


def fates(trace: Trace) -> list[tuple[str, int, str, str | None]]:
    """What became of each data frame at each receiver, by receiver and sequence number."""
    return sorted(
        (e["peer"], e["seq"], e["verdict"], e.get("reason"))
        for e in trace.events
        if e["kind"] == "receive" and e["verdict"] not in ("announcement", "answered")
    )


@pytest.mark.browser
def test_net_from_a_trace_gives_the_same_frames_the_same_fate(
    host_page: Any, tmp_path: Path
) -> None:
    traces = [tmp_path / "first.jsonl.gz", tmp_path / "again.jsonl.gz"]
    given = [("--net", "loss=30%; jitter=5ms; seed=5"), ("--net-from", str(traces[0]))]
    for net, path in zip(given, traces, strict=True):
        with run(PINGBOARD, "--peers", "2", *net, "--trace", str(path)) as command:
            host: HostPage = host_page(command.url)
            host.wait_live(2)
            ada, ben = host.peers()
            ada.evaluate("(n) => { for (let i = 0; i < n; i++) fixture.send(`a${i}`); }", 60)
            assert wait_for(lambda ben=ben: ben.evaluate(RECEIVED) >= 60)
            command.stop()
    # The trace's network, in the ?net= grammar, as the command says it serves it.
    assert command.said('network "seed=5; jitter=5.0; loss=0.3"')
    first, again = (read(path) for path in traces)
    assert again.header["network"] == first.header["network"]
    assert again.header["seed"] == 5
    lost = [fate for fate in fates(first) if fate[2] == "dropped"]
    assert 8 < len(lost) < 30  # about 30 % of 60
    assert fates(again) == fates(first)
