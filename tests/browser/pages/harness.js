// Test harness for the multi-tab tests: a tiny "app" the tests drive with page.evaluate.
// It only uses the webxdc API, as an app would.
window.T = {
  ch: null,
  got: [],
  join(listen = true) {
    this.ch = window.webxdc.joinRealtimeChannel();
    if (listen) this.listen();
    return true;
  },
  listen() {
    this.ch.setListener((data) => this.got.push(data));
  },
  send(bytes) {
    this.ch.send(new Uint8Array(bytes));
  },
  texts() {
    return this.got.map((d) => new TextDecoder().decode(d));
  },
  arrays() {
    return this.got.map((d) => Array.from(d));
  },
  reset() {
    this.ch?.leave();
    this.ch = null;
    this.got = [];
    return true;
  },
  error(fn) {
    try {
      fn();
      return null;
    } catch (e) {
      return { name: e.constructor.name, message: e.message, isError: e instanceof Error };
    }
  },
};
