// @ts-check
/**
 * The devtools' frame log: the traffic's entries, newest first, each with its receivers'
 * fates and its payload shown as JSON, msgpack, text or hex; filters by peer, kind and
 * size; pause; export to JSON and import back (to look at later, or elsewhere).
 */
import { decode as decodeMsgpack } from "@msgpack/msgpack";
import { el } from "../shared/dom.js";

/** Rows the log shows at most. */
const ROWS = 200;

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

export class LogPanel {
  /**
   * @param {HTMLElement} box  the panel's section
   * @param {{ pause: (on: boolean) => void, save: () => void, load: (data: unknown) => void }} actions
   */
  constructor(box, actions) {
    this.pause = /** @type {HTMLInputElement} */ (el("input", { type: "checkbox" }));
    this.pause.addEventListener("change", () => actions.pause(this.pause.checked));
    this.peer = /** @type {HTMLSelectElement} */ (el("select", { class: "peer-filter" }));
    this.kind = /** @type {HTMLSelectElement} */ (
      el("select", {}, [
        el("option", { value: "" }, ["frames and updates"]),
        el("option", { value: "frame" }, ["frames"]),
        el("option", { value: "update" }, ["updates"]),
      ])
    );
    this.size = /** @type {HTMLInputElement} */ (
      el("input", { type: "number", min: "0", placeholder: "min bytes" })
    );
    const save = el("button", { type: "button", class: "quiet" }, ["Export JSON"]);
    save.addEventListener("click", () => actions.save());
    const load = /** @type {HTMLInputElement} */ (
      el("input", { type: "file", accept: ".json,application/json" })
    );
    load.addEventListener("change", async () => {
      const file = load.files?.[0];
      if (file) actions.load(JSON.parse(await file.text()));
    });
    this.body = el("tbody");
    box.append(
      el("h3", {}, ["Frame log ", el("small", {}, ["newest first"])]),
      el("div", { class: "filters" }, [
        el("label", {}, [this.pause, " pause"]),
        this.peer,
        this.kind,
        this.size,
        save,
        el("label", { class: "import" }, ["Import ", load]),
      ]),
      el("table", {}, [this.body]),
    );
    /** Called when a filter changes (set by the devtools: it draws the log again). */
    this.changed = () => {};
    for (const control of [this.peer, this.kind, this.size])
      control.addEventListener("input", () => this.changed());
  }

  /**
   * @param {import("./model.js").Entry[]} entries  newest last
   * @param {import("./model.js").PeerView[]} peers
   */
  render(entries, peers) {
    const { peer, kind, size } = this;
    const current = peer.value;
    peer.replaceChildren(
      el("option", { value: "" }, ["every peer"]),
      ...peers.map((p) => el("option", { value: p.addr }, [p.name])),
    );
    peer.value = current;
    const name = (/** @type {string} */ addr) => peers.find((p) => p.addr === addr)?.name ?? addr;
    const order = (/** @type {string} */ addr) => peers.findIndex((p) => p.addr === addr);
    const min = Number(size.value || 0);
    const rows = [];
    for (let i = entries.length - 1; i >= 0 && rows.length < ROWS; i--) {
      const e = entries[i];
      if (kind.value && e.kind !== kind.value) continue;
      if (peer.value && e.from !== peer.value && !e.fates.has(peer.value)) continue;
      if (e.size < min) continue;
      const [format, text] = describe(e.preview, e.size);
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
    this.body.replaceChildren(
      el(
        "tr",
        {},
        ["time", "kind", "sender", "receivers", "size", "payload"].map((h) => el("th", {}, [h])),
      ),
      ...rows,
    );
  }
}
