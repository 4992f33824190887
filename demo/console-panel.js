// @ts-check
// Mirrors this tab's console into the "Log" panel, so the example's console.log output is
// visible on the page. Loaded first, so it also shows what webxdc.js says while loading.
(() => {
  /** @typedef {"log" | "info" | "warn" | "error"} Kind */
  /** @type {[Kind, string][]} */
  const pending = [];
  /**
   * @param {Kind} kind
   * @param {unknown[]} args
   */
  const show = (kind, args) => {
    const text = args
      .map((a) =>
        a instanceof Uint8Array ? `Uint8Array(${a.length})` : typeof a === "string" ? a : String(a),
      )
      .join(" ");
    const panel = document.getElementById("log");
    if (!panel) {
      pending.push([kind, text]);
      return;
    }
    const line = document.createElement("div");
    line.className = `line k-${kind}`;
    const time = new Date().toLocaleTimeString([], { hour12: false });
    line.innerHTML = `<time>${time}</time>`;
    line.append(text);
    panel.append(line);
    while (panel.firstElementChild && panel.childElementCount > 300) panel.firstElementChild.remove();
    panel.scrollTop = panel.scrollHeight;
  };
  for (const kind of /** @type {Kind[]} */ (["log", "info", "warn", "error"])) {
    const original = console[kind].bind(console);
    console[kind] = (/** @type {unknown[]} */ ...args) => {
      original(...args);
      show(kind, args);
    };
  }
  document.addEventListener("DOMContentLoaded", () => pending.splice(0).forEach(([k, t]) => show(k, [t])));
})();
