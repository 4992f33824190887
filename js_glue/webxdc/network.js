// @ts-check
/**
 * The network's conditions, the same at every peer of a chat and app instance, and the
 * frames they hold back. The core decides (`core/network.py`: what a change means, what
 * becomes of each frame); this module carries a change to every peer (a BroadcastChannel
 * of the scope; kept in the origin's localStorage for peers that start later), hands it
 * to the core, and runs or forgets what the core held when it says so.
 *
 * `window.webxdcRealtime.network` is this module's API for apps, tests and the host page:
 * `set({delay, jitter, loss, duplicate, bandwidth, seed, connect})`, `link(from, to,
 * conditions | null)`, `partition([...], [...])`, `heal()`, `offline(addr, "hold" |
 * "drop")`, `online(addr)`, `preset("deltachat")`, `reset()`, `apply(state)`, `state`. Each returns a Promise of the new
 * state (rejected, naming what was wrong, if the change makes no sense). With no
 * conditions set, frames take the core's fast path, untouched.
 */

const PREFIX = "webxdc realtime:";
const KEY = "webxdc-realtime/network/";

export class NetworkControl {
  /** Whether the core judges frames against the network (else the fast path). */
  active = false;
  /** @type {string} the state, JSON */
  state = '{"all": {}, "links": [], "offline": {}, "partitions": [], "seed": 0}';
  /** @type {Map<number, () => void>} what the core holds, by id: run it when released */
  held = new Map();
  /** @type {any} the core's BrowserEndpoint */
  core = null;
  /** @type {BroadcastChannel | null} */
  wire = null;
  /** @type {Array<() => void>} changes asked for before live */
  pending = [];
  /** Whether this peer has taken a state since it started (its own, kept, or a peer's). */
  heard = false;
  /**
   * How the core takes a change: the page makes the call (it cuts a run of frames first,
   * and keeps what the core decided ahead in step with it).
   * @type {<T>(call: () => T) => T}
   */
  viaCore = (call) => call();

  /**
   * @param {Storage | null} storage  the origin's own localStorage (not a peer's)
   * @param {(kind: string, data: Record<string, unknown>) => void} report
   */
  constructor(storage, report) {
    this.storage = storage;
    this.report = report;
  }

  /**
   * Python is live: take the conditions in force (kept by the origin), or those of
   * `?net=` / `data-net` (which then apply to every peer), and listen for changes.
   * @param {any} core  the page's BrowserEndpoint
   * @param {string} asked  `?net=` / `data-net`, or ""
   */
  start(core, asked) {
    this.core = core;
    this.key = KEY + core.network_name;
    this.wire = new BroadcastChannel(core.network_name);
    this.wire.onmessage = (event) => {
      if (typeof event.data?.state === "string") this.#take(event.data.state);
    };
    // A peer that starts as another shares a change can miss both: the change was posted
    // before this page listened, and this page's localStorage had not seen it yet (Chromium
    // carries a write to the other tabs' processes a moment later). The write's `storage`
    // event then brings it, unless a newer change came meanwhile.
    globalThis.addEventListener?.("storage", (event) => {
      if (!this.heard && event.key === this.key && typeof event.newValue === "string") {
        this.#take(event.newValue);
      }
    });
    let kept = null;
    try {
      kept = this.storage?.getItem(this.key) ?? null;
    } catch {
      kept = null;
    }
    if (asked) {
      const state = core.parse_network(asked);
      if (state instanceof Error) console.error(state.message);
      else this.#share(state);
    } else if (kept) {
      this.#take(kept);
    }
    for (const change of this.pending.splice(0)) change();
  }

  /**
   * Ask the core to apply a change; give it to every peer.
   * @param {Record<string, unknown>} change  one operation (see core/network_forms.py `with_changes`)
   * @returns {Promise<Record<string, unknown>>} the new state
   */
  change(change) {
    return new Promise((resolve, reject) => {
      const run = () => {
        const state = this.core.network_change(this.state, JSON.stringify(change));
        if (state instanceof Error) return reject(state);
        this.#share(state);
        resolve(JSON.parse(this.state));
      };
      if (this.core) run();
      else this.pending.push(run);
    });
  }

  /** @param {string} state  JSON */
  #share(state) {
    this.#take(state);
    try {
      this.storage?.setItem(/** @type {string} */ (this.key), state);
    } catch {
      // the origin's storage is full or blocked: peers that start later miss the change
    }
    this.wire?.postMessage({ state });
  }

  /** @param {string} state  JSON, from us or another peer */
  #take(state) {
    const out = this.viaCore(() => this.core.set_network(state));
    if (out instanceof Error) {
      console.error(`${PREFIX} ${out.message}`);
      return;
    }
    this.state = state;
    this.heard = true;
    this.active = out.active;
    for (const id of out.drop) this.held.delete(id);
    for (const id of out.release) {
      const release = this.held.get(id);
      this.held.delete(id);
      release?.();
    }
    this.report("network", { state: JSON.parse(state) });
  }

  /**
   * Carry out the core's word on a frame or update: now, later, or when released.
   * @param {import("./contract.js").Verdict} verdict  a number (now), `{after: [ms...]}`
   *   or `{held: id}`
   * @param {() => void} deliver
   * @returns {string} what happened, for the devtools
   */
  schedule(verdict, deliver) {
    if (typeof verdict === "number") {
      deliver();
      return "delivered";
    }
    if ("held" in verdict) {
      this.held.set(verdict.held, deliver);
      return "held";
    }
    if (!("after" in verdict)) return "dropped";
    for (const ms of verdict.after) setTimeout(deliver, ms);
    return verdict.after.length > 1
      ? `duplicated, ${Math.round(verdict.after[0])} ms`
      : `${Math.round(verdict.after[0])} ms late`;
  }

  /** The API on `window.webxdcRealtime.network`. */
  api() {
    const control = this;
    const change = (/** @type {Record<string, unknown>} */ c) => this.change(c);
    return {
      /** @param {Record<string, unknown>} conditions */
      set: (conditions) => change({ set: conditions }),
      /**
       * @param {string} from
       * @param {string} to
       * @param {Record<string, unknown> | null} conditions
       */
      link: (from, to, conditions) => change({ link: [from, to, conditions] }),
      /** @param {...string[]} groups */
      partition: (...groups) => change({ partition: groups }),
      heal: () => change({ heal: true }),
      /**
       * @param {string} addr
       * @param {"hold" | "drop"} [mode]
       */
      offline: (addr, mode = "hold") => change({ offline: [addr, mode] }),
      /** @param {string} addr */
      online: (addr) => change({ online: addr }),
      /** @param {string} name  a preset of the core (`network_forms.PRESETS`): "deltachat" */
      preset: (name) => change({ preset: name }),
      reset: () => change({ reset: true }),
      /** @param {Record<string, unknown>} state */
      apply: (state) => change({ state }),
      get state() {
        return JSON.parse(control.state);
      },
    };
  }
}
