// @ts-check
// The trace's records alone, in Node (no page): a peer's (js_glue/webxdc/trace-log.js), the
// host page's (js_glue/trace/recorder.js), and a trace replayed into the devtools' model.
// Run by test_trace.py.
import assert from "node:assert/strict";
import test from "node:test";
import { Recorder, TRACE_FORMAT, TRACE_VERSION, fate, said } from "../../js_glue/trace/recorder.js";
import { counters, replay } from "../../js_glue/trace/replay.js";
import { DELAYED, DELIVERED, DROPPED, TraceLog } from "../../js_glue/webxdc/trace-log.js";

const LAYOUT = {
  header_size: 20,
  kind_at: 3,
  sender_at: 4,
  sender_size: 8,
  seq_at: 12,
  length_at: 16,
  number_size: 4,
};

/** A header, latin-1, of sender `id` (8 bytes) and sequence number `seq`. */
function header(/** @type {number} */ id, /** @type {number} */ seq) {
  const bytes = new Uint8Array(20);
  const view = new DataView(bytes.buffer);
  view.setUint32(8, id);
  view.setUint32(12, seq);
  return String.fromCharCode(...bytes);
}

test("a peer's record: a minute at 1000 frames a second within its ring, the newest kept", () => {
  const log = new TraceLog(LAYOUT, 20_000, 4);
  for (let seq = 0; seq < 60_000; seq++) log.sent(header(0xab, seq), new Uint8Array([104, 105, 33, 33, 33]));
  const { events, missed } = log.take();
  assert.equal(events.length, 20_000);
  assert.equal(missed, 40_000);
  assert.deepEqual(
    { ...events[0], at: 0 },
    { at: 0, kind: "send", id: "00000000000000ab", seq: 40_000, size: 5, payload: "aGkhIQ==" }, // 4 bytes kept
  );
  assert.deepEqual(log.take(), { events: [], missed: 0 });
  log.received(header(0xab, 1), 0, 3, DROPPED, log.reason("net_loss"));
  log.received(header(0xab, 2), 0, 3, DELAYED, 40);
  log.came(header(0xab, 2), 3, DELIVERED);
  assert.deepEqual(
    log.take().events.map(({ at, id, ...rest }) => rest),
    [
      { kind: "receive", seq: 1, size: 3, verdict: "dropped", reason: "net_loss" },
      { kind: "receive", seq: 2, size: 3, verdict: "delayed", ms: 40 },
      { kind: "due", seq: 2, size: 3, verdict: "delivered" },
    ],
  );
});

test("the host page's record: its ring's bound, the peers' frames in order of time, named", () => {
  const recorder = new Recorder({ limit: 20_000 });
  const at = performance.timeOrigin + performance.now();
  const sends = Array.from({ length: 60_000 }, (_, seq) => ({
    at: at + seq,
    kind: "send",
    id: "aa",
    seq,
    size: 16,
  }));
  recorder.frames("ada@x", sends, 0);
  assert.equal(recorder.kept().length, 20_000);
  assert.equal(recorder.dropped, 40_000);
  // Ben's frames, taken before Ada's send of them was: put in order, and named.
  const other = new Recorder();
  other.frames(
    "ben@x",
    [{ at: at + 2, kind: "receive", id: "aa", seq: 1, size: 2, verdict: "delivered" }],
    3,
  );
  other.frames("ada@x", [{ at: at + 1, kind: "send", id: "aa", seq: 1, size: 2, payload: "aGk=" }], 0);
  assert.deepEqual(
    other.kept().map((e) => [e.peer, e.kind, e.from]),
    [
      ["ada@x", "send", undefined],
      ["ben@x", "receive", "ada@x"],
    ],
  );
  assert.equal(other.dropped, 3);
  const lines = other
    .lines([{ addr: "ada@x", name: "Ada" }], "0.1.0")
    .trimEnd()
    .split("\n");
  const head = JSON.parse(lines[0]);
  assert.deepEqual([head.format, head.version, head.dropped], [TRACE_FORMAT, TRACE_VERSION, 3]);
  assert.deepEqual(JSON.parse(lines.at(-1) ?? ""), { kind: "end", events: 2 });
  // What the command takes each second: only what is new, and what the ring let go of.
  assert.deepEqual(recorder.take().missed, 40_000);
  assert.deepEqual(recorder.take(), { events: [], missed: 0 });
});

test("the fates as the devtools word them, both ways; a trace replayed", () => {
  for (const text of [
    "delivered",
    "held",
    "dropped: net_loss",
    "12 ms late",
    "duplicated, 30 ms",
    "announcement",
  ])
    assert.equal(said(fate(text)), text);
  const recorder = new Recorder();
  const at = performance.timeOrigin + performance.now();
  recorder.frames("ada@x", [{ at, kind: "send", id: "aa", seq: 1, size: 1, payload: "AQ==" }], 0);
  recorder.frames(
    "cleo@x",
    [
      { at: at + 1, kind: "receive", id: "aa", seq: 1, size: 1, verdict: "delayed", ms: 40 },
      { at: at + 41, kind: "due", id: "aa", seq: 1, size: 1, verdict: "delivered" },
    ],
    0,
  );
  recorder.frames(
    "ben@x",
    [{ at: at + 1, kind: "receive", id: "aa", seq: 1, size: 1, verdict: "delivered" }],
    0,
  );
  const events = recorder.kept();
  const [entry] = replay(events).entries;
  assert.deepEqual(Object.fromEntries(entry.fates), { "cleo@x": "40 ms late", "ben@x": "delivered" });
  assert.deepEqual(entry.preview, [1]);
  const stats = counters(events);
  assert.deepEqual(
    [
      stats.get("cleo@x")?.frames_received,
      stats.get("cleo@x")?.frames_delayed,
      stats.get("cleo@x")?.frames_delivered,
    ],
    [1, 1, 1],
  );
});
