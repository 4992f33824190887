// @ts-check
/**
 * Loads the Python side from local files (never a CDN: webxdc apps run offline) and
 * returns the adapter's `BrowserEndpoint`. A peer of the host page borrows the page's
 * runtime instead (js_glue/runtime-share).
 *
 * Fast path: restore `snapshot.bin.gz`, a memory snapshot of an interpreter that has
 * already imported our package (made at build time by tools/make-snapshot.mjs; the file
 * holds the image's non-zero pages, and the runtime, patched there, writes only those
 * into wasm memory). It is used only if `snapshot.json` names the same Pyodide and
 * package versions and this file format; if it is
 * missing, does not match, or fails to restore, Python starts plainly and our wheel is
 * installed from the same folder. `data-snapshot="off"` on the script tag forces the
 * plain start.
 */

import { RUNTIME_KEY } from "../shared/host-page.js";
import { SHAPES } from "./contract.js";

/**
 * @typedef {object} Timings  milliseconds since the script started
 * @property {"snapshot" | "plain" | "shared"} mode  how Python started ("shared": the host
 *   page's, lent to its peers)
 * @property {number} pyodide  Python is up (`loadPyodide()` done, or the snapshot restored)
 * @property {number} install  our package installed (as `pyodide` when restored)
 * @property {number} init     our module imported, endpoint made: live
 */

/**
 * @typedef {object} PythonOptions
 * @property {string} baseUrl  folder with pyodide.mjs, the lock file, the wheel, the snapshot
 * @property {string} wheel  our wheel's file name
 * @property {string} version  our package version
 * @property {boolean} snapshot  whether to try the snapshot
 *
 * @typedef {object} Python  a Python runtime with our package imported
 * @property {any} pyodide
 * @property {any} browser  the `webxdc_realtime.browser.adapter` module (a proxy)
 * @property {"snapshot" | "plain"} mode  how it started
 * @property {number} pyodideMs  ms from `t0` to Python up
 * @property {number} installMs  ms from `t0` to our package installed
 *
 * @typedef {object} Lender  a runtime shared by the peers of a host page (js_glue/runtime-share)
 * @property {(options: PythonOptions) => Promise<Python>} python
 * @property {(peer: Window, release: () => void) => void} lend  the peer's release, for the
 *   lender to call if the peer goes without saying so
 */

/**
 * Start Python and import our package, in the realm of this script.
 * @param {PythonOptions & { t0: number }} options
 * @returns {Promise<Python>}
 */
export async function startPython({ baseUrl, wheel, version, snapshot, t0 }) {
  const [pyodideModule, manifest] = await Promise.all([
    import(/* @vite-ignore */ baseUrl + "pyodide.mjs"),
    snapshot ? fetchJson(baseUrl + "snapshot.json") : null,
  ]);
  const { loadPyodide } = pyodideModule;
  /** @type {"snapshot" | "plain"} */
  let mode = "plain";
  let pyodide = null;
  if (manifest) {
    if (
      manifest.pyodide === pyodideModule.version &&
      manifest.package === version &&
      manifest.format === "pages-v1"
    ) {
      try {
        // Pyodide fetches its lock file, its wasm and its script while the snapshot downloads
        // (it awaits the snapshot only once its wasm is ready to run). It keeps its options
        // for the page's lifetime: hand it the snapshot (tens of MiB) through a thenable that
        // lets go of it once taken, so that it can be collected.
        /** @type {Promise<Uint8Array> | null} */
        let image = fetchGzip(baseUrl + manifest.file).then(imageOf);
        image.catch(() => {}); // a failure is Pyodide's to report, when it takes the snapshot
        const once = {
          /**
           * @param {(value: Uint8Array) => void} resolve
           * @param {(reason: unknown) => void} reject
           */
          then(resolve, reject) {
            const taken = /** @type {Promise<Uint8Array>} */ (image);
            image = null;
            taken.then(resolve, reject);
          },
        };
        pyodide = await loadPyodide({ indexURL: baseUrl, _loadSnapshot: once });
        mode = "snapshot";
      } catch (error) {
        console.warn("webxdc realtime: the Python snapshot could not be restored; starting plainly.", error);
      }
    } else {
      console.warn(
        `webxdc realtime: snapshot.json is for Pyodide ${manifest.pyodide} / package ${manifest.package} ` +
          `(${manifest.format}), not ${pyodideModule.version} / ${version} (pages-v1); starting plainly.`,
      );
    }
  }
  if (!pyodide) pyodide = await loadPyodide({ indexURL: baseUrl });
  const pyodideMs = performance.now() - t0;
  if (mode === "plain") await pyodide.loadPackage(baseUrl + wheel, { messageCallback: () => {} });
  const installMs = performance.now() - t0;
  const browser = pyodide.pyimport("webxdc_realtime.browser.adapter");
  return { pyodide, browser, mode, pyodideMs, installMs };
}

/**
 * Python for this page, and the page's endpoint in it: a runtime of its own, or the one its
 * host page lends its peers (then `timings.mode` is "shared", and its times are this
 * page's wait for it). If the lender cannot lend (another version asked first), the page
 * starts its own.
 * @param {PythonOptions & {
 *   chatId: string, instanceId: string, profile: string, selfAddr: string, t0: number,
 *   lender: Lender | null,
 * }} options  the profile: the host profile whose rules the core applies; selfAddr: this
 *   peer's address, which its announcements carry; t0: `performance.now()` when the
 *   script started
 * @returns {Promise<{ endpoint: any, browser: any, timings: Timings, shared: boolean, wasmBytes: () => number | null }>}
 *   the page's `BrowserEndpoint` and the `webxdc_realtime.browser.adapter` module (proxies);
 *   the size of Python's wasm memory, now (null if this Pyodide does not say)
 */
export async function loadRuntime({ chatId, instanceId, profile, selfAddr, t0, lender, ...python }) {
  /** @type {Python | null} */
  let lent = null;
  if (lender) {
    try {
      lent = await lender.python(python);
    } catch (error) {
      console.warn(
        "webxdc realtime: the host page's runtime is not for this page; starting one of its own.",
        error,
      );
    }
  }
  const { pyodide, browser, mode, pyodideMs, installMs } = lent ?? (await startPython({ ...python, t0 }));
  const endpoint = browser.BrowserEndpoint(chatId, instanceId, profile, selfAddr, SHAPES);
  const now = performance.now() - t0;
  return {
    endpoint,
    browser,
    shared: lent !== null,
    timings: lent
      ? { mode: "shared", pyodide: now, install: now, init: performance.now() - t0 }
      : { mode, pyodide: pyodideMs, install: installMs, init: performance.now() - t0 },
    // Emscripten's module: not Pyodide's public API, hence the care.
    wasmBytes: () => /** @type {any} */ (pyodide)._module?.HEAP8?.byteLength ?? null,
  };
}

/**
 * @param {string} url
 * @returns {Promise<any>} the parsed JSON, or null if it is not there
 */
async function fetchJson(url) {
  try {
    const response = await fetch(url);
    return response.ok ? await response.json() : null;
  } catch {
    return null;
  }
}

/**
 * @param {string} url  a gzip file
 * @returns {Promise<Uint8Array>} its decompressed bytes
 */
async function fetchGzip(url) {
  const response = await fetch(url);
  if (!response.ok || !response.body) throw new Error(`${url}: HTTP ${response.status}`);
  const stream = response.body.pipeThrough(new DecompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/**
 * The snapshot's image from the file's non-zero pages (see tools/make-snapshot.mjs): zero
 * elsewhere. A fresh ArrayBuffer is zero without being resident, so only those pages are.
 * @param {Uint8Array} file
 * @returns {Uint8Array}
 */
function imageOf(file) {
  const words = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const word = (/** @type {number} */ i) => words.getUint32(4 * i, true);
  if (word(0) !== 0x31535857) throw new Error("snapshot.bin.gz: not a file of pages (WXS1)");
  const [size, page, count] = [word(1), word(2), word(3)];
  const image = new Uint8Array(size);
  let at = 4 * (4 + count);
  for (let k = 0; k < count; k++) {
    const offset = word(4 + k) * page;
    const length = Math.min(page, size - offset);
    image.set(file.subarray(at, at + length), offset);
    at += length;
  }
  return image;
}

/**
 * The runtime this page's host page lends (js_glue/runtime-share), if it is a peer of one
 * (same origin).
 * @param {Window} win  this page's window
 * @returns {Lender | null}
 */
export function lenderOf(win) {
  if (win.parent === win) return null;
  try {
    return /** @type {any} */ (win.parent)[RUNTIME_KEY] ?? null;
  } catch {
    return null; // a parent of another origin
  }
}
