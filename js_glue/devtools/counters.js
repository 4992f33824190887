// @ts-check
/**
 * The devtools' counters: each peer's frames sent, received, delivered, delayed, held, and
 * dropped by reason (its `webxdcRealtime.stats()`), and the rate of frames and bytes the
 * peers received over the last minute (a uPlot chart).
 */
import uPlot from "uplot";
import { el } from "../shared/dom.js";

const CELLS = ["sent", "received", "delivered", "delayed", "held", "dropped"];

export class CountersPanel {
  /** @param {HTMLElement} box  the panel's section */
  constructor(box) {
    this.table = el("div", { class: "table" });
    const plot = el("div", { class: "plot" });
    box.append(el("h3", {}, ["Counters"]), this.table, plot);
    this.plot = new uPlot(
      {
        width: 360,
        height: 150,
        legend: { show: true },
        scales: { x: { time: false } },
        axes: [{ label: "s" }, { label: "frames/s" }, { side: 1, scale: "kB", label: "kB/s" }],
        series: [
          { label: "s" },
          { label: "frames/s", stroke: "#6d4aff", width: 2 },
          { label: "kB/s", stroke: "#1f9d74", width: 2, scale: "kB" },
        ],
      },
      [[], [], []],
      plot,
    );
  }

  /**
   * @param {import("./model.js").Readings} readings
   * @param {import("./model.js").Traffic["rates"]} rates
   */
  render(readings, rates) {
    // A relay column once a peer has a relay: its link's status, server, frames dropped.
    const relayed = readings.some(([, s]) => s.relay);
    this.table.replaceChildren(
      el("table", {}, [
        el("tr", {}, [
          el("th", {}, ["peer"]),
          ...CELLS.map((c) => el("th", {}, [c])),
          ...(relayed ? [el("th", {}, ["relay"])] : []),
        ]),
        ...readings.map(([peer, s]) => {
          const dropped = Object.entries(s.dropped ?? {})
            .map(([why, n]) => `${n} ${why}`)
            .join(", ");
          return el("tr", {}, [
            el("th", { style: `color: ${peer.colour}` }, [peer.name]),
            ...[s.frames_sent, s.frames_received, s.frames_delivered, s.frames_delayed, s.frames_held].map(
              (n) => el("td", {}, [String(n ?? 0)]),
            ),
            el("td", { title: dropped }, [dropped || "0"]),
            ...(relayed ? [relayCell(s.relay)] : []),
          ]);
        }),
      ]),
    );
    this.plot.setData([rates.t, rates.frames, rates.kbytes]);
  }
}

/**
 * @param {{ status: string, server: string, dropped: number } | undefined} relay
 */
function relayCell(relay) {
  if (!relay) return el("td", {}, ["–"]);
  const away = relay.dropped ? `, ${relay.dropped} dropped while away` : "";
  return el("td", { class: `relay ${relay.status}`, title: relay.server }, [`${relay.status}${away}`]);
}
