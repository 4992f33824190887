// @ts-check
/**
 * `<script src="webxdc.js"></script>`: gives the page `window.webxdc`, the whole webxdc API
 * (SPEC-webxdc.md) with `joinRealtimeChannel()` (SPEC.md), every tab of the same origin a
 * peer over BroadcastChannel, each peer with storage of its own. The rules run in Python
 * (our wheel, under Pyodide), loaded from the files beside this script.
 *
 * The rules of each call are the core's table for the chosen host profile, embedded here
 * at build time, so that they apply from the first call, before Python is live.
 *
 * Also sets `window.webxdcRealtime`, a handle for tools and the demo (not webxdc API):
 * `status`, `ready` (a promise), `timings`, `config` (with `profile`), `profile` (its
 * rules), `stats()`, `memory()`, `traceFile()` (a tab's own trace, `?trace=on`).
 */
import { installApi } from "./api.js";
import { told } from "./channel.js";
import { readConfig } from "./config.js";
import { hostLink } from "./host-link.js";
import { reloadWhenTold } from "./live-reload.js";
import { NetworkControl } from "./network.js";
import { Page } from "./page.js";
import { RelayLink } from "./relay-link.js";
import { lenderOf, loadRuntime } from "./runtime.js";
import { isolateStorage, peerPrefix } from "./storage.js";
import { Recorder } from "../trace/recorder.js";
import { TraceLog } from "./trace-log.js";
import { Updates } from "./updates.js";

/* Set by esbuild at build time. */
/** @type {string} */
// @ts-ignore
const WHEEL = __WHEEL__;
/** @type {string} */
// @ts-ignore
const VERSION = __VERSION__;
/** @type {import("./rules.js").Table} the core's rules (core/rules.py `export_rules`) */
// @ts-ignore
const RULES = __RULES__;

const t0 = performance.now();
const RUNTIME_SAID = {
  snapshot: "Python restored from snapshot",
  plain: "Pyodide",
  shared: "the host page's Python",
};
const script = /** @type {HTMLScriptElement | null} */ (document.currentScript);
const w = /** @type {any} */ (window);
const webxdc = w.webxdc ?? (w.webxdc = {});

let session = null;
let origin = null; // the origin's own localStorage, before each peer gets its own
try {
  session = window.sessionStorage;
  origin = window.localStorage;
} catch {
  // Blocked storage (sandboxed iframe): identities then last one load.
}
const config = readConfig(
  script,
  window.location,
  webxdc,
  session,
  RULES,
  w.webxdcRealtimeConfig ?? {},
  window.name,
);
// Before the app's code runs: storage of this peer's own.
if (config.storage === "peer") isolateStorage(peerPrefix(config.instanceId, config.selfAddr));
webxdc.selfAddr ??= config.selfAddr;
webxdc.selfName ??= config.selfName;

if (config.liveReload) reloadWhenTold();

/**
 * A tab of its own, asked to (`?trace=on`), records its own trace (a host page records
 * one for all its peers, with what each peer keeps of its frames: `traceLog` below).
 */
const ownTrace =
  !config.hosted && config.trace !== null
    ? new Recorder({
        limit: config.traceLimit,
        payloadLimit: config.trace,
        about: {
          app: document.title,
          chat: config.chatId,
          instance: config.instanceId,
          profile: config.profile,
        },
      })
    : null;
const tellHost = hostLink(config.hosted, config.selfAddr);
/** @type {import("./updates.js").Report} */
const report = ownTrace
  ? (kind, data) => {
      ownTrace.report(config.selfAddr, { kind, at: performance.timeOrigin + performance.now(), ...data });
      tellHost(kind, data);
    }
  : tellHost;
const network = new NetworkControl(origin, report);
const page = new Page(RULES, config.profile, network, report);
webxdc.joinRealtimeChannel = () => {
  try {
    return page.join();
  } catch (error) {
    throw told(page, "joinRealtimeChannel", error);
  }
};
/** Let go of what this page holds in a runtime that outlives it (the host page's). */
let release = () => {};
window.addEventListener("pagehide", (event) => {
  page.current?.leave();
  if (traceLog) report("frames", traceLog.take()); // what the host page has not taken yet
  if (!event.persisted) release();
});
console.info(
  `webxdc realtime: host profile "${config.profile}" (${page.profile.host}); ` +
    `differences from SPEC.md section 2: ${page.profile.differences}`,
);

const updates = new Updates(config.selfAddr, report, network);
/** Every frame, for the trace (the host page's, or this tab's own), from the first frame. */
const traceLog = config.trace !== null ? new TraceLog(RULES.frame, config.traceLimit, config.trace) : null;
if (traceLog) {
  page.setTrace(traceLog);
  updates.tap = true; // updates, errors, joins: reported one by one, as they happen
}
// Peers beyond this browser: its client is fetched now, while Python loads.
const relay = config.relay ? new RelayLink(config.relay) : null;
if (relay) {
  page.relay = updates.relay = relay;
  relay.start(config.baseUrl);
}
/** @type {(core: any) => void} */
let coreLive = () => {};
/** @type {(error: unknown) => void} */
let coreFailed = () => {};
/** @type {Promise<any>} resolves once Python is live */
const core = new Promise((resolve, reject) => {
  coreLive = resolve;
  coreFailed = reject;
});
core.catch(() => {}); // reported when the runtime fails
if (config.api === "full") {
  installApi(webxdc, {
    updates,
    core,
    report,
    members: {
      sendUpdateInterval: config.sendUpdateInterval,
      sendUpdateMaxSize: config.sendUpdateMaxSize,
      isAppSender: config.isAppSender,
      isBroadcast: config.isBroadcast,
    },
    getAllUpdatesMessage: RULES.webxdc.get_all_updates_deprecated,
  });
}

/** @type {() => number | null} the size of Python's wasm memory, once it is up */
let wasmBytes = () => null;

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
  /**
   * The page's own heaps, bytes (null where unknown): Python's wasm memory (which only
   * grows) and the JS heap in use (Chromium's `performance.memory`). For `make soak`.
   * @returns {{ wasm: number | null, js: number | null }}
   */
  memory: () => ({
    wasm: wasmBytes(),
    js: /** @type {any} */ (performance).memory?.usedJSHeapSize ?? null,
  }),
  /** The network's conditions: `set`, `link`, `partition`, `heal`, `offline`, `online`, ... */
  network: network.api(),
  /** The relay, if the page has one: `status`, `server`, `sent`, `received`, `dropped`. */
  relay: relay?.view() ?? null,
  /**
   * Report every frame, update and error thrown at the app to the host page's devtools
   * (which call this while open), or stop: nothing is reported per frame otherwise.
   * @param {boolean} on
   */
  tap: (on) => {
    page.setTap(on);
    updates.tap = on || traceLog !== null;
  },
  /**
   * What this peer kept of its frames for the host page's trace since it last asked
   * (`{events, missed}`), or null when the host page does not trace.
   */
  trace: traceLog && { take: () => traceLog.take() },
  /**
   * This tab's own trace (`?trace=on`) as a `.jsonl.gz` file, or null (docs/TRACE.md).
   * @returns {Promise<Blob | null>}
   */
  traceFile: async () => {
    if (!ownTrace || !traceLog) return null;
    const { events, missed } = traceLog.take();
    ownTrace.frames(config.selfAddr, events, missed);
    return ownTrace.blob([{ addr: config.selfAddr, name: config.selfName }], VERSION);
  },
  ready: loadRuntime({
    baseUrl: config.baseUrl,
    wheel: WHEEL,
    version: VERSION,
    snapshot: config.snapshot,
    chatId: config.chatId,
    instanceId: config.instanceId,
    profile: config.profile,
    selfAddr: config.selfAddr,
    t0,
    lender: config.hosted ? lenderOf(window) : null,
  }).then(
    ({ endpoint, browser, timings, shared, wasmBytes: measure }) => {
      handle.timings = timings;
      wasmBytes = measure;
      if (shared) {
        release = () => {
          release = () => {};
          page.release();
          updates.release();
          endpoint.close();
        };
        /** @type {import("./runtime.js").Lender} */ (lenderOf(window)).lend(window, () => release());
      }
      page.goLive(endpoint);
      network.start(endpoint, config.net);
      coreLive({ sendToChat: browser.send_to_chat });
      if (config.api === "full") {
        updates.start(
          browser.BrowserUpdates,
          endpoint.updates_name,
          config.sendUpdateInterval,
          config.sendUpdateMaxSize,
          endpoint,
        );
      }
      console.info(
        `webxdc realtime: live in ${Math.round(performance.now() - t0)} ms ` +
          `(${RUNTIME_SAID[timings.mode]} ${Math.round(timings.pyodide)} ms, ` +
          `install ${Math.round(timings.install - timings.pyodide)} ms, ` +
          `init ${Math.round(timings.init - timings.install)} ms); chat "${config.chatId}", instance "${config.instanceId}"`,
      );
      report("status", { status: "live", ms: Math.round(performance.now() - t0) });
      return timings;
    },
    (error) => {
      page.fail(error);
      coreFailed(error);
      report("status", { status: "failed", error: String(error) });
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

/** @typedef {typeof handle} WebxdcRealtime  `window.webxdcRealtime` (js_glue/webxdc/window.d.ts) */
