// @ts-check
/**
 * `<script src="webxdc.js"></script>`: gives the page `window.webxdc.joinRealtimeChannel()`,
 * with every tab of the same origin a peer over BroadcastChannel. The channel's rules run
 * in Python (our wheel, under Pyodide), loaded from the files beside this script.
 *
 * The rules of each call are the core's table for the chosen host profile, embedded here
 * at build time, so that they apply from the first call, before Python is live.
 *
 * Also sets `window.webxdcRealtime`, a handle for tools and the demo (not webxdc API):
 * `status`, `ready` (a promise), `timings`, `config` (with `profile`), `profile` (its
 * rules), `stats()`.
 */
import { readConfig } from "./config.js";
import { Page } from "./page.js";
import { loadRuntime } from "./runtime.js";

/* Set by esbuild at build time. */
/** @type {string} */
// @ts-ignore
const WHEEL = __WHEEL__;
/** @type {string} */
// @ts-ignore
const VERSION = __VERSION__;
/** @type {import("./rules.js").Table} the core's rules (webxdc_realtime._rules.export_rules) */
// @ts-ignore
const RULES = __RULES__;

const t0 = performance.now();
const script = /** @type {HTMLScriptElement | null} */ (document.currentScript);
const w = /** @type {any} */ (window);
const webxdc = w.webxdc ?? (w.webxdc = {});

let storage = null;
try {
  storage = window.sessionStorage;
} catch {
  // Blocked storage (sandboxed iframe): identities then last one load.
}
const config = readConfig(script, window.location, webxdc, storage, RULES);
webxdc.selfAddr ??= config.selfAddr;
webxdc.selfName ??= config.selfName;

const page = new Page(RULES, config.profile);
webxdc.joinRealtimeChannel = () => page.join();
window.addEventListener("pagehide", () => page.current?.leave());
console.info(
  `webxdc realtime: host profile "${config.profile}" (${page.profile.host}); ` +
    `differences from SPEC.md section 2: ${page.profile.differences}`,
);

const handle = {
  version: VERSION,
  config,
  /** The rules of the active host profile (the core's table). */
  profile: page.profile,
  /** @returns {"loading" | "live" | "failed"} */
  get status() {
    return page.state;
  },
  /** @type {import("./runtime.js").Timings | null} */
  timings: null,
  /** Counters of the page's latest stay in the channel, or null before live. */
  stats: () => page.stats(),
  ready: loadRuntime({
    baseUrl: config.baseUrl,
    wheel: WHEEL,
    version: VERSION,
    snapshot: config.snapshot,
    chatId: config.chatId,
    instanceId: config.instanceId,
    profile: config.profile,
    t0,
  }).then(
    ({ endpoint, timings }) => {
      handle.timings = timings;
      page.goLive(endpoint);
      console.info(
        `webxdc realtime: live in ${Math.round(performance.now() - t0)} ms ` +
          `(${timings.mode === "snapshot" ? "Python restored from snapshot" : "Pyodide"} ${Math.round(timings.pyodide)} ms, ` +
          `install ${Math.round(timings.install - timings.pyodide)} ms, ` +
          `init ${Math.round(timings.init - timings.install)} ms); chat "${config.chatId}", instance "${config.instanceId}"`,
      );
      return timings;
    },
    (error) => {
      page.fail(error);
      console.error(
        `webxdc realtime: could not load the Python runtime from ${config.baseUrl} ` +
          `(are pyodide.mjs, pyodide.asm.wasm, python_stdlib.zip, pyodide-lock.json and our wheel there?): ${page.failure}`,
      );
      throw error;
    },
  ),
};
handle.ready.catch(() => {}); // reported above; keeps the rejection from being "unhandled"
w.webxdcRealtime = handle;
