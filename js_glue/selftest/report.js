// @ts-check
/**
 * The report: row by row, pass / differs / not observable, with what was observed. Also
 * as plain text, to paste into an issue.
 */

import { el } from "../shared/dom.js";

/** @typedef {import("./check.js").Result} Result */
/**
 * @typedef {object} State
 * @property {"local" | "pairing" | "done"} phase
 * @property {string} status  what the pair is doing
 * @property {string} host  who runs us
 * @property {Result[]} rows
 */

const LABEL = { pass: "pass", differs: "differs", "not observable": "not observable", pending: "waiting" };

/** @param {Result[]} rows */
function counts(rows) {
  /** @type {Record<string, number>} */
  const n = { pass: 0, differs: 0, "not observable": 0, pending: 0 };
  for (const row of rows) n[row.status] += 1;
  return n;
}

/**
 * @param {string} caption
 * @param {Result[]} rows
 */
function table(caption, rows) {
  return el("table", {}, [
    el("caption", {}, [caption]),
    el("thead", {}, [
      el(
        "tr",
        {},
        ["Row", "What", "Result", "Observed"].map((h) => el("th", {}, [h])),
      ),
    ]),
    el(
      "tbody",
      {},
      rows.map((r) =>
        el("tr", { class: r.status.replace(" ", "-"), "data-id": r.id }, [
          el("td", { class: "row" }, [r.row]),
          el("td", {}, [
            el("b", {}, [r.title]),
            el("div", { class: "expected" }, [`expected: ${r.expected}`]),
          ]),
          el("td", {}, [el("span", { class: "badge" }, [LABEL[r.status]])]),
          el("td", { class: "observed" }, [r.observed]),
        ]),
      ),
    ),
  ]);
}

/**
 * The report as text.
 * @param {State} state
 */
export function asText(state) {
  const n = counts(state.rows);
  const lines = [
    `webxdc realtime self-test: ${n.pass} pass, ${n.differs} differ, ${n["not observable"]} not observable` +
      (n.pending ? `, ${n.pending} waiting` : ""),
    `host: ${state.host}`,
    "",
    ...state.rows.map(
      (r) => `[${LABEL[r.status]}] row ${r.row}, ${r.title}: ${r.observed} (expected: ${r.expected})`,
    ),
  ];
  return lines.join("\n");
}

/**
 * Draw the report into #report.
 * @param {State} state
 */
export function render(state) {
  const root = /** @type {HTMLElement} */ (document.getElementById("report"));
  const n = counts(state.rows);
  const summary = el("p", { class: "summary" }, [
    el("span", { class: "badge pass" }, [`${n.pass} pass`]),
    el("span", { class: "badge differs" }, [`${n.differs} differ`]),
    el("span", { class: "badge not-observable" }, [`${n["not observable"]} not observable`]),
    ...(n.pending ? [el("span", { class: "badge pending" }, [`${n.pending} waiting`])] : []),
  ]);
  const status = el("p", { class: `status ${state.phase}` }, [state.status]);
  root.replaceChildren(
    summary,
    status,
    table(
      "Checked in this page",
      state.rows.filter((r) => !r.pair),
    ),
    table(
      "Checked between two copies (open this app on a second device in this chat, or in a second tab)",
      state.rows.filter((r) => r.pair).sort((a, b) => parseInt(a.row) - parseInt(b.row)),
    ),
    el("details", {}, [el("summary", {}, ["The report as text"]), el("pre", {}, [asText(state)])]),
  );
}
