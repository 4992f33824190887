// The demo app: shared cursors and a tiny chat over the same channel as the example.
//
// A tab has one channel at a time (a second join throws), so the demo uses the one the
// example joined. setListener replaces the example's listener (SPEC.md row 5) with one
// that logs the example's text messages exactly as the example did, and also handles the
// demo's own JSON messages. When the example leaves after 100 messages, the demo joins
// again (a new join after leave is allowed, row 4). globals.d.ts says what the page holds.
// @ts-check
(() => {
  /** An element of the page, which has it. @param {string} id @returns {HTMLElement} */
  const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));
  /** A form field of the page. @param {string} id @returns {HTMLInputElement} */
  const input = (id) => /** @type {HTMLInputElement} */ ($(id));
  /** What a peer said, as it said it: JSON of any shape. @typedef {Record<string, unknown>} Said */
  const encoder = new TextEncoder();
  const decoder = new TextDecoder();
  const me = { addr: window.webxdc.selfAddr, name: window.webxdc.selfName };
  const hue = (/** @type {string} */ text) => [...text].reduce((h, c) => (h * 31 + c.charCodeAt(0)) % 360, 7);
  const colour = (/** @type {string} */ addr) => `hsl(${hue(addr)} 70% 52%)`;

  $("me").innerHTML = `<i style="background:${colour(me.addr)}"></i>You are `;
  $("me").append(Object.assign(document.createElement("b"), { textContent: me.name }));
  fetch("example.js")
    .then((answer) => answer.text())
    .then((source) => ($("example-source").textContent = source.trim()));

  // "Add peer": this app in a new tab, with a new identity (the `#addr=…&name=…` convention).
  $("add-peer").addEventListener("click", () => {
    const names = ["Ada", "Ben", "Cleo", "Dan", "Eve", "Finn", "Gus", "Hana", "Ivo", "Jo"];
    const id = Math.random().toString(16).slice(2, 6);
    const name = `${names[Math.floor(Math.random() * names.length)]} ${id}`;
    const addr = `${name.split(" ")[0].toLowerCase()}-${id}@webxdc.localhost`;
    window.open(
      `${location.pathname}${location.search}#addr=${encodeURIComponent(addr)}&name=${encodeURIComponent(name)}`,
      "_blank",
    );
  });

  let channel = realtimeChannel;
  /** @param {Uint8Array} data */
  const listener = (data) => {
    if (data[0] !== 0x7b /* "{" */) {
      // The example's messages: log them as the example's own listener does.
      console.log("Received realtime data: ", data);
      console.log("Decoded message: ", decoder.decode(data));
      return;
    }
    /** @type {Said} */
    let msg;
    try {
      msg = JSON.parse(decoder.decode(data));
    } catch {
      return; // another app's idea of JSON: not ours to show
    }
    if (msg.kind === "cursor") showCursor(msg);
    if (msg.kind === "chat") showChat(msg, false);
  };
  channel.setListener(listener);

  /** @param {Said} msg */
  const send = (msg) => {
    const data = encoder.encode(JSON.stringify({ ...msg, addr: me.addr, name: me.name }));
    try {
      channel.send(data);
    } catch (error) {
      if (!String(/** @type {Error} */ (error).message).includes("trashed")) throw error;
      console.info("The example left the channel after its 100 messages; the demo joins again.");
      channel = window.webxdc.joinRealtimeChannel();
      channel.setListener(listener);
      channel.send(data);
    }
  };

  // Shared cursors: at most one message per animation frame.
  const board = $("board");
  /** @type {Map<string, HTMLElement>} */
  const cursors = new Map();
  /** @type {WeakMap<HTMLElement, number>} */
  const idle = new WeakMap();
  /** @type {{ x: number, y: number } | null} */
  let queued = null;
  board.addEventListener("pointermove", (event) => {
    const box = board.getBoundingClientRect();
    const first = queued === null;
    queued = { x: (event.clientX - box.left) / box.width, y: (event.clientY - box.top) / box.height };
    if (first) {
      requestAnimationFrame(() => {
        send({ kind: "cursor", ...queued });
        queued = null;
      });
    }
  });
  /** @param {Said} said */
  function showCursor({ addr, name, x, y }) {
    if (typeof x !== "number" || typeof y !== "number") return;
    const from = String(addr);
    let cursor = cursors.get(from);
    if (!cursor) {
      cursor = document.createElement("div");
      cursor.className = "cursor";
      cursor.style.setProperty("--c", colour(from));
      cursor.innerHTML = `<svg viewBox="0 0 16 16" width="22" height="22"><path d="M1 1l5 14 2-6 6-2z"/></svg><span></span>`;
      board.append(cursor);
      cursors.set(from, cursor);
      $("hint").hidden = true;
    }
    /** @type {HTMLElement} */ (cursor.querySelector("span")).textContent = String(name);
    cursor.style.left = `${Math.min(Math.max(x, 0), 1) * 100}%`;
    cursor.style.top = `${Math.min(Math.max(y, 0), 1) * 100}%`;
    cursor.classList.remove("idle");
    clearTimeout(idle.get(cursor));
    const shown = cursor;
    idle.set(
      cursor,
      setTimeout(() => shown.classList.add("idle"), 3000),
    );
  }

  // Tiny chat.
  $("chat-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const text = input("chat-input").value.trim();
    if (!text) return;
    send({ kind: "chat", text });
    showChat({ addr: me.addr, name: me.name, text }, true);
    input("chat-input").value = "";
  });
  /** @param {Said} said @param {boolean} mine */
  function showChat({ addr, name, text }, mine) {
    const item = document.createElement("li");
    item.className = mine ? "mine" : "";
    item.innerHTML = `<b style="color:${colour(String(addr))}"></b><span></span>`;
    /** @type {HTMLElement} */ (item.querySelector("b")).textContent = mine ? "You" : String(name);
    /** @type {HTMLElement} */ (item.querySelector("span")).textContent = String(text);
    $("chat").append(item);
    $("chat").scrollTop = $("chat").scrollHeight;
  }

  // Status line: loading / live, peers heard from, frames in and out.
  const state = $("state");
  $("profile").textContent = window.webxdcRealtime.config.profile;
  function refresh() {
    const rt = window.webxdcRealtime;
    if (rt.status === "live") {
      state.className = "pill live";
      state.textContent = `live in ${(rt.timings.init / 1000).toFixed(1)} s`;
    } else if (rt.status === "failed") {
      state.className = "pill failed";
      state.textContent = "failed to load (see log)";
    }
    const stats = rt.stats();
    if (stats) {
      $("peers").textContent = String(stats.peers);
      $("sent").textContent = String(stats.frames_sent);
      $("received").textContent = String(stats.frames_received);
      const dropped = Object.values(stats.dropped).reduce((a, b) => a + b, 0);
      $("dropped").textContent = dropped ? `${dropped} dropped` : "";
    }
  }
  setInterval(refresh, 250);
  refresh();
})();
