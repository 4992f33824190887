// @ts-check
/**
 * Where the script finds its files, who this tab is, and which chat and app
 * instance it is in. Read once, synchronously, when the script runs.
 *
 * Precedence, first match wins:
 * - base URL: `data-base-url` on the script tag; else the folder of the script's own URL.
 * - snapshot: restore Python from `snapshot.bin.gz` beside the script, unless `data-snapshot="off"`.
 * - host profile: `?profile=` in the page URL; `data-profile` on the script tag; else the
 *   table's default ("strict"). An unknown name is reported on the console; the default applies.
 * - chat id: `?chat=` in the page URL; `data-chat` on the script tag; else "default".
 * - instance id: `?instance=`; `data-instance`; else the page's folder (`/apps/chess/`),
 *   so an app at another path of the same origin is another instance.
 * - selfAddr / selfName: kept if `window.webxdc` already has them; else `#addr=...&name=...`
 *   in the page URL (the convention of the webxdc `hello` mock); else made up for this tab
 *   and kept in sessionStorage, so a reload keeps the identity.
 */

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
 */

/**
 * @param {HTMLScriptElement | null} script  the `<script>` that loaded us, if known
 * @param {Location} location
 * @param {{ selfAddr?: unknown, selfName?: unknown }} existing  the current `window.webxdc`
 * @param {Storage | null} storage  sessionStorage, when the page may use it
 * @param {{ default: string, profiles: Record<string, unknown> }} rules  the profiles there are
 * @returns {Config}
 */
export function readConfig(script, location, existing, storage, rules) {
  const data = script?.dataset ?? {};
  const query = new URLSearchParams(location.search);
  const baseUrl = data.baseUrl
    ? new URL(data.baseUrl, location.href).href
    : new URL(".", script?.src || location.href).href;
  const identity = readIdentity(location, existing, storage);
  return {
    baseUrl: baseUrl.endsWith("/") ? baseUrl : baseUrl + "/",
    chatId: query.get("chat") || data.chat || "default",
    instanceId: query.get("instance") || data.instance || new URL(".", location.href).pathname,
    snapshot: data.snapshot !== "off",
    profile: readProfile(query.get("profile") || data.profile, rules),
    ...identity,
  };
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
 * @param {Location} location
 * @param {{ selfAddr?: unknown, selfName?: unknown }} existing
 * @param {Storage | null} storage
 * @returns {{ selfAddr: string, selfName: string }}
 */
function readIdentity(location, existing, storage) {
  const hash = new URLSearchParams(location.hash.slice(1));
  let stored = null;
  try {
    stored = JSON.parse(storage?.getItem(IDENTITY_KEY) ?? "null");
  } catch {
    stored = null;
  }
  const made = stored ?? makeIdentity();
  const selfAddr = String(existing.selfAddr ?? hash.get("addr") ?? made.selfAddr);
  const selfName = String(existing.selfName ?? hash.get("name") ?? made.selfName);
  if (!stored && !hash.get("addr")) {
    try {
      storage?.setItem(IDENTITY_KEY, JSON.stringify(made));
    } catch {
      // Storage may be disabled (e.g. sandboxed iframes): the identity then lasts this load.
    }
  }
  return { selfAddr, selfName };
}

const NAMES = ["Ada", "Ben", "Cleo", "Dan", "Eve", "Finn", "Gus", "Hana", "Ivo", "Jo"];

/** @returns {{ selfAddr: string, selfName: string }} */
export function makeIdentity() {
  const id = Array.from(crypto.getRandomValues(new Uint8Array(3)), (b) =>
    b.toString(16).padStart(2, "0"),
  ).join("");
  const name = NAMES[parseInt(id.slice(0, 2), 16) % NAMES.length];
  return { selfAddr: `${name.toLowerCase()}-${id}@webxdc.localhost`, selfName: `${name} ${id}` };
}
