// @ts-check
/**
 * The rows that take two copies of the app: they find each other over the realtime
 * channel, then one (the leader, the smaller random id) sends and the other (the
 * follower) reports what arrived, scenario by scenario.
 *
 * Control messages are the bytes of MAGIC + JSON, addressed by random ids; anything
 * else that arrives is a test payload. A lax host may have sent other data of ours
 * during the local checks: it reaches the other copy before our first hello (the order
 * of one sender), while that copy is not listening to scenarios yet.
 */
import { times, unobservable, verdict } from "./check.js";

/** @typedef {import("./check.js").Verdict} Verdict */
/** @typedef {Record<string, any>} Message */

const MAGIC = "webxdc-selftest/1 ";
const HELLO_MS = 700;
/** How long the other copy may take to answer. */
export const ANSWER_MS = 10000;
/** How long a copy stays away (left, or not listening) while the other sends. */
const QUIET_MS = 1500;
const encoder = new TextEncoder();
const decoder = new TextDecoder();
const magic = encoder.encode(MAGIC);

/** @param {number} ms */
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
/** @param {number[]} bytes */
const bytes = (...bytes) => new Uint8Array(bytes);
/**
 * @param {Uint8Array} a
 * @param {Uint8Array} b
 */
const same = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);
/** @param {number} n */
const pattern = (n) => Uint8Array.from({ length: n }, (_, i) => (i * 7) % 251);

/** The rows checked here, for the report (before they run). */
export const PAIR_ROWS = [
  {
    id: "12",
    row: "12",
    title: "Who receives",
    expected: "the other copy gets all 3 messages; the sender none of its own",
  },
  { id: "16", row: "16", title: "Identical payloads sent twice", expected: "delivered twice" },
  {
    id: "9-delivery",
    row: "9",
    title: "128000 bytes arrive intact, more never",
    expected: "exactly one payload: the 128000 bytes, unchanged",
  },
  {
    id: "10",
    row: "10",
    title: "send of a view (subarray)",
    expected: "exactly the view's bytes arrive: [1, 2, 3]",
  },
  { id: "11", row: "11", title: "An empty Uint8Array", expected: "arrives, empty" },
  {
    id: "15",
    row: "15",
    title: "What the listener gets",
    expected: "a Uint8Array of the app's realm, byteOffset 0, its buffer exactly the payload",
  },
  { id: "17", row: "17", title: "Order of one sender", expected: "50 messages arrive in the order sent" },
  { id: "5", row: "5", title: "setListener twice", expected: "the second listener replaces the first" },
  {
    id: "18",
    row: "18",
    title: "A listener that throws",
    expected: "later data is still delivered",
  },
  {
    id: "13",
    row: "13",
    title: "Data before setListener",
    expected: "dropped, not buffered: only what was sent after it arrives",
  },
  {
    id: "8-receive",
    row: "8",
    title: "A left channel receives",
    expected: "nothing: its listener is never called again",
  },
  { id: "14", row: "14", title: "A late joiner", expected: "sees nothing sent before it joined" },
];

/**
 * @typedef {object} Scenario
 * @property {string[]} ids  the rows it decides
 * @property {(pair: Pair) => Promise<void>} lead  the leader's part, after the follower is ready
 * @property {(pair: Pair) => Promise<Message>} follow  the follower's part: sends "ready",
 *   waits for "end", says what arrived
 * @property {(data: Message, pair: Pair) => Record<string, Verdict>} judge  on the leader
 */

/**
 * The follower's usual part: ready at once, then what arrived until "end".
 * @param {(pair: Pair) => Message} report
 * @returns {(pair: Pair) => Promise<Message>}
 */
const plain = (report) => async (pair) => {
  pair.control("ready");
  await pair.next("end");
  return report(pair);
};

/** @type {Scenario[]} */
const SCENARIOS = [
  {
    ids: ["12"],
    lead: async (pair) => {
      for (let i = 0; i < 3; i++) pair.send(bytes(12, 12, 12));
    },
    follow: plain((pair) => ({ got: pair.count(bytes(12, 12, 12)) })),
    judge: (data, pair) => {
      const own = pair.count(bytes(12, 12, 12));
      return {
        12: verdict(
          data.got === 3 && own === 0,
          `the other copy got ${data.got} of 3; this copy got ${own} of its own`,
        ),
      };
    },
  },
  {
    ids: ["16"],
    lead: async (pair) => {
      pair.send(bytes(16, 1, 6));
      pair.send(bytes(16, 1, 6));
    },
    follow: plain((pair) => ({ got: pair.count(bytes(16, 1, 6)) })),
    judge: (data) => ({ 16: verdict(data.got === 2, `arrived ${times(data.got)}`) }),
  },
  {
    ids: ["9-delivery"],
    lead: async (pair) => {
      try {
        pair.send(pattern(128001));
      } catch {
        // throwing is the contract's way; not sending is the lax hosts' way
      }
      pair.send(pattern(128000));
    },
    follow: plain((pair) => ({
      sizes: pair.payloads.map((d) => d.length),
      intact: pair.payloads.length === 1 && same(pair.payloads[0], pattern(128000)),
    })),
    judge: (data) => ({
      "9-delivery": verdict(
        data.intact,
        `arrived: ${data.sizes.length ? data.sizes.join(", ") + " bytes" : "nothing"}${data.intact ? ", intact" : ""}`,
      ),
    }),
  },
  {
    ids: ["10"],
    lead: async (pair) => pair.send(bytes(9, 9, 9, 1, 2, 3, 9, 9).subarray(3, 6)),
    follow: plain((pair) => ({ got: pair.payloads.map((d) => Array.from(d)) })),
    judge: (data) => ({
      10: verdict(JSON.stringify(data.got) === "[[1,2,3]]", `arrived: ${JSON.stringify(data.got)}`),
    }),
  },
  {
    ids: ["11"],
    lead: async (pair) => pair.send(new Uint8Array(0)),
    follow: plain((pair) => ({ lengths: pair.payloads.map((d) => d.length) })),
    judge: (data) => ({
      11: verdict(
        JSON.stringify(data.lengths) === "[0]",
        `arrived: payloads of ${JSON.stringify(data.lengths)} bytes`,
      ),
    }),
  },
  {
    ids: ["15"],
    lead: async (pair) => {
      pair.send(bytes(15, 1));
      pair.send(pattern(20000));
      pair.send(bytes(15, 3));
    },
    follow: plain((pair) => ({
      facts: pair.payloads.map((d) => [
        d instanceof Uint8Array && d.constructor === Uint8Array,
        d.byteOffset,
        d.buffer.byteLength,
        d.length,
      ]),
    })),
    judge: (data) => {
      const facts = /** @type {Array<[boolean, number, number, number]>} */ (data.facts);
      const ok =
        facts.length === 3 &&
        facts.every(([own, offset, buffer, length]) => own && offset === 0 && buffer === length);
      const said = facts.map(
        ([own, offset, buffer, length]) =>
          `${own ? "Uint8Array" : "not this realm's Uint8Array"}, byteOffset ${offset}, buffer ${buffer} for ${length} bytes`,
      );
      return { 15: verdict(ok, said.join("; ") || "nothing arrived") };
    },
  },
  {
    ids: ["17"],
    lead: async (pair) => {
      for (let i = 0; i < 50; i++) pair.send(bytes(17, i));
    },
    follow: plain((pair) => ({ order: pair.payloads.filter((d) => d[0] === 17).map((d) => d[1]) })),
    judge: (data) => {
      const order = /** @type {number[]} */ (data.order);
      const ok = order.length === 50 && order.every((n, i) => n === i);
      return { 17: verdict(ok, ok ? "all 50, in order" : `arrived: ${order.join(", ")}`) };
    },
  },
  {
    ids: ["5"],
    lead: async (pair) => pair.send(bytes(5, 5)),
    follow: async (pair) => {
      let first = 0;
      let second = 0;
      pair.channel.setListener(() => (first += 1));
      pair.channel.setListener((/** @type {Uint8Array} */ data) => {
        if (same(data, bytes(5, 5))) second += 1;
        pair.dispatch(data);
      });
      pair.control("ready");
      await pair.next("end");
      pair.channel.setListener(pair.dispatch);
      return { first, second };
    },
    judge: (data) => ({
      5: verdict(
        data.first === 0 && data.second === 1,
        `first listener called ${times(data.first)}; second ${times(data.second)}`,
      ),
    }),
  },
  {
    ids: ["18"],
    lead: async (pair) => {
      pair.send(bytes(18, 1));
      pair.send(bytes(18, 2));
    },
    follow: async (pair) => {
      pair.channel.setListener((/** @type {Uint8Array} */ data) => {
        pair.dispatch(data);
        if (same(data, bytes(18, 1)))
          throw new Error("webxdc self-test: this listener throws on purpose (row 18)");
      });
      pair.control("ready");
      await pair.next("end");
      pair.channel.setListener(pair.dispatch);
      return { after: pair.count(bytes(18, 2)) };
    },
    judge: (data) => ({ 18: verdict(data.after === 1, `data after the throw arrived ${times(data.after)}`) }),
  },
  {
    ids: ["13"],
    lead: async (pair) => {
      for (let i = 0; i < 3; i++) pair.send(bytes(13, 0));
      await pair.next("listening");
      pair.send(bytes(13, 1));
    },
    follow: async (pair) => {
      pair.channel.leave();
      pair.channel = pair.join(); // joined, no listener
      pair.control("ready");
      await sleep(QUIET_MS);
      pair.payloads = [];
      pair.channel.setListener(pair.dispatch);
      pair.control("listening");
      await pair.next("end");
      return { early: pair.count(bytes(13, 0)), late: pair.count(bytes(13, 1)) };
    },
    judge: (data) => ({
      13: verdict(
        data.early === 0 && data.late === 1,
        `sent before setListener: ${data.early} of 3 arrived; after it: ${data.late} of 1`,
      ),
    }),
  },
  {
    ids: ["8-receive", "14"],
    lead: async (pair) => {
      await pair.next("bye");
      for (let i = 0; i < 3; i++) pair.send(bytes(14, 0));
      await pair.next("back");
      pair.send(bytes(14, 1));
    },
    follow: async (pair) => {
      pair.control("ready");
      let afterLeave = 0;
      const left = pair.channel;
      pair.control("bye");
      left.setListener(() => (afterLeave += 1));
      left.leave();
      await sleep(2 * QUIET_MS);
      pair.payloads = [];
      pair.channel = pair.join();
      pair.channel.setListener(pair.dispatch);
      pair.control("back");
      await pair.next("end");
      return { afterLeave, ghosts: pair.count(bytes(14, 0)), late: pair.count(bytes(14, 1)) };
    },
    judge: (data) => ({
      "8-receive": verdict(
        data.afterLeave === 0,
        `the left channel's listener was called ${times(data.afterLeave)}`,
      ),
      14: verdict(
        data.ghosts === 0 && data.late === 1,
        `sent while it was away: ${data.ghosts} of 3 arrived; after it joined: ${data.late} of 1`,
      ),
    }),
  },
];

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
