// @ts-check
/**
 * The devtools' sequence diagram: a lane per peer, an arrow per frame or update from its
 * sender to each receiver, drawn as what became of it there (delivered, late, held, or
 * dropped and why). Made from the traffic's entries as an SVG, with no state of its own.
 */

/** Rows the diagram shows: the newest entries. */
export const DIAGRAM_ROWS = 28;
const LANE = 120;
const ROW = 22;
const LEFT = 70;

/**
 * @param {import("./model.js").Entry[]} entries  newest last
 * @param {import("./model.js").PeerView[]} peers
 * @returns {string} the SVG
 */
export function diagram(entries, peers) {
  const width = LEFT + peers.length * LANE;
  const shown = entries.slice(-DIAGRAM_ROWS);
  const height = 40 + shown.length * ROW;
  const x = (/** @type {string} */ addr) => LEFT + peers.findIndex((p) => p.addr === addr) * LANE + LANE / 2;
  const svg = [
    `<svg viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" xmlns="http://www.w3.org/2000/svg">`,
    `<defs><marker id="arrow" viewBox="0 0 8 8" refX="7" refY="4" markerWidth="7" markerHeight="7" orient="auto"><path d="M0,0 L8,4 L0,8 z" fill="#555"/></marker></defs>`,
  ];
  for (const p of peers) {
    svg.push(
      `<text x="${x(p.addr)}" y="16" text-anchor="middle" font-size="12" font-weight="600" fill="${p.colour}">${escape(p.name)}</text>`,
      `<line x1="${x(p.addr)}" y1="24" x2="${x(p.addr)}" y2="${height}" stroke="#ddd" stroke-width="2"/>`,
    );
  }
  shown.forEach((entry, i) => {
    const y = 40 + i * ROW;
    const from = x(entry.from);
    svg.push(`<text x="4" y="${y + 4}" font-size="10" fill="#888">${(entry.t / 1000).toFixed(1)}s</text>`);
    if (from < LEFT) return;
    svg.push(`<circle cx="${from}" cy="${y}" r="3" fill="${entry.kind === "update" ? "#e8891c" : "#555"}"/>`);
    let k = 0;
    for (const [to, fate] of entry.fates) {
      const end = x(to);
      if (end < LEFT) continue;
      const yy = y + (k++ % 3) * 4 - 4; // receivers a little apart: arrows the same way do not overlap
      svg.push(...arrow(entry.kind, fate, from, end, yy));
    }
  });
  svg.push("</svg>");
  return svg.join("");
}

/**
 * One arrow, from a sender's lane to a receiver's, and what became of the frame there.
 * @param {"frame" | "update"} kind
 * @param {string} fate
 * @param {number} from
 * @param {number} end
 * @param {number} y
 * @returns {string[]}
 */
function arrow(kind, fate, from, end, y) {
  const dropped = fate.startsWith("dropped");
  const held = fate === "held";
  const stroke = dropped ? "#c0392b" : held ? "#999" : kind === "update" ? "#e8891c" : "#555";
  const tip = end - Math.sign(end - from) * 4;
  const stop = dropped ? from + (end - from) * 0.7 : tip;
  const out = [
    `<line x1="${from}" y1="${y}" x2="${stop}" y2="${y}" stroke="${stroke}" stroke-width="1.5" ${held ? 'stroke-dasharray="4 3"' : ""} ${dropped ? "" : 'marker-end="url(#arrow)"'}><title>${escape(fate)}</title></line>`,
  ];
  if (dropped) {
    out.push(
      `<text x="${stop}" y="${y + 4}" text-anchor="middle" font-size="12" fill="#c0392b">✕<title>${escape(fate)}</title></text>`,
    );
    const why = fate.startsWith("dropped: net_") ? fate.slice(13).replace("_", " ") : "";
    if (why) {
      out.push(
        `<text x="${(from + stop) / 2}" y="${y - 3}" text-anchor="middle" font-size="9" fill="#c0392b">${escape(why)}</text>`,
      );
    }
  } else if (fate.includes("late") || fate.startsWith("duplicated") || held) {
    const label = held ? "held" : fate.replace(" late", "");
    out.push(
      `<text x="${(from + end) / 2}" y="${y - 3}" text-anchor="middle" font-size="9" fill="#777">${escape(label)}</text>`,
    );
  }
  return out;
}

/** @param {string} text */
function escape(text) {
  return text.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c] ?? c);
}
