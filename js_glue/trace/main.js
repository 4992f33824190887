// @ts-check
/**
 * The trace's viewer (`webxdc-realtime trace FILE`): the devtools' sequence diagram, frame
 * log and counters with its rate plot, drawn from a trace instead of live peers (see
 * replay.js), with filters by peer (the log's), by verdict and by time.
 *
 * The command serves the trace, read and checked, as `../trace.json` ({header, events}).
 * Exposes `window.viewer` for tests: `trace`, `rows()` (the log's rows' text).
 */
import { CountersPanel } from "../devtools/counters.js";
import { diagram } from "../devtools/diagram.js";
import { LogPanel } from "../devtools/log.js";
import { el } from "../shared/dom.js";
import { COLOURS } from "../shared/host-page.js";
import { counters, rates, replay } from "./replay.js";

const $ = (/** @type {string} */ id) => /** @type {HTMLInputElement} */ (document.getElementById(id));

/** @type {{ trace: import("./replay.js").TraceData | null, rows: () => string[][] }} */
const viewer = { trace: null, rows: () => [] };
/** @type {any} */ (window).viewer = viewer;

/**
 * Whether a receiver's fate, as the devtools word it, is of the verdict asked for.
 * @param {string} fate
 * @param {string} verdict
 */
function isOf(fate, verdict) {
  if (verdict === "dropped") return fate.startsWith("dropped");
  if (verdict === "delayed") return fate.endsWith("ms late") || fate.startsWith("duplicated");
  return fate === verdict;
}

async function start() {
  const response = await fetch("../trace.json");
  const trace = /** @type {import("./replay.js").TraceData} */ (await response.json());
  viewer.trace = trace;
  const { header, events } = trace;
  const span = events.length ? events[events.length - 1].t / 1000 : 0;
  document.title = `${header.app ?? "a session"} · webxdc-realtime trace`;
  $("name").textContent = `Trace of ${header.app ?? "a session"}`;
  const dropped = header.dropped ? ` (the ${header.dropped} before them let go of)` : "";
  $("about").textContent =
    `${events.length} events over ${span.toFixed(1)} s${dropped} · chat "${header.chat}" · host profile ` +
    `"${header.profile}" · seed ${header.seed} · webxdc-realtime ${header.runtime} · started ${header.started}`;
  $("to").value = String(Math.ceil(span * 10) / 10);

  /** @type {import("../devtools/model.js").PeerView[]} */
  const peers = (header.peers ?? []).map((/** @type {any} */ p, /** @type {number} */ i) => ({
    name: p.name,
    addr: p.addr,
    colour: COLOURS[i % COLOURS.length],
    status: "",
  }));
  for (const event of events) {
    if (!peers.some((p) => p.addr === event.peer))
      peers.push({
        name: event.peer,
        addr: event.peer,
        colour: COLOURS[peers.length % COLOURS.length],
        status: "",
      });
  }

  const root = /** @type {HTMLElement} */ (document.getElementById("devtools"));
  const [diagramBox, countersBox, logBox] = ["diagram", "counters", "log"].map((name) =>
    el("section", { class: name }),
  );
  const lanes = el("div", { class: "lanes" });
  diagramBox.append(el("h3", {}, ["What crossed it ", el("small", {}, ["the newest in the range"])]), lanes);
  root.append(diagramBox, countersBox, logBox);
  const countersPanel = new CountersPanel(countersBox);
  const log = new LogPanel(logBox, { pause: () => {}, save: () => {}, load: () => {} });

  const render = () => {
    const from = Number($("from").value || 0) * 1000;
    const to = $("to").value === "" ? Infinity : Number($("to").value) * 1000;
    const verdict = $("verdict").value;
    const shown = events.filter((e) => e.t >= from && e.t <= to);
    let entries = replay(shown).entries;
    if (verdict) entries = entries.filter((e) => Array.from(e.fates.values()).some((f) => isOf(f, verdict)));
    lanes.innerHTML = diagram(entries, peers);
    log.render(entries, peers);
    const stats = counters(shown);
    const readings = /** @type {import("../devtools/model.js").Readings} */ (
      peers
        .filter((p) => stats.has(p.addr))
        .map((p) => [p, /** @type {Record<string, any>} */ (stats.get(p.addr))])
    );
    countersPanel.render(readings, rates(shown));
  };
  log.changed = render;
  for (const id of ["from", "to", "verdict"]) $(id).addEventListener("input", render);
  viewer.rows = () =>
    Array.from(logBox.querySelectorAll("tbody tr"))
      .slice(1)
      .map((row) => Array.from(row.querySelectorAll("td"), (cell) => cell.textContent ?? ""));
  render();
}

start();
