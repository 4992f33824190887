// @ts-check
/**
 * The call rules, applied while Python loads.
 *
 * The rules are not written here: they are the Python core's table
 * (`webxdc_realtime/core/rules.py`), which the build embeds in webxdc.js as JSON. Until the
 * core is live, the glue decides each app call with this interpreter of that table, so
 * that a misuse throws at the call, with the core's class and message, from the first
 * line an app runs. Once live, the core decides. A differential test runs random call
 * sequences through both and compares every outcome.
 *
 * Table format (see the Python module's docstring): per profile and call, a list of
 * rules; the first whose `when` holds wins. A test is a plain value (equal),
 * `{not: v}`, `{in: [...]}` or `{over: n}`.
 */

/**
 * @typedef {{ not?: unknown, in?: unknown[], over?: number }} TestObject
 * @typedef {{
 *   when?: Record<string, unknown>,
 *   throw?: "Error" | "TypeError",
 *   message?: string,
 *   log?: boolean,
 *   member?: boolean,
 *   trash?: boolean,
 *   listen?: boolean,
 *   send?: boolean,
 * }} Rule
 * @typedef {"join" | "setListener" | "send" | "leave"} Call
 * @typedef {{
 *   host: string,
 *   differences: string,
 *   send_reads: "uint8array" | "array-from",
 *   calls: Record<Call, Rule[]>,
 * }} Profile
 * @typedef {{
 *   version: number,
 *   default: string,
 *   limit: number,
 *   uint8array: string,
 *   silent_listeners: string[],
 *   profiles: Record<string, Profile>,
 *   webxdc: { send_update_interval: number, send_update_max_size: number, get_all_updates_deprecated: string },
 *   frame: import("./frame.js").Layout,
 *   contract: { received: { NOTHING: number, DELIVER: number, NEEDS_PAYLOAD: number } },
 *   digest: string,
 * }} Table  `frame`: where a header's fields are (core/frame.py); `contract`: the codes the
 *   adapter answers with (browser/contract.py)
 */

/**
 * @param {unknown} test
 * @param {unknown} fact
 * @returns {boolean}
 */
function holds(test, fact) {
  if (test === null || typeof test !== "object") return fact === test;
  const t = /** @type {TestObject} */ (test);
  if ("not" in t) return fact !== t.not;
  if ("in" in t) return /** @type {unknown[]} */ (t.in).includes(fact);
  return typeof fact === "number" && fact > /** @type {number} */ (t.over);
}

/**
 * The outcome of `call`: the first rule of the profile whose tests all hold.
 * @param {Profile} profile
 * @param {Call} call
 * @param {Record<string, unknown>} facts
 * @returns {Rule}
 */
export function decide(profile, call, facts) {
  for (const rule of profile.calls[call]) {
    const when = rule.when ?? {};
    if (Object.keys(when).every((name) => holds(when[name], facts[name]))) return rule;
  }
  throw new Error(`webxdc realtime: no rule for ${call}`); // the table's last rules hold always
}

/**
 * A rule's message with the facts (and the size limit) filled in.
 * @param {Rule} rule
 * @param {Record<string, unknown>} facts
 * @param {number} limit
 * @returns {string}
 */
export function render(rule, facts, limit) {
  /** @type {Record<string, unknown>} */
  const values = { ...facts, limit };
  return (rule.message ?? "").replace(/\{(\w+)\}/g, (_, name) => String(values[name]));
}

/**
 * The error a rule throws.
 * @param {Rule} rule
 * @param {Record<string, unknown>} facts
 * @param {number} limit
 * @returns {Error}
 */
export function errorOf(rule, facts, limit) {
  const message = render(rule, facts, limit);
  return rule.throw === "TypeError" ? new TypeError(message) : new Error(message);
}

const toString = Object.prototype.toString;

/**
 * What `send(data)` would send, read as the profile's hosts read it: the facts the
 * rules test (`tag`, `length`, `bytes_ok`) and the bytes. Reading is byte handling, not
 * a rule: a Uint8Array (from any realm) is its bytes; under "array-from" (the mobile
 * hosts, which send `JSON.stringify(Array.from(data))` to a native side that accepts
 * only integers 0..255), anything else is what `Array.from` makes of it, if that is
 * bytes. `length` is undefined when the data cannot be read as bytes.
 * @param {unknown} data
 * @param {Profile["send_reads"]} reads
 * @param {string} uint8array  the tag of a Uint8Array
 * @returns {{ tag: string, length: number | undefined, bytes_ok: boolean, bytes: Uint8Array | null }}
 */
export function readBytes(data, reads, uint8array) {
  const tag = toString.call(data);
  if (tag === uint8array) {
    const bytes = /** @type {Uint8Array} */ (data);
    return { tag, length: bytes.length, bytes_ok: true, bytes };
  }
  if (reads === "array-from" && data !== null && data !== undefined) {
    const numbers = Array.from(/** @type {ArrayLike<unknown>} */ (data));
    if (
      numbers.every(
        (n) => Number.isInteger(n) && /** @type {number} */ (n) >= 0 && /** @type {number} */ (n) <= 255,
      )
    ) {
      return {
        tag,
        length: numbers.length,
        bytes_ok: true,
        bytes: Uint8Array.from(/** @type {number[]} */ (numbers)),
      };
    }
  }
  return { tag, length: undefined, bytes_ok: false, bytes: null };
}
