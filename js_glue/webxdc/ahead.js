// @ts-check
/**
 * Decisions the core made ahead (browser/contract.py, *ahead*), applied byte for byte.
 *
 * A lone send or a lone frame would cost a call into Python each, which costs more than
 * the rest of its way (the interpreter's code is out of the CPU's caches by then). The
 * core hands out, before it is asked, the headers of a channel object's next sends, and
 * the header parts of the frames it would deliver next from each sender; here they are
 * matched and used, and what was used is handed back to the core in one call before any
 * other (`settle`), so that the core's state is what it would have been frame by frame.
 * After any call, decisions made in an epoch the core has left are forgotten (`check`):
 * which calls spoil which decisions is the core's to say.
 *
 * No rule is here: which frames, which headers, the limits and the epochs are the core's;
 * this module only looks them up, compares, and writes the payload's length into a header,
 * where the frame layout (also the core's) says.
 */

import { numberField, readNumber } from "./frame.js";

/** @typedef {import("./contract.js").PyChannel} PyChannel */
/** @typedef {import("./contract.js").PyEndpoint} PyEndpoint */
/** @typedef {import("./contract.js").Tickets} Tickets */

/** How many decisions to ask for at once: per sender, and of sends. */
export const AHEAD = 256;

export class Ahead {
  /**
   * The sends decided ahead, for one channel object (`count` 0: none in this epoch).
   * @type {{ owner: unknown, core: PyChannel, keys: string, count: number, limit: number, epoch: number, next: number, bytes: number } | null}
   */
  sends = null;
  /**
   * The frames decided ahead (`keys` empty: none in this epoch): each key's sender and
   * index; per sender the index of the last taken, and of the last taken since handed
   * back (-1: none); how many since, and bytes.
   * @type {{ keys: Map<string, number>, count: number, limit: number, epoch: number, taken: number[], fresh: number[], frames: number, bytes: number } | null}
   */
  accepts = null;

  /**
   * @param {import("./frame.js").Layout} layout  the core's frame layout
   */
  constructor(layout) {
    this.headerSize = layout.header_size;
    this.lengthAt = layout.length_at;
    this.lengthEnd = layout.length_at + layout.number_size;
  }

  /**
   * The header of a send of `length` bytes on `owner`, decided ahead, or null (then the
   * core decides: through `call`).
   * @param {unknown} owner  the app's channel object
   * @param {PyChannel} core  its core object
   * @param {number} length
   * @returns {string | null}
   */
  header(owner, core, length) {
    let sends = this.sends;
    if (sends === null) sends = this.#takeSends(owner, core, core.ahead(AHEAD));
    if (sends.owner !== owner || sends.count === 0 || length > sends.limit) return null;
    if (sends.next === sends.count) {
      // All used: hand them back, and take the next ones, in one call.
      sends = this.#takeSends(owner, core, core.sent_ahead(sends.next, sends.bytes, AHEAD));
      if (sends.count === 0) return null;
    }
    const at = sends.next * this.headerSize;
    sends.next += 1;
    sends.bytes += length;
    return (
      sends.keys.slice(at, at + this.lengthAt) +
      numberField(length) +
      sends.keys.slice(at + this.lengthEnd, at + this.headerSize)
    );
  }

  /**
   * Whether the core decided ahead to deliver this frame (then it is taken: deliver it).
   * @param {PyEndpoint} endpoint
   * @param {string} header  latin-1, `header_size` chars
   * @param {number} length  the payload's
   * @returns {boolean}
   */
  accept(endpoint, header, length) {
    let accepts = this.accepts;
    if (accepts === null) accepts = this.#takeAccepts(endpoint.ahead(AHEAD));
    if (length > accepts.limit || readNumber(header, this.lengthAt) !== length) return false;
    const at = accepts.keys.get(header.slice(0, this.lengthAt));
    if (at === undefined) return false;
    const sender = Math.floor(at / accepts.count);
    const index = at - sender * accepts.count;
    if (index <= accepts.taken[sender]) return false; // it comes after a later one
    accepts.taken[sender] = index;
    accepts.fresh[sender] = index;
    accepts.frames += 1;
    accepts.bytes += length;
    return true;
  }

  /**
   * Whether the frames decided ahead of some sender are all taken: asking the core for
   * more (`renew`) may then take the next frame too.
   * @returns {boolean}
   */
  spent() {
    const accepts = this.accepts;
    return accepts !== null && accepts.taken.includes(accepts.count - 1);
  }

  /**
   * Hand the core what was taken and forget the rest: the next `accept` asks it for the
   * next frames of each sender.
   * @param {PyEndpoint} endpoint
   */
  renew(endpoint) {
    this.settle(endpoint);
    this.accepts = null;
  }

  /**
   * Hand the core what was taken since last time: before any other call into it.
   * @param {PyEndpoint | null} endpoint
   */
  settle(endpoint) {
    const ahead = this.sends;
    if (ahead && ahead.next > 0) {
      // The rest still hold, unless the call to come says otherwise: its next send is the next header.
      ahead.core.sent_ahead(ahead.next, ahead.bytes, 0);
      ahead.keys = ahead.keys.slice(ahead.next * this.headerSize);
      ahead.count -= ahead.next;
      ahead.next = 0;
      ahead.bytes = 0;
    }
    const taken = this.accepts;
    if (taken && taken.frames > 0) {
      endpoint?.took_ahead(taken.fresh, taken.frames, taken.bytes);
      taken.fresh.fill(-1);
      taken.frames = 0;
      taken.bytes = 0;
    }
  }

  /**
   * After a call into the core: forget what was decided in an epoch it has left.
   * @param {PyEndpoint | null} endpoint
   */
  check(endpoint) {
    if (!endpoint) return;
    if (this.sends && this.sends.epoch !== endpoint.send_epoch) this.sends = null;
    if (this.accepts && this.accepts.epoch !== endpoint.receive_epoch) this.accepts = null;
  }

  /**
   * A call into the core: what was taken handed back first, the decisions checked after.
   * @template T
   * @param {PyEndpoint | null} endpoint
   * @param {() => T} call
   * @returns {T}
   */
  call(endpoint, call) {
    this.settle(endpoint);
    try {
      return call();
    } finally {
      this.check(endpoint);
    }
  }

  /**
   * @param {unknown} owner
   * @param {PyChannel} core
   * @param {Tickets} tickets
   */
  #takeSends(owner, core, { keys, count, limit, epoch }) {
    this.sends = { owner, core, keys, count, limit, epoch, next: 0, bytes: 0 };
    return this.sends;
  }

  /** @param {Tickets} tickets */
  #takeAccepts({ keys: all, count, limit, epoch }) {
    const size = this.lengthAt;
    const total = all.length / size;
    /** @type {Map<string, number>} */
    const keys = new Map();
    for (let i = 0; i < total; i++) keys.set(all.slice(i * size, (i + 1) * size), i);
    const senders = count ? total / count : 0;
    this.accepts = {
      keys,
      count,
      limit,
      epoch,
      taken: new Array(senders).fill(-1),
      fresh: new Array(senders).fill(-1),
      frames: 0,
      bytes: 0,
    };
    return this.accepts;
  }
}
