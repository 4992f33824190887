// @ts-check
/**
 * The host page's devtools: the network's conditions (set once, for every peer), what
 * crosses it (a sequence diagram and a frame log), and each peer's counters with a rate
 * plot. Closed, they cost nothing of their own: peers report frames only while the
 * devtools are open or the host page traces (`webxdcRealtime.tap`), and counters are read
 * only while they are open.
 *
 * What is known of the traffic is the model's (`model.js`); each panel draws a part of it
 * (`conditions.js`, `diagram.js`, `counters.js`, `log.js`) and can be read and changed
 * alone. This class opens and closes them, takes the peers' reports into the model, and
 * tells the panels when to draw.
 */
import { el } from "../shared/dom.js";
import { ConditionsPanel } from "./conditions.js";
import { CountersPanel } from "./counters.js";
import { diagram } from "./diagram.js";
import { LogPanel } from "./log.js";
import { Traffic } from "./model.js";

export { describe } from "./log.js";

export class Devtools {
  open = false;
  paused = false;
  traffic = new Traffic();
  /** @type {ReturnType<typeof setInterval> | null} */
  timer = null;
  /** @type {{ conditions: ConditionsPanel, lanes: HTMLElement, counters: CountersPanel, log: LogPanel } | null} */
  panels = null;
  pending = 0;

  /**
   * @param {HTMLElement} root  where the panels go
   * @param {() => import("./model.js").PeerView[]} peers  the host page's peers, present ones
   * @param {(addr: string) => any} runtime  a peer's `webxdcRealtime`, or null
   * @param {(addr: string) => void} tap  tell a peer to report frames as the host page
   *   wants them now (while the devtools are open, or for its trace)
   */
  constructor(root, peers, runtime, tap) {
    this.root = root;
    this.peers = peers;
    this.runtime = runtime;
    this.tap = tap;
  }

  /** The network API of the first live peer: any peer gives a change to all. */
  net() {
    for (const peer of this.peers()) {
      const rt = this.runtime(peer.addr);
      if (rt?.status === "live") return rt.network;
    }
    return null;
  }

  /** @param {boolean} open */
  show(open) {
    this.open = open;
    this.root.hidden = !open;
    for (const peer of this.peers()) this.tap(peer.addr);
    if (open) {
      this.render();
      this.timer = setInterval(() => this.sample(), 1000);
    } else if (this.timer) {
      clearInterval(this.timer);
      this.timer = null;
    }
  }

  /**
   * A report from a peer: into the model, and drawn soon.
   * @param {string} addr  the peer
   * @param {Record<string, any>} data
   */
  report(addr, data) {
    if (data.kind !== "network" && (!this.open || this.paused)) return;
    const changed = this.traffic.report(addr, data);
    if (changed === "network" && this.open) this.panels?.conditions.render(this.traffic.state);
    else if (changed === "entries") this.scheduleRender();
  }

  scheduleRender() {
    if (this.pending) return;
    this.pending = requestAnimationFrame(() => {
      this.pending = 0;
      this.renderTraffic();
    });
  }

  /** Read every peer's counters: the counters, the rate plot, the pairs still connecting. */
  sample() {
    /** @type {import("./model.js").Readings} */
    const readings = [];
    for (const peer of this.peers()) {
      const runtime = this.runtime(peer.addr);
      const stats = runtime?.stats?.();
      // Its link to the relay, if it has one: how it goes, and frames dropped while away.
      const relay = runtime?.relay;
      if (stats)
        readings.push([
          peer,
          relay
            ? { ...stats, relay: { status: relay.status, server: relay.server, dropped: relay.dropped } }
            : stats,
        ]);
    }
    this.traffic.sample(readings);
    this.panels?.counters.render(readings, this.traffic.rates);
    this.panels?.conditions.connecting(readings);
  }

  /** Draw every panel (made the first time). */
  render() {
    if (!this.panels) {
      const sections = ["conditions", "diagram", "counters", "log"].map((name) =>
        el("section", { class: name }),
      );
      const [conditions, diagramBox, counters, log] = sections;
      const lanes = el("div", { class: "lanes" });
      diagramBox.append(el("h3", {}, ["What crosses it"]), lanes);
      this.root.append(...sections);
      this.panels = {
        conditions: new ConditionsPanel(conditions, this.peers, () => this.net()),
        lanes,
        counters: new CountersPanel(counters),
        log: new LogPanel(log, {
          pause: (on) => (this.paused = on),
          save: () => this.export(),
          load: (data) => this.import(/** @type {Record<string, any>} */ (data)),
        }),
      };
      this.panels.log.changed = () => this.renderTraffic();
    }
    this.panels.conditions.render(this.traffic.state);
    this.renderTraffic();
  }

  /** The diagram and the log, from the model's entries. */
  renderTraffic() {
    if (!this.panels) return;
    const peers = this.peers();
    this.panels.lanes.innerHTML = diagram(this.traffic.entries, peers);
    this.panels.log.render(this.traffic.entries, peers);
  }

  /** Save the log as JSON (a download), to look at later; return what was saved. */
  export() {
    const data = this.traffic.saved(this.peers());
    const url = URL.createObjectURL(new Blob([JSON.stringify(data, null, 1)], { type: "application/json" }));
    const link = /** @type {HTMLAnchorElement} */ (
      el("a", { href: url, download: "webxdc-realtime-log.json" })
    );
    link.click();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
    return data;
  }

  /** @param {Record<string, any>} data  what `export` saved: shown, the live reports paused */
  import(data) {
    this.traffic.load(data);
    this.paused = true;
    if (this.panels) this.panels.log.pause.checked = true;
    this.renderTraffic();
  }
}
