// A webxdc mock of an app's own, as apps ship for the browser, loaded before our webxdc.js.
window.webxdc = {
  selfAddr: "mock@example.org",
  selfName: "Mock",
  sendUpdate() {
    return "mine";
  },
  setUpdateListener() {},
  mockOnly: "kept",
};
