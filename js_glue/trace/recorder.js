// @ts-check
/**
 * The trace of a session (docs/TRACE.md): what each peer sent, what the network did with
 * each frame at each receiver, what each app got and was thrown, updates, the peers'
 * comings and goings, the network's settings. The host page records one for all its
 * peers, in a ring of the last `limit` events, and hands it out as JSON lines (gzip:
 * `blob()`; the command's `--trace`: `take()`). Frames come from each peer's own record
 * (js_glue/webxdc/trace-log.js, taken each second: `frames`), the rest from its reports
 * as they happen (js_glue/webxdc/host-link.js: `report`); each with the peer's own time.
 *
 * The format is this module's, the peers' record's and the reader's
 * (`webxdc_realtime.host.trace`).
 */

/** What the first line says the file is; the reader refuses other formats. */
export const TRACE_FORMAT = "webxdc-realtime trace";
/** The format's version: a reader refuses a newer one (docs/TRACE.md says what changed). */
export const TRACE_VERSION = 1;
/** Events kept, the newest; older ones are counted (`dropped`) and let go. */
export const DEFAULT_LIMIT = 50000;
/** Bytes of each payload kept (`Infinity`: whole payloads). */
export const DEFAULT_PAYLOAD_LIMIT = 64;

/**
 * @typedef {{ t: number, peer: string, kind: string, [key: string]: unknown }} TraceEvent
 * @typedef {{ addr: string, name: string }} TracePeer
 */

export class Recorder {
  /** @type {TraceEvent[]} the ring: `events[(start + i) % limit]` is the i-th kept */
  events = [];
  start = 0;
  /** events let go of, the oldest, to stay within `limit` */
  dropped = 0;
  /** events recorded since the command last took them (`take`) */
  fresh = 0;
  /** @type {Map<string, string>} a stay's sender id (hex) to its peer's address */
  ids = new Map();
  /** @type {Record<string, any>} the network's conditions, as the last report said */
  network = {};
  started = Date.now();
  t0 = performance.now();

  /**
   * @param {{ limit?: number, payloadLimit?: number, about?: Record<string, unknown> }} [options]
   *   `about`: what the header says of the session (app, chat, profile...)
   */
  constructor({ limit = DEFAULT_LIMIT, payloadLimit = DEFAULT_PAYLOAD_LIMIT, about = {} } = {}) {
    if (!(Number.isInteger(limit) && limit > 0)) throw new RangeError(`trace limit: ${limit} is not a count`);
    this.limit = limit;
    this.payloadLimit = payloadLimit;
    this.about = about;
  }

  /**
   * Take one report of a peer (the host page's message), as an event; null if it is none
   * of the trace's.
   * @param {string} peer  its address
   * @param {Record<string, any>} data
   * @returns {TraceEvent | null}
   */
  report(peer, data) {
    if (data.kind === "frame") return null; // the devtools' report: frames come by `frames`
    const event = this.#event(peer, data);
    if (event) this.#push(event);
    return event;
  }

  /**
   * A peer came, went or changed as the host page sees it (not a report of its own).
   * @param {string} peer
   * @param {string} status  "added", "removed", "reloading", "away"
   */
  peer(peer, status) {
    this.#push({ t: this.#now(), peer, kind: "status", status });
  }

  /**
   * @param {string} peer
   * @param {Record<string, any>} data
   * @returns {TraceEvent | null}
   */
  #event(peer, data) {
    const t = typeof data.at === "number" ? this.#since(data.at) : this.#now();
    switch (data.kind) {
      case "channel":
        return { t, peer, kind: data.op };
      case "error":
        return { t, peer, kind: "error", call: data.call, message: data.message, thrown: data.thrown };
      case "update":
        return {
          t,
          peer,
          kind: "update",
          uid: data.uid,
          serial: data.serial,
          size: data.size,
          info: data.info ?? null,
          summary: data.summary ?? null,
          payload: data.payload ?? null,
        };
      case "update-in":
        return { t, peer, kind: "update-in", uid: data.uid, from: data.from, ...fate(data.fate) };
      case "status":
        return { t, peer, kind: "status", status: data.status, ms: data.ms, error: data.error };
      case "network":
        this.network = data.state;
        return { t, peer, kind: "network", state: data.state };
      default:
        return null;
    }
  }

  /** @param {TraceEvent} event */
  #push(event) {
    this.fresh += 1;
    if (this.events.length < this.limit) {
      this.events.push(event);
      return;
    }
    this.events[this.start] = event;
    this.start = (this.start + 1) % this.limit;
    this.dropped += 1;
  }

  #now() {
    return Math.round((performance.now() - this.t0) * 10) / 10;
  }

  /** @param {number} at  a time in ms since the epoch (a peer's clock: its own time origin) */
  #since(at) {
    return Math.round((at - performance.timeOrigin - this.t0) * 10) / 10;
  }

  /**
   * Take what a peer kept of its frames (trace-log.js `take`): its events, and how many
   * of them its ring let go of before they were taken.
   * @param {string} peer
   * @param {Record<string, any>[]} events
   * @param {number} missed
   */
  frames(peer, events, missed) {
    this.dropped += missed;
    for (const { at, ...event } of events) {
      if (event.kind === "send") this.ids.set(event.id, peer);
      this.#push({ t: this.#since(at), peer, kind: event.kind, ...event });
    }
  }

  /**
   * The events kept, in the order they happened (each peer's are taken each second), and
   * each received frame with its sender's address, when the trace saw it send.
   * @returns {TraceEvent[]}
   */
  kept() {
    return this.#named(this.#ring()).sort((a, b) => a.t - b.t);
  }

  /** @returns {TraceEvent[]} the events kept, in the order they were recorded */
  #ring() {
    return this.events.slice(this.start).concat(this.events.slice(0, this.start));
  }

  /**
   * @param {TraceEvent[]} events
   * @returns {TraceEvent[]} each received frame with its sender's address, if known
   */
  #named(events) {
    for (const event of events) {
      if (event.kind === "receive" || event.kind === "due")
        event.from = this.ids.get(String(event.id)) ?? null;
    }
    return events;
  }

  /**
   * The header line's object.
   * @param {TracePeer[]} peers
   * @param {string} version  the runtime's
   */
  header(peers, version) {
    return {
      format: TRACE_FORMAT,
      version: TRACE_VERSION,
      runtime: version,
      seed: this.network.seed ?? 0,
      network: this.network,
      started: new Date(this.started).toISOString(),
      limit: this.limit,
      payload_limit: Number.isFinite(this.payloadLimit) ? this.payloadLimit : null,
      dropped: this.dropped,
      peers,
      ...this.about,
    };
  }

  /**
   * The trace as JSON lines: the header, the events, an end line (a file without it was cut).
   * @param {TracePeer[]} peers
   * @param {string} version
   */
  lines(peers, version) {
    const events = this.kept();
    const out = [JSON.stringify(this.header(peers, version))];
    for (const event of events) out.push(JSON.stringify(event));
    out.push(JSON.stringify({ kind: "end", events: events.length }));
    return out.join("\n") + "\n";
  }

  /**
   * The trace as a gzip file (`.jsonl.gz`).
   * @param {TracePeer[]} peers
   * @param {string} version
   * @returns {Promise<Blob>}
   */
  async blob(peers, version) {
    const text = new Blob([this.lines(peers, version)]).stream();
    return new Response(text.pipeThrough(new CompressionStream("gzip"))).blob();
  }

  /**
   * The events recorded since the last call, for the command (`run --trace`), which keeps
   * its own ring; how many of them the ring let go of before they were taken.
   * @returns {{ events: TraceEvent[], missed: number }}
   */
  take() {
    const count = this.fresh;
    this.fresh = 0;
    const kept = Math.min(count, this.events.length);
    const all = this.#ring();
    return { events: this.#named(all.slice(all.length - kept)), missed: count - kept };
  }
}

/**
 * What the peer's glue said became of a frame, as the trace's fields: `verdict`, and
 * `reason` (dropped) or `ms` (delayed, duplicated).
 * @param {string} said  "delivered", "dropped: net_loss", "40 ms late", "held", ...
 */
export function fate(said) {
  if (["delivered", "held", "answered", "announcement"].includes(said)) return { verdict: said };
  if (said === "dropped") return { verdict: "dropped", reason: null };
  if (said.startsWith("dropped: ")) return { verdict: "dropped", reason: said.slice(9) };
  const late = /^(\d+) ms late$/.exec(said);
  if (late) return { verdict: "delayed", ms: Number(late[1]) };
  const twice = /^duplicated, (\d+) ms$/.exec(said);
  if (twice) return { verdict: "duplicated", ms: Number(twice[1]) };
  return { verdict: said };
}

/**
 * What the peer's glue said became of a frame, from the trace's fields: `fate`'s inverse.
 * @param {{ verdict?: unknown, reason?: unknown, ms?: unknown }} event
 * @returns {string}
 */
export function said({ verdict, reason, ms }) {
  if (verdict === "dropped") return reason ? `dropped: ${reason}` : "dropped";
  if (verdict === "delayed") return `${ms} ms late`;
  if (verdict === "duplicated") return `duplicated, ${ms} ms`;
  return String(verdict);
}

/**
 * Bytes as base64 (a payload in a trace; a trace handed to a test).
 * @param {Uint8Array} bytes
 */
export function base64(bytes) {
  let text = "";
  for (let i = 0; i < bytes.length; i += 0x8000)
    text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(text);
}
