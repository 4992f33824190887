// @ts-check
/**
 * `webxdc-realtime/playwright`: Playwright Test with several peers of your webxdc app.
 *
 * ```js
 * import { test, expect } from "webxdc-realtime/playwright";
 *
 * test("Cleo hears nothing while cut off", async ({ webxdc }) => {
 *   const app = await webxdc({ peers: 3 }); // the host page, once every peer is live
 *   const [ada, ben, cleo] = app.peers;
 *   await app.network.partition([ada, ben], [cleo]);
 *   await ada.locator("#say").click();
 *   await expect(ben.locator("#heard li")).toHaveCount(1);
 *   await expect(cleo.locator("#heard li")).toHaveCount(0);
 * });
 * ```
 *
 * `webxdc(options)` opens the host page of a dev server with `webxdcRealtime()` (from
 * `webxdc-realtime/vite`), or of `webxdc-realtime run`: `options.url`, else
 * `test.use({ webxdcOptions: { url } })`, else `$WEBXDC_URL`, else the test's `baseURL`
 * (the host page's path is added when the URL has none). It returns a {@link WebxdcApp}
 * once every peer is live. The names and their behaviour are the pytest plugin's
 * (`webxdc_app`), in JavaScript's spelling.
 *
 * The first app of a test opens in the test's own `page` (its context, with `use` options
 * such as `ignoreHTTPSErrors`); each further one in a context of its own, so that each app's
 * peers have storage of their own.
 */

import { test as base, expect } from "@playwright/test";
import { readFileSync } from "node:fs";
import { isDeepStrictEqual } from "node:util";
import { gunzipSync } from "node:zlib";
import { PEER_NAME_PREFIX } from "../shared/host-page.js";

export { expect };

/** Where the host page is, on the origin of the app. */
const HOST_PATH = "/_webxdc-realtime/";
/** What a peer's page keeps of its console, for the error when it never goes live. */
const LOG_KEY = "__webxdcRealtimeLog";

/**
 * @typedef {object} Options
 * @property {string} [url]  the host page, or the app's origin (default: `$WEBXDC_URL`, else `baseURL`)
 * @property {number} [peers]  how many peers (default: as the server says, 2 unless told)
 * @property {string} [profile]  host profile of every peer ("strict", "desktop", "mobile")
 * @property {string} [chat]  chat id of every peer
 * @property {string} [net]  the network every peer starts with, as `?net=` writes it
 * @property {string} [netFrom]  a trace's file: the network its session ended with, its
 *   seed too (the same frames meet the same fate; docs/TRACE.md)
 * @property {number} [timeout]  ms to wait for every peer to go live (default 60000)
 * @property {"off" | "on" | "retain-on-failure"} [trace]  attach the trace of each app's
 *   session (docs/TRACE.md) to the test's result, shown in Playwright's HTML report: for
 *   every test, for those that fail (the default), or never (the host page then records
 *   nothing)
 */

/** What the `trace` option takes. */
const TRACE_MODES = ["off", "on", "retain-on-failure"];

/**
 * @typedef {object} Conditions
 * @property {number} [delay]  ms
 * @property {number} [jitter]  ms
 * @property {number} [loss]  0 to 1
 * @property {number} [duplicate]  0 to 1
 * @property {number} [bandwidth]  bytes/s
 * @property {number} [seed]
 */

/** @typedef {{ name: string, addr: string, status: string }} PeerState */

const sleep = (/** @type {number} */ ms) => new Promise((done) => setTimeout(done, ms));

/**
 * Within `ms`, or null.
 * @template T
 * @param {Promise<T>} promise
 * @param {number} ms
 * @returns {Promise<T | null>}
 */
async function within(promise, ms) {
  promise.catch(() => {});
  return Promise.race([promise, sleep(ms).then(() => null)]);
}

/**
 * Run in every frame of the context before its scripts: a peer's page keeps its last
 * console lines and uncaught errors, so that a peer that never goes live can say why.
 * @param {{ prefix: string, key: string }} names
 */
function keepLog({ prefix, key }) {
  if (!window.name.startsWith(prefix)) return;
  /** @type {string[]} */
  const lines = [];
  /** @type {any} */ (window)[key] = lines;
  const keep = (/** @type {string} */ text) => {
    lines.push(text);
    if (lines.length > 20) lines.shift();
  };
  const show = (/** @type {unknown} */ value) => {
    if (value instanceof Error) return `${value.name}: ${value.message}`;
    if (typeof value === "string") return value;
    try {
      return JSON.stringify(value);
    } catch {
      return String(value);
    }
  };
  for (const level of /** @type {const} */ (["log", "info", "warn", "error"])) {
    const original = console[level];
    console[level] = (...args) => {
      keep(`${level}: ${args.map(show).join(" ")}`);
      original.apply(console, args);
    };
  }
  window.addEventListener("error", (event) => keep(`uncaught: ${event.message}`));
  window.addEventListener("unhandledrejection", (event) =>
    keep(`unhandled rejection: ${show(event.reason)}`),
  );
}

/** The private name of `Peer`'s lookup of its frame through its iframe element. */
const FIND = Symbol("find");

/** One peer of the app: an iframe of the host page. */
export class Peer {
  /**
   * @param {WebxdcApp} app
   * @param {{ name: string, addr: string }} identity
   */
  constructor(app, { name, addr }) {
    this.app = app;
    /** Its `selfName`. */
    this.name = name;
    /** Its `selfAddr`. */
    this.addr = addr;
  }

  toString() {
    return `${this.name} (${this.addr})`;
  }

  /** Its card's iframe, in the host page. */
  get #selector() {
    return `section[data-addr="${this.addr}"] iframe`;
  }

  /** Its frame as last found through its iframe element (see `frame`). */
  #found = /** @type {import("@playwright/test").Frame | null} */ (null);

  /**
   * The app as this peer sees it, a Playwright `Frame` (the same frame across reloads).
   * Found by the name the host page gave it, or else as its iframe element's content frame,
   * found when the peer went live: Firefox's WebDriver BiDi reads a frame's name a moment
   * after the frame appears, and may miss it.
   * @returns {import("@playwright/test").Frame}
   */
  get frame() {
    const frame = this.app.page.frames().find((f) => {
      if (!f.name().startsWith(PEER_NAME_PREFIX)) return false;
      try {
        return JSON.parse(f.name().slice(PEER_NAME_PREFIX.length)).addr === this.addr;
      } catch {
        return false;
      }
    });
    if (frame) return frame;
    if (this.#found && !this.#found.isDetached()) return this.#found;
    throw new Error(`webxdc: ${this} has no frame in the host page (removed, or in a tab of its own)`);
  }

  /** Find this peer's frame through its iframe element, for `frame` to fall back on. */
  async [FIND]() {
    const element = await this.app.page.$(this.#selector);
    this.#found = (await element?.contentFrame()) ?? null;
    await element?.dispose();
    return this;
  }

  /** `frame`, looked up again through its iframe element if it is not found (brought back). */
  async #current() {
    try {
      return this.frame;
    } catch {
      await this[FIND]();
      return this.frame;
    }
  }

  /**
   * A locator in this peer's page (it follows the peer across reloads).
   * @param {string} selector
   */
  locator(selector) {
    return this.app.page.frameLocator(this.#selector).locator(selector);
  }

  /** @param {Parameters<import("@playwright/test").FrameLocator["getByRole"]>} args */
  getByRole(...args) {
    return this.app.page.frameLocator(this.#selector).getByRole(...args);
  }

  /** @param {Parameters<import("@playwright/test").FrameLocator["getByText"]>} args */
  getByText(...args) {
    return this.app.page.frameLocator(this.#selector).getByText(...args);
  }

  /** @param {Parameters<import("@playwright/test").FrameLocator["getByTestId"]>} args */
  getByTestId(...args) {
    return this.app.page.frameLocator(this.#selector).getByTestId(...args);
  }

  /** @param {Parameters<import("@playwright/test").FrameLocator["getByPlaceholder"]>} args */
  getByPlaceholder(...args) {
    return this.app.page.frameLocator(this.#selector).getByPlaceholder(...args);
  }

  /** @param {Parameters<import("@playwright/test").FrameLocator["getByLabel"]>} args */
  getByLabel(...args) {
    return this.app.page.frameLocator(this.#selector).getByLabel(...args);
  }

  /**
   * Evaluate in this peer's page (`Frame.evaluate`).
   * @template R, A
   * @param {string | ((arg: A) => R | Promise<R>)} fn
   * @param {A} [arg]
   * @returns {Promise<R>}
   */
  async evaluate(fn, arg) {
    const frame = await this.#current();
    return /** @type {R} */ (await frame.evaluate(/** @type {any} */ (fn), arg));
  }

  /**
   * Wait until `fn` is truthy in this peer's page; return its value. An expression (a
   * string) that names what the page has not defined yet is waited for.
   * @template R, A
   * @param {string | ((arg: A) => R | Promise<R>)} fn
   * @param {A} [arg]
   * @param {{ timeout?: number }} [options]  ms (default 30000)
   * @returns {Promise<R>}
   */
  async waitFor(fn, arg, { timeout = 30_000 } = {}) {
    // An expression's name the page has not defined yet (it still loads, or reloads)
    // counts as not yet; other errors end the wait.
    const patient =
      typeof fn === "string"
        ? `(() => { try { return (${fn}\n); } catch (e) { if (e instanceof ReferenceError) return false; throw e; } })()`
        : fn;
    const frame = await this.#current();
    const handle = await frame.waitForFunction(/** @type {any} */ (patient), arg, { timeout, polling: 50 });
    return /** @type {R} */ (await handle.jsonValue());
  }

  /**
   * Wait until this peer's runtime is live.
   * @param {{ timeout?: number }} [options]
   */
  async waitLive({ timeout = 60_000 } = {}) {
    await this.app.waitLive({ timeout, peers: [this] });
  }

  /**
   * Reload this peer, as the host page's reload button does; wait until it is live again.
   * @param {{ timeout?: number }} [options]
   */
  async reload({ timeout = 60_000 } = {}) {
    // Its new page is told by its time origin: a peer that reloads fast may be live again
    // before its status is read.
    const origin = () => this.frame.evaluate(() => performance.timeOrigin).catch(() => null);
    const before = await origin();
    await this.app.page.evaluate((addr) => {
      const peer = /** @type {any} */ (window).host.peers.find((/** @type {any} */ p) => p.addr === addr);
      peer.status = "loading";
      peer.card.querySelector("iframe").contentWindow.location.reload();
    }, this.addr);
    const deadline = Date.now() + timeout;
    for (let now = await origin(); now === null || now === before; now = await origin()) {
      if (Date.now() > deadline) throw new Error(`webxdc: ${this} did not reload within ${timeout / 1000} s`);
      await sleep(50);
    }
    await this.waitLive({ timeout: Math.max(deadline - Date.now(), 1000) });
  }
}

/**
 * @param {Peer | string} peer
 * @returns {string}
 */
const addrOf = (peer) => (typeof peer === "string" ? peer : peer.addr);

/**
 * The network between the peers: the same conditions at every peer. Each method changes
 * them through a peer's `webxdcRealtime.network`, which gives them to every peer, and
 * resolves with the new state once every peer has it (the README's "See and shape the
 * network" says what each condition does).
 */
export class Network {
  /** @param {WebxdcApp} app */
  constructor(app) {
    this.app = app;
  }

  /**
   * @param {string} method
   * @param {unknown[]} args
   * @returns {Promise<Record<string, any>>}
   */
  async #change(method, ...args) {
    const [first] = this.app.peers;
    const state = await first.evaluate(
      ([method, args]) => /** @type {any} */ (window).webxdcRealtime.network[method](...args),
      /** @type {[string, unknown[]]} */ ([method, args]),
    );
    const deadline = Date.now() + 30_000;
    for (;;) {
      const states = await Promise.all(
        this.app.peers.map((p) => p.evaluate(() => /** @type {any} */ (window).webxdcRealtime.network.state)),
      );
      if (states.every((/** @type {unknown} */ s) => isDeepStrictEqual(s, state))) return state;
      if (Date.now() > deadline) {
        const behind = this.app.peers.filter((_, i) => !isDeepStrictEqual(states[i], state));
        throw new Error(`webxdc: network.${method}() did not reach ${behind.join(", ")} within 30 s`);
      }
      await sleep(50);
    }
  }

  /**
   * Set the conditions of every link: `delay`, `jitter` (ms), `loss`, `duplicate` (0 to 1),
   * `bandwidth` (bytes/s), `seed`.
   * @param {Conditions} conditions
   */
  set(conditions) {
    return this.#change("set", conditions);
  }

  /**
   * Set the conditions of one directed link; none given: it follows the global ones.
   * @param {Peer | string} sender
   * @param {Peer | string} receiver
   * @param {Conditions} [conditions]
   */
  link(sender, receiver, conditions) {
    const given = conditions && Object.keys(conditions).length ? conditions : null;
    return this.#change("link", addrOf(sender), addrOf(receiver), given);
  }

  /**
   * Split peers into groups that hear only each other.
   * @param {Array<Array<Peer | string>>} groups
   */
  partition(...groups) {
    return this.#change("partition", ...groups.map((group) => group.map(addrOf)));
  }

  /** End every partition. */
  heal() {
    return this.#change("heal");
  }

  /**
   * Take a peer offline: its frames are held until it is back ("hold") or dropped ("drop").
   * @param {Peer | string} peer
   * @param {"hold" | "drop"} [mode]
   */
  offline(peer, mode = "hold") {
    return this.#change("offline", addrOf(peer), mode);
  }

  /**
   * Bring a peer back; what was held for it is delivered, in order.
   * @param {Peer | string} peer
   */
  online(peer) {
    return this.#change("online", addrOf(peer));
  }

  /** Make the network perfect again (the seed is kept). */
  reset() {
    return this.#change("reset");
  }

  /**
   * The conditions in force.
   * @returns {Promise<Record<string, any>>}
   */
  state() {
    return this.app.peers[0].evaluate(() => /** @type {any} */ (window).webxdcRealtime.network.state);
  }
}

/** An app's host page, open, and its peers. */
export class WebxdcApp {
  /**
   * @param {import("@playwright/test").Page} page
   * @param {string} url
   */
  constructor(page, url) {
    /** The host page. */
    this.page = page;
    /** Its address. */
    this.url = url;
    /** @type {Peer[]} the peers, in the page's order */
    this.peers = [];
    /** The conditions between them. */
    this.network = new Network(this);
  }

  /** @returns {Promise<PeerState[]>} the peers the host page shows */
  #states() {
    return this.page.evaluate(() =>
      /** @type {any} */ (window).host.peers
        .filter((/** @type {any} */ p) => !p.away)
        .map((/** @type {any} */ p) => ({ name: p.name, addr: p.addr, status: p.status })),
    );
  }

  /**
   * Wait until the peers (all, unless told) are live; fail naming a peer that is not,
   * with the last thing it logged.
   * @param {{ timeout?: number, peers?: Peer[], count?: number }} [options]
   */
  async waitLive({ timeout = 60_000, peers, count } = {}) {
    const deadline = Date.now() + timeout;
    for (;;) {
      const states = await this.#states();
      const wanted = peers ? states.filter((s) => peers.some((p) => p.addr === s.addr)) : states;
      const failed = wanted.find((s) => s.status === "failed");
      if (failed) throw new Error(await this.#why(failed, "failed to load"));
      const enough = count === undefined || states.length >= count;
      if (enough && wanted.length && wanted.every((s) => s.status === "live")) return states;
      if (Date.now() > deadline) {
        const late = wanted.find((s) => s.status !== "live");
        if (!late) throw new Error(`webxdc: the host page shows ${states.length} peers, not ${count}`);
        throw new Error(await this.#why(late, `is not live after ${timeout / 1000} s`));
      }
      await sleep(50);
    }
  }

  /**
   * @param {PeerState} state
   * @param {string} what
   */
  async #why(state, what) {
    const peer = new Peer(this, state);
    await peer[FIND]().catch(() => null);
    /** @type {string[] | null} */
    let log = null;
    try {
      log = await within(
        peer.frame.evaluate((key) => /** @type {any} */ (window)[key] ?? [], LOG_KEY),
        2000,
      );
    } catch {
      log = null;
    }
    const last = log?.length ? `the last thing it logged: ${log[log.length - 1]}` : "it logged nothing";
    return `webxdc: peer ${peer} ${what} (status "${state.status}"); ${last}`;
  }

  /**
   * The peer called `name` (its selfName).
   * @param {string} name
   */
  peer(name) {
    const found = this.peers.find((p) => p.name === name);
    if (!found)
      throw new Error(`webxdc: no peer called ${JSON.stringify(name)} (there are ${this.peers.join(", ")})`);
    return found;
  }

  /**
   * Add a peer, as the host page's button does; resolve with it once it is live.
   * @param {{ timeout?: number }} [options]
   */
  async addPeer({ timeout = 60_000 } = {}) {
    const count = this.peers.length + 1;
    await this.page.click("#add");
    const states = await this.waitLive({ timeout, count });
    const peer = await new Peer(this, states[states.length - 1])[FIND]();
    this.peers.push(peer);
    return peer;
  }

  /**
   * The session's trace so far (`.jsonl.gz`, docs/TRACE.md), or null if the host page
   * keeps none (`trace: "off"`).
   * @returns {Promise<Buffer | null>}
   */
  async traceFile() {
    /** @type {string | null} */
    const data = await this.page.evaluate(() => /** @type {any} */ (window).host.traceBase64?.() ?? null);
    return data === null ? null : Buffer.from(data, "base64");
  }

  /**
   * Clear every peer's storage and the chat's updates, as the host page's Reset does;
   * resolve once every peer is live again.
   * @param {{ timeout?: number }} [options]
   */
  async reset({ timeout = 60_000 } = {}) {
    await this.page.evaluate(() => /** @type {any} */ (window).host.reset());
    await this.waitLive({ timeout });
  }
}

/**
 * The network a trace's session ended with (its header's), as `?net=` takes it (JSON).
 * @param {string} path  a trace (`.jsonl.gz`)
 * @returns {string}
 */
export function netFrom(path) {
  let header;
  try {
    const raw = readFileSync(path);
    const text = (raw[0] === 0x1f && raw[1] === 0x8b ? gunzipSync(raw) : raw).toString("utf8");
    header = JSON.parse(text.slice(0, text.indexOf("\n") >>> 0));
  } catch (error) {
    throw new Error(
      `webxdc: netFrom: cannot read a trace from ${path}: ${/** @type {Error} */ (error).message}`,
    );
  }
  if (header?.format !== "webxdc-realtime trace")
    throw new Error(
      `webxdc: netFrom: ${path} is not a webxdc-realtime trace (its first line says no "format")`,
    );
  return JSON.stringify(header.network ?? {});
}

/**
 * The host page's address: the URL given, with the host page's path if it has none, and
 * the settings the page gives its peers.
 * @param {string} given
 * @param {Options} options
 */
export function hostUrl(given, { peers, profile, chat, net, trace }) {
  const url = new URL(given);
  if (!url.pathname.includes(HOST_PATH)) url.pathname = url.pathname.replace(/\/*$/, "") + HOST_PATH;
  for (const [key, value] of Object.entries({ peers, profile, chat, net })) {
    if (value !== undefined) url.searchParams.set(key, String(value));
  }
  if (trace === "off") url.searchParams.set("trace", "off");
  return url.href;
}

/**
 * Open the host page in `page` and wait until its peers are live.
 * @param {import("@playwright/test").Page} page
 * @param {string} url
 * @param {number} timeout
 */
export async function openApp(page, url, timeout) {
  await page.context().addInitScript(keepLog, { prefix: PEER_NAME_PREFIX, key: LOG_KEY });
  const hint =
    "Is the dev server running with webxdcRealtime() (webxdc-realtime/vite) among its plugins, " +
    "or `webxdc-realtime run APP`? The url option, $WEBXDC_URL or baseURL says where.";
  /** @type {import("@playwright/test").Response | null} */
  let response;
  try {
    response = await page.goto(url, { timeout: 30_000 });
  } catch (error) {
    const said = String(/** @type {Error} */ (error).message).split("\n")[0];
    throw new Error(`webxdc: could not open ${url}: ${said}. ${hint}`);
  }
  const isHost = await page.evaluate(() => {
    const h = /** @type {any} */ (window).host;
    return Boolean(h && Array.isArray(h.peers) && typeof h.addPeer === "function");
  });
  if (!isHost) {
    const title = await page.title();
    const text = (await page.evaluate(() => document.body?.innerText ?? "")).trim().slice(0, 80);
    const what = title ? `the page "${title}"` : text ? `a page that says "${text}"` : "an empty page";
    throw new Error(
      `webxdc: ${url} is not a webxdc-realtime host page: it answered HTTP ${response?.status() ?? "?"} ` +
        `with ${what}. ${hint}`,
    );
  }
  const app = new WebxdcApp(page, url);
  const wanted =
    Number(new URL(url).searchParams.get("peers")) ||
    (await page.evaluate(() => /** @type {any} */ (window).host.app.peers));
  const states = await app.waitLive({ timeout, count: wanted });
  app.peers = await Promise.all(states.map((state) => new Peer(app, state)[FIND]()));
  return app;
}

/**
 * @typedef {(options?: Options) => Promise<WebxdcApp>} OpenApp
 * @typedef {{ webxdc: OpenApp, webxdcOptions: Options }} Fixtures
 */

/**
 * Playwright Test's `test`, with the fixture `webxdc` and the option `webxdcOptions`.
 * @type {import("@playwright/test").TestType<
 *   import("@playwright/test").PlaywrightTestArgs & import("@playwright/test").PlaywrightTestOptions & Fixtures,
 *   import("@playwright/test").PlaywrightWorkerArgs & import("@playwright/test").PlaywrightWorkerOptions
 * >}
 */
export const test = base.extend(
  /** @type {import("@playwright/test").Fixtures<Fixtures, {}, import("@playwright/test").PlaywrightTestArgs & import("@playwright/test").PlaywrightTestOptions, import("@playwright/test").PlaywrightWorkerArgs & import("@playwright/test").PlaywrightWorkerOptions>} */ ({
    webxdcOptions: [{}, { option: true }],
    webxdc: async ({ page, browser, baseURL, ignoreHTTPSErrors, webxdcOptions }, use, testInfo) => {
      /** @type {import("@playwright/test").BrowserContext[]} */
      const contexts = [];
      /** @type {WebxdcApp[]} */
      const apps = [];
      let trace = webxdcOptions.trace ?? "retain-on-failure";
      let used = false;
      /** @type {OpenApp} */
      const open = async (options = {}) => {
        const settings = { ...webxdcOptions, ...options };
        const given = settings.url ?? process.env.WEBXDC_URL ?? baseURL;
        if (!given) {
          throw new Error(
            "webxdc: where is the app? Give `url` (webxdc({ url })), `webxdcOptions.url`, $WEBXDC_URL or `baseURL` in playwright.config",
          );
        }
        let target = page;
        if (used) {
          const context = await browser.newContext({ ignoreHTTPSErrors, baseURL });
          contexts.push(context);
          target = await context.newPage();
        }
        used = true;
        trace = settings.trace ?? trace;
        if (settings.netFrom !== undefined) {
          if (settings.net !== undefined) throw new Error("webxdc: give net or netFrom, not both");
          settings.net = netFrom(settings.netFrom);
        }
        if (!TRACE_MODES.includes(trace))
          throw new Error(
            `webxdc: trace must be one of ${TRACE_MODES.join(", ")}, not ${JSON.stringify(trace)}`,
          );
        const app = await openApp(target, hostUrl(given, settings), settings.timeout ?? 60_000);
        apps.push(app);
        return app;
      };
      await use(open);
      const failed = testInfo.status !== testInfo.expectedStatus;
      if (trace === "on" || (trace === "retain-on-failure" && failed)) {
        for (const [index, app] of apps.entries()) {
          const body = await app.traceFile().catch(() => null);
          if (body)
            await testInfo.attach(`webxdc-trace-${index}.jsonl.gz`, {
              body,
              contentType: "application/gzip",
            });
        }
      }
      await Promise.all(contexts.map((context) => context.close()));
    },
  }),
);
