// @ts-check
/**
 * The page: its link to the Python core, its BroadcastChannel, the channel object that
 * receives, and the calls the app makes while Python loads.
 *
 * Every app call is one decision of the host profile's rules:
 *
 *   live:    the core decides (one call into Python); the glue throws what it returns,
 *            posts the frames it asks for, hands data to the listener it names.
 *   loading: the glue decides with the same rules, the core's table embedded at build
 *            time (rules.js), so that a misuse throws at the call; an accepted call is
 *            recorded (sends with a copy of their bytes, at most MAX_PENDING_SENDS) and
 *            replayed through the core once it is live, which then decides the same.
 *   failed:  the table still decides; an accepted send throws "unavailable".
 */

import { Ahead } from "./ahead.js";
import { frameId, readNumber } from "./frame.js";
import { RealtimeChannel, thrown } from "./channel.js";
import { decide, errorOf, readBytes, render } from "./rules.js";
import { ANNOUNCEMENT, ANSWERED, DELAYED, DELIVERED, DROPPED, DUPLICATED, HELD } from "./trace-log.js";
import { EMPTY, Wire, exact, latin1 } from "./wire.js";

/** @typedef {import("./rules.js").Table} Table */
/** @typedef {import("./rules.js").Call} Call */
/** @typedef {import("./contract.js").PyEndpoint} PyEndpoint */
/** @typedef {import("./contract.js").PyChannel} PyChannel */
/** @typedef {import("./contract.js").Reply} Reply */
/** @typedef {import("./contract.js").Verdict} Verdict */
/** @typedef {import("./network.js").NetworkControl} NetworkControl */
/** @typedef {import("./trace-log.js").TraceLog} TraceLog */
/** @typedef {(kind: string, data: Record<string, unknown>) => void} Report */

/** Sends recorded while loading, at most; later ones are dropped with one warning. */
export const MAX_PENDING_SENDS = 1000;
const PREFIX = "webxdc realtime:";

export class Page {
  /** @type {"loading" | "live" | "failed"} */
  state = "loading";
  failure = "";
  /** @type {PyEndpoint | null} */
  endpoint = null;
  /** @type {Wire | null} open while the page is in the channel */
  wire = null;
  /** @type {RealtimeChannel | null} the channel object joined last: the one that receives */
  current = null;
  /** Whether the page is in the channel: the table's view while loading, then the core's. */
  member = false;
  /** @type {Array<() => void>} calls made while loading, replayed in order */
  pending = [];
  pendingSends = 0;
  warnedOverflow = false;
  /** Tell the host page's devtools about every frame (only while they are open). */
  tap = false;
  /** @type {TraceLog | null} every frame, for the host page's trace, if it traces */
  log = null;
  /** @type {import("./relay-link.js").RelayLink | null} peers beyond this browser, if any */
  relay = null;
  /** @type {{ delivered: number, cut: boolean } | null} the run being handed to the app */
  run = null;
  /** @type {ReturnType<typeof setTimeout> | undefined} the presence announced again, due */
  #again = undefined;

  /**
   * @param {Table} table  the core's rules, embedded at build time
   * @param {string} profile  a profile of the table
   * @param {NetworkControl} network
   * @param {Report} report
   */
  constructor(table, profile, network, report) {
    this.table = table;
    this.profile = table.profiles[profile];
    /** Where a header's fields are: the core's frame layout. */
    this.layout = table.frame;
    /** The core's verdicts that are numbers (see browser/contract.py). */
    this.received = table.contract.received;
    this.network = network;
    this.report = report;
    /** Decisions the core made ahead (ahead.js). */
    this.ahead = new Ahead(table.frame);
    network.viaCore = (call) => {
      this.interrupt();
      return this.ahead.call(this.endpoint, call);
    };
  }

  /**
   * Decide an app call: by the core when live; else by the table, now.
   * @param {Call} call
   * @param {RealtimeChannel | null} channel  the object called (null: a join)
   * @param {Record<string, unknown>} facts  what the call got (see rules.js)
   * @param {() => void} live  the call through the core
   * @param {boolean} [isSend]
   */
  decide(call, channel, facts, live, isSend = false) {
    if (this.state === "live") {
      this.interrupt();
      return this.ahead.call(this.endpoint, live);
    }
    const all = { ...facts, member: this.member, trashed: !!channel && RealtimeChannel.trashed(channel) };
    const rule = decide(this.profile, call, all);
    if (rule.throw) throw errorOf(rule, all, this.table.limit);
    if (rule.log) console.error(`${PREFIX} ${render(rule, all, this.table.limit)}`);
    if (rule.member !== undefined) this.member = rule.member;
    if (rule.trash && channel) RealtimeChannel.trashed(channel, true);
    if (!(rule.member !== undefined || rule.trash || rule.listen || rule.send)) return;
    if (this.state === "failed") {
      if (rule.send)
        throw new Error(`${PREFIX} unavailable, the Python runtime failed to load: ${this.failure}`);
      return;
    }
    if (isSend) {
      if (this.pendingSends >= MAX_PENDING_SENDS) {
        if (!this.warnedOverflow) {
          console.warn(
            `${PREFIX} still loading; more than ${MAX_PENDING_SENDS} sends queued, dropping the rest until live`,
          );
          this.warnedOverflow = true;
        }
        return;
      }
      this.pendingSends += 1;
    }
    // Replayed once live: a send as any send then; another call as a call into the core
    // when live (what was decided ahead handed back before it, and checked after).
    this.pending.push(isSend ? live : () => this.ahead.call(this.endpoint, live));
  }

  /** `window.webxdc.joinRealtimeChannel()` */
  join() {
    const channel = new RealtimeChannel(this);
    this.decide("join", null, {}, () => {
      const reply = thrown(/** @type {PyEndpoint} */ (this.endpoint).join());
      const py = /** @type {any} */ (reply.channel);
      // Look each method up once: every lookup on a Python proxy makes a new proxy of
      // the bound method, which costs more than the call itself.
      RealtimeChannel.attach(channel, {
        set_listener: py.set_listener,
        send: py.send,
        leave: py.leave,
        ahead: py.ahead,
        sent_ahead: py.sent_ahead,
        proxy: py, // the methods are borrowed from it: it must live as long as they do
      });
      this.current = channel;
      this.settle(reply);
      this.told("channel", { op: "join" });
    });
    return channel;
  }

  /**
   * `channel.send(data)`
   * @param {RealtimeChannel} channel
   * @param {unknown} data
   */
  send(channel, data) {
    const read = readBytes(data, this.profile.send_reads, this.table.uint8array);
    const facts = { tag: read.tag, length: read.length, bytes_ok: read.bytes_ok };
    if (this.state === "live") return this.#send(channel, facts, read.bytes);
    // Keep the bytes as they are now: the app may reuse its buffer before we are live.
    const bytes = read.bytes && read.bytes === data ? read.bytes.slice() : read.bytes;
    this.decide("send", channel, facts, () => this.#send(channel, facts, bytes), true);
  }

  /**
   * @param {RealtimeChannel} channel
   * @param {{ tag: string, length: number | undefined, bytes_ok: boolean }} facts
   * @param {Uint8Array | null} bytes
   */
  #send(channel, { tag, length, bytes_ok }, bytes) {
    const core = /** @type {PyChannel} */ (RealtimeChannel.core(channel));
    if (tag === this.table.uint8array && bytes_ok && bytes && !this.tap) {
      const header = this.ahead.header(channel, core, bytes.length);
      if (header !== null) {
        this.wire?.post(header, bytes);
        this.log?.sent(header, bytes);
        return;
      }
    }
    const result = thrown(this.ahead.call(this.endpoint, () => core.send(tag, length, bytes_ok)));
    if (typeof result === "string") {
      this.wire?.post(result, /** @type {Uint8Array} */ (bytes));
      this.log?.sent(result, /** @type {Uint8Array} */ (bytes));
      if (this.tap) this.#tapOut(result, /** @type {Uint8Array} */ (bytes));
      return;
    }
    this.settle(result);
    if (result.header) {
      this.wire?.post(result.header, /** @type {Uint8Array} */ (bytes));
      this.log?.sent(result.header, /** @type {Uint8Array} */ (bytes));
      if (this.tap) this.#tapOut(result.header, /** @type {Uint8Array} */ (bytes));
    } else if (result.log) console.error(`${PREFIX} ${result.log}`);
  }

  /**
   * A message of frames arrives (see wire.js). A message of one frame (a lone send, the
   * first of a burst) is judged by its header alone, which is cheaper than handing the
   * core the whole message. Else the core judges the message step by step (see
   * browser/contract.py): a run of data for the app, handed to the listener frame by
   * frame, each a fresh Uint8Array, from where the core says; if the app calls the core
   * meanwhile (it leaves, say), the run is cut there (see `interrupt`) and the rest judged
   * again, in the new state. Or one frame, judged on its own.
   * @param {Uint8Array} message
   */
  #onMessage(message) {
    const endpoint = /** @type {PyEndpoint} */ (this.endpoint);
    const { header_size: HEADER_SIZE, length_at: LENGTH_AT } = this.layout;
    const size = message.length;
    if (size >= HEADER_SIZE && size === HEADER_SIZE + readNumber(message, LENGTH_AT)) {
      return this.#onFrame(latin1(message.subarray(0, HEADER_SIZE)), message.subarray(HEADER_SIZE));
    }
    const from = this.tap ? 0 : this.#takeAhead(message);
    if (from === size) return;
    if (from > 0) message = message.subarray(from);
    let step = this.ahead.call(endpoint, () => endpoint.receive_batch(message, performance.now()));
    for (;;) {
      if ("run" in step) {
        const run = { delivered: 0, cut: false };
        const count = step.run;
        this.run = run;
        try {
          let start = step.start;
          while (run.delivered < count && !run.cut) {
            const end = start + HEADER_SIZE + readNumber(message, start + LENGTH_AT);
            run.delivered += 1;
            this.log?.received(message, start, end - start - HEADER_SIZE, DELIVERED);
            const current = this.current;
            if (current) RealtimeChannel.deliver(current, message.slice(start + HEADER_SIZE, end));
            start = end;
          }
        } finally {
          this.run = null;
        }
        if (step.done && !run.cut) return;
      } else {
        const { start, end } = step;
        this.#judged(
          step.frame,
          message.subarray(start, start + HEADER_SIZE),
          end - start - HEADER_SIZE,
          () => message.slice(start + HEADER_SIZE, end),
        );
        if (step.done) return;
      }
      step = this.ahead.call(endpoint, () => endpoint.receive_more(performance.now()));
    }
  }

  /**
   * The frames at the start of a message that the core decided ahead to deliver, each
   * taken as if it came alone (see `#onFrame`), with no call into the core: a burst costs
   * a lookup a frame. The core judges the rest, from the first frame that is not one.
   * @param {Uint8Array} message
   * @returns {number} where the rest starts
   */
  #takeAhead(message) {
    const endpoint = /** @type {PyEndpoint} */ (this.endpoint);
    const { header_size: HEADER_SIZE, length_at: LENGTH_AT } = this.layout;
    const size = message.length;
    let from = 0;
    let renewed = false;
    while (from + HEADER_SIZE <= size) {
      const length = readNumber(message, from + LENGTH_AT);
      const end = from + HEADER_SIZE + length;
      if (end > size) break;
      if (!this.ahead.accept(endpoint, latin1(message.subarray(from, from + HEADER_SIZE)), length)) {
        // A sender's decisions all taken: ask for its next ones, once.
        if (renewed || !this.ahead.spent()) break;
        this.ahead.renew(endpoint);
        renewed = true;
        continue;
      }
      renewed = false;
      this.log?.received(message, from, length, DELIVERED);
      if (this.current) RealtimeChannel.deliver(this.current, message.slice(from + HEADER_SIZE, end));
      from = end;
    }
    return from;
  }

  /**
   * The app is about to call the core, or the network to change, while a run is being
   * handed to the app: the core takes back the frames it has not got yet.
   */
  interrupt() {
    const run = this.run;
    if (run && !run.cut) {
      run.cut = true;
      const endpoint = /** @type {PyEndpoint} */ (this.endpoint);
      this.ahead.call(endpoint, () => endpoint.cut(run.delivered));
    }
  }

  /**
   * A frame that came alone: in a message of its own, as `[header, payload]` (a large
   * one), or anything that is not a message of frames (an empty header): the core
   * judges it, by its header; an announcement, which names its sender, with its (small)
   * payload, if the core asks for it.
   * @param {string} header  latin-1
   * @param {Uint8Array} payload
   */
  #onFrame(header, payload) {
    const endpoint = /** @type {PyEndpoint} */ (this.endpoint);
    const { DELIVER, NEEDS_PAYLOAD } = this.received;
    if (!this.tap && this.ahead.accept(endpoint, header, payload.length)) {
      // Decided ahead: data for the app, and no call.
      this.log?.received(header, 0, payload.length, DELIVERED);
      if (this.current) RealtimeChannel.deliver(this.current, exact(payload));
      return;
    }
    const now = this.network.active ? performance.now() : 0;
    let verdict = this.ahead.call(endpoint, () => endpoint.receive(header, payload.length, undefined, now));
    if (verdict === NEEDS_PAYLOAD) {
      verdict = this.ahead.call(endpoint, () =>
        endpoint.receive(header, payload.length, latin1(payload), now),
      );
    }
    if (verdict === DELIVER && !this.tap) {
      // The common case inline: data for the app, no devtools.
      this.log?.received(header, 0, payload.length, DELIVERED);
      if (this.current) RealtimeChannel.deliver(this.current, exact(payload));
      return;
    }
    this.#judged(verdict, header, payload.length, () => exact(payload));
  }

  /**
   * Carry out the core's verdict on one frame (see browser/contract.py): deliver it now,
   * when the network's delay ends or it releases the frame (the core judges it again
   * then), or not at all; answer a join; tell the devtools.
   * @param {Verdict} verdict
   * @param {string | Uint8Array} header  the frame's header (for the devtools, the trace)
   * @param {number} size  the payload's
   * @param {() => Uint8Array} payload  the payload, for the app: made when delivered
   */
  #judged(verdict, header, size, payload) {
    const { DELIVER } = this.received;
    const log = this.log;
    let fate = "delivered";
    if (verdict === DELIVER) {
      log?.received(header, 0, size, DELIVERED);
      if (this.current) RealtimeChannel.deliver(this.current, payload());
    } else if (typeof verdict === "number") {
      // Told why a drop is (tapped, traced: below), this is a peer's announcement, taken in.
      fate = this.tap || log ? "announcement" : "dropped";
      log?.received(header, 0, size, ANNOUNCEMENT);
    } else if ("answer" in verdict) {
      this.wire?.post(verdict.answer, EMPTY, true); // the newcomer learns of us
      fate = "answered";
      log?.received(header, 0, size, ANSWERED);
    } else if ("dropped" in verdict) {
      fate = `dropped: ${verdict.dropped}`;
      log?.received(header, 0, size, DROPPED, log.reason(verdict.dropped));
    } else {
      const data = payload();
      const head = typeof header === "string" ? header : latin1(header);
      fate = this.network.schedule(verdict, () => {
        // Its time has come: the core judges it again, as the page is now.
        const endpoint = /** @type {PyEndpoint} */ (this.endpoint);
        const again = this.ahead.call(endpoint, () => endpoint.due(data.length));
        if (again === DELIVER && this.current) RealtimeChannel.deliver(this.current, data);
        const dropped = typeof again === "object" && "dropped" in again ? again.dropped : null;
        if (log) {
          if (again === DELIVER) log.came(head, data.length, DELIVERED);
          else log.came(head, data.length, DROPPED, dropped === null ? log.reason("?") : log.reason(dropped));
        }
        if (this.tap) {
          const now = again === DELIVER ? "delivered" : dropped === null ? "dropped" : `dropped: ${dropped}`;
          this.report("frame", { dir: "due", ...frameId(head, this.layout), size: data.length, fate: now });
        }
      });
      if (log) {
        if ("held" in verdict) log.received(head, 0, data.length, HELD);
        else if (verdict.after.length > 1) log.received(head, 0, data.length, DUPLICATED, verdict.after[0]);
        else log.received(head, 0, data.length, DELAYED, verdict.after[0]);
      }
    }
    if (this.tap) {
      const head = typeof header === "string" ? header : latin1(header);
      this.report("frame", { dir: "in", ...frameId(head, this.layout), size, fate });
    }
  }

  /**
   * @param {string} header
   * @param {Uint8Array} payload
   */
  #tapOut(header, payload) {
    const told = payload.slice(0, 64);
    this.report("frame", {
      dir: "out",
      ...frameId(header, this.layout),
      size: payload.length,
      payload: told,
    });
  }

  /**
   * Tell the host page (while tapped) what the app did or was thrown, beside the frames.
   * @param {string} kind  "channel" (`op`: join, leave), "error" (`call`, `message`)
   * @param {Record<string, unknown>} data
   */
  told(kind, data) {
    if (this.tap || this.log) this.report(kind, data);
  }

  /**
   * Keep a record of every frame for the host page's trace (see trace-log.js), from now.
   * @param {TraceLog} log
   */
  setTrace(log) {
    this.interrupt();
    this.log = log;
    const endpoint = this.endpoint;
    if (endpoint) this.ahead.call(endpoint, () => endpoint.set_trace(true));
  }

  /**
   * Carry out the core's reply to a join, a leave or a re-joining send: open the
   * BroadcastChannel when the page is in the channel, post the announcements, close it
   * when the page is out.
   * @param {Reply} reply
   */
  settle(reply) {
    const endpoint = /** @type {PyEndpoint} */ (this.endpoint);
    if (reply.member && !this.wire) {
      const relay = this.relay && { link: this.relay, subject: endpoint.relay_subject };
      this.wire = new Wire(
        endpoint.channel_name,
        endpoint.header_size,
        (message) => this.#onMessage(message),
        (header, payload) => this.#onFrame(header, payload),
        relay,
        () => this.#secondWay(),
      );
      this.#announceAgain();
    }
    for (const frame of reply.frames) this.wire?.post(frame, EMPTY, true);
    if (!reply.member && this.wire) {
      this.wire.close();
      this.wire = null;
    }
    this.member = reply.member;
  }

  /**
   * Through a relay, a while after the page joins or its relay connects, announce once
   * more that it is in the channel (see `Endpoint.announce_again`: the servers of a relay
   * may carry a join before they know who listens). The core says when, and makes the frame.
   */
  #announceAgain() {
    const endpoint = this.endpoint;
    if (!this.relay || !endpoint) return;
    clearTimeout(this.#again);
    this.#again = setTimeout(() => {
      if (!this.member || this.endpoint !== endpoint) return;
      this.interrupt();
      this.settle(this.ahead.call(endpoint, () => endpoint.announce_again()));
    }, endpoint.relay_announce_again_ms);
  }

  /**
   * With a relay, a peer of this browser is heard on the BroadcastChannel too: frames may
   * come by both ways from now on, and the core tells those that came already (until then
   * each came by the relay alone, and the receiver's fast path holds).
   */
  #secondWay() {
    const endpoint = this.endpoint;
    if (endpoint) this.ahead.call(endpoint, () => /** @type {any} */ (endpoint.proxy).set_dedupe(true));
  }

  /**
   * The core is ready: replay what the app did meanwhile, in order. The table decided
   * those calls as the core does, so none is refused now; if one is, that is a bug.
   * @param {any} proxy  the core's BrowserEndpoint
   */
  goLive(proxy) {
    /** @type {PyEndpoint} */
    const endpoint = {
      // Each method looked up once (see join).
      join: proxy.join,
      receive: proxy.receive,
      receive_batch: proxy.receive_batch,
      receive_more: proxy.receive_more,
      cut: proxy.cut,
      due: proxy.due,
      ahead: proxy.ahead,
      took_ahead: proxy.took_ahead,
      get send_epoch() {
        return proxy.send_epoch;
      },
      get receive_epoch() {
        return proxy.receive_epoch;
      },
      stats: proxy.stats,
      set_tap: proxy.set_tap,
      set_trace: proxy.set_trace,
      header_size: proxy.header_size,
      channel_name: proxy.channel_name,
      rules_digest: proxy.rules_digest,
      relay_subject: proxy.relay_subject,
      announce_again: proxy.announce_again,
      relay_announce_again_ms: proxy.relay_announce_again_ms,
      proxy,
    };
    this.endpoint = endpoint;
    this.state = "live";
    this.relay?.onConnected.push(() => this.member && this.#announceAgain());
    if (this.relay && this.wire?.heard) this.#secondWay();
    if (this.tap) proxy.set_tap(true);
    if (this.log) proxy.set_trace(true); // traced from the start (the host page traces)
    if (endpoint.rules_digest !== this.table.digest) {
      console.error(
        `${PREFIX} the Python core's rules (${endpoint.rules_digest}) are not the ones this webxdc.js was built with (${this.table.digest}); rebuild dist/`,
      );
    }
    for (const call of this.pending.splice(0)) {
      try {
        call();
      } catch (error) {
        console.error(
          `${PREFIX} the core refused a call that the rules accepted while loading (a bug):`,
          error,
        );
      }
    }
    this.pendingSends = 0;
  }

  /**
   * The page is going and its runtime stays (the host page's, lent to its peers): no call
   * reaches the core after this (a send throws, as when the runtime failed).
   */
  release() {
    this.endpoint = null;
    this.fail("this page has left its runtime");
  }

  /** @param {unknown} error */
  fail(error) {
    this.state = "failed";
    this.failure = error instanceof Error ? error.message : String(error);
    this.pending.length = 0;
  }

  /** Counters of the page's latest stay in the channel, or null before live. */
  stats() {
    const endpoint = this.endpoint;
    if (!endpoint) return null;
    return this.ahead.call(endpoint, () => endpoint.stats(performance.now()));
  }

  /**
   * Report every frame to the host page's devtools, or stop (nothing per frame then).
   * @param {boolean} on
   */
  setTap(on) {
    this.interrupt();
    this.tap = on;
    const endpoint = this.endpoint;
    if (endpoint) this.ahead.call(endpoint, () => endpoint.set_tap(on));
  }
}
