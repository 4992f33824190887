// @ts-check
/**
 * Loads the Python side: Pyodide from local files (never a CDN: webxdc apps run
 * offline), micropip, then our wheel; returns the adapter's `BrowserEndpoint`.
 */

/**
 * @typedef {object} PyChannel  a `webxdc_realtime._browser.BrowserChannel` proxy
 * @property {string} channel_name
 * @property {Uint8Array} hello
 * @property {(givenType: string) => void | Error} set_listener
 * @property {(dataType: string, length: number | undefined) => Uint8Array | Error} send
 * @property {(head: Uint8Array, frameLength: number) => boolean} receive
 * @property {() => Uint8Array | undefined} leave
 * @property {() => Record<string, unknown>} stats
 *
 * @typedef {object} PyEndpoint  a `webxdc_realtime._browser.BrowserEndpoint` proxy
 * @property {() => PyChannel | Error} join
 * @property {number} header_size
 *
 * @typedef {object} Timings  milliseconds since the script started
 * @property {number} pyodide  `loadPyodide()` done
 * @property {number} install  micropip and our wheel installed
 * @property {number} init     our module imported, endpoint made
 */

/**
 * @param {string} baseUrl  folder with pyodide.mjs, the lock file and the wheels
 * @param {string} wheel  our wheel's file name
 * @param {string} chatId
 * @param {string} instanceId
 * @param {number} t0  `performance.now()` when the script started
 * @returns {Promise<{ endpoint: PyEndpoint, timings: Timings }>}
 */
export async function loadRuntime(baseUrl, wheel, chatId, instanceId, t0) {
  const { loadPyodide } = await import(/* @vite-ignore */ baseUrl + "pyodide.mjs");
  const pyodide = await loadPyodide({ indexURL: baseUrl });
  const pyodideMs = performance.now() - t0;
  await pyodide.loadPackage("micropip", { messageCallback: () => {} });
  const micropip = pyodide.pyimport("micropip");
  await micropip.install(baseUrl + wheel, { deps: false });
  micropip.destroy();
  const installMs = performance.now() - t0;
  const browser = pyodide.pyimport("webxdc_realtime._browser");
  const endpoint = browser.BrowserEndpoint(chatId, instanceId);
  browser.destroy();
  return { endpoint, timings: { pyodide: pyodideMs, install: installMs, init: performance.now() - t0 } };
}
