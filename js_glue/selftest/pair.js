// @ts-check
/**
 * The rows that take two copies of the app: they find each other over the realtime
 * channel, then one (the leader, the smaller random id) sends and the other (the
 * follower) reports what arrived, scenario by scenario.
 *
 * Control messages are the bytes of MAGIC + JSON, addressed by random ids; anything
 * else that arrives is a test payload. A lax host may have sent other data of ours
 * during the local checks: it reaches the other copy before our first hello (the order
 * of one sender), while that copy is not listening to scenarios yet. The scenarios
 * themselves are in scenarios.js.
 */
import { unobservable, verdict } from "./check.js";
import { SCENARIOS, same } from "./scenarios.js";

/** @typedef {import("./check.js").Verdict} Verdict */
/** @typedef {Record<string, any>} Message */

const MAGIC = "webxdc-selftest/1 ";
const HELLO_MS = 700;
/** How long the other copy may take to answer. */
export const ANSWER_MS = 10000;
const encoder = new TextEncoder();
const decoder = new TextDecoder();
const magic = encoder.encode(MAGIC);

export class Pair {
  me = Array.from(crypto.getRandomValues(new Uint8Array(8)), (b) => b.toString(16).padStart(2, "0")).join("");
  /** @type {string | null} */
  partner = null;
  partnerName = "";
  /** @type {Uint8Array[]} test payloads since the scenario began */
  payloads = [];
  /** @type {Message[]} control messages from the partner, not yet taken */
  inbox = [];
  /** @type {Array<() => void>} */
  waiting = [];
  /** @type {any} */
  channel;

  /** @param {(message: string) => void} status  what the pair is doing, for the page */
  constructor(status) {
    this.status = status;
    this.webxdc = /** @type {any} */ (window).webxdc;
    this.channel = this.join();
    this.channel.setListener(this.dispatch);
  }

  join() {
    return this.webxdc.joinRealtimeChannel();
  }

  /** @param {Uint8Array} data */
  send(data) {
    this.channel.send(data);
  }

  /**
   * @param {string} t
   * @param {Message} [fields]
   */
  control(t, fields = {}) {
    const message = { from: this.me, to: this.partner, t, ...fields };
    this.channel.send(encoder.encode(MAGIC + JSON.stringify(message)));
  }

  /** The listener: control messages to the inbox, the rest to the payloads. */
  dispatch = (/** @type {Uint8Array} */ data) => {
    if (!(data.length >= magic.length && same(data.subarray(0, magic.length), magic))) {
      this.payloads.push(data);
      return;
    }
    /** @type {Message} */
    let message;
    try {
      message = JSON.parse(decoder.decode(data.subarray(magic.length)));
    } catch {
      return;
    }
    if (message.from === this.me || (message.to && message.to !== this.me)) return;
    if (!this.partner) {
      this.partner = message.from;
      this.partnerName = message.name ?? "";
    }
    if (message.from !== this.partner) return; // a third copy: not ours to answer
    if (message.t === "hello" && message.name) this.partnerName = message.name;
    this.inbox.push(message);
    for (const wake of this.waiting.splice(0)) wake();
  };

  /** @param {Uint8Array} data */
  count(data) {
    return this.payloads.filter((d) => same(d, data)).length;
  }

  /**
   * The next control message of one of these types from the partner.
   * @param {string | string[]} types
   * @param {number} [timeout]
   * @returns {Promise<Message>}
   */
  async next(types, timeout = ANSWER_MS) {
    const wanted = [types].flat();
    const deadline = performance.now() + timeout;
    for (;;) {
      const at = this.inbox.findIndex((m) => wanted.includes(m.t));
      if (at >= 0) return this.inbox.splice(at, 1)[0];
      const left = deadline - performance.now();
      if (left <= 0)
        throw new Error(`no "${wanted.join('" or "')}" from the other copy within ${timeout / 1000} s`);
      await new Promise((wake) => {
        this.waiting.push(() => wake(null));
        if (left < 2 ** 31) setTimeout(wake, left); // a larger delay would fire at once
      });
    }
  }

  /** Find another copy: hellos until each knows the other. */
  async meet() {
    const name = String(this.webxdc.selfName ?? "");
    const hello = () => this.control("hello", { name, knows: this.partner });
    hello();
    const timer = setInterval(hello, HELLO_MS);
    try {
      for (;;) {
        const message = await this.next("hello", Infinity);
        if (message.knows === this.me) break;
      }
    } finally {
      clearInterval(timer);
    }
    hello(); // now knowing it, so that it knows we know
    return /** @type {string} */ (this.partner) > this.me;
  }

  /**
   * Run every scenario; call `onResult` with each row's verdict as it is known.
   * @param {(id: string, verdict: Verdict) => void} onResult
   */
  async run(onResult) {
    this.status("waiting for a second copy of this app in this chat…");
    const leader = await this.meet();
    this.status(`paired with ${this.partnerName || "another copy"}; checking delivery…`);
    if (leader) {
      await this.next("ready-to-start");
      /** @type {Record<string, Verdict>} */
      const all = {};
      /** @type {string | null} why the other copy is no longer answering */
      let gone = null;
      for (const scenario of SCENARIOS) {
        /** @type {Record<string, Verdict>} */
        let verdicts;
        if (gone) {
          verdicts = Object.fromEntries(scenario.ids.map((id) => [id, unobservable(gone ?? "")]));
        } else {
          try {
            this.payloads = [];
            this.control("begin", { k: scenario.ids[0] });
            await this.next("ready");
            await scenario.lead(this);
            this.control("end");
            verdicts = scenario.judge((await this.next("result")).data, this);
          } catch (error) {
            const why = String(/** @type {any} */ (error)?.message ?? error);
            gone = `the other copy stopped answering (${why})`;
            verdicts = Object.fromEntries(scenario.ids.map((id) => [id, verdict(false, why)]));
          }
        }
        for (const [id, v] of Object.entries(verdicts)) {
          all[id] = v;
          onResult(id, v);
        }
      }
      this.control("report", { verdicts: all });
    } else {
      this.control("ready-to-start");
      for (;;) {
        const message = await this.next(["begin", "report"], 6 * ANSWER_MS);
        if (message.t === "report") {
          for (const [id, v] of Object.entries(message.verdicts)) onResult(id, /** @type {Verdict} */ (v));
          break;
        }
        const scenario = SCENARIOS.find((s) => s.ids[0] === message.k);
        if (!scenario) continue;
        this.payloads = [];
        const data = await scenario.follow(this);
        this.control("result", { data });
      }
    }
    this.status(`paired with ${this.partnerName || "another copy"}; done`);
  }
}
