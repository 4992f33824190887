// A webxdc app shaped as the official Vite template builds it (absolute /assets/ paths),
// for the tests of `webxdc-realtime run`: it fetches /data.json, instantiates a .wasm
// fetched by an absolute path, shows images whose names have a space and letters beyond
// ASCII, seeks in an <audio>, joins the realtime channel and keeps updates. Its state is
// in window.fixture for the tests.
const $ = (id) => document.getElementById(id);
const fixture = (window.fixture = {
  loadedAt: performance.timeOrigin,
  visits: Number(localStorage.getItem("visits") ?? 0) + 1,
  data: null,
  answer: null,
  images: {},
  audio: null,
  heard: [],
  updates: [],
  ready: false,
});
localStorage.setItem("visits", String(fixture.visits));
$("me").textContent = window.webxdc.selfName;

fetch("/data.json")
  .then((response) => response.json())
  .then((data) => ($("data").textContent = fixture.data = data.greeting));

WebAssembly.instantiateStreaming(fetch("/js/call-with-42.wasm")).then(({ instance }) => {
  $("answer").textContent = fixture.answer = instance.exports.answer();
});

for (const image of document.querySelectorAll("img")) {
  const done = () => (fixture.images[image.id] = image.naturalWidth);
  if (image.complete) done();
  else image.addEventListener("load", done);
  image.addEventListener("error", () => (fixture.images[image.id] = "error"));
}

// Seeking needs the server to answer ranges.
const tone = $("tone");
tone.addEventListener("loadedmetadata", () => (tone.currentTime = 1.5));
tone.addEventListener("seeked", () => {
  fixture.audio = { duration: tone.duration, at: tone.currentTime, seekable: tone.seekable.end(0) };
  $("audio").textContent = `audio: ${tone.duration.toFixed(1)} s, seeked to ${tone.currentTime} s`;
});

const channel = window.webxdc.joinRealtimeChannel();
channel.setListener((data) => {
  const text = new TextDecoder().decode(data);
  fixture.heard.push(text);
  $("heard").textContent = fixture.heard.join(", ");
});
fixture.send = (text) => channel.send(new TextEncoder().encode(text));

window.webxdc
  .setUpdateListener((update) => {
    fixture.updates.push(update.payload);
    $("updates").textContent = fixture.updates.map((u) => u.text).join(", ");
  })
  .then(() => (fixture.ready = true));
fixture.update = (text) => window.webxdc.sendUpdate({ payload: { text } }, "");
