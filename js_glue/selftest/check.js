// @ts-check
/**
 * A check's result, and how the self-test words what a call did.
 *
 * The expectations are SPEC.md section 2's, written here from the contract's text: this
 * app checks any host (a messenger, or webxdc-realtime under any profile), so it does not
 * read our runtime's rules.
 */

/**
 * @typedef {"pass" | "differs" | "not observable"} Status
 * @typedef {{ status: Status, observed: string }} Verdict
 * @typedef {{
 *   id: string,
 *   row: string,
 *   title: string,
 *   expected: string,
 *   pair: boolean,
 *   status: Status | "pending",
 *   observed: string,
 * }} Result
 */

/**
 * What a call did: returned (`null`), or threw.
 * @param {() => unknown} call
 * @returns {{ name: string, message: string } | null}
 */
export function thrownBy(call) {
  try {
    call();
    return null;
  } catch (error) {
    const e = /** @type {any} */ (error);
    return { name: String(e?.constructor?.name ?? typeof e), message: String(e?.message ?? e) };
  }
}

/**
 * @param {{ name: string, message: string } | null} thrown
 * @returns {string} e.g. `no error`, `throws Error("…")`
 */
export function said(thrown) {
  return thrown ? `throws ${thrown.name}(${JSON.stringify(thrown.message)})` : "no error";
}

/**
 * @param {boolean} ok
 * @param {string} observed
 * @returns {Verdict}
 */
export function verdict(ok, observed) {
  return { status: ok ? "pass" : "differs", observed };
}

/**
 * @param {string} why
 * @returns {Verdict}
 */
export function unobservable(why) {
  return { status: "not observable", observed: why };
}

/**
 * The exact error the contract asks for.
 * @param {{ name: string, message: string } | null} thrown
 * @param {string} name
 * @param {string} message
 */
export function isError(thrown, name, message) {
  return thrown !== null && thrown.name === name && thrown.message === message;
}

/**
 * @param {number} n
 * @returns {string} "once", "twice", "3 times"
 */
export function times(n) {
  return n === 1 ? "once" : n === 2 ? "twice" : `${n} times`;
}
