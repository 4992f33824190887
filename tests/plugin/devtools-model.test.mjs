// @ts-check
// The devtools' model and diagram alone, in Node (no page): run by test_devtools.py.
import assert from "node:assert/strict";
import test from "node:test";
import { diagram } from "../../js_glue/devtools/diagram.js";
import { LOG_FORMAT, MAX_LOG, Traffic } from "../../js_glue/devtools/model.js";

const peers = [
  { name: "Ada", addr: "ada@x", colour: "#111", status: "live" },
  { name: "Ben", addr: "ben@x", colour: "#222", status: "live" },
];

test("a frame's sender is known by its stay's id; each receiver's fate is kept", () => {
  const traffic = new Traffic();
  // A receiver may report before the sender: its sender is "?" until the sender does.
  assert.equal(
    traffic.report("ben@x", { kind: "frame", dir: "in", id: "aa", seq: 1, size: 3, fate: "delivered" }),
    "entries",
  );
  assert.equal(traffic.entries[0].from, "?");
  traffic.report("ada@x", {
    kind: "frame",
    dir: "out",
    id: "aa",
    seq: 1,
    size: 3,
    payload: new Uint8Array([1, 2, 3]),
  });
  traffic.report("ada@x", { kind: "frame", dir: "in", id: "aa", seq: 1, size: 3, fate: "answered" });
  const [entry] = traffic.entries;
  assert.equal(traffic.entries.length, 1);
  assert.equal(entry.from, "ada@x");
  assert.deepEqual(entry.preview, [1, 2, 3]);
  assert.deepEqual([...entry.fates], [["ben@x", "delivered"]]); // an answer is no fate
});

test("updates, the network's state, and what is not a report", () => {
  const traffic = new Traffic();
  traffic.report("ada@x", { kind: "update", uid: "u1", size: 9, info: "hi", payload: "{}" });
  traffic.report("ben@x", { kind: "update-in", uid: "u1", from: "ada@x", fate: "delivered" });
  assert.equal(traffic.entries[0].preview, 'info "hi" · {}');
  assert.equal(traffic.entries[0].fates.get("ben@x"), "delivered");
  const state = { seed: 7, all: { loss: 0.5 }, links: [], partitions: [], offline: {} };
  assert.equal(traffic.report("ada@x", { kind: "network", state }), "network");
  assert.equal(traffic.state, state);
  assert.equal(traffic.report("ada@x", { kind: "status" }), null);
});

test("the log keeps the last MAX_LOG entries, and saves and loads", () => {
  const traffic = new Traffic();
  for (let seq = 0; seq < MAX_LOG + 5; seq++) {
    traffic.report("ada@x", {
      kind: "frame",
      dir: "out",
      id: "aa",
      seq,
      size: 1,
      payload: new Uint8Array([seq % 256]),
    });
  }
  assert.equal(traffic.entries.length, MAX_LOG);
  assert.equal(traffic.byKey.size, MAX_LOG);
  assert.equal(traffic.entries[0].key, "aa:5");
  const saved = JSON.parse(JSON.stringify(traffic.saved(peers)));
  assert.equal(saved.format, LOG_FORMAT);
  const again = new Traffic();
  again.load(saved);
  assert.deepEqual(
    again.entries.map((e) => e.key),
    traffic.entries.map((e) => e.key),
  );
  assert.throws(() => again.load({ format: "something else" }), /not a webxdc-realtime devtools log/);
});

test("the rates are per second, between readings", async () => {
  const traffic = new Traffic();
  traffic.sample([[peers[0], { frames_received: 0, bytes_received: 0 }]]);
  await new Promise((done) => setTimeout(done, 100));
  traffic.sample([[peers[0], { frames_received: 10, bytes_received: 10_000 }]]);
  const [rate] = traffic.rates.frames;
  assert.ok(rate > 0 && traffic.rates.t.length === 1, String(rate));
  assert.ok(Math.abs(traffic.rates.kbytes[0] / rate - 1) < 0.01); // 1 kB a frame
});

test("the diagram: a lane per peer, an arrow per fate, a cross where it was dropped", () => {
  const traffic = new Traffic();
  traffic.report("ada@x", {
    kind: "frame",
    dir: "out",
    id: "aa",
    seq: 1,
    size: 3,
    payload: new Uint8Array(),
  });
  traffic.report("ben@x", { kind: "frame", dir: "in", id: "aa", seq: 1, size: 3, fate: "dropped: net_loss" });
  const svg = diagram(traffic.entries, peers);
  assert.match(svg, /^<svg .*<\/svg>$/s);
  assert.equal(svg.match(/font-weight="600"/g)?.length, 2); // the lanes' names
  assert.match(svg, />✕<title>dropped: net_loss<\/title>/);
  assert.match(svg, />loss<\/text>/);
});
