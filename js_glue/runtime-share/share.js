// @ts-check
/**
 * One Python runtime for the peers of a host page.
 *
 * The host page of `webxdc-realtime run` and its peers (iframes of the app) share one
 * origin and one renderer: the page lends its peers one runtime, started on the first
 * peer's request, instead of each loading a Pyodide of its own (what that saves, in memory
 * and time: bench/RESULTS.md, "Many peers").
 * A peer calls into it synchronously, as into its own; it keeps its own endpoint in it,
 * and everything else of its own (identity, storage, listener, BroadcastChannel), so that
 * nothing a peer or an app observes changes. The adapter makes every object the app sees
 * in the peer's realm (`SHAPES`, js_glue/webxdc/contract.js).
 *
 * A peer that goes (removed, reloaded, navigated) releases its endpoint on `pagehide`; the
 * lender also releases, at the next request, a peer whose window is closed or whose frame
 * holds another page now. A page opened on its own (by hand, or "open in its own tab")
 * has no lender and loads its own runtime. (A peer finds the lender with the glue's
 * `lenderOf`, js_glue/webxdc/runtime.js: this room imports the glue's, never the reverse.)
 */

import { RUNTIME_KEY } from "../shared/host-page.js";
import { startPython } from "../webxdc/runtime.js";

/**
 * Lend this page's Python to the peers it frames.
 * @param {Window} win  the host page's window
 * @returns {import("../webxdc/runtime.js").Lender & { peers: () => number, pyodide: () => Promise<any> | null }}
 */
export function lendRuntime(win) {
  /** @type {Promise<import("../webxdc/runtime.js").Python> | null} */
  let started = null;
  /** @type {import("../webxdc/runtime.js").PythonOptions | null} */
  let first = null;
  /** @type {Map<Window, () => void>} each peer frame's window and its page's release */
  const lent = new Map();

  const sweep = () => {
    for (const [peer, release] of lent) {
      if (peer.closed) {
        lent.delete(peer);
        safely(release);
      }
    }
  };

  const lender = {
    /** @param {import("../webxdc/runtime.js").PythonOptions} options */
    python(options) {
      sweep();
      if (!started) {
        first = options;
        started = startPython({ ...options, t0: performance.now() });
      } else if (!sameOptions(/** @type {any} */ (first), options)) {
        return Promise.reject(new Error(`this page lends ${first?.wheel} from ${first?.baseUrl}`));
      }
      return started;
    },
    /**
     * @param {Window} peer  the peer's window (the same object across its frame's pages)
     * @param {() => void} release
     */
    lend(peer, release) {
      const before = lent.get(peer);
      if (before) safely(before); // the frame's previous page went without saying so
      lent.set(peer, release);
    },
    /** How many peers hold an endpoint (for tests and `make bench`). */
    peers() {
      sweep();
      return lent.size;
    },
    /** The lent Pyodide, once asked for (for tests and benchmarks), else null. */
    pyodide: () => started?.then((python) => python.pyodide) ?? null,
  };
  /** @type {any} */ (win)[RUNTIME_KEY] = lender;
  return lender;
}

/**
 * @param {import("../webxdc/runtime.js").PythonOptions} a
 * @param {import("../webxdc/runtime.js").PythonOptions} b
 */
function sameOptions(a, b) {
  return (
    a.baseUrl === b.baseUrl && a.wheel === b.wheel && a.version === b.version && a.snapshot === b.snapshot
  );
}

/** @param {() => void} release */
function safely(release) {
  try {
    release();
  } catch {
    // the page is gone; so is what it could still say
  }
}
