const greeting = "hello"; // what the tests' edit changes, to see Vite's hot reload

// window.webxdc is the messenger's (webxdc.js); in development, webxdc-realtime's.
const webxdc = (window as any).webxdc;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

document.body.insertAdjacentHTML(
  "beforeend",
  `<p id="greeting">${greeting}</p>
   <input id="text" placeholder="say something" />
   <button id="say">Say</button> <button id="note">Note</button>
   <h2>Heard</h2><ul id="heard"></ul>
   <h2>Notes</h2><ul id="notes"></ul>`,
);
const add = (list: string, text: string) => {
  const item = document.createElement("li");
  item.textContent = text;
  document.querySelector(list)!.append(item);
};
const text = () => (document.querySelector("#text") as HTMLInputElement).value;

const channel = webxdc.joinRealtimeChannel();
channel.setListener((data: Uint8Array) => add("#heard", decoder.decode(data)));
document.querySelector("#say")!.addEventListener("click", () => {
  channel.send(encoder.encode(`${webxdc.selfName}: ${text()}`));
});

webxdc.setUpdateListener((update: any) => {
  if (update.payload?.note) add("#notes", `${update.payload.by}: ${update.payload.note}`);
}, 0);
document.querySelector("#note")!.addEventListener("click", () => {
  webxdc.sendUpdate({ payload: { by: webxdc.selfName, note: text() } }, "");
});
