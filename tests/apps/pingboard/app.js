// A small webxdc app for the tests of `webxdc-realtime run`: it uses updates (a listener
// set at start), the realtime channel, localStorage (a device id, as @webxdc/realtime
// keeps one) and IndexedDB (a visit counter), and tries the network (which the host's
// Content-Security-Policy must block). Its state is in window.fixture for the tests.
const $ = (id) => document.getElementById(id);
const fixture = (window.fixture = {
  notes: [],
  pings: [],
  realms: [],
  ready: false,
  fetch: "pending",
  visits: 0,
});

let device = localStorage.getItem("device-id");
if (!device) {
  device = Math.random().toString(16).slice(2, 10);
  localStorage.setItem("device-id", device);
}
fixture.device = device;
$("me").textContent = window.webxdc.selfName;
$("device").textContent = device;

window.webxdc
  .setUpdateListener((update) => {
    fixture.notes.push(update);
    const item = document.createElement("li");
    item.textContent = `${update.payload.by}: note ${update.payload.n} (serial ${update.serial})`;
    $("notes").append(item);
    $("serials").textContent = `max_serial ${update.max_serial}`;
  })
  .then(() => (fixture.ready = true));

$("add").addEventListener("click", () => {
  const n = fixture.notes.length + 1;
  const by = window.webxdc.selfName;
  window.webxdc.sendUpdate({
    payload: { by, n },
    info: `${by} added note ${n}`,
    summary: `${n} notes`,
    document: "Pingboard",
    notify: { "*": `${by} added a note` },
  });
});

const channel = window.webxdc.joinRealtimeChannel();
channel.setListener((data) => {
  fixture.realms.push(data instanceof Uint8Array); // of this page's realm, for the tests
  const text = new TextDecoder().decode(data);
  fixture.pings.push(text);
  const item = document.createElement("li");
  item.textContent = text;
  $("pings").append(item);
});
$("ping").addEventListener("click", () =>
  channel.send(new TextEncoder().encode(`ping from ${window.webxdc.selfName}`)),
);
fixture.send = (text) => channel.send(new TextEncoder().encode(text)); // for the tests
fixture.channel = channel;

// A visit counter in IndexedDB, per peer.
const open = indexedDB.open("pingboard", 1);
open.onupgradeneeded = () => open.result.createObjectStore("kv");
open.onsuccess = () => {
  const tx = open.result.transaction("kv", "readwrite");
  const kv = tx.objectStore("kv");
  const read = kv.get("visits");
  read.onsuccess = () => {
    fixture.visits = (read.result ?? 0) + 1;
    kv.put(fixture.visits, "visits");
    $("visits").textContent = fixture.visits;
  };
};

// Apps get no network: the host's Content-Security-Policy blocks this.
fetch("http://127.0.0.1:9/")
  .then(() => (fixture.fetch = "allowed"))
  .catch((error) => (fixture.fetch = `blocked: ${error.message}`))
  .finally(() => ($("network").textContent = `network: ${fixture.fetch}`));
