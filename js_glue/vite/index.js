// @ts-check
/**
 * `webxdc-realtime/vite`: your app's dev server with several peers, under our rules.
 *
 * ```js
 * import { webxdcRealtime } from "webxdc-realtime/vite";
 * export default defineConfig({ plugins: [buildXDC(), eruda(), mockWebxdc(), webxdcRealtime()] });
 * ```
 *
 * In `vite` (serve), on the dev server's own origin, as `webxdc-realtime run` does on its:
 * - `/webxdc.js` is ours (the messenger's stand-in), in place of a mock's: this plugin runs
 *   before the others (`enforce: "pre"`), so `mockWebxdc()` may stay in the list;
 * - the host page, `/_webxdc-realtime/`: the peers side by side, the chat, devtools; its
 *   address is printed beside Vite's;
 * - our runtime (Pyodide, the snapshot, the page's wheel) under the same prefix, from this
 *   package's own files (found from this module, never from the working directory);
 * - Delta Chat's Content-Security-Policy on the app's responses (`csp: false` turns it off);
 *   Vite's own client and its hot-reload socket are of the same origin, so they pass.
 * Every peer is an iframe of the app served by Vite, so Vite's hot reload reaches each;
 * each peer keeps its own storage (our `webxdc.js` sees to it).
 *
 * `vite build` is left alone (`apply: "serve"`): the messenger brings its own `webxdc.js`,
 * so the `.xdc` carries none of ours.
 *
 * The prefix and the policy are the Python server's (`webxdc_realtime.host.server`), read
 * from `dist/host/serving.json`, which the build writes; the host page is the same page
 * `webxdc-realtime run` serves.
 */

import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parse as parseToml } from "smol-toml";

/** This package's built runtime (`dist/`), found from this module's own place. */
export const RUNTIME = fileURLToPath(new URL("../../dist/", import.meta.url));

/** Types of the runtime's files, by how their names end (served as they are: a `.gz` is
 * gzip data for the page to read, not an encoding for the browser to undo).
 * @type {Record<string, string>} */
const TYPES = {
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".wasm": "application/wasm",
  ".json": "application/json",
  ".css": "text/css; charset=utf-8",
  ".html": "text/html; charset=utf-8",
  ".zip": "application/zip",
  ".whl": "application/zip",
  ".xdc": "application/zip",
};

/**
 * A file of the runtime, if `name` (a path relative to it, as in a URL) is one: never outside it.
 * @param {string} name
 * @returns {string | null}
 */
function runtimeFile(name) {
  let file;
  try {
    file = path.resolve(RUNTIME, decodeURIComponent(name));
  } catch {
    return null; // not a name: a malformed escape
  }
  if (!file.startsWith(RUNTIME) || !fs.statSync(file, { throwIfNoEntry: false })?.isFile()) return null;
  return file;
}

/**
 * @typedef {object} Options
 * @property {number} [peers]  peers the host page starts with (default 2)
 * @property {string} [profile]  host profile: "strict" (default), "desktop", "mobile"
 * @property {string} [chat]  chat id of every peer (default "default")
 * @property {string} [net]  the network every peer starts with, as `?net=` writes it
 *   (`deltachat`, `loss=10%; delay=200ms`); default "": a perfect one
 * @property {boolean} [csp]  send Delta Chat's Content-Security-Policy (default true)
 */

/** @type {Required<Options>} */
const DEFAULTS = { peers: 2, profile: "strict", chat: "default", net: "", csp: true };

/**
 * Check the options; the error names what is wrong.
 * @param {unknown} given
 * @param {string[]} profiles  the host profiles there are
 * @returns {Required<Options>}
 */
export function readOptions(given, profiles) {
  const say = (/** @type {string} */ text) => new TypeError(`webxdcRealtime(): ${text}`);
  if (given === undefined) return { ...DEFAULTS };
  if (given === null || typeof given !== "object" || Array.isArray(given))
    throw say(`options must be an object, not ${given === null ? "null" : typeof given}`);
  const options = /** @type {Record<string, unknown>} */ (given);
  for (const key of Object.keys(options)) {
    if (!Object.hasOwn(DEFAULTS, key))
      throw say(`unknown option "${key}" (the options are: ${Object.keys(DEFAULTS).join(", ")})`);
  }
  const { peers = DEFAULTS.peers, profile = DEFAULTS.profile, csp = DEFAULTS.csp } = options;
  if (typeof peers !== "number" || !Number.isInteger(peers) || peers < 1 || peers > 64)
    throw say(`"peers" must be a whole number from 1 to 64, not ${JSON.stringify(peers)}`);
  if (typeof profile !== "string" || !profiles.includes(profile))
    throw say(`"profile" must be one of ${profiles.join(", ")}, not ${JSON.stringify(profile)}`);
  if (typeof csp !== "boolean") throw say(`"csp" must be true or false, not ${JSON.stringify(csp)}`);
  /** @param {"chat" | "net"} key */
  const text = (key) => {
    const value = options[key] ?? DEFAULTS[key];
    if (typeof value !== "string") throw say(`"${key}" must be a string, not ${JSON.stringify(value)}`);
    return value;
  };
  const chat = text("chat");
  if (!chat) throw say(`"chat" must not be empty`);
  return { peers, profile, chat, net: text("net"), csp };
}

/**
 * The app's name and icon, from the files Vite serves at the root (`public/`).
 * @param {string} publicDir
 * @param {string} root
 */
function appIdentity(publicDir, root) {
  let name = path.basename(root);
  try {
    const manifest = parseToml(fs.readFileSync(path.join(publicDir, "manifest.toml"), "utf8"));
    if (typeof manifest.name === "string" && manifest.name) name = manifest.name;
  } catch {
    // No manifest, or not TOML: the folder's name will do (the host page only shows it).
  }
  const icon = ["icon.png", "icon.jpg"].find((file) => fs.existsSync(path.join(publicDir, file)));
  return { name, icon: icon ? `/${icon}` : null };
}

/**
 * What the host page reads from `app.json` (see js_glue/host/main.js).
 * @param {Required<Options>} options
 * @param {{ name: string, icon: string | null }} app
 * @param {string} source
 * @param {number} run
 */
function appInfo(options, app, source, run) {
  const { peers, profile, chat, csp, net } = options;
  return { ...app, peers, profile, chat, csp, source, run, relay: "", liveReload: false, net };
}

/**
 * Our `webxdc.js`, preceded by the settings of this dev server (as the Python server does).
 * @param {Required<Options>} options
 * @param {string} prefix
 */
function webxdcJs(options, prefix) {
  /** @type {Record<string, string>} */
  const settings = { baseUrl: prefix, profile: options.profile, chat: options.chat, instance: "/" };
  if (options.net) settings.net = options.net;
  return (
    "// Set by webxdc-realtime/vite: runtime folder, profile, chat, instance.\n" +
    `window.webxdcRealtimeConfig = Object.assign(${JSON.stringify(settings)}, window.webxdcRealtimeConfig);\n` +
    fs.readFileSync(path.join(RUNTIME, "webxdc.js"), "utf8")
  );
}

/**
 * The progress line `webxdc-realtime run` prints, from what the host page POSTs.
 * @param {{ total?: number, live?: number, failed?: number, ms?: number }} status
 */
export function describeStatus({ total = 0, live = 0, failed = 0, ms = 0 }) {
  const seconds = (ms / 1000).toFixed(1);
  if (failed) return `peers: ${live} of ${total} live, ${failed} failed to load (see the page)`;
  if (total && live === total) return `peers: all ${total} live, ${seconds} s after the page opened`;
  return `peers: ${live} of ${total} live, loading Python in the page (${seconds} s)`;
}

/**
 * Answer what is ours on the dev server's origin; pass the rest to Vite (`next`).
 * @param {{ settings: Required<Options>, prefix: string, csp: string, info: () => object, say: (line: string) => void }} how
 * @returns {import("vite").Connect.NextHandleFunction}
 */
function ours({ settings, prefix, csp, info, say }) {
  return (request, response, next) => {
    const url = new URL(request.url ?? "/", "http://localhost");
    if (settings.csp) response.setHeader("Content-Security-Policy", csp);
    const send = (/** @type {string} */ type, /** @type {string | Buffer} */ body, status = 200) => {
      response.statusCode = status;
      response.setHeader("Content-Type", type);
      response.setHeader("Cache-Control", "no-cache");
      response.end(body);
    };
    if (url.pathname === "/webxdc.js") return send(TYPES[".js"], webxdcJs(settings, prefix));
    if (url.pathname === prefix.slice(0, -1)) {
      response.writeHead(301, { Location: prefix + url.search });
      return response.end();
    }
    if (!url.pathname.startsWith(prefix)) return next();
    const rest = url.pathname.slice(prefix.length);
    if (rest === "") return send(TYPES[".html"], fs.readFileSync(path.join(RUNTIME, "host", "index.html")));
    if (rest === "app.json") return send(TYPES[".json"], JSON.stringify(info()));
    if (rest === "status" && request.method === "POST") {
      let body = "";
      request.on("data", (chunk) => (body += chunk));
      request.on("end", () => {
        try {
          say(describeStatus(JSON.parse(body)));
        } catch {
          // Not JSON: not from our host page, and nothing to say.
        }
        response.writeHead(204).end();
      });
      return;
    }
    const file = runtimeFile(rest);
    if (!file) return send("text/plain; charset=utf-8", `not found: ${url.pathname}\n`, 404);
    response.writeHead(200, {
      "Content-Length": fs.statSync(file).size,
      "Content-Type": TYPES[path.extname(file)] ?? "application/octet-stream",
      "Cache-Control": "no-cache",
    });
    if (request.method === "HEAD") return response.end();
    fs.createReadStream(file).pipe(response);
  };
}

/**
 * The Vite plugin.
 * @param {Options} [options]
 * @returns {import("vite").Plugin}
 */
export function webxdcRealtime(options) {
  const serving = JSON.parse(fs.readFileSync(path.join(RUNTIME, "host", "serving.json"), "utf8"));
  const rules = JSON.parse(fs.readFileSync(path.join(RUNTIME, "rules.json"), "utf8"));
  const settings = readOptions(options, Object.keys(rules.profiles));
  /** @type {{ prefix: string, csp: string }} */
  const { prefix, csp } = serving;
  const run = Date.now();
  return {
    name: "webxdc-realtime",
    apply: "serve",
    enforce: "pre",
    configureServer(server) {
      const { logger, root, publicDir } = server.config;
      const app = appIdentity(publicDir || root, root);
      const info = () => appInfo(settings, app, `${root} (Vite)`, run);
      let said = "";
      const say = (/** @type {string} */ line) => {
        if (line !== said) logger.info(`webxdc-realtime: ${(said = line)}`, { timestamp: true });
      };
      // Before Vite's own middlewares and, by `enforce: "pre"`, before other plugins' (a mock's).
      server.middlewares.use(ours({ settings, prefix, csp, info, say }));
      const printUrls = server.printUrls.bind(server);
      server.printUrls = () => {
        printUrls();
        const page = new URL(prefix, server.resolvedUrls?.local[0] ?? "http://localhost/").href;
        logger.info(`  ➜  webxdc:  ${page} (${settings.peers} peers, host profile "${settings.profile}")`);
      };
    },
  };
}

export default webxdcRealtime;
