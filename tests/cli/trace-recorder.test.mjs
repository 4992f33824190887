// @ts-check
// The trace's recorder and its replay alone, in Node (no page): run by test_trace.py.
import assert from "node:assert/strict";
import test from "node:test";
import { Recorder, TRACE_FORMAT, TRACE_VERSION, fate, said } from "../../js_glue/trace/recorder.js";
import { counters, replay } from "../../js_glue/trace/replay.js";

const frame = (/** @type {string} */ dir, /** @type {number} */ seq, /** @type {object} */ more = {}) => ({
  kind: "frame",
  dir,
  id: "aa",
  seq,
  size: 16,
  ...more,
});

test("a minute at 1000 frames a second stays within the ring's bound, the newest kept", () => {
  const recorder = new Recorder({ limit: 20_000 });
  for (let seq = 0; seq < 60_000; seq++)
    recorder.report("ada@x", frame("out", seq, { payload: new Uint8Array(16) }));
  const kept = recorder.kept();
  assert.equal(kept.length, 20_000);
  assert.equal(recorder.dropped, 40_000);
  assert.deepEqual([kept[0].seq, kept.at(-1)?.seq], [40_000, 59_999]);
  const lines = recorder
    .lines([{ addr: "ada@x", name: "Ada" }], "0.1.0")
    .trimEnd()
    .split("\n");
  const header = JSON.parse(lines[0]);
  assert.deepEqual(
    [header.format, header.version, header.dropped, header.limit],
    [TRACE_FORMAT, TRACE_VERSION, 40_000, 20_000],
  );
  assert.deepEqual(JSON.parse(lines.at(-1) ?? ""), { kind: "end", events: 20_000 });
  // What the command takes each second: only what is new, and what the ring let go of first.
  const { events, missed } = recorder.take();
  assert.deepEqual([events.length, missed], [20_000, 40_000]);
  assert.deepEqual(recorder.take(), { events: [], missed: 0 });
});

test("a payload is kept up to the limit, base64; the fates as the glue says them, both ways", () => {
  const recorder = new Recorder({ payloadLimit: 4 });
  const sent = recorder.report("ada@x", frame("out", 1, { payload: new Uint8Array([104, 105]) }));
  assert.equal(sent?.payload, "aGk=");
  for (const text of [
    "delivered",
    "held",
    "dropped: net_loss",
    "12 ms late",
    "duplicated, 30 ms",
    "announcement",
  ])
    assert.equal(said(fate(text)), text);
  assert.deepEqual(fate("dropped: net_partition"), { verdict: "dropped", reason: "net_partition" });
});

test("a trace replayed gives the devtools' entries and each peer's counters", () => {
  const recorder = new Recorder();
  recorder.report("ada@x", frame("out", 1, { payload: new Uint8Array([1]) }));
  recorder.report("ben@x", frame("in", 1, { fate: "delivered" }));
  recorder.report("cleo@x", frame("in", 1, { fate: "40 ms late" }));
  recorder.report("cleo@x", frame("due", 1, { fate: "delivered" }));
  recorder.report("ben@x", frame("in", 7, { fate: "announcement" }));
  const events = recorder.kept();
  const [entry] = replay(events).entries;
  assert.deepEqual(Object.fromEntries(entry.fates), { "ben@x": "delivered", "cleo@x": "40 ms late" });
  assert.equal(entry.from, "ada@x");
  const stats = counters(events);
  assert.deepEqual(
    [
      stats.get("cleo@x")?.frames_received,
      stats.get("cleo@x")?.frames_delayed,
      stats.get("cleo@x")?.frames_delivered,
    ],
    [1, 1, 1],
  );
  assert.equal(stats.get("ben@x")?.frames_received, 1); // the announcement is not app data
});
