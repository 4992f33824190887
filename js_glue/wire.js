// @ts-check
/**
 * The page's BroadcastChannel, and frames on it: bytes only, no rule.
 *
 * A frame is a header (a latin-1 string from the core, one char per byte: cheaper to
 * cross from Python than a typed array) and a payload. It is posted in one of two
 * carriers, chosen by size: up to INLINE_MAX payload bytes, one Uint8Array (header then
 * payload: one small copy, and the cheapest structured clone); above it,
 * `[header, payload]`, so that we copy no payload byte: structured cloning copies it
 * once each way, as for any BroadcastChannel message, and hands the receiver a fresh
 * Uint8Array with its own buffer.
 */

/** Payloads up to this size travel inside one Uint8Array with their header (see above). */
export const INLINE_MAX = 8192;
/** @type {Uint8Array} */
export const EMPTY = new Uint8Array(0);

export class Wire {
  /** @type {BroadcastChannel} */
  #channel;
  /** @type {{ link: import("./relay-link.js").RelayLink, subject: string } | null} */
  #relay;
  #unsubscribe = () => {};

  /**
   * @param {string} name  the BroadcastChannel of the page's scope
   * @param {number} headerSize
   * @param {(header: string, payload: Uint8Array) => void} onFrame  header as latin-1;
   *   anything that is not a frame arrives as an empty header, which the core drops
   * @param {{ link: import("./relay-link.js").RelayLink, subject: string } | null} [relay]
   *   also send and receive frames on this relay subject (peers beyond this browser)
   */
  constructor(name, headerSize, onFrame, relay = null) {
    /** @param {unknown} message */
    const receive = (message) => {
      /** @type {Uint8Array} */
      let header = EMPTY;
      /** @type {Uint8Array} */
      let payload = EMPTY;
      if (message instanceof Uint8Array) {
        header = message.subarray(0, headerSize);
        payload = message.subarray(headerSize);
      } else if (isPair(message)) {
        [header, payload] = message;
      }
      // One byte more than a header is enough for the core to see a header part too long.
      onFrame(latin1(header.subarray(0, headerSize + 1)), payload);
    };
    this.#channel = new BroadcastChannel(name);
    this.#channel.onmessage = (event) => receive(event.data);
    this.#relay = relay;
    if (relay) this.#unsubscribe = relay.link.subscribe(relay.subject, receive);
  }

  /**
   * Post a frame: the header, then the payload (a Uint8Array).
   * @param {string} header
   * @param {Uint8Array} payload
   */
  post(header, payload) {
    if (payload.length <= INLINE_MAX) {
      const frame = inlineFrame(header, payload);
      this.#channel.postMessage(frame);
      if (this.#relay) this.#relay.link.publish(this.#relay.subject, frame);
    } else {
      const head = frameOf(header, EMPTY);
      this.#channel.postMessage([head, exact(payload)]);
      if (this.#relay) this.#relay.link.publish(this.#relay.subject, frameOf(header, payload));
    }
  }

  close() {
    this.#channel.close();
    this.#unsubscribe();
  }
}

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
