// @ts-check
/**
 * The host page's devtools: the network's conditions (set once, for every peer), what
 * crosses it (a sequence diagram and a frame log), and each peer's counters with a rate
 * plot. Closed, they cost nothing: peers report frames only while the devtools are open
 * (`webxdcRealtime.tap`), and counters are read only then.
 *
 * Reports come from the peers (js_glue/webxdc/host-link.js): "frame" (dir "out" from the sender,
 * "in" from each receiver, with what became of it), "update" (from its sender),
 * "update-in" (from each receiver), "network" (the conditions now in force).
 */
import { el } from "../shared/dom.js";
import { decode as decodeMsgpack } from "@msgpack/msgpack";
import uPlot from "uplot";

const MAX_LOG = 500;
const DIAGRAM_ROWS = 28;
const WINDOW_S = 60;

/**
 * @typedef {{ name: string, addr: string, colour: string, status: string, card?: HTMLElement }} PeerView
 * @typedef {{
 *   key: string, kind: "frame" | "update", t: number, from: string, size: number,
 *   preview: number[] | string, fates: Map<string, string>,
 * }} Entry
 */

/**
 * A payload, shown as JSON or msgpack when it parses, as text when it reads as text, else hex.
 * @param {number[] | string} preview
 * @param {number} size
 * @returns {[string, string]} format and text
 */
export function describe(preview, size) {
  const more = size > preview.length ? " …" : "";
  if (typeof preview === "string") return ["JSON", preview + more];
  const bytes = Uint8Array.from(preview);
  const text = new TextDecoder("utf-8", { fatal: false }).decode(bytes);
  const printable = text.length > 0 && !/[\u0000-\u0008\u000e-\u001f\ufffd]/.test(text);
  if (printable && !more) {
    try {
      return ["JSON", JSON.stringify(JSON.parse(text))];
    } catch {
      // not JSON: text below
    }
  }
  if (printable) return ["UTF-8", text + more];
  if (!more && bytes.length) {
    try {
      const value = decodeMsgpack(bytes);
      if (value !== null && typeof value === "object") return ["msgpack", JSON.stringify(value)];
    } catch {
      // not msgpack: hex below
    }
  }
  return ["hex", Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join(" ") + more];
}

export class Devtools {
  open = false;
  paused = false;
  /** @type {Entry[]} newest last */
  entries = [];
  /** @type {Map<string, Entry>} */
  byKey = new Map();
  /** @type {Map<string, string>} a stay's peer id (hex) to its address */
  ids = new Map();
  /** @type {Record<string, any>} the conditions in force */
  state = { seed: 0, all: {}, links: [], partitions: [], offline: {} };
  started = performance.now();
  /** @type {{ t: number[], frames: number[], kbytes: number[] }} */
  rates = { t: [], frames: [], kbytes: [] };
  /** @type {Record<string, number>} totals at the last reading */
  last = {};
  /** @type {uPlot | null} */
  plot = null;
  /** @type {ReturnType<typeof setInterval> | null} */
  timer = null;
  /** @type {Map<string, string>} the groups being chosen, before there are two to split */
  draft = new Map();

  /**
   * @param {HTMLElement} root  where the panel goes
   * @param {() => PeerView[]} peers  the host page's peers, present ones
   * @param {(addr: string) => any} runtime  a peer's `webxdcRealtime`, or null
   */
  constructor(root, peers, runtime) {
    this.root = root;
    this.peers = peers;
    this.runtime = runtime;
  }

  /** The API of the first live peer: any peer gives a change to all. */
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
   * Tell a peer to report frames (or not), as the devtools are open (or not).
   * @param {string} addr
   */
  tap(addr) {
    this.runtime(addr)?.tap?.(this.open);
  }

  /**
   * A report from a peer.
   * @param {string} addr  the peer
   * @param {Record<string, any>} data
   */
  report(addr, data) {
    if (data.kind === "network") {
      this.state = data.state;
      if (this.open) this.renderConditions();
      return;
    }
    if (!this.open || this.paused) return;
    if (data.kind === "frame") {
      if (data.dir === "out") this.ids.set(data.id, addr);
      const key = `${data.id}:${data.seq}`;
      const entry = this.entry(
        key,
        "frame",
        data.dir === "out" ? addr : (this.ids.get(data.id) ?? "?"),
        data.size,
      );
      if (data.dir === "out") entry.preview = data.preview;
      else if (data.fate !== "answered") entry.fates.set(addr, data.fate);
    } else if (data.kind === "update" && data.uid) {
      const entry = this.entry(`u:${data.uid}`, "update", addr, data.size ?? 0);
      entry.preview = [
        data.info ? `info "${data.info}"` : "",
        data.summary ? `summary "${data.summary}"` : "",
        data.payload ?? "",
      ]
        .filter(Boolean)
        .join(" · ");
    } else if (data.kind === "update-in") {
      this.entry(`u:${data.uid}`, "update", data.from, 0).fates.set(addr, data.fate);
    } else {
      return;
    }
    this.scheduleRender();
  }

  /**
   * @param {string} key
   * @param {"frame" | "update"} kind
   * @param {string} from
   * @param {number} size
   * @returns {Entry}
   */
  entry(key, kind, from, size) {
    let entry = this.byKey.get(key);
    if (!entry) {
      entry = { key, kind, t: performance.now() - this.started, from, size, preview: [], fates: new Map() };
      this.byKey.set(key, entry);
      this.entries.push(entry);
      if (this.entries.length > MAX_LOG) {
        const old = /** @type {Entry} */ (this.entries.shift());
        this.byKey.delete(old.key);
      }
    }
    if (from !== "?") entry.from = from;
    if (size) entry.size = size;
    return entry;
  }

  scheduleRender() {
    if (this.pending) return;
    this.pending = requestAnimationFrame(() => {
      this.pending = 0;
      this.renderDiagram();
      this.renderLog();
    });
  }

  /** Read every peer's counters; one point of the rate plot. */
  sample() {
    /** @type {Record<string, number>} */
    const totals = { frames: 0, bytes: 0 };
    /** @type {Array<[PeerView, Record<string, any>]>} */
    const rows = [];
    for (const peer of this.peers()) {
      const stats = this.runtime(peer.addr)?.stats?.();
      if (!stats) continue;
      totals.frames += stats.frames_received;
      totals.bytes += stats.bytes_received;
      rows.push([peer, stats]);
    }
    const t = (performance.now() - this.started) / 1000;
    if (this.last.t !== undefined) {
      const dt = t - this.last.t;
      this.rates.t.push(t);
      this.rates.frames.push(Math.max(0, (totals.frames - this.last.frames) / dt));
      this.rates.kbytes.push(Math.max(0, (totals.bytes - this.last.bytes) / dt / 1000));
      while (this.rates.t.length && this.rates.t[0] < t - WINDOW_S) {
        this.rates.t.shift();
        this.rates.frames.shift();
        this.rates.kbytes.shift();
      }
    }
    this.last = { t, ...totals };
    this.renderCounters(rows);
    this.renderConnecting(rows);
    this.plot?.setData([this.rates.t, this.rates.frames, this.rates.kbytes]);
  }

  render() {
    const $ = (/** @type {string} */ s) => /** @type {HTMLElement} */ (this.root.querySelector(s));
    if (!this.root.childElementCount) {
      this.root.append(
        el("section", { class: "conditions" }, [
          el("h3", {}, ["Network conditions"]),
          el("div", { class: "controls" }),
        ]),
        el("section", { class: "diagram" }, [
          el("h3", {}, ["What crosses it"]),
          el("div", { class: "lanes" }),
        ]),
        el("section", { class: "counters" }, [
          el("h3", {}, ["Counters"]),
          el("div", { class: "table" }),
          el("div", { class: "plot" }),
        ]),
        el("section", { class: "log" }, [
          el("h3", {}, ["Frame log ", el("small", {}, ["newest first"])]),
          el("div", { class: "filters" }),
          el("table", {}, [el("tbody")]),
        ]),
      );
      this.renderFilters($(".filters"));
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
        $(".plot"),
      );
    }
    this.renderConditions();
    this.renderDiagram();
    this.renderLog();
  }

  renderConditions() {
    const box = /** @type {HTMLElement} */ (this.root.querySelector(".controls"));
    if (!box) return;
    const all = this.state.all ?? {};
    /**
     * @param {string} name
     * @param {string} label
     * @param {number} max
     * @param {number} scale  slider units per condition unit
     * @param {string} unit
     */
    const slider = (name, label, max, scale, unit) => {
      const value = Math.round((all[name] ?? 0) * scale);
      const input = /** @type {HTMLInputElement} */ (
        el("input", { type: "range", min: "0", max: String(max), value: String(value), "data-name": name })
      );
      const shown = el("output", {}, [`${value} ${unit}`]);
      input.addEventListener("input", () => (shown.textContent = `${input.value} ${unit}`));
      input.addEventListener("change", () => this.net()?.set({ [name]: Number(input.value) / scale }));
      return el("label", {}, [label, input, shown]);
    };
    const bandwidth = /** @type {HTMLInputElement} */ (
      el("input", {
        type: "number",
        min: "0",
        placeholder: "unlimited",
        value: all.bandwidth ? String(all.bandwidth / 1000) : "",
      })
    );
    bandwidth.addEventListener("change", () =>
      this.net()?.set({ bandwidth: bandwidth.value ? Number(bandwidth.value) * 1000 : null }),
    );
    const seed = /** @type {HTMLInputElement} */ (
      el("input", { type: "number", value: String(this.state.seed ?? 0), class: "seed" })
    );
    seed.addEventListener("change", () => this.net()?.set({ seed: Math.floor(Number(seed.value)) }));
    const reset = el("button", { type: "button", class: "quiet" }, ["Perfect network"]);
    reset.addEventListener("click", () => this.net()?.reset());
    const deltachat = el(
      "button",
      {
        type: "button",
        class: "quiet",
        title:
          "As Delta Chat's channels behave: peers connect 1-4 s after they join, frames sent before are lost; 80±40 ms",
      },
      ["Delta Chat"],
    );
    deltachat.addEventListener("click", () => this.net()?.preset("deltachat"));
    const connect = this.state.connect;
    const phase = connect
      ? `connection phase ${connect[0] / 1000}${connect[1] > connect[0] ? `–${connect[1] / 1000}` : ""} s after a join`
      : "";
    box.replaceChildren(
      el("div", { class: "sliders" }, [
        slider("delay", "delay", 2000, 1, "ms"),
        slider("jitter", "jitter", 1000, 1, "ms"),
        slider("loss", "loss", 100, 100, "%"),
        slider("duplicate", "duplicate", 100, 100, "%"),
        el("label", {}, ["bandwidth", bandwidth, el("output", {}, ["kB/s"])]),
        el("label", {}, ["seed", seed]),
        el("div", { class: "presets" }, [reset, deltachat, el("small", {}, [phase])]),
      ]),
      this.matrix(),
    );
  }

  /** Links (a cell cuts one way), partitions (a group per peer), offline (per peer). */
  matrix() {
    const peers = this.peers();
    const cut = new Set(
      (this.state.links ?? [])
        .filter((/** @type {any} */ l) => l.loss === 1)
        .map((/** @type {any} */ l) => `${l.from}>${l.to}`),
    );
    const groupOf = (/** @type {string} */ addr) => {
      const i = (this.state.partitions ?? []).findIndex((/** @type {string[]} */ g) => g.includes(addr));
      return i < 0 ? "" : "ABCD"[i];
    };
    const head = el("tr", {}, [
      el("th", {}, ["from \\ to"]),
      ...peers.map((p) => el("th", { style: `color: ${p.colour}` }, [p.name])),
      el("th", {}, ["group"]),
      el("th", {}, ["offline"]),
    ]);
    const rows = peers.map((from) => {
      const cells = peers.map((to) => {
        if (from === to) return el("td", { class: "self" }, ["·"]);
        const key = `${from.addr}>${to.addr}`;
        const connecting = el("small", { class: "connecting", hidden: "" }, ["connecting"]);
        const box = /** @type {HTMLInputElement} */ (
          el("input", { type: "checkbox", title: `${from.name} → ${to.name}: uncheck to cut this link` })
        );
        box.checked = !cut.has(key);
        box.addEventListener("change", () =>
          this.net()?.link(from.addr, to.addr, box.checked ? null : { loss: 1 }),
        );
        return el("td", { "data-pair": key }, [box, connecting]);
      });
      const group = /** @type {HTMLSelectElement} */ (
        el(
          "select",
          { "data-addr": from.addr },
          ["", "A", "B", "C"].map((g) => el("option", { value: g }, [g || "—"])),
        )
      );
      group.value = this.draft.get(from.addr) ?? groupOf(from.addr);
      group.addEventListener("change", () => this.partition());
      const offline = this.state.offline?.[from.addr];
      const toggle = el("button", { type: "button", class: offline ? "" : "quiet" }, [
        offline ? `offline (${offline})` : "online",
      ]);
      toggle.addEventListener("click", () =>
        offline ? this.net()?.online(from.addr) : this.net()?.offline(from.addr, "hold"),
      );
      return el("tr", {}, [
        el("th", { style: `color: ${from.colour}` }, [from.name]),
        ...cells,
        el("td", {}, [group]),
        el("td", {}, [toggle]),
      ]);
    });
    const heal = el("button", { type: "button", class: "quiet" }, ["Heal partitions"]);
    heal.addEventListener("click", () => {
      this.draft.clear();
      this.net()?.heal();
    });
    return el("div", { class: "matrix" }, [el("table", {}, [head, ...rows]), heal]);
  }

  partition() {
    /** @type {Record<string, string[]>} */
    const groups = {};
    for (const select of /** @type {NodeListOf<HTMLSelectElement>} */ (
      this.root.querySelectorAll("select[data-addr]")
    )) {
      const addr = /** @type {string} */ (select.dataset.addr);
      this.draft.set(addr, select.value);
      if (select.value) (groups[select.value] ??= []).push(addr);
    }
    const list = Object.values(groups);
    if (list.length > 1) this.net()?.partition(...list);
    else if ((this.state.partitions ?? []).length) this.net()?.heal();
  }

  /** One lane per peer, an arrow per frame from its sender to each receiver. */
  renderDiagram() {
    const box = /** @type {HTMLElement} */ (this.root.querySelector(".lanes"));
    if (!box) return;
    const peers = this.peers();
    const lane = 120;
    const row = 22;
    const width = 70 + peers.length * lane;
    const shown = this.entries.slice(-DIAGRAM_ROWS);
    const height = 40 + shown.length * row;
    const x = (/** @type {string} */ addr) => 70 + peers.findIndex((p) => p.addr === addr) * lane + lane / 2;
    const svg = [
      `<svg viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" xmlns="http://www.w3.org/2000/svg">`,
    ];
    svg.push(
      `<defs><marker id="arrow" viewBox="0 0 8 8" refX="7" refY="4" markerWidth="7" markerHeight="7" orient="auto"><path d="M0,0 L8,4 L0,8 z" fill="#555"/></marker></defs>`,
    );
    peers.forEach((p) => {
      svg.push(
        `<text x="${x(p.addr)}" y="16" text-anchor="middle" font-size="12" font-weight="600" fill="${p.colour}">${escape(p.name)}</text>`,
      );
      svg.push(
        `<line x1="${x(p.addr)}" y1="24" x2="${x(p.addr)}" y2="${height}" stroke="#ddd" stroke-width="2"/>`,
      );
    });
    shown.forEach((entry, i) => {
      const y = 40 + i * row;
      const from = x(entry.from);
      svg.push(`<text x="4" y="${y + 4}" font-size="10" fill="#888">${(entry.t / 1000).toFixed(1)}s</text>`);
      if (from < 70) return;
      svg.push(
        `<circle cx="${from}" cy="${y}" r="3" fill="${entry.kind === "update" ? "#e8891c" : "#555"}"/>`,
      );
      let k = 0;
      for (const [to, fate] of entry.fates) {
        const end = x(to);
        if (end < 70) continue;
        const yy = y + (k++ % 3) * 4 - 4; // receivers a little apart: arrows the same way do not overlap
        const dropped = fate.startsWith("dropped");
        const held = fate === "held";
        const stroke = dropped ? "#c0392b" : held ? "#999" : entry.kind === "update" ? "#e8891c" : "#555";
        const tip = end - Math.sign(end - from) * 4;
        const stop = dropped ? from + (end - from) * 0.7 : tip;
        svg.push(
          `<line x1="${from}" y1="${yy}" x2="${stop}" y2="${yy}" stroke="${stroke}" stroke-width="1.5" ${held ? 'stroke-dasharray="4 3"' : ""} ${dropped ? "" : 'marker-end="url(#arrow)"'}><title>${escape(fate)}</title></line>`,
        );
        if (dropped) {
          svg.push(
            `<text x="${stop}" y="${yy + 4}" text-anchor="middle" font-size="12" fill="#c0392b">✕<title>${escape(fate)}</title></text>`,
          );
          const why = fate.startsWith("dropped: net_") ? fate.slice(13).replace("_", " ") : "";
          if (why) {
            svg.push(
              `<text x="${(from + stop) / 2}" y="${yy - 3}" text-anchor="middle" font-size="9" fill="#c0392b">${escape(why)}</text>`,
            );
          }
        } else if (fate.includes("late") || fate.startsWith("duplicated") || held) {
          const label = held ? "held" : fate.replace(" late", "");
          svg.push(
            `<text x="${(from + end) / 2}" y="${yy - 3}" text-anchor="middle" font-size="9" fill="#777">${escape(label)}</text>`,
          );
        }
      }
    });
    svg.push("</svg>");
    box.innerHTML = svg.join("");
  }

  renderFilters(/** @type {HTMLElement} */ box) {
    const pause = /** @type {HTMLInputElement} */ (el("input", { type: "checkbox" }));
    pause.addEventListener("change", () => (this.paused = pause.checked));
    const peer = /** @type {HTMLSelectElement} */ (el("select", { class: "peer-filter" }));
    const kind = /** @type {HTMLSelectElement} */ (
      el("select", {}, [
        el("option", { value: "" }, ["frames and updates"]),
        el("option", { value: "frame" }, ["frames"]),
        el("option", { value: "update" }, ["updates"]),
      ])
    );
    const size = /** @type {HTMLInputElement} */ (
      el("input", { type: "number", min: "0", placeholder: "min bytes" })
    );
    this.filters = { peer, kind, size };
    for (const control of [peer, kind, size]) control.addEventListener("input", () => this.renderLog());
    const save = el("button", { type: "button", class: "quiet" }, ["Export JSON"]);
    save.addEventListener("click", () => this.export());
    const load = /** @type {HTMLInputElement} */ (
      el("input", { type: "file", accept: ".json,application/json" })
    );
    load.addEventListener("change", async () => {
      const file = load.files?.[0];
      if (file) this.import(JSON.parse(await file.text()));
    });
    box.append(
      el("label", {}, [pause, " pause"]),
      peer,
      kind,
      size,
      save,
      el("label", { class: "import" }, ["Import ", load]),
    );
  }

  renderLog() {
    const body = this.root.querySelector(".log tbody");
    if (!body || !this.filters) return;
    const { peer, kind, size } = this.filters;
    const peers = this.peers();
    const current = peer.value;
    peer.replaceChildren(
      el("option", { value: "" }, ["every peer"]),
      ...peers.map((p) => el("option", { value: p.addr }, [p.name])),
    );
    peer.value = current;
    const name = (/** @type {string} */ addr) => peers.find((p) => p.addr === addr)?.name ?? addr;
    const min = Number(size.value || 0);
    const rows = [];
    for (let i = this.entries.length - 1; i >= 0 && rows.length < 200; i--) {
      const e = this.entries[i];
      if (kind.value && e.kind !== kind.value) continue;
      if (peer.value && e.from !== peer.value && !e.fates.has(peer.value)) continue;
      if (e.size < min) continue;
      const [format, text] = describe(e.preview, e.size);
      const order = (/** @type {string} */ addr) => peers.findIndex((p) => p.addr === addr);
      const fates = Array.from(e.fates)
        .sort(([a], [b]) => order(a) - order(b))
        .map(([to, fate]) => `${name(to)}: ${fate}`)
        .join(", ");
      rows.push(
        el("tr", { class: e.kind }, [
          el("td", {}, [`${(e.t / 1000).toFixed(2)} s`]),
          el("td", {}, [e.kind]),
          el("td", {}, [name(e.from)]),
          el("td", { class: "fates" }, [fates || "—"]),
          el("td", {}, [`${e.size} B`]),
          el("td", { class: "preview" }, [el("small", {}, [format]), " ", text]),
        ]),
      );
    }
    body.replaceChildren(
      el(
        "tr",
        {},
        ["time", "kind", "sender", "receivers", "size", "payload"].map((h) => el("th", {}, [h])),
      ),
      ...rows,
    );
  }

  /**
   * Mark the pairs of the matrix not connected yet (the network's connection phase): a
   * receiver's `connecting` are the senders whose frames it drops meanwhile.
   * @param {Array<[PeerView, Record<string, any>]>} rows
   */
  renderConnecting(rows) {
    /** @type {Set<string>} */
    const pairs = new Set();
    for (const [peer, s] of rows) for (const from of s.connecting ?? []) pairs.add(`${from}>${peer.addr}`);
    for (const cell of /** @type {NodeListOf<HTMLElement>} */ (this.root.querySelectorAll("td[data-pair]"))) {
      const on = pairs.has(/** @type {string} */ (cell.dataset.pair));
      cell.classList.toggle("connecting", on);
      /** @type {HTMLElement} */ (cell.querySelector("small.connecting")).hidden = !on;
    }
  }

  /** @param {Array<[PeerView, Record<string, any>]>} rows */
  renderCounters(rows) {
    const box = this.root.querySelector(".counters .table");
    if (!box) return;
    const cells = ["sent", "received", "delivered", "delayed", "held", "dropped"];
    box.replaceChildren(
      el("table", {}, [
        el("tr", {}, [el("th", {}, ["peer"]), ...cells.map((c) => el("th", {}, [c]))]),
        ...rows.map(([peer, s]) => {
          const dropped = Object.entries(s.dropped ?? {})
            .map(([why, n]) => `${n} ${why}`)
            .join(", ");
          return el("tr", {}, [
            el("th", { style: `color: ${peer.colour}` }, [peer.name]),
            ...[s.frames_sent, s.frames_received, s.frames_delivered, s.frames_delayed, s.frames_held].map(
              (n) => el("td", {}, [String(n ?? 0)]),
            ),
            el("td", { title: dropped }, [dropped || "0"]),
          ]);
        }),
      ]),
    );
  }

  /** The log as JSON, to look at later. */
  export() {
    const data = {
      format: "webxdc-realtime devtools log 1",
      peers: this.peers().map(({ name, addr, colour }) => ({ name, addr, colour })),
      network: this.state,
      entries: this.entries.map((e) => ({ ...e, fates: Object.fromEntries(e.fates) })),
    };
    const url = URL.createObjectURL(new Blob([JSON.stringify(data, null, 1)], { type: "application/json" }));
    const link = /** @type {HTMLAnchorElement} */ (
      el("a", { href: url, download: "webxdc-realtime-log.json" })
    );
    link.click();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
    return data;
  }

  /** @param {Record<string, any>} data  what `export` wrote */
  import(data) {
    if (data?.format !== "webxdc-realtime devtools log 1")
      throw new Error("not a webxdc-realtime devtools log");
    this.paused = true;
    /** @type {HTMLInputElement} */ (this.root.querySelector(".filters input[type=checkbox]")).checked = true;
    this.entries = data.entries.map((/** @type {any} */ e) => ({
      ...e,
      fates: new Map(Object.entries(e.fates)),
    }));
    this.byKey = new Map(this.entries.map((e) => [e.key, e]));
    this.renderDiagram();
    this.renderLog();
  }
}

/** @param {string} text */
function escape(text) {
  return text.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c] ?? c);
}
