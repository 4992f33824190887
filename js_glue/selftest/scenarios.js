// @ts-check
/**
 * The scenarios of the rows that take two copies of the app (see pair.js): for each, the
 * leader's part, the follower's part and the leader's verdict.
 */
import { times, verdict } from "./check.js";

/** @typedef {import("./check.js").Verdict} Verdict */
/** @typedef {Record<string, any>} Message */
/** @typedef {import("./pair.js").Pair} Pair */

/** How long a copy stays away (left, or not listening) while the other sends. */
const QUIET_MS = 1500;

/** @param {number} ms */
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
/** @param {number[]} bytes */
const bytes = (...bytes) => new Uint8Array(bytes);
/**
 * @param {Uint8Array} a
 * @param {Uint8Array} b
 */
export const same = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);
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
export const SCENARIOS = [
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
