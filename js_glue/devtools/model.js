// @ts-check
/**
 * What the devtools know about the traffic, apart from how they show it: the frames and
 * updates the peers reported (a log of the last MAX_LOG), which peer each stay's id is, the
 * network's conditions in force, and the rate of frames over the last WINDOW_S seconds.
 *
 * Reports come from the peers (js_glue/webxdc/host-link.js): "frame" (dir "out" from the
 * sender, "in" from each receiver, with what became of it), "update" (from its sender),
 * "update-in" (from each receiver), "network" (the conditions now in force).
 */

export const MAX_LOG = 500;
export const WINDOW_S = 60;
/** What an exported log says it is. */
export const LOG_FORMAT = "webxdc-realtime devtools log 1";

/**
 * @typedef {{ name: string, addr: string, colour: string, status: string, card?: HTMLElement }} PeerView
 * @typedef {{
 *   key: string, kind: "frame" | "update", t: number, from: string, size: number,
 *   preview: number[] | string, fates: Map<string, string>,
 * }} Entry
 * @typedef {Array<[PeerView, Record<string, any>]>} Readings  each peer's counters (`stats()`)
 */

export class Traffic {
  /**
   * @param {number} [max]  entries kept, the newest (a trace's viewer keeps them all)
   */
  constructor(max = MAX_LOG) {
    this.max = max;
  }

  /** @type {Entry[]} newest last */
  entries = [];
  /** @type {Map<string, Entry>} */
  byKey = new Map();
  /** @type {Map<string, string>} a stay's peer id (hex) to its address */
  ids = new Map();
  /** @type {Record<string, any>} the conditions in force */
  state = { seed: 0, all: {}, links: [], partitions: [], offline: {} };
  started = performance.now();
  /** @type {{ t: number[], frames: number[], kbytes: number[] }} frames and kB per second */
  rates = { t: [], frames: [], kbytes: [] };
  /** @type {Record<string, number>} totals at the last reading */
  last = {};

  /**
   * Take a report from a peer.
   * @param {string} addr  the peer
   * @param {Record<string, any>} data
   * @param {number} [t]  when, in ms since `started` (a trace's time; default now)
   * @returns {"network" | "entries" | null} what changed
   */
  report(addr, data, t = performance.now() - this.started) {
    if (data.kind === "network") {
      this.state = data.state;
      return "network";
    }
    if (data.kind === "frame") {
      if (data.dir === "out") this.ids.set(data.id, addr);
      if (data.dir === "due") return null; // what the log shows is the frame's first fate
      if (data.fate === "answered" || data.fate === "announcement") return null; // no app data
      const from = data.dir === "out" ? addr : (this.ids.get(data.id) ?? "?");
      const entry = this.entry(`${data.id}:${data.seq}`, "frame", from, data.size, t);
      if (data.dir === "out") entry.preview = Array.from(data.payload.subarray(0, 64));
      else entry.fates.set(addr, data.fate);
    } else if (data.kind === "update" && data.uid) {
      const entry = this.entry(`u:${data.uid}`, "update", addr, data.size ?? 0, t);
      entry.preview = [
        data.info ? `info "${data.info}"` : "",
        data.summary ? `summary "${data.summary}"` : "",
        data.payload ?? "",
      ]
        .filter(Boolean)
        .join(" · ");
    } else if (data.kind === "update-in") {
      this.entry(`u:${data.uid}`, "update", data.from, 0, t).fates.set(addr, data.fate);
    } else {
      return null;
    }
    return "entries";
  }

  /**
   * The entry of `key`, made if it is new (the oldest goes past MAX_LOG).
   * @param {string} key
   * @param {"frame" | "update"} kind
   * @param {string} from  the sender, or "?" while unknown
   * @param {number} size
   * @param {number} t  when it was first heard of
   * @returns {Entry}
   */
  entry(key, kind, from, size, t) {
    let entry = this.byKey.get(key);
    if (!entry) {
      entry = { key, kind, t, from, size, preview: [], fates: new Map() };
      this.byKey.set(key, entry);
      this.entries.push(entry);
      if (this.entries.length > this.max) {
        const old = /** @type {Entry} */ (this.entries.shift());
        this.byKey.delete(old.key);
      }
    }
    if (from !== "?") entry.from = from;
    if (size) entry.size = size;
    return entry;
  }

  /**
   * Take the peers' counters, read now: one point of the rates.
   * @param {Readings} readings
   */
  sample(readings) {
    let frames = 0;
    let bytes = 0;
    for (const [, stats] of readings) {
      frames += stats.frames_received;
      bytes += stats.bytes_received;
    }
    const t = (performance.now() - this.started) / 1000;
    const rates = this.rates;
    if (this.last.t !== undefined) {
      const dt = t - this.last.t;
      rates.t.push(t);
      rates.frames.push(Math.max(0, (frames - this.last.frames) / dt));
      rates.kbytes.push(Math.max(0, (bytes - this.last.bytes) / dt / 1000));
      while (rates.t.length && rates.t[0] < t - WINDOW_S) {
        rates.t.shift();
        rates.frames.shift();
        rates.kbytes.shift();
      }
    }
    this.last = { t, frames, bytes };
  }

  /**
   * The log as data, to save (`load` takes it back).
   * @param {PeerView[]} peers
   */
  saved(peers) {
    return {
      format: LOG_FORMAT,
      peers: peers.map(({ name, addr, colour }) => ({ name, addr, colour })),
      network: this.state,
      entries: this.entries.map((e) => ({ ...e, fates: Object.fromEntries(e.fates) })),
    };
  }

  /** @param {Record<string, any>} data  what `saved` made */
  load(data) {
    if (data?.format !== LOG_FORMAT) throw new Error("not a webxdc-realtime devtools log");
    this.entries = data.entries.map((/** @type {any} */ e) => ({
      ...e,
      fates: new Map(Object.entries(e.fates)),
    }));
    this.byKey = new Map(this.entries.map((e) => [e.key, e]));
  }
}
