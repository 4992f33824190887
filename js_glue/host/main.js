// @ts-check
/**
 * The host page of `webxdc-realtime run`: the app's peers side by side, each an iframe of
 * the app with its own identity (given through the iframe's name, which our webxdc.js
 * reads), and what the chat would show. Peers tell this page what happens (postMessage);
 * this page tells the command how many are live.
 *
 * The page is served at the command's reserved prefix (`/_webxdc-realtime/`) of the app's
 * origin, the app at its root: our own paths here are relative, the app's absolute. When
 * the command says the app changed (server-sent events), every peer reloads, those in
 * tabs of their own too: our webxdc.js listens on RELOAD_CHANNEL (js_glue/shared).
 *
 * The peers share one Python runtime, which this page lends them (js_glue/runtime-share).
 *
 * Its URL may ask for more than the server says: `?peers=3&profile=mobile&chat=x&net=...`.
 *
 * It keeps a trace of the session (js_glue/trace/, docs/TRACE.md) unless its URL says
 * `?trace=off`: every peer then keeps a record of its frames (js_glue/webxdc/trace-log.js),
 * which this page takes when it saves the trace, or each second for the command
 * (`webxdcRealtime.trace`), and reports the rest as it happens. *Save trace* downloads it; `run --trace FILE` has it sent to the command, which
 * writes it when it stops.
 *
 * Exposes `window.host` for tests and tools: `peers`, `chat`, `addPeer()`, `reset()`,
 * `runtime` (the lender: `peers()`, `pyodide()`), `trace` (the recorder, or null),
 * `traceFile()` (the trace as a gzip Blob), `traceBase64()` (its bytes, for test tools).
 */

import { el } from "../shared/dom.js";
import { COLOURS, NAMES, PEER_NAME_PREFIX, PEER_SETTINGS, RELOAD_CHANNEL } from "../shared/host-page.js";
import { lendRuntime } from "../runtime-share/share.js";
import { Devtools, describe } from "../devtools/index.js";
import { DEFAULT_LIMIT, DEFAULT_PAYLOAD_LIMIT, Recorder, base64 } from "../trace/recorder.js";

const PEERS_KEY = "webxdc-realtime/host/peers";
const APP_PAGE = "/index.html"; // the app, at the root of this origin as in a messenger

/**
 * @typedef {{ addr: string, name: string, colour: string }} Identity
 * @typedef {Identity & { status: "loading" | "live" | "failed", ms: number, away: boolean, card?: HTMLElement }} Peer
 * @typedef {{ kind: string, peer: string, text: string }} Line
 */

const $ = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id));
const opened = performance.now();

const host = {
  /** @type {Record<string, any>} */
  app: {},
  /** @type {Peer[]} */
  peers: [],
  /** @type {Record<string, string>} what this page's URL sets for every peer (`asked()`) */
  settings: {},
  chat: {
    /** @type {Line[]} */ lines: [],
    summary: /** @type {string | null} */ (null),
    document: /** @type {string | null} */ (null),
  },
  addPeer,
  reset,
  /** How many times the app changed and the peers were told to reload. */
  reloads: 0,
  /** @type {Devtools | null} */
  devtools: null,
  /** How the devtools show a payload (for tests). */
  describe,
  /** The Python runtime this page lends its peers. */
  runtime: lendRuntime(window),
  /** @type {Recorder | null} the session's trace, unless `?trace=off` */
  trace: null,
  traceFile,
  traceBase64,
};
/** @type {any} */ (window).host = host;

/**
 * A peer's `webxdcRealtime`, if its page is up.
 * @param {string} addr
 */
function runtimeOf(addr) {
  const peer = host.peers.find((p) => p.addr === addr);
  const frame = /** @type {HTMLIFrameElement | null | undefined} */ (peer?.card?.querySelector("iframe"));
  return /** @type {any} */ (frame?.contentWindow)?.webxdcRealtime ?? null;
}

/** @returns {Identity} a name not in use */
function newIdentity() {
  const used = new Set(host.peers.map((p) => p.name));
  const index = NAMES.findIndex((n) => !used.has(n));
  const name = index >= 0 ? NAMES[index] : `Peer ${host.peers.length + 1}`;
  const at = index >= 0 ? index : host.peers.length;
  return { addr: `${name.toLowerCase()}@peers.localhost`, name, colour: COLOURS[at % COLOURS.length] };
}

function save() {
  const peers = host.peers.map(({ addr, name, colour }) => ({ addr, name, colour }));
  localStorage.setItem(PEERS_KEY, JSON.stringify({ run: host.app.run, peers }));
}

/** @param {Identity} identity */
function frameName(identity) {
  const limit = host.trace?.payloadLimit;
  const trace =
    limit === undefined
      ? {}
      : { trace: Number.isFinite(limit) ? limit : "all", traceLimit: host.trace?.limit };
  return (
    PEER_NAME_PREFIX +
    JSON.stringify({ addr: identity.addr, name: identity.name, ...host.settings, ...trace })
  );
}

/**
 * What this page's own URL asks for, over what the server said (`app.json`): `?peers=`,
 * and for every peer `?profile=`, `?chat=`, `?net=` (the Playwright fixture's options).
 * @returns {{ peers?: number, settings: Record<string, string> }}
 */
function asked() {
  const query = new URLSearchParams(location.search);
  /** @type {Record<string, string>} */
  const settings = {};
  for (const key of PEER_SETTINGS) {
    const value = query.get(key);
    if (value !== null) settings[key] = value;
  }
  const peers = Number(query.get("peers"));
  return Number.isInteger(peers) && peers > 0 ? { peers, settings } : { settings };
}

/** @param {Peer} peer */
function card(peer) {
  const status = el("span", { class: `pill ${peer.status}` }, [
    peer.status === "loading" ? "loading…" : peer.status,
  ]);
  const reload = el("button", { type: "button", title: "Reload this peer" }, ["↻"]);
  const pop = el("button", { type: "button", title: "Open this peer in its own tab" }, ["↗"]);
  const remove = el("button", { type: "button", title: "Remove this peer" }, ["✕"]);
  const body = peer.away
    ? el("div", { class: "away" }, [
        "Opened in its own tab.",
        el("button", { type: "button" }, ["Bring it back"]),
      ])
    : el("iframe", { title: `${peer.name}'s view of the app` });
  if (body instanceof HTMLIFrameElement) {
    body.name = frameName(peer); // before src: the page reads it when it starts
    body.src = APP_PAGE;
  } else {
    body.querySelector("button")?.addEventListener("click", () => {
      peer.away = false;
      peer.status = "loading";
      render();
    });
  }
  reload.addEventListener("click", () => {
    host.trace?.peer(peer.addr, "reloading");
    peer.status = "loading";
    updateStatus(peer);
    if (body instanceof HTMLIFrameElement) body.contentWindow?.location.reload();
  });
  pop.addEventListener("click", () => {
    // The frame goes first: a window opened with its name would otherwise load in it.
    peer.away = true;
    host.trace?.peer(peer.addr, "away");
    render();
    window.open(APP_PAGE, frameName(peer));
  });
  remove.addEventListener("click", () => {
    host.trace?.peer(peer.addr, "removed");
    host.peers = host.peers.filter((p) => p !== peer);
    save();
    render();
  });
  const header = el("header", {}, [
    el("b", {}, [peer.name]),
    el("span", { class: "addr" }, [peer.addr]),
    status,
    reload,
    pop,
    remove,
  ]);
  return el("section", { class: "peer", "data-addr": peer.addr, style: `--peer: ${peer.colour}` }, [
    header,
    body,
  ]);
}

/** Draw the cards that are missing or changed, drop those of peers gone; never move an
 * iframe (that would reload it). */
function render() {
  const main = $("peers");
  for (const node of Array.from(main.children)) {
    if (!host.peers.some((p) => p.card === node)) node.remove();
  }
  for (const peer of host.peers) {
    if (peer.card?.isConnected && !peer.away === !!peer.card.querySelector("iframe")) continue;
    const fresh = card(peer);
    if (peer.card?.isConnected) peer.card.replaceWith(fresh);
    else main.append(fresh);
    peer.card = fresh;
  }
  $("about").textContent =
    `${host.peers.length} peer${host.peers.length === 1 ? "" : "s"} · host profile "${host.app.profile}" · ` +
    `chat "${host.app.chat}"${host.app.net ? ` · network "${host.app.net}"` : ""}` +
    `${host.app.csp ? "" : " · no Content-Security-Policy"} · ${host.app.source}`;
  tellCommand();
}

/** @param {Peer} peer */
function updateStatus(peer) {
  const pill = peer.card?.querySelector(".pill");
  if (pill) {
    pill.className = `pill ${peer.status}`;
    pill.textContent =
      peer.status === "live"
        ? `live in ${(peer.ms / 1000).toFixed(1)} s`
        : peer.status === "loading"
          ? "loading…"
          : "failed";
  }
  tellCommand();
}

/** How many peers are live, for the command's progress line. */
function tellCommand() {
  const present = host.peers.filter((p) => !p.away);
  const body = {
    total: present.length,
    live: present.filter((p) => p.status === "live").length,
    failed: present.filter((p) => p.status === "failed").length,
    ms: Math.round(performance.now() - opened),
  };
  fetch("status", { method: "POST", body: JSON.stringify(body) }).catch(() => {});
}

function addPeer() {
  const peer = { ...newIdentity(), status: /** @type {const} */ ("loading"), ms: 0, away: false };
  host.peers.push(peer);
  host.trace?.peer(peer.addr, "added");
  save();
  render();
}

/**
 * @param {string} kind
 * @param {Peer | undefined} peer
 * @param {Array<Node | string>} content
 * @param {string} text
 */
function line(kind, peer, content, text) {
  host.chat.lines.push({ kind, peer: peer?.addr ?? "", text });
  const item = el("li", { class: kind, style: `--peer: ${peer?.colour ?? "#ccc"}` }, content);
  $("lines").append(item);
}

/** What the peers tell us. */
window.addEventListener("message", (event) => {
  const data = event.data;
  if (event.origin !== location.origin || data?.source !== "webxdc-realtime") return;
  const peer = host.peers.find((p) => p.addr === data.peer);
  const who = peer?.name ?? data.peer;
  if (data.kind === "frames") host.trace?.frames(data.peer, data.events, data.missed);
  else host.trace?.report(data.peer, data);
  if (
    data.kind === "frame" ||
    data.kind === "update-in" ||
    data.kind === "network" ||
    data.kind === "update"
  ) {
    host.devtools?.report(data.peer, data);
  }
  if (data.kind === "status" && peer) {
    peer.status = data.status;
    peer.ms = data.ms ?? 0;
    updateStatus(peer);
    tap(peer.addr); // a new or reloaded peer reports frames as the devtools are open, or the trace
  } else if (data.kind === "update") {
    if (data.info) line("info", peer, [el("small", {}, [who]), String(data.info)], String(data.info));
    if (data.summary != null) $("summary").textContent = host.chat.summary = String(data.summary);
    if (data.document != null) $("document").textContent = host.chat.document = String(data.document);
  } else if (data.kind === "notify") {
    const text = String(data.text);
    line("notify", peer, [el("small", {}, [`notification for ${who}`]), text], text);
  } else if (data.kind === "sendToChat") {
    const file = data.file ? `${data.file.name} (${data.file.size} bytes)` : "";
    const text = [data.text, file].filter(Boolean).join(" + ");
    line("sendToChat", peer, [el("small", {}, [`${who} would send to a chat (sendToChat)`]), text], text);
  }
});

/**
 * The app changed (the command watches its folder or .xdc): every peer reloads, keeping
 * its identity (the frame's name), its storage and the chat's updates.
 */
function reloadPeers() {
  for (const peer of host.peers) {
    if (peer.away) continue;
    host.trace?.peer(peer.addr, "reloading");
    peer.status = "loading";
    updateStatus(peer);
  }
  host.reloads += 1;
  reloads?.postMessage("reload");
}

/** @type {BroadcastChannel | null} where the peers hear that the app changed */
let reloads = null;

/** Clear every peer's storage and the chat's updates, then start the peers again. */
async function reset() {
  for (const peer of host.peers) {
    peer.card?.remove();
    peer.card = undefined;
    peer.status = "loading";
  }
  const peers = localStorage.getItem(PEERS_KEY);
  localStorage.clear();
  if (peers) localStorage.setItem(PEERS_KEY, peers);
  sessionStorage.clear();
  const databases = (await indexedDB.databases?.()) ?? [];
  await Promise.all(
    databases.map(
      (db) =>
        new Promise((done) => {
          const request = indexedDB.deleteDatabase(String(db.name));
          request.onsuccess = request.onerror = request.onblocked = () => done(null);
        }),
    ),
  );
  if (typeof caches !== "undefined") for (const name of await caches.keys()) await caches.delete(name);
  host.chat = { lines: [], summary: null, document: null };
  $("lines").replaceChildren();
  $("summary").textContent = $("document").textContent = "—";
  render();
}

/**
 * Tell a peer to report every frame while the devtools are open.
 * @param {string} addr
 */
function tap(addr) {
  runtimeOf(addr)?.tap?.(!!host.devtools?.open);
}

/** Take what each peer kept of its frames since the last time into the trace. */
function collect() {
  for (const peer of host.peers) {
    const taken = runtimeOf(peer.addr)?.trace?.take();
    if (taken) host.trace?.frames(peer.addr, taken.events, taken.missed);
  }
}

/**
 * The recorder this page's URL and the command ask for: `?trace=off`, `?trace-limit=`
 * (events kept), `?trace-payload=` (bytes of each payload, or `all`).
 * @param {Record<string, any>} app  what `app.json` said, with the URL's settings
 * @returns {Recorder | null}
 */
function tracing(app) {
  const query = new URLSearchParams(location.search);
  if ((query.get("trace") ?? app.trace ?? "on") === "off") return null;
  const limit = Number(query.get("trace-limit") ?? app.traceLimit ?? DEFAULT_LIMIT);
  const asked = query.get("trace-payload") ?? app.tracePayload ?? DEFAULT_PAYLOAD_LIMIT;
  const payloadLimit = asked === "all" ? Infinity : Number(asked);
  if (!(payloadLimit >= 0))
    throw new RangeError(`trace-payload: "${asked}" is neither a count of bytes nor "all"`);
  return new Recorder({
    limit,
    payloadLimit,
    about: { app: app.name, chat: app.chat, profile: app.profile, source: app.source },
  });
}

/** The peers as the trace's header names them, with the runtime's version. */
function traceHeader() {
  const peers = host.peers.map(({ addr, name }) => ({ addr, name }));
  const version = host.peers.map((p) => runtimeOf(p.addr)?.version).find(Boolean) ?? "unknown";
  const instance = host.peers.map((p) => runtimeOf(p.addr)?.config?.instanceId).find(Boolean);
  if (instance && host.trace) host.trace.about.instance = instance; // the peers' app instance
  return { peers, version };
}

/** @returns {Promise<Blob | null>} the trace as a `.jsonl.gz` file */
async function traceFile() {
  if (!host.trace) return null;
  collect();
  const { peers, version } = traceHeader();
  return host.trace.blob(peers, version);
}

/** @returns {Promise<string | null>} the trace's file as base64 (for the test tools) */
async function traceBase64() {
  const blob = await traceFile();
  return blob && base64(new Uint8Array(await blob.arrayBuffer()));
}

/** Download the trace (the *Save trace* button). */
async function saveTrace() {
  const blob = await traceFile();
  if (!blob) return;
  const stamp = new Date().toISOString().replace(/[:.]/g, "-").slice(0, 19);
  const url = URL.createObjectURL(blob);
  el("a", { href: url, download: `webxdc-trace-${stamp}.jsonl.gz` }).click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** `run --trace FILE`: what was recorded since the last time, to the command. */
function sendTrace() {
  if (!host.trace) return;
  collect();
  const { peers, version } = traceHeader();
  const { events, missed } = host.trace.take();
  const body = JSON.stringify({ header: host.trace.header(peers, version), events, missed });
  fetch("trace", { method: "POST", body }).catch(() => {});
}

async function start() {
  const { settings, ...overrides } = asked();
  host.app = { ...(await (await fetch("app.json")).json()), ...overrides, ...settings };
  host.settings = settings;
  document.title = `${host.app.name} · webxdc-realtime run`;
  $("name").textContent = host.app.name;
  if (host.app.icon) {
    const icon = /** @type {HTMLImageElement} */ ($("icon"));
    icon.src = host.app.icon;
    icon.hidden = false;
    document.head.append(el("link", { rel: "icon", href: host.app.icon }));
  }
  // The same identities across reloads of this page (their storage is theirs); a new run
  // of the command starts with as many peers as it was told, the first ones kept.
  /** @type {{ run?: number, peers?: Identity[] }} */
  let kept = {};
  try {
    kept = JSON.parse(localStorage.getItem(PEERS_KEY) ?? "{}") ?? {};
  } catch {
    kept = {};
  }
  const identities = Array.isArray(kept.peers) ? kept.peers : [];
  if (kept.run !== host.app.run) identities.length = Math.min(identities.length, host.app.peers);
  host.peers = identities.map((identity) => ({ ...identity, status: "loading", ms: 0, away: false }));
  while (host.peers.length < host.app.peers)
    host.peers.push({ ...newIdentity(), status: "loading", ms: 0, away: false });
  save();
  $("add").addEventListener("click", addPeer);
  $("reset").addEventListener("click", () => reset());
  host.trace = tracing(host.app);
  $("save-trace").hidden = !host.trace;
  $("save-trace").addEventListener("click", () => saveTrace());
  // Each peer keeps its frames (the newest `limit`) until they are taken: for the
  // command, each second; else when the trace is saved, or the peer goes.
  if (host.trace && host.app.traceToCommand) setInterval(sendTrace, 1000);
  const devtools = (host.devtools = new Devtools(
    $("devtools"),
    () => host.peers.filter((p) => !p.away),
    runtimeOf,
    tap,
  ));
  $("tools").addEventListener("click", () => {
    devtools.show(!devtools.open);
    $("tools").classList.toggle("quiet", !devtools.open);
  });
  render();
  if (host.app.liveReload || (host.trace && host.app.traceToCommand)) {
    const events = new EventSource("events");
    if (host.app.liveReload) {
      reloads = new BroadcastChannel(RELOAD_CHANNEL);
      events.addEventListener("reload", reloadPeers);
    }
    events.addEventListener("trace", sendTrace); // the command stops: what is left
  }
}

start();
