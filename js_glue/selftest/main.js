// @ts-check
/**
 * The realtime self-test: a webxdc app that checks the `joinRealtimeChannel()` of
 * whatever host runs it against the contract (SPEC.md section 2), row by row. Alone it
 * checks what one page can observe; with a second copy in the same chat it also checks
 * delivery. It uses only the webxdc API and needs no network but the host's.
 */
import { runLocalChecks } from "./local.js";
import { Pair } from "./pair.js";
import { PAIR_ROWS } from "./scenarios.js";
import { render } from "./report.js";

/** @typedef {import("./report.js").State} State */

const w = /** @type {any} */ (window);
const ours = w.webxdcRealtime; // set when webxdc-realtime is the host
/** @type {State} */
const state = {
  phase: "local",
  status: "checking what one page can observe…",
  host: ours ? `webxdc-realtime ${ours.version}, host profile "${ours.config.profile}"` : navigator.userAgent,
  rows: [],
};
w.selftest = state; // for tools: the same report, as data

/**
 * @param {string} id
 * @param {import("./check.js").Verdict} verdict
 */
function decided(id, verdict) {
  const row = state.rows.find((r) => r.id === id);
  if (row) Object.assign(row, verdict);
  render(state);
}

function start() {
  const header = /** @type {HTMLElement} */ (document.getElementById("who"));
  header.textContent = `${w.webxdc?.selfName ?? "?"} (${w.webxdc?.selfAddr ?? "?"}) · ${state.host}`;
  state.rows = runLocalChecks();
  const pairRows = PAIR_ROWS.map((r) => ({
    ...r,
    pair: true,
    status: /** @type {const} */ ("pending"),
    observed: "needs a second copy of this app in this chat",
  }));
  if (typeof w.webxdc?.joinRealtimeChannel !== "function") {
    for (const row of [...state.rows, ...pairRows]) {
      if (row.id === "1") continue;
      Object.assign(row, { status: "not observable", observed: "this host has no joinRealtimeChannel()" });
    }
    state.rows.push(...pairRows);
    state.phase = "done";
    state.status = "this host does not offer realtime channels";
    render(state);
    return;
  }
  state.rows.push(...pairRows);
  state.phase = "pairing";
  render(state);
  const pair = new Pair((text) => {
    state.status = text;
    render(state);
  });
  pair.run(decided).then(
    () => {
      state.phase = "done";
      render(state);
    },
    (error) => {
      for (const row of state.rows) {
        if (row.status === "pending") {
          Object.assign(row, {
            status: "not observable",
            observed: `the other copy stopped answering (${error.message})`,
          });
        }
      }
      state.phase = "done";
      state.status = "the other copy stopped answering";
      render(state);
    },
  );
}

start();
