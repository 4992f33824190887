// @ts-check
/**
 * The channel objects the app holds, and the page's link to the Python core.
 *
 * The glue owns the BroadcastChannel and the app's callback and moves bytes; every
 * rule is decided by the Python core, one call per app call or received frame:
 *
 *   app.send(data)   -> core.send(tag, length) -> header; post header + data as a frame
 *   a frame arrives  -> core.receive(header, payload length) -> true: listener(payload)
 *
 * Headers cross into and out of Python as latin-1 strings (one char per byte): cheaper
 * than a typed-array proxy. A frame is posted in one of two carriers, chosen by size:
 * up to INLINE_MAX payload bytes, one Uint8Array (header then payload: one small copy,
 * and the cheapest structured clone); above it, `[header, payload]`, so that we copy no
 * payload byte: structured cloning copies it once each way, as for any BroadcastChannel
 * message, and hands the receiver a fresh Uint8Array with its own buffer.
 *
 * Until Python is ready, app calls are recorded in order and replayed through the core
 * when it is; a rule broken by such a call can then only be reported on the console.
 */

/** @typedef {import("./runtime.js").PyEndpoint} PyEndpoint */
/** @typedef {import("./runtime.js").PyChannel} PyChannel */

const toString = Object.prototype.toString;
/** Payloads up to this size travel inside one Uint8Array with their header (see above). */
export const INLINE_MAX = 8192;
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
        this.#wire.postMessage(frameOf(goodbye, EMPTY));
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
      const py = thrown(endpoint.join());
      // Look each method up once: every lookup on a Python proxy makes a new proxy of
      // the bound method, which costs more than the call itself.
      this.#py = {
        channel_name: py.channel_name,
        hello: py.hello,
        set_listener: py.set_listener,
        send: py.send,
        receive: py.receive,
        leave: py.leave,
        stats: py.stats,
        proxy: py, // the methods are borrowed from it: it must live as long as they do
      };
    } catch (error) {
      this.#joinError = error;
      throw error;
    }
    const wire = new BroadcastChannel(this.#py.channel_name);
    wire.onmessage = (event) => this.#receive(event.data);
    wire.postMessage(frameOf(this.#py.hello, EMPTY));
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
    if (data.length <= INLINE_MAX) {
      this.#wire?.postMessage(inlineFrame(header, data));
    } else {
      this.#wire?.postMessage([bytesOf(header), exact(data)]);
    }
  }

  /** @param {unknown} message */
  #receive(message) {
    const py = /** @type {PyChannel} */ (this.#py);
    const size = this.#link.headerSize;
    /** @type {Uint8Array} */
    let header = EMPTY;
    /** @type {Uint8Array} */
    let payload = EMPTY;
    if (message instanceof Uint8Array) {
      header = message.subarray(0, size);
      payload = message.subarray(size);
    } else if (isPair(message)) {
      [header, payload] = message;
    }
    // Anything else reaches the core as an empty header, which it drops as malformed.
    // One byte more than a header is enough for the core to see a header part too long.
    const verdict = py.receive(latin1(header.subarray(0, size + 1)), payload.length);
    if (verdict !== true) {
      // A frame to answer with (a join is answered so that the newcomer learns of us).
      if (verdict) this.#wire?.postMessage(frameOf(verdict, EMPTY));
      return;
    }
    const listener = this.#listener;
    if (!listener) return;
    try {
      listener(exact(payload));
    } catch (error) {
      console.error(`${PREFIX} the app's listener threw; later data is still delivered.`, error);
    }
  }
}

/** @type {Uint8Array} */
const EMPTY = new Uint8Array(0);

/**
 * @param {unknown} message
 * @returns {message is [Uint8Array, Uint8Array]}
 */
function isPair(message) {
  return (
    Array.isArray(message) &&
    message.length === 2 &&
    message[0] instanceof Uint8Array &&
    message[1] instanceof Uint8Array
  );
}

/**
 * One Uint8Array: the header (a latin-1 string from the core), then the payload.
 * @param {string} header
 * @param {Uint8Array} payload
 * @param {Uint8Array} [frame]  where to write it, of the right size
 * @returns {Uint8Array}
 */
function frameOf(header, payload, frame = new Uint8Array(header.length + payload.length)) {
  for (let i = 0; i < header.length; i++) frame[i] = header.charCodeAt(i);
  frame.set(payload, header.length);
  return frame;
}

/**
 * `frameOf`, written into a buffer kept for the next frame of the same size: postMessage
 * clones synchronously, so the buffer is free again at once, and apps tend to send
 * messages of one size (cursor positions...). Saves an allocation per message.
 * @param {string} header
 * @param {Uint8Array} payload
 * @returns {Uint8Array}
 */
function inlineFrame(header, payload) {
  const size = header.length + payload.length;
  if (scratch.length !== size) scratch = new Uint8Array(size);
  return frameOf(header, payload, scratch);
}
let scratch = new Uint8Array(0);

/**
 * @param {string} text  latin-1, one char per byte
 * @returns {Uint8Array}
 */
function bytesOf(text) {
  return frameOf(text, EMPTY);
}

/**
 * @param {Uint8Array} bytes  a few dozen at most
 * @returns {string} latin-1, one char per byte
 */
function latin1(bytes) {
  return String.fromCharCode.apply(null, /** @type {any} */ (bytes));
}

/**
 * The bytes of a view in a Uint8Array of their own (`byteOffset` 0, `.buffer` exactly
 * them): the view itself when it already is one, else a copy. Posting a view of a larger
 * buffer would send the whole buffer.
 * @param {Uint8Array} view
 * @returns {Uint8Array}
 */
function exact(view) {
  return view.byteOffset === 0 && view.byteLength === view.buffer.byteLength ? view : view.slice();
}

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
