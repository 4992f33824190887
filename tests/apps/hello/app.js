// @ts-check
// Say hello on the realtime channel and answer others' hellos. Sent once at start, a hello
// is lost on a real network where peers connect seconds after joining; resent until
// answered, it gets through.
"use strict";

const resendMs = Number(document.body.dataset.resendMs) || 0;
const started = performance.now();
/** What the page saw, for people and for tests. */
const hello = { sent: 0, heard: /** @type {string[]} */ ([]), afterMs: 0 };
// @ts-ignore: for tests
window.hello = hello;

const channel = window.webxdc.joinRealtimeChannel();
const encode = (/** @type {object} */ message) => new TextEncoder().encode(JSON.stringify(message));

function say(/** @type {string} */ kind) {
  channel.send(encode({ kind, from: window.webxdc.selfName }));
  if (kind === "hello") hello.sent += 1;
  show();
}

function show() {
  const status = document.getElementById("status");
  if (!status) return;
  const how = resendMs ? `every ${resendMs / 1000} s until answered` : "once, at start";
  status.textContent = hello.heard.length
    ? `heard ${hello.heard.join(", ")} after ${hello.sent} hello(s) in ` +
      `${(hello.afterMs / 1000).toFixed(1)} s`
    : `heard nobody; sent ${hello.sent} hello(s) (${how})`;
}

channel.setListener((data) => {
  const message = JSON.parse(new TextDecoder().decode(data));
  if (!hello.heard.includes(message.from)) {
    if (!hello.heard.length) hello.afterMs = performance.now() - started;
    hello.heard.push(message.from);
  }
  if (message.kind === "hello") say("welcome");
  show();
});

say("hello");
if (resendMs) {
  const timer = setInterval(() => {
    if (hello.heard.length) clearInterval(timer);
    else say("hello");
  }, resendMs);
}
