// Test harness for the differential test: runs a sequence of app calls given as data
// (tests/core/jsvalues.py describes the values) and reports each call's outcome, as an
// app would see it. It only uses the webxdc API.
window.S = {
  channels: [],
  got: [],

  /** The JS value a descriptor stands for. */
  value(desc) {
    const [kind] = Object.keys(desc);
    const n = desc[kind];
    switch (kind) {
      case "u8":
        return new Uint8Array(n).fill(desc.fill);
      case "view": {
        const buffer = new Uint8Array(n + 8).fill(255);
        buffer.fill(desc.fill, 3, 3 + n);
        return buffer.subarray(3, 3 + n);
      }
      case "array":
        return [...n];
      case "int8":
        return new Int8Array(n);
      case "arraybuffer":
        return new ArrayBuffer(n);
      case "dataview":
        return new DataView(new ArrayBuffer(n));
      case "arraylike":
        return { length: n };
      case "string":
      case "number":
      case "boolean":
        return n;
      case "object":
        return {};
      case "function":
        return () => {};
      case "null":
        return null;
      default:
        return undefined;
    }
  },

  /** What a received payload is, in short: [length, sum mod 65536, first, last]. */
  digest(data) {
    let sum = 0;
    for (const byte of data) sum = (sum + byte) % 65536;
    return [data.length, sum, data.length ? data[0] : -1, data.length ? data[data.length - 1] : -1];
  },

  /** Run the calls; each outcome is "skip", "ok", or [error class, message]. */
  run(ops) {
    this.start();
    return ops.map((op, at) => this.one(op, at));
  },

  /** Start a sequence run call by call (`one`), each in a task of its own. */
  start() {
    this.channels = [];
    this.got = [];
    return true;
  },

  /** One call of a sequence started with `start`: its outcome, as `run` gives it. */
  one([call, index, desc], at) {
    if (call !== "join" && this.channels.length === 0) return "skip";
    const slot = this.channels.length ? index % this.channels.length : 0;
    const channel = this.channels[slot];
    try {
      if (call === "join") this.channels.push(window.webxdc.joinRealtimeChannel());
      else if (call === "setListener") channel.setListener(this.listenerFor(desc, slot, at));
      else if (call === "send") channel.send(this.value(desc));
      else channel.leave();
      return "ok";
    } catch (error) {
      return [error.constructor.name, error.message];
    }
  },

  /** A listener that records which channel object and which setListener call got data. */
  listenerFor(desc, slot, at) {
    if (Object.keys(desc)[0] !== "function") return this.value(desc);
    return () => this.got.push([slot, at]);
  },

  /** Leave every channel of the last sequence, so that the page is out of the channel. */
  cleanup() {
    for (const channel of this.channels) {
      try {
        channel.leave();
      } catch {
        // no profile throws on leave; an app would not care either
      }
    }
    this.channels = [];
  },

  /** The peer's side: join, record a digest of everything that arrives. */
  receive() {
    this.channel = window.webxdc.joinRealtimeChannel();
    this.channel.setListener((data) => this.got.push(this.digest(data)));
    return true;
  },

  probe() {
    this.channel.send(new Uint8Array([0xee]));
    return true;
  },

  /** The peer's side: one frame of `n` bytes to the app, in a task of its own. */
  sendOne(n) {
    this.channel.send(new Uint8Array(n).fill(n));
    return true;
  },
};
