// @ts-check
/**
 * What `joinRealtimeChannel()` returns to the app: `setListener`, `send`, `leave`.
 *
 * Each call is one decision of the rules (see page.js): by the Python core once it is
 * live, by the table before. This object holds what is the app's (its listener) and
 * its handle on the core's channel object; it has no rule of its own.
 */

/** @typedef {import("./page.js").Page} Page */
/** @typedef {import("./contract.js").PyChannel} PyChannel */

export class RealtimeChannel {
  /** @type {Page} */
  #page;
  /** @type {PyChannel | null} the core's channel object, once the join went through it */
  #py = null;
  /** @type {unknown} what the app gave setListener */
  #listener = null;
  /** Left, as the table sees it while Python loads (then the core knows). */
  #trashed = false;

  /** @param {Page} page */
  constructor(page) {
    this.#page = page;
  }

  /**
   * Start listening; a second call replaces the listener.
   * @param {(data: Uint8Array) => void} listener
   */
  setListener(listener) {
    const given = listener === null ? "null" : typeof listener;
    try {
      this.#page.decide("setListener", this, { given }, () => {
        thrown(/** @type {PyChannel} */ (this.#py).set_listener(given));
        this.#listener = listener;
      });
    } catch (error) {
      throw told(this.#page, "setListener", error);
    }
  }

  /**
   * Send bytes to the other peers of this chat and app instance.
   * @param {Uint8Array} data
   */
  send(data) {
    try {
      this.#page.send(this, data);
    } catch (error) {
      throw told(this.#page, "send", error);
    }
  }

  /** Leave the channel; the object is then trashed. Leaving twice is no error. */
  leave() {
    try {
      this.#page.decide("leave", this, {}, () => {
        this.#page.settle(thrown(/** @type {PyChannel} */ (this.#py).leave()));
      });
    } catch (error) {
      throw told(this.#page, "leave", error);
    }
    this.#page.told("channel", { op: "leave" });
  }

  // Internals for page.js, as static functions, so that the app's object shows only the
  // three methods of the API.

  /**
   * @param {RealtimeChannel} channel
   * @param {PyChannel} py
   */
  static attach(channel, py) {
    channel.#py = py;
  }

  /**
   * @param {RealtimeChannel} channel
   * @returns {PyChannel | null}
   */
  static core(channel) {
    return channel.#py;
  }

  /**
   * @param {RealtimeChannel} channel
   * @param {boolean} [value]  set it
   * @returns {boolean}
   */
  static trashed(channel, value) {
    if (value !== undefined) channel.#trashed = value;
    return channel.#trashed;
  }

  /**
   * Hand data to the app's listener. A listener that is not a function (which the lax
   * profiles store) throws a TypeError here, as on those hosts; reported, as any throw.
   * @param {RealtimeChannel} channel
   * @param {Uint8Array} data
   */
  static deliver(channel, data) {
    try {
      /** @type {any} */ (channel.#listener)(data);
    } catch (error) {
      console.error("webxdc realtime: the app's listener threw; later data is still delivered.", error);
    }
  }
}

/**
 * Tell the host page (while tapped) what an API call threw at the app: the trace keeps it.
 * @param {Page} page
 * @param {string} call
 * @param {unknown} error
 * @returns {unknown} the error, to throw
 */
export function told(page, call, error) {
  page.told("error", {
    call,
    message: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
  });
  return error;
}

/**
 * The core answers a refused call with a JS Error as its result; throw it into the app.
 * @template T
 * @param {T | Error} result
 * @returns {T}
 */
export function thrown(result) {
  if (result instanceof Error) throw result;
  return result;
}
