// @ts-check
/**
 * What the host page of `webxdc-realtime run` (js_glue/host/) and the glue in each of its
 * peers (js_glue/webxdc/) agree on.
 */

/**
 * `window.name` of a peer's frame or tab: this prefix, then JSON of its identity
 * (`addr`, `name`), which the glue reads when it starts.
 */
export const PEER_NAME_PREFIX = "webxdc-realtime-peer:";

/**
 * Settings the host page may give every peer in that JSON, beside its identity (when its
 * own URL asks for them); they win over the server's (`window.webxdcRealtimeConfig`).
 */
export const PEER_SETTINGS = ["profile", "chat", "net"];

/** The BroadcastChannel the host page posts "reload" on when the app changed. */
export const RELOAD_CHANNEL = "webxdc-realtime/reload";

/** Each peer's colour, in the order of NAMES (the host page's cards, the trace's viewer). */
export const COLOURS = [
  "#6d4aff",
  "#e0457b",
  "#1f9d74",
  "#e8891c",
  "#2f80ed",
  "#9b51e0",
  "#c0392b",
  "#16a085",
];

/** Names of peers, in the order the host page gives them (made-up identities use them too). */
export const NAMES = ["Ada", "Ben", "Cleo", "Dan", "Eve", "Finn", "Gus", "Hana", "Ivo", "Jo", "Kai", "Lea"];

/** The host page's window property where it lends its Python runtime to its peers. */
export const RUNTIME_KEY = "webxdcRealtimeRuntime";
