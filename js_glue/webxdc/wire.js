// @ts-check
/**
 * The page's BroadcastChannel, and frames on it: bytes only, no rule.
 *
 * A frame is a header (a latin-1 string from the core, one char per byte: cheaper to
 * cross from Python than a typed array) and a payload. The first frame of a task goes at
 * once, alone (a lone send waits for nothing); those after it in the same task, payloads
 * up to GATHER_MAX bytes, gather back to back in one Uint8Array (a *message of frames*,
 * see `core/frame.py`) and go together when the task ends (a microtask, no timer) or before
 * they grow over BATCH_MAX. One structured clone and one event on the other side for a
 * burst, instead of one per frame. A frame that goes alone travels as a message of one
 * frame if its payload is at most INLINE_MAX bytes, else as `[header, payload]`, the
 * header as the core gave it, so that we copy no payload byte: structured cloning copies
 * it once each way, as for any BroadcastChannel message, and hands the receiver a fresh
 * Uint8Array with its own buffer. A payload over GATHER_MAX always goes alone, after what
 * is pending.
 */

/** A frame alone with a payload up to this size travels as a message of one frame. */
export const INLINE_MAX = 8192;
/** Payloads up to this size gather after the first frame of a task (see above). */
export const GATHER_MAX = 65536;
/** A message of frames is posted before it grows over this many bytes. */
export const BATCH_MAX = 262144;
/** @type {Uint8Array} */
export const EMPTY = new Uint8Array(0);

export class Wire {
  /** @type {BroadcastChannel} */
  #channel;
  /** @type {{ link: import("./relay-link.js").RelayLink, subject: string } | null} */
  #relay;
  #unsubscribe = () => {};
  /** The message of frames being filled: `#used` bytes of `#buffer`, `#frames` frames. */
  #buffer = new Uint8Array(1024);
  #used = 0;
  #out = EMPTY;
  #frames = 0;
  /** Whether an announcement is among the frames gathered (see `post`). */
  #announcing = false;
  /**
   * Whether a peer has been heard on the BroadcastChannel. With a relay, data frames go to
   * the BroadcastChannel only then: a frame posted there with nobody listening costs a
   * structured clone on the latency path for nothing. Announcements always go there: a
   * peer of this browser hears of us, and answers, so that we hear it.
   */
  #heard = false;
  /** @type {(() => void) | null} called once, when a first frame comes by the BroadcastChannel */
  #onSecondWay = null;
  #scheduled = false;
  #flushTask = () => {
    this.#scheduled = false;
    this.flush();
  };

  /**
   * @param {string} name  the BroadcastChannel of the page's scope
   * @param {number} headerSize
   * @param {(message: Uint8Array) => void} onMessage  a message of frames
   * @param {(header: string, payload: Uint8Array) => void} onFrame  a frame that came
   *   alone as `[header, payload]`, header as latin-1; anything that is neither arrives
   *   as an empty header, which the core drops
   * @param {{ link: import("./relay-link.js").RelayLink, subject: string } | null} [relay]
   *   also send and receive frames on this relay subject (peers beyond this browser)
   * @param {() => void} [onSecondWay]  with a relay: called once, when a first frame
   *   comes by the BroadcastChannel too (frames may come by both ways from then on)
   */
  constructor(name, headerSize, onMessage, onFrame, relay = null, onSecondWay) {
    /** @param {unknown} message */
    const receive = (message) => {
      if (message instanceof Uint8Array) return onMessage(message);
      // One char more than a header is enough for the core to see a header part too long.
      if (isPair(message)) return onFrame(message[0].slice(0, headerSize + 1), message[1]);
      onFrame("", EMPTY);
    };
    this.#channel = new BroadcastChannel(name);
    this.#channel.onmessage = (event) => {
      if (!this.#heard) {
        this.#heard = true;
        this.#onSecondWay?.();
      }
      receive(event.data);
    };
    this.#heard = !relay; // without a relay, the BroadcastChannel is the only way
    this.#onSecondWay = relay ? (onSecondWay ?? null) : null;
    this.#relay = relay;
    if (relay) this.#unsubscribe = relay.link.subscribe(relay.subject, receive);
  }

  /** Whether a peer has been heard on the BroadcastChannel (see `#heard`). */
  get heard() {
    return this.#heard;
  }

  /**
   * Post a frame: the header, then the payload (a Uint8Array, copied now).
   * @param {string} header
   * @param {Uint8Array} payload
   * @param {boolean} [announcement]  a join, a leave or an answer: goes by every way
   */
  post(header, payload, announcement = false) {
    if (payload.length > GATHER_MAX) {
      this.flush();
      this.#alone(header, payload, announcement);
      return;
    }
    if (!this.#scheduled) {
      // The first frame of a task goes at once, alone: a lone send waits for nothing.
      // Those after it in the same task gather, and go together when the task ends.
      this.#scheduled = true;
      queueMicrotask(this.#flushTask);
      this.#alone(header, payload, announcement);
      return;
    }
    this.#announcing ||= announcement;
    const size = header.length + payload.length;
    if (this.#used + size > BATCH_MAX) this.flush();
    if (this.#used + size > this.#buffer.length) {
      const buffer = new Uint8Array(Math.min(BATCH_MAX, 2 * (this.#used + size)));
      buffer.set(this.#buffer.subarray(0, this.#used));
      this.#buffer = buffer;
    }
    frameOf(header, payload, this.#buffer, this.#used);
    this.#used += size;
    this.#frames += 1;
  }

  /**
   * Post a frame on its own: a message of one frame if small, else `[header, payload]`.
   * @param {string} header
   * @param {Uint8Array} payload
   * @param {boolean} announcement
   */
  #alone(header, payload, announcement) {
    if (payload.length <= INLINE_MAX) {
      // By the relay alone, a frame of its own for it; else the scratch array, cloned.
      const alone = this.#relay !== null && !(this.#heard || announcement);
      const size = header.length + payload.length;
      const frame = frameOf(header, payload, alone ? new Uint8Array(size) : this.#scratch(size));
      this.#postNow(frame, 1, announcement, alone);
      return;
    }
    if (this.#heard || announcement) this.#channel.postMessage([header, exact(payload)]);
    // A payload this large is data, never an announcement: dropped while the relay is away.
    if (this.#relay) this.#relay.link.publish(this.#relay.subject, frameOf(header, payload), 1, true);
  }

  /** Post the frames gathered, if any. */
  flush() {
    if (!this.#used) return;
    const announcing = this.#announcing;
    // By the relay alone, one copy of the frames for it; else the scratch array, cloned.
    const alone = this.#relay !== null && !(this.#heard || announcing);
    const message = alone ? this.#buffer.slice(0, this.#used) : this.#scratch(this.#used);
    if (!alone) message.set(this.#buffer.subarray(0, this.#used));
    const frames = this.#frames;
    this.#used = this.#frames = 0;
    this.#announcing = false;
    this.#postNow(message, frames, announcing, alone);
  }

  /**
   * An array of `size` bytes to post, kept for the next message of that size: postMessage
   * clones at once, so it is free again after, and apps tend to send messages of one size
   * (cursor positions...): no allocation per message then.
   * @param {number} size
   */
  #scratch(size) {
    if (this.#out.length !== size) this.#out = new Uint8Array(size);
    return this.#out;
  }

  /**
   * @param {Uint8Array} message  frames back to back
   * @param {number} frames  how many
   * @param {boolean} announcing  an announcement among them
   * @param {boolean} [owned]  `message` is the relay's (made for it alone)
   */
  #postNow(message, frames, announcing, owned = false) {
    if (this.#heard || announcing) this.#channel.postMessage(message);
    if (!this.#relay) return;
    // An announcement is kept while the relay connects or comes back, and sent then: a page
    // that joins before its relay is there would otherwise stay unknown beyond its browser.
    if (announcing) this.#relay.link.publishKept(this.#relay.subject, owned ? message : message.slice());
    else this.#relay.link.publish(this.#relay.subject, message, frames, owned);
  }

  close() {
    this.flush();
    this.#channel.close();
    this.#unsubscribe();
  }
}

/**
 * A frame alone: its header as the core gave it (a latin-1 string, which clones more
 * cheaply than a second ArrayBuffer), and its payload.
 * @param {unknown} message
 * @returns {message is [string, Uint8Array]}
 */
function isPair(message) {
  return (
    Array.isArray(message) &&
    message.length === 2 &&
    typeof message[0] === "string" &&
    message[1] instanceof Uint8Array
  );
}

/**
 * Write a frame, the header (a latin-1 string from the core) then the payload, into
 * `into` at `at` (by default a new Uint8Array of the frame's size).
 * @param {string} header
 * @param {Uint8Array} payload
 * @param {Uint8Array} [into]
 * @param {number} [at]
 * @returns {Uint8Array} `into`
 */
function frameOf(header, payload, into = new Uint8Array(header.length + payload.length), at = 0) {
  for (let i = 0; i < header.length; i++) into[at + i] = header.charCodeAt(i);
  into.set(payload, at + header.length);
  return into;
}

/**
 * @param {Uint8Array} bytes  a few hundred at most
 * @returns {string} latin-1, one char per byte
 */
export function latin1(bytes) {
  return String.fromCharCode.apply(null, /** @type {any} */ (bytes));
}

/**
 * The bytes of a view in a Uint8Array of their own (`byteOffset` 0, `.buffer` exactly
 * them): the view itself when it already is one, else a copy. Posting a view of a larger
 * buffer would send the whole buffer.
 * @param {Uint8Array} view
 * @returns {Uint8Array}
 */
export function exact(view) {
  return view.byteOffset === 0 && view.byteLength === view.buffer.byteLength ? view : view.slice();
}
