// @ts-check
/**
 * The rows one page can check alone: each call's result, in SPEC.md section 2's words.
 *
 * Each check starts from no channel and leaves every channel it joined, so that a lax
 * host (a second join that replaces the first, a send that re-joins) cannot spill into
 * the next check. Lax hosts may send some of these calls' data to other peers; the pair
 * checks ignore it.
 */
import { isError, said, thrownBy, unobservable, verdict } from "./check.js";

/** @typedef {import("./check.js").Verdict} Verdict */

const ALREADY = "realtime listener already exists";
const NOT_UINT8ARRAY = "realtime listener data must be a Uint8Array";
const TRASHED = "realtime listener is trashed and can no longer be used";

/**
 * @typedef {object} LocalCheck
 * @property {string} id
 * @property {string} row  SPEC.md section 2's row
 * @property {string} title
 * @property {string} expected
 * @property {(join: () => any) => Verdict} run
 */

/** @type {LocalCheck[]} */
export const LOCAL_CHECKS = [
  {
    id: "1",
    row: "1",
    title: "The API is there",
    expected: "joinRealtimeChannel is a function; selfAddr and selfName are strings",
    run: () => {
      const w = /** @type {any} */ (window).webxdc;
      const facts = [
        `joinRealtimeChannel: ${typeof w?.joinRealtimeChannel}`,
        `selfAddr: ${typeof w?.selfAddr}`,
        `selfName: ${typeof w?.selfName}`,
      ];
      const ok =
        typeof w?.joinRealtimeChannel === "function" &&
        typeof w?.selfAddr === "string" &&
        typeof w?.selfName === "string";
      return verdict(ok, facts.join(", "));
    },
  },
  {
    id: "2",
    row: "2",
    title: "joinRealtimeChannel() returns a channel",
    expected: "an object with setListener, send and leave",
    run: (join) => {
      const channel = join();
      const kinds = ["setListener", "send", "leave"].map((m) => `${m}: ${typeof channel?.[m]}`);
      return verdict(
        ["setListener", "send", "leave"].every((m) => typeof channel?.[m] === "function"),
        kinds.join(", "),
      );
    },
  },
  {
    id: "3",
    row: "3",
    title: "A second join, before leaving",
    expected: `throws Error("${ALREADY}")`,
    run: (join) => {
      join();
      const thrown = thrownBy(join);
      return verdict(isError(thrown, "Error", ALREADY), said(thrown));
    },
  },
  {
    id: "4",
    row: "4",
    title: "Join after leave",
    expected: "a fresh channel that sends without error",
    run: (join) => {
      join().leave();
      /** @type {any} */
      let channel = null;
      const joining = thrownBy(() => (channel = join()));
      const sending = joining ?? thrownBy(() => channel.send(new Uint8Array([4])));
      return verdict(!joining && !sending, `join: ${said(joining)}; send: ${said(sending)}`);
    },
  },
  {
    id: "6",
    row: "6",
    title: "setListener with a non-function",
    expected: "throws a TypeError naming what was given (42: a number)",
    run: (join) => {
      const thrown = thrownBy(() => join().setListener(42));
      const named = !!thrown && /number|42/.test(thrown.message);
      return verdict(thrown?.name === "TypeError" && named, said(thrown));
    },
  },
  {
    id: "7",
    row: "7",
    title: "send of what is not a Uint8Array (checked first)",
    expected: `throws Error("${NOT_UINT8ARRAY}") for a string, an Array, an ArrayBuffer, undefined, and after leave`,
    run: (join) => {
      const channel = join();
      /** @type {Array<[string, unknown]>} */
      const values = [
        ["a string", "text"],
        ["an Array", [1, 2]],
        ["an ArrayBuffer", new ArrayBuffer(2)],
        ["undefined", undefined],
      ];
      const seen = values.map(([name, value]) => [name, thrownBy(() => channel.send(value))]);
      channel.leave();
      seen.push(["a string after leave", thrownBy(() => channel.send("text"))]);
      const ok = seen.every(([, thrown]) => isError(/** @type {any} */ (thrown), "Error", NOT_UINT8ARRAY));
      return verdict(
        ok,
        seen.map(([name, thrown]) => `${name}: ${said(/** @type {any} */ (thrown))}`).join("; "),
      );
    },
  },
  {
    id: "8-send",
    row: "8",
    title: "send after leave",
    expected: `throws Error("${TRASHED}")`,
    run: (join) => {
      const channel = join();
      channel.leave();
      const thrown = thrownBy(() => channel.send(new Uint8Array([8])));
      return verdict(isError(thrown, "Error", TRASHED), said(thrown));
    },
  },
  {
    id: "8-listener",
    row: "8",
    title: "setListener after leave",
    expected: `throws Error("${TRASHED}")`,
    run: (join) => {
      const channel = join();
      channel.leave();
      const thrown = thrownBy(() => channel.setListener(() => {}));
      return verdict(isError(thrown, "Error", TRASHED), said(thrown));
    },
  },
  {
    id: "9",
    row: "9",
    title: "send of more than 128000 bytes",
    expected:
      "throws an Error naming the limit (128000) and the size (128001); 128000 bytes send without error",
    run: (join) => {
      const channel = join();
      const over = thrownBy(() => channel.send(new Uint8Array(128001)));
      const limit = thrownBy(() => channel.send(new Uint8Array(128000)));
      const named = !!over && over.message.includes("128000") && over.message.includes("128001");
      return verdict(
        over?.name === "Error" && named && !limit,
        `128001 bytes: ${said(over)}; 128000 bytes: ${said(limit)}`,
      );
    },
  },
  {
    id: "19",
    row: "19",
    title: "A malformed or foreign frame on the wire",
    expected: "dropped, never reaches the app",
    run: () => unobservable("an app cannot put frames on its host's wire"),
  },
  {
    id: "20",
    row: "20",
    title: "leave twice",
    expected: "no error",
    run: (join) => {
      const channel = join();
      channel.leave();
      const thrown = thrownBy(() => channel.leave());
      return verdict(!thrown, said(thrown));
    },
  },
  {
    id: "21",
    row: "21",
    title: "Page unloaded",
    expected: "the channel is left",
    run: () => unobservable("the page would have to unload"),
  },
  {
    id: "22",
    row: "22",
    title: "send before the runtime is ready",
    expected: "accepted and delivered once ready",
    run: () => unobservable("a host's loading phase is not visible to the app"),
  },
];

/**
 * Run every local check, each from no channel, leaving what it joined.
 * @returns {import("./check.js").Result[]}
 */
export function runLocalChecks() {
  const webxdc = /** @type {any} */ (window).webxdc;
  return LOCAL_CHECKS.map(({ id, row, title, expected, run }) => {
    /** @type {any[]} */
    const joined = [];
    const join = () => {
      const channel = webxdc.joinRealtimeChannel();
      joined.push(channel);
      return channel;
    };
    /** @type {Verdict} */
    let result;
    try {
      result = run(join);
    } catch (error) {
      result = { status: "differs", observed: `the check failed: ${error}` };
    }
    for (const channel of joined.reverse()) thrownBy(() => channel?.leave());
    return { id, row, title, expected, pair: false, ...result };
  });
}
