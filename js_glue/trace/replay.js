// @ts-check
/**
 * A trace read back into what the devtools know (`../devtools/model.js`): each event turned
 * into the report the peer made of it live, so that the viewer draws the same log, diagram
 * and counters the devtools drew. Events in a time range, and the counters and rates the
 * peers' `stats()` would have shown, made from the events.
 */
import { Traffic } from "../devtools/model.js";
import { said } from "./recorder.js";

/**
 * @typedef {import("./recorder.js").TraceEvent} TraceEvent
 * @typedef {{ header: Record<string, any>, events: TraceEvent[] }} TraceData
 */

/**
 * The report a peer made live of what `event` records, or null (the devtools showed none).
 * @param {TraceEvent} event
 * @returns {Record<string, any> | null}
 */
export function reportOf(event) {
  const e = /** @type {Record<string, any>} */ (event);
  switch (e.kind) {
    case "send":
      return { kind: "frame", dir: "out", id: e.id, seq: e.seq, size: e.size, payload: bytesOf(e.payload) };
    case "receive":
      return { kind: "frame", dir: "in", id: e.id, seq: e.seq, size: e.size, fate: said(e) };
    case "update":
      return {
        kind: "update",
        uid: e.uid,
        size: e.size,
        info: e.info,
        summary: e.summary,
        payload: e.payload,
      };
    case "update-in":
      return { kind: "update-in", uid: e.uid, from: e.from, fate: said(e) };
    case "network":
      return { kind: "network", state: e.state };
    default:
      return null;
  }
}

/**
 * The traffic of the events from `from` to `to` (ms), as the devtools' model.
 * @param {TraceEvent[]} events
 * @param {number} [from]
 * @param {number} [to]
 */
export function replay(events, from = 0, to = Infinity) {
  const traffic = new Traffic(Infinity);
  for (const event of events) {
    if (event.t < from || event.t > to) continue;
    const report = reportOf(event);
    if (report) traffic.report(event.peer, report, event.t);
  }
  return traffic;
}

/**
 * Each peer's counters over the events, as `webxdcRealtime.stats()` names them.
 * @param {TraceEvent[]} events
 * @returns {Map<string, Record<string, any>>}
 */
export function counters(events) {
  /** @type {Map<string, Record<string, any>>} */
  const peers = new Map();
  const of = (/** @type {string} */ addr) => {
    let stats = peers.get(addr);
    if (!stats) {
      stats = {
        frames_sent: 0,
        frames_received: 0,
        frames_delivered: 0,
        frames_delayed: 0,
        frames_held: 0,
        dropped: {},
      };
      peers.set(addr, stats);
    }
    return stats;
  };
  for (const event of events) {
    const e = /** @type {Record<string, any>} */ (event);
    const stats = of(e.peer);
    if (e.kind === "send") stats.frames_sent += 1;
    if (e.kind !== "receive" && e.kind !== "due") continue;
    if (e.kind === "receive" && e.verdict !== "announcement" && e.verdict !== "answered")
      stats.frames_received += 1;
    if (e.verdict === "delivered") stats.frames_delivered += 1;
    else if (e.verdict === "delayed" || e.verdict === "duplicated") stats.frames_delayed += 1;
    else if (e.verdict === "held") stats.frames_held += 1;
    else if (e.verdict === "dropped")
      stats.dropped[e.reason ?? "?"] = (stats.dropped[e.reason ?? "?"] ?? 0) + 1;
  }
  return peers;
}

/**
 * Frames and kB the peers received per second, as the devtools' rate plot draws them.
 * @param {TraceEvent[]} events
 */
export function rates(events) {
  /** @type {Map<number, { frames: number, bytes: number }>} */
  const bins = new Map();
  for (const event of events) {
    const e = /** @type {Record<string, any>} */ (event);
    if (e.kind !== "receive") continue;
    const second = Math.floor(e.t / 1000);
    const bin = bins.get(second) ?? { frames: 0, bytes: 0 };
    bin.frames += 1;
    bin.bytes += e.size ?? 0;
    bins.set(second, bin);
  }
  const seconds = Array.from(bins.keys()).sort((a, b) => a - b);
  return {
    t: seconds,
    frames: seconds.map((s) => /** @type {any} */ (bins.get(s)).frames),
    kbytes: seconds.map((s) => /** @type {any} */ (bins.get(s)).bytes / 1000),
  };
}

/**
 * @param {unknown} text  base64, or nothing
 * @returns {Uint8Array}
 */
function bytesOf(text) {
  if (typeof text !== "string") return new Uint8Array();
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}
