// @ts-check
/**
 * A peer's own record of its frames, for the host page's trace (js_glue/trace/, docs/TRACE.md):
 * each frame it sent (with the first bytes of its payload) and each it received, with what
 * became of it. Kept in a ring of typed arrays, written on every path a frame takes, the
 * fastest too (decisions made ahead, runs of a batch): a few numbers per frame, no object,
 * no message to the host page. The host page takes what is new each second (`take`), as
 * the trace's events.
 *
 * What is reported one by one, as it happens (updates, errors, joins, the network's
 * changes), goes to the host page as before (host-link.js); only frames are kept here.
 */

import { base64 } from "../trace/recorder.js";
import { readNumber } from "./frame.js";

/** The trace's verdicts, by code (0: a frame sent). */
const VERDICTS = [
  "sent",
  "delivered",
  "dropped",
  "delayed",
  "duplicated",
  "held",
  "announcement",
  "answered",
];
export const SENT = 0;
export const DELIVERED = 1;
export const DROPPED = 2;
export const DELAYED = 3;
export const DUPLICATED = 4;
export const HELD = 5;
export const ANNOUNCEMENT = 6;
export const ANSWERED = 7;

export class TraceLog {
  /** events recorded, ever; `next % limit` is where the next goes */
  next = 0;
  /** events the host page has taken */
  taken = 0;
  /** @type {string[]} the reasons drops were given, by code */
  reasons = [];

  /**
   * @param {import("./frame.js").Layout} layout
   * @param {number} limit  events kept, the newest
   * @param {number} payloadLimit  bytes of each sent payload kept (Infinity: all)
   */
  constructor(layout, limit, payloadLimit) {
    this.layout = layout;
    this.origin = performance.timeOrigin;
    this.limit = limit;
    this.payloadLimit = payloadLimit;
    this.words = layout.sender_size / 4;
    this.senderAt = layout.sender_at;
    this.seqAt = layout.seq_at;
    /** @type {Map<number, string>} a sender's id in hex, by its first two words */
    this.hex = new Map();
    this.t = new Float64Array(limit);
    this.verdict = new Uint8Array(limit);
    this.due = new Uint8Array(limit);
    this.id = new Uint32Array(limit * this.words);
    this.seq = new Uint32Array(limit);
    this.size = new Uint32Array(limit);
    this.extra = new Float32Array(limit);
    /** @type {Array<Uint8Array | undefined>} whole payloads of frames sent (no limit) */
    this.payloads = new Array(limit);
    /** the first `payloadLimit` bytes of each payload sent, in a slot of their own */
    this.bytes = Number.isFinite(payloadLimit) ? new Uint8Array(limit * payloadLimit) : null;
  }

  /**
   * One event: the frame whose header is at `at` of `header` (bytes, or latin-1).
   * @param {Uint8Array | string} header
   * @param {number} at
   * @param {number} size  its payload's
   * @param {number} verdict
   * @param {number} extra  a drop's reason (code), a delay (ms), or 0
   * @returns {number} its slot
   */
  #add(header, at, size, verdict, extra) {
    const slot = this.next % this.limit;
    this.next += 1;
    this.t[slot] = this.origin + performance.now();
    this.verdict[slot] = verdict;
    this.due[slot] = 0;
    const words = this.words;
    const from = at + this.senderAt;
    for (let w = 0; w < words; w++) this.id[slot * words + w] = readNumber(header, from + 4 * w);
    this.seq[slot] = readNumber(header, at + this.seqAt);
    this.size[slot] = size;
    this.extra[slot] = extra;
    return slot;
  }

  /**
   * A data frame this peer sent.
   * @param {string} header  latin-1
   * @param {Uint8Array} payload
   */
  sent(header, payload) {
    const slot = this.#add(header, 0, payload.length, SENT, 0);
    const bytes = this.bytes;
    if (bytes === null) this.payloads[slot] = payload.slice();
    else
      bytes.set(
        payload.length > this.payloadLimit ? payload.subarray(0, this.payloadLimit) : payload,
        slot * this.payloadLimit,
      );
  }

  /**
   * A frame this peer received, and what became of it.
   * @param {Uint8Array | string} header  bytes (a message, the header at `at`), or latin-1
   * @param {number} at
   * @param {number} size
   * @param {number} verdict  DELIVERED, DROPPED, ...
   * @param {number} [extra]  DROPPED: the reason's code (`reason`); DELAYED: ms
   */
  received(header, at, size, verdict, extra = 0) {
    this.#add(header, at, size, verdict, extra);
  }

  /**
   * A delayed or held frame, judged again when its time came.
   * @param {Uint8Array | string} header
   * @param {number} size
   * @param {number} verdict  DELIVERED or DROPPED
   * @param {number} [extra]
   */
  came(header, size, verdict, extra = 0) {
    const slot = this.#add(header, 0, size, verdict, extra);
    this.due[slot] = 1;
  }

  /**
   * The id of the frame in `slot`, in hex.
   * @param {number} slot
   */
  #id(slot) {
    const words = this.words;
    const key = this.id[slot * words] * 2 ** 32 + (words > 1 ? this.id[slot * words + 1] : 0);
    let id = words <= 2 ? this.hex.get(key) : undefined;
    if (id === undefined) {
      id = "";
      for (let w = 0; w < words; w++) id += this.id[slot * words + w].toString(16).padStart(8, "0");
      if (words <= 2) this.hex.set(key, id);
    }
    return id;
  }

  /**
   * The code of a drop's reason.
   * @param {string} why
   */
  reason(why) {
    let code = this.reasons.indexOf(why);
    if (code < 0) code = this.reasons.push(why) - 1;
    return code;
  }

  /**
   * The events recorded since the last call, as the trace has them (docs/TRACE.md), with
   * absolute times (ms since the epoch: the host page makes them its own); and how many
   * the ring let go of before they were taken.
   * @returns {{ events: Record<string, unknown>[], missed: number }}
   */
  take() {
    const first = Math.max(this.taken, this.next - this.limit);
    const missed = first - this.taken;
    const events = [];
    for (let n = first; n < this.next; n++) {
      const slot = n % this.limit;
      const id = this.#id(slot);
      const code = this.verdict[slot];
      const event = /** @type {Record<string, unknown>} */ ({
        at: this.t[slot],
        kind: code === SENT ? "send" : this.due[slot] ? "due" : "receive",
        id,
        seq: this.seq[slot],
        size: this.size[slot],
      });
      if (code === SENT) {
        const kept = this.bytes
          ? this.bytes.subarray(
              slot * this.payloadLimit,
              slot * this.payloadLimit + Math.min(this.size[slot], this.payloadLimit),
            )
          : /** @type {Uint8Array} */ (this.payloads[slot]);
        event.payload = base64(kept);
      } else {
        event.verdict = VERDICTS[code];
        if (code === DROPPED) event.reason = this.reasons[this.extra[slot]] ?? null;
        if (code === DELAYED || code === DUPLICATED) event.ms = Math.round(this.extra[slot]);
      }
      events.push(event);
    }
    this.taken = this.next;
    return { events, missed };
  }
}
