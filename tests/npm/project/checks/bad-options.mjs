import { webxdcRealtime } from "webxdc-realtime/vite";
for (const options of [{ peer: 3 }, { peers: 0 }, { profile: "android" }, { csp: "no" }, "strict"]) {
  try {
    webxdcRealtime(options);
    console.log("accepted");
  } catch (error) {
    console.log(error.message);
  }
}
