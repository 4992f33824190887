// @ts-check
/**
 * The devtools' network conditions: sliders for every link (delay, jitter, loss, duplicates,
 * bandwidth, seed), the presets, and a matrix of the peers: a link cut one way per cell,
 * partitions (a group per peer), offline toggles, and which pairs are still connecting.
 * A change goes to a peer's `webxdcRealtime.network`, which gives it to every peer; what is
 * in force comes back (the traffic's `state`) and is drawn again.
 */
import { el } from "../shared/dom.js";

export class ConditionsPanel {
  /** @type {Map<string, string>} the groups being chosen, before there are two to split */
  draft = new Map();

  /**
   * @param {HTMLElement} box  the panel's section
   * @param {() => import("./model.js").PeerView[]} peers  the host page's present peers
   * @param {() => any} net  a live peer's `webxdcRealtime.network`, or null
   */
  constructor(box, peers, net) {
    this.peers = peers;
    this.net = net;
    this.controls = el("div", { class: "controls" });
    box.append(el("h3", {}, ["Network conditions"]), this.controls);
  }

  /** @param {Record<string, any>} state  the conditions in force */
  render(state) {
    this.state = state;
    const all = state.all ?? {};
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
      el("input", { type: "number", value: String(state.seed ?? 0), class: "seed" })
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
    const connect = state.connect;
    const phase = connect
      ? `connection phase ${connect[0] / 1000}${connect[1] > connect[0] ? `–${connect[1] / 1000}` : ""} s after a join`
      : "";
    this.controls.replaceChildren(
      el("div", { class: "sliders" }, [
        slider("delay", "delay", 2000, 1, "ms"),
        slider("jitter", "jitter", 1000, 1, "ms"),
        slider("loss", "loss", 100, 100, "%"),
        slider("duplicate", "duplicate", 100, 100, "%"),
        el("label", {}, ["bandwidth", bandwidth, el("output", {}, ["kB/s"])]),
        el("label", {}, ["seed", seed]),
        el("div", { class: "presets" }, [reset, deltachat, el("small", {}, [phase])]),
      ]),
      this.#matrix(state),
    );
  }

  /**
   * Links (a cell cuts one way), partitions (a group per peer), offline (per peer).
   * @param {Record<string, any>} state
   */
  #matrix(state) {
    const peers = this.peers();
    const cut = new Set(
      (state.links ?? [])
        .filter((/** @type {any} */ l) => l.loss === 1)
        .map((/** @type {any} */ l) => `${l.from}>${l.to}`),
    );
    const groupOf = (/** @type {string} */ addr) => {
      const i = (state.partitions ?? []).findIndex((/** @type {string[]} */ g) => g.includes(addr));
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
      group.addEventListener("change", () => this.#partition());
      const offline = state.offline?.[from.addr];
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

  /** The groups chosen: a partition once there are two, else none. */
  #partition() {
    /** @type {Record<string, string[]>} */
    const groups = {};
    for (const select of /** @type {NodeListOf<HTMLSelectElement>} */ (
      this.controls.querySelectorAll("select[data-addr]")
    )) {
      const addr = /** @type {string} */ (select.dataset.addr);
      this.draft.set(addr, select.value);
      if (select.value) (groups[select.value] ??= []).push(addr);
    }
    const list = Object.values(groups);
    if (list.length > 1) this.net()?.partition(...list);
    else if ((this.state?.partitions ?? []).length) this.net()?.heal();
  }

  /**
   * Mark the pairs of the matrix not connected yet (the network's connection phase): a
   * receiver's `connecting` are the senders whose frames it drops meanwhile.
   * @param {import("./model.js").Readings} readings
   */
  connecting(readings) {
    /** @type {Set<string>} */
    const pairs = new Set();
    for (const [peer, s] of readings)
      for (const from of s.connecting ?? []) pairs.add(`${from}>${peer.addr}`);
    for (const cell of /** @type {NodeListOf<HTMLElement>} */ (
      this.controls.querySelectorAll("td[data-pair]")
    )) {
      const on = pairs.has(/** @type {string} */ (cell.dataset.pair));
      cell.classList.toggle("connecting", on);
      /** @type {HTMLElement} */ (cell.querySelector("small.connecting")).hidden = !on;
    }
  }
}
