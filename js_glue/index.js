// @ts-check
/**
 * `<script src="webxdc.js"></script>`: gives the page `window.webxdc.joinRealtimeChannel()`,
 * with every tab of the same origin a peer over BroadcastChannel. The channel's rules run
 * in Python (our wheel, under Pyodide), loaded from the files beside this script.
 *
 * Also sets `window.webxdcRealtime`, a handle for tools and the demo (not webxdc API):
 * `status`, `ready` (a promise), `timings`, `config`, `stats()`.
 */
import { readConfig } from "./config.js";
import { Link } from "./channel.js";
import { loadRuntime } from "./runtime.js";

/* Set by esbuild at build time. */
/** @type {string} */
// @ts-ignore
const WHEEL = __WHEEL__;
/** @type {string} */
// @ts-ignore
const VERSION = __VERSION__;

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
const config = readConfig(script, window.location, webxdc, storage);
webxdc.selfAddr ??= config.selfAddr;
webxdc.selfName ??= config.selfName;

const link = new Link();
webxdc.joinRealtimeChannel = () => link.join();
window.addEventListener("pagehide", () => link.current?.leave());

const handle = {
  version: VERSION,
  config,
  /** @returns {"loading" | "live" | "failed"} */
  get status() {
    return link.state;
  },
  /** @type {import("./runtime.js").Timings | null} */
  timings: null,
  /** Counters of the channel joined last, or null. */
  stats: () => link.current?.stats() ?? null,
  ready: loadRuntime({
    baseUrl: config.baseUrl,
    wheel: WHEEL,
    version: VERSION,
    snapshot: config.snapshot,
    chatId: config.chatId,
    instanceId: config.instanceId,
    t0,
  }).then(
    ({ endpoint, timings }) => {
      handle.timings = timings;
      link.goLive(endpoint);
      console.info(
        `webxdc realtime: live in ${Math.round(performance.now() - t0)} ms ` +
          `(${timings.mode === "snapshot" ? "Python restored from snapshot" : "Pyodide"} ${Math.round(timings.pyodide)} ms, ` +
          `install ${Math.round(timings.install - timings.pyodide)} ms, ` +
          `init ${Math.round(timings.init - timings.install)} ms); chat "${config.chatId}", instance "${config.instanceId}"`,
      );
      return timings;
    },
    (error) => {
      link.fail(error);
      console.error(
        `webxdc realtime: could not load the Python runtime from ${config.baseUrl} ` +
          `(are pyodide.mjs, pyodide.asm.wasm, python_stdlib.zip, pyodide-lock.json and our wheel there?): ${link.failure}`,
      );
      throw error;
    },
  ),
};
handle.ready.catch(() => {}); // reported above; keeps the rejection from being "unhandled"
w.webxdcRealtime = handle;
