// @ts-check
/**
 * Where the script finds its files, who this tab is, and which chat and app instance it
 * is in. Read once, synchronously, when the script runs.
 *
 * Settings come, first match wins, from the page URL (`?chat=`, ...), the script tag
 * (`data-chat`, ...), the host page's peer (`profile`, `chat`, `net` in `window.name`, when
 * the host page's own URL asks for them), a host's `window.webxdcRealtimeConfig` (set
 * before the script, e.g. by `webxdc-realtime run`), else defaults:
 * - base URL (`data-base-url`, `baseUrl`): else the folder of the script's own URL.
 * - snapshot: restore Python from `snapshot.bin.gz`, unless `data-snapshot="off"`.
 * - host profile (`?profile=`, `data-profile`, `profile`): else the table's default.
 * - chat id (`?chat=`, `data-chat`, `chat`): else "default".
 * - instance id (`?instance=`, `data-instance`, `instance`): else the page's folder, so an
 *   app at another path of the same origin is another instance.
 * - API (`data-api`, `api`): "full", the whole webxdc API (default); "realtime": only
 *   `joinRealtimeChannel` is added to an existing `window.webxdc` (a mock of yours).
 * - storage (`data-storage`, `storage`): "peer", each peer its own (default); "shared".
 * - network (`?net=`, `data-net`, `net`): conditions for every peer (see core/network_forms.py `parse_net`).
 * - relay (`?relay=`, `data-relay`, `relay`): ws:// URLs of a relay, for peers beyond this
 *   browser (see relay-link.js).
 * - `sendUpdateInterval`, `sendUpdateMaxSize`: host config, else the core's defaults.
 * - live reload (`liveReload`, host config only): reload when the host page says the app
 *   changed (see live-reload.js).
 * Identity, first match wins: `window.webxdc` already has it; the host page's peer
 * (`window.name`, set by `webxdc-realtime run`: name, address, `isAppSender`,
 * `isBroadcast`); `#addr=...&name=...` in the page URL (the webxdc `hello` mock's
 * convention); else made up for this tab and kept in sessionStorage across reloads.
 */

import { NAMES, PEER_NAME_PREFIX, PEER_SETTINGS } from "../shared/host-page.js";

const IDENTITY_KEY = "webxdc-realtime/identity";

/**
 * @typedef {object} Config
 * @property {string} baseUrl  folder holding pyodide.mjs and the wheels, ending in "/"
 * @property {string} chatId
 * @property {string} instanceId
 * @property {string} selfAddr
 * @property {string} selfName
 * @property {boolean} snapshot  restore Python from snapshot.bin.gz when it matches (`data-snapshot="off"`: never)
 * @property {string} profile  the host profile whose rules apply
 * @property {"full" | "realtime"} api
 * @property {"peer" | "shared"} storage
 * @property {string} net  network conditions to set, or ""
 * @property {string} relay  the relay's ws:// URLs, or ""
 * @property {boolean} hosted  a peer of our host page
 * @property {number | null} trace  keep a record of every frame for the host page's trace,
 *   with this many bytes of each payload sent (Infinity: all); null: it keeps none
 * @property {number} traceLimit  frames kept for it, the newest
 * @property {boolean} liveReload  reload when `webxdc-realtime run` says the app changed
 * @property {number} sendUpdateInterval
 * @property {number} sendUpdateMaxSize
 * @property {boolean} isAppSender
 * @property {boolean} isBroadcast
 */

/**
 * @param {HTMLScriptElement | null} script  the `<script>` that loaded us, if known
 * @param {Location} location
 * @param {{ selfAddr?: unknown, selfName?: unknown }} existing  the current `window.webxdc`
 * @param {Storage | null} storage  sessionStorage, when the page may use it
 * @param {import("./rules.js").Table} rules  the profiles there are, the update defaults
 * @param {Record<string, any>} host  `window.webxdcRealtimeConfig`, or {}
 * @param {string} windowName  `window.name`
 * @returns {Config}
 */
export function readConfig(script, location, existing, storage, rules, host, windowName) {
  const data = script?.dataset ?? {};
  const query = new URLSearchParams(location.search);
  const peer = readPeer(windowName);
  /** @param {string} name */
  const setting = (name) =>
    query.get(name) ||
    data[name] ||
    (PEER_SETTINGS.includes(name) && typeof peer?.[name] === "string" ? peer[name] : "") ||
    host[name] ||
    undefined;
  const base = data.baseUrl || host.baseUrl;
  const baseUrl = base ? new URL(base, location.href).href : new URL(".", script?.src || location.href).href;
  const identity = readIdentity(location, existing, storage, peer);
  return {
    baseUrl: baseUrl.endsWith("/") ? baseUrl : baseUrl + "/",
    chatId: setting("chat") || "default",
    instanceId: setting("instance") || new URL(".", location.href).pathname,
    snapshot: (data.snapshot || host.snapshot) !== "off",
    profile: readProfile(setting("profile"), rules),
    api: (data.api || host.api) === "realtime" ? "realtime" : "full",
    storage: (data.storage || host.storage) === "shared" ? "shared" : "peer",
    net: setting("net") || "",
    relay: setting("relay") || "",
    hosted: peer !== null && window.parent !== window,
    trace: peer ? traceOf(peer.trace) : traceOf(setting("trace")),
    traceLimit: Number.isInteger(peer?.traceLimit) && peer?.traceLimit > 0 ? peer?.traceLimit : 50000,
    liveReload: Boolean(host.liveReload),
    sendUpdateInterval: Number(host.sendUpdateInterval ?? rules.webxdc.send_update_interval),
    sendUpdateMaxSize: Number(host.sendUpdateMaxSize ?? rules.webxdc.send_update_max_size),
    isAppSender: Boolean(peer?.isAppSender ?? host.isAppSender ?? true),
    isBroadcast: Boolean(peer?.isBroadcast ?? host.isBroadcast ?? false),
    ...identity,
  };
}

/**
 * Whether, and with how many bytes of each payload, to keep a record of every frame: a
 * host page's word to its peer (a number, "all"), or a tab's own (`?trace=on`, `all`, N).
 * @param {unknown} asked
 * @returns {number | null}
 */
function traceOf(asked) {
  if (asked === "all") return Infinity;
  if (asked === "on") return 64;
  const bytes = Number(asked);
  return asked !== undefined && asked !== null && asked !== "" && Number.isInteger(bytes) && bytes >= 0
    ? bytes
    : null;
}

/**
 * @param {string | undefined} asked
 * @param {{ default: string, profiles: Record<string, unknown> }} rules
 * @returns {string}
 */
function readProfile(asked, rules) {
  if (!asked || Object.hasOwn(rules.profiles, asked)) return asked || rules.default;
  const known = Object.keys(rules.profiles).join(", ");
  console.error(
    `webxdc realtime: unknown host profile "${asked}" (use one of ${known}); using "${rules.default}"`,
  );
  return rules.default;
}

/**
 * The identity our host page gave this peer, if it is one.
 * @param {string} windowName
 * @returns {Record<string, any> | null}
 */
function readPeer(windowName) {
  if (!windowName.startsWith(PEER_NAME_PREFIX)) return null;
  try {
    const peer = JSON.parse(windowName.slice(PEER_NAME_PREFIX.length));
    return peer && typeof peer === "object" ? peer : null;
  } catch {
    return null;
  }
}

/**
 * @param {Location} location
 * @param {{ selfAddr?: unknown, selfName?: unknown }} existing
 * @param {Storage | null} storage
 * @param {Record<string, any> | null} peer
 * @returns {{ selfAddr: string, selfName: string }}
 */
function readIdentity(location, existing, storage, peer) {
  const hash = new URLSearchParams(location.hash.slice(1));
  let stored = null;
  try {
    stored = JSON.parse(storage?.getItem(IDENTITY_KEY) ?? "null");
  } catch {
    stored = null;
  }
  const made = stored ?? makeIdentity();
  const selfAddr = String(existing.selfAddr ?? peer?.addr ?? hash.get("addr") ?? made.selfAddr);
  const selfName = String(existing.selfName ?? peer?.name ?? hash.get("name") ?? made.selfName);
  if (!stored && !peer && !hash.get("addr")) {
    try {
      storage?.setItem(IDENTITY_KEY, JSON.stringify(made));
    } catch {
      // Storage may be disabled (e.g. sandboxed iframes): the identity then lasts this load.
    }
  }
  return { selfAddr, selfName };
}

/** @returns {{ selfAddr: string, selfName: string }} */
export function makeIdentity() {
  const id = Array.from(crypto.getRandomValues(new Uint8Array(3)), (b) =>
    b.toString(16).padStart(2, "0"),
  ).join("");
  const name = NAMES[parseInt(id.slice(0, 2), 16) % NAMES.length];
  return { selfAddr: `${name.toLowerCase()}-${id}@webxdc.localhost`, selfName: `${name} ${id}` };
}
