// @ts-check
/**
 * The glue's side of its contract with the Python adapter: what each call returns is said
 * once, in webxdc_realtime/browser/contract.py; here are its types, and the makers of the
 * result objects, which the glue hands the adapter (`BrowserEndpoint(..., SHAPES)`): a call
 * with a few primitives makes one for about 1.4 us, where converting a dict costs 7.6.
 *
 * @typedef {object} Reply  a join, a leave, a send that re-joins
 * @property {string[]} frames  announcements to post first, in order (latin-1)
 * @property {boolean} member  whether the page is in the channel afterwards
 * @property {unknown} [channel]  a join: the core's new channel object
 * @property {string | null} [header]  a send: the data frame's header; null: not sent
 * @property {string} [log]  a send not sent: why, for the console ("" : nothing to say)
 *
 * @typedef {number | { answer: string } | { after: number[] } | { held: number } | { dropped: string }} Verdict
 *   a number: a `contract.received` code
 * @typedef {{ run: number, start: number, done: boolean } | { frame: Verdict, start: number, end: number, done: boolean }} Step
 *
 * @typedef {object} Tickets  decisions made ahead (contract.py: *ahead*)
 * @property {string} keys  `count` headers (sends) or header parts (per sender), latin-1
 * @property {number} count  per sender, or of sends (0: none in this epoch)
 * @property {number} limit  the largest payload they are for
 * @property {number} epoch  they hold while the endpoint's epoch (of sends, or frames) is this
 *
 * @typedef {object} PyChannel  a `webxdc_realtime.browser.adapter.BrowserChannel`
 * @property {(givenType: string) => void | Error} set_listener
 * @property {(tag: string, length: number | undefined, bytesOk: boolean) => string | Reply | Error} send
 *   a string: the header, latin-1
 * @property {() => Reply | Error} leave
 * @property {(count: number) => Tickets} ahead  the headers of the next sends
 * @property {(frames: number, payloadBytes: number, count: number) => Tickets} sent_ahead
 *   take in those sent; `count` more (none when `count` is 0: then the result is not used)
 * @property {unknown} [proxy]  the Python object the methods belong to
 *
 * @typedef {object} PyEndpoint  a `webxdc_realtime.browser.adapter.BrowserEndpoint`, the
 *   methods the page calls (the proxy also has `parse_network(text)`, the state or an
 *   Error, for network.js; and `close()`: the page is gone, let go of its objects)
 * @property {() => Reply | Error} join
 * @property {(header: string, payloadLength: number, payload?: string, now?: number) => Verdict} receive
 * @property {(payloadLength: number) => Verdict} due
 * @property {(message: Uint8Array, now: number) => Step} receive_batch
 * @property {(now: number) => Step} receive_more
 * @property {(delivered: number) => void} cut
 * @property {(count: number) => Tickets} ahead  the frames delivered next, per sender
 * @property {(taken: number[], frames: number, payloadBytes: number) => void} took_ahead
 * @property {number} send_epoch  the epoch of sends decided ahead that still hold
 * @property {number} receive_epoch  the epoch of frames decided ahead that still hold
 * @property {(on: boolean) => void} set_tap
 * @property {(on: boolean) => void} set_trace  say why each dropped frame was dropped
 * @property {(now?: number) => Record<string, unknown>} stats  with `connecting`: the peers
 *   not connected yet at `now` (the clock frames are judged by)
 * @property {number} header_size
 * @property {string} channel_name
 * @property {string} rules_digest
 * @property {string} relay_subject  the relay's subject of the scope's frames
 * @property {() => Reply} announce_again  through a relay: the presence announced once more
 * @property {number} relay_announce_again_ms  how long after joining or connecting
 * @property {unknown} [proxy]  the Python object the methods belong to
 *
 */

export const SHAPES = {
  /** @type {(run: number, start: number, done: boolean) => Step} a run of frames for the app */
  run: (run, start, done) => ({ run, start, done }),
  /** @type {(frame: Verdict, start: number, end: number, done: boolean) => Step} one frame judged */
  frame: (frame, start, end, done) => ({ frame, start, end, done }),
  /** @type {(answer: string) => Verdict} post this frame: the answer to a peer's join */
  answer: (answer) => ({ answer }),
  /** @type {(after: number[]) => Verdict} deliver after these delays, ms (then ask `due`) */
  after: (after) => ({ after }),
  /** @type {(held: number) => Verdict} held until the network releases this id */
  held: (held) => ({ held }),
  /** @type {(dropped: string) => Verdict} dropped, and why (while tapped) */
  dropped: (dropped) => ({ dropped }),
  /** @type {(keys: string, count: number, limit: number, epoch: number) => Tickets} decisions made ahead */
  ahead: (keys, count, limit, epoch) => ({ keys, count, limit, epoch }),
  /**
   * An error for the glue to throw or report, of this page's realm (the runtime may live
   * in another page: the host page's, shared by its peers).
   * @type {(type: string, message: string) => Error}
   */
  error: (type, message) => (type === "TypeError" ? new TypeError(message) : new Error(message)),
};
