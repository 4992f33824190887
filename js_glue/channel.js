// @ts-check
/**
 * The channel objects the app holds, and the page's link to the Python core.
 *
 * The glue owns the BroadcastChannel and the app's callback and moves bytes; every
 * rule is decided by the Python core, one call per app call or received frame:
 *
 *   app.send(data)  -> core.send(tag, length) -> header; post header + data as one frame
 *   frame arrives   -> core.receive(header view, length) -> true: listener(fresh payload copy)
 *
 * Until Python is ready, app calls are recorded in order and replayed through the core
 * when it is; a rule broken by such a call can then only be reported on the console.
 */

/** @typedef {import("./runtime.js").PyEndpoint} PyEndpoint */
/** @typedef {import("./runtime.js").PyChannel} PyChannel */

const toString = Object.prototype.toString;
/** Sends recorded while loading, at most; later ones are dropped with one warning. */
export const MAX_PENDING_SENDS = 1000;
const PREFIX = "webxdc realtime:";

export class Link {
  /** @type {"loading" | "live" | "failed"} */
  state = "loading";
  /** @type {PyEndpoint | null} */
  endpoint = null;
  headerSize = 0;
  /** @type {string} */
  failure = "";
  /** @type {Array<() => void>} calls made while loading, replayed in order */
  pending = [];
  pendingSends = 0;
  warnedOverflow = false;
  /** @type {RealtimeChannel | null} the channel joined last, until it leaves */
  current = null;

  /**
   * Run an app call now if the core is live, or record it for when it is.
   * @param {() => void} call
   * @param {boolean} isSend
   */
  run(call, isSend = false) {
    if (this.state === "live") return call();
    if (this.state === "failed") {
      if (isSend)
        throw new Error(`${PREFIX} unavailable, the Python runtime failed to load: ${this.failure}`);
      return undefined;
    }
    if (isSend) {
      if (this.pendingSends >= MAX_PENDING_SENDS) {
        if (!this.warnedOverflow) {
          console.warn(
            `${PREFIX} still loading; more than ${MAX_PENDING_SENDS} sends queued, dropping the rest until live`,
          );
          this.warnedOverflow = true;
        }
        return undefined;
      }
      this.pendingSends += 1;
    }
    this.pending.push(call);
    return undefined;
  }

  /**
   * The core is ready: replay what the app did meanwhile, in order.
   * @param {PyEndpoint} endpoint
   */
  goLive(endpoint) {
    this.endpoint = endpoint;
    this.headerSize = endpoint.header_size;
    this.state = "live";
    for (const call of this.pending.splice(0)) {
      try {
        call();
      } catch (error) {
        console.error(`${PREFIX} a call made while loading was refused:`, error);
      }
    }
    this.pendingSends = 0;
  }

  /** @param {unknown} error */
  fail(error) {
    this.state = "failed";
    this.failure = error instanceof Error ? error.message : String(error);
    this.pending.length = 0;
  }

  /** `window.webxdc.joinRealtimeChannel()` */
  join() {
    const channel = new RealtimeChannel(this);
    this.run(() => channel._join());
    return channel;
  }
}

/** What `joinRealtimeChannel()` returns: `setListener`, `send`, `leave`. */
export class RealtimeChannel {
  /** @type {Link} */
  #link;
  /** @type {PyChannel | null} */
  #py = null;
  /** @type {BroadcastChannel | null} */
  #wire = null;
  /** @type {((data: Uint8Array) => void) | null} */
  #listener = null;
  /** @type {unknown} why the join was refused, if it was */
  #joinError = null;

  /** @param {Link} link */
  constructor(link) {
    this.#link = link;
  }

  /**
   * Start listening; a second call replaces the listener.
   * @param {(data: Uint8Array) => void} listener
   */
  setListener(listener) {
    this.#link.run(() => {
      thrown(this.#core().set_listener(listener === null ? "null" : typeof listener));
      this.#listener = listener;
    });
  }

  /**
   * Send bytes to the other peers of this chat and app instance.
   * @param {Uint8Array} data
   */
  send(data) {
    if (this.#link.state !== "live") {
      // Keep the bytes as they are now: the app may reuse its buffer before we are live.
      const copy = ArrayBuffer.isView(data) && "slice" in data ? data.slice() : data;
      this.#link.run(() => this.#send(copy), true);
      return;
    }
    this.#send(data);
  }

  /** Leave the channel; the object is then trashed. Leaving twice is no error. */
  leave() {
    this.#link.run(() => {
      const goodbye = this.#core().leave();
      if (goodbye && this.#wire) {
        this.#wire.postMessage(goodbye);
        this.#wire.close();
        this.#wire = null;
      }
      this.#listener = null;
      if (this.#link.current === this) this.#link.current = null;
    });
  }

  /** Counters of this channel, and the peers heard from (not part of the webxdc API). */
  stats() {
    return this.#py ? this.#py.stats() : null;
  }

  /** @internal joined through the core; opens the BroadcastChannel of its scope */
  _join() {
    const endpoint = /** @type {PyEndpoint} */ (this.#link.endpoint);
    try {
      this.#py = thrown(endpoint.join());
    } catch (error) {
      this.#joinError = error;
      throw error;
    }
    const wire = new BroadcastChannel(this.#py.channel_name);
    wire.onmessage = (event) => this.#receive(event.data);
    wire.postMessage(this.#py.hello);
    this.#wire = wire;
    this.#link.current = this;
  }

  /** @returns {PyChannel} */
  #core() {
    if (!this.#py) throw this.#joinError;
    return this.#py;
  }

  /** @param {any} data */
  #send(data) {
    const header = thrown(this.#core().send(toString.call(data), data?.length));
    const frame = new Uint8Array(header.length + data.length);
    frame.set(header);
    frame.set(data, header.length);
    this.#wire?.postMessage(frame);
  }

  /** @param {unknown} message */
  #receive(message) {
    const py = /** @type {PyChannel} */ (this.#py);
    // Anything but bytes is shown to the core as an empty frame, which it drops and counts.
    const frame = message instanceof Uint8Array ? message : EMPTY;
    const size = this.#link.headerSize;
    if (!py.receive(frame.subarray(0, size), frame.length)) return;
    const listener = this.#listener;
    if (!listener) return;
    try {
      listener(frame.slice(size));
    } catch (error) {
      console.error(`${PREFIX} the app's listener threw; later data is still delivered.`, error);
    }
  }
}

const EMPTY = new Uint8Array(0);

/**
 * The core answers a refused call with a JS Error as its result; throw it into the app.
 * @template T
 * @param {T | Error} result
 * @returns {T}
 */
function thrown(result) {
  if (result instanceof Error) throw result;
  return result;
}
