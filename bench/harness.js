// Benchmark harness: the same measurements over several transports, driven by bench/*.py.
//   raw:  the browser's own BroadcastChannel (the baseline)
//   nats: the NATS client alone on the relay of ?relay= (the relay's baseline)
//   ours: window.webxdc.joinRealtimeChannel() from dist/webxdc.js
// Every payload carries a 4-byte sequence number, so loss and order are checked.
(() => {
  const now = () => performance.timeOrigin + performance.now();

  function rawTransport() {
    const bc = new BroadcastChannel("bench-raw");
    return {
      send: (data) => bc.postMessage(data),
      listen: (fn) => (bc.onmessage = (event) => fn(event.data)),
    };
  }

  function oursTransport() {
    const channel = window.webxdc.joinRealtimeChannel();
    return {
      send: (data) => channel.send(data),
      listen: (fn) => channel.setListener(fn),
    };
  }

  // The NATS project's client alone (@nats-io/nats-core, as dist/relay.mjs bundles it),
  // on the relay given with ?relay=: the baseline of ours over the relay.
  async function natsTransport() {
    const { connect } = await import("/dist/relay.mjs");
    const client = await connect({
      servers: new URLSearchParams(location.search).get("relay").split(","),
      name: "bench raw nats",
      onStatus: () => {},
    });
    let stop = () => {};
    return {
      // A copy: the client keeps the array until its next write to the socket, and the
      // loops below reuse theirs (ours copies too, for the same reason).
      send: (data) => client.publish("bench.raw", data.slice()),
      listen: (fn) => {
        stop();
        stop = client.subscribe("bench.raw", fn);
      },
    };
  }

  function payload(size, seq) {
    const data = new Uint8Array(size);
    new DataView(data.buffer).setUint32(0, seq);
    return data;
  }

  const Bench = {
    transport: null,
    sink: null,
    async setup(kind) {
      if (kind === "ours") await window.webxdcRealtime.ready;
      this.transport =
        kind === "raw" ? rawTransport() : kind === "nats" ? await natsTransport() : oursTransport();
      this.transport.listen(() => {});
      return true;
    },
    // The far end of the latency test: send every message straight back.
    echo() {
      this.transport.listen((data) => this.transport.send(data));
      return true;
    },
    // Round trips, one at a time; returns one-way estimates (RTT / 2) in ms.
    async ping(size, count) {
      const samples = [];
      let resolve = null;
      this.transport.listen(() => resolve && resolve());
      for (let i = 0; i < count; i++) {
        const data = payload(size, i);
        const done = new Promise((r) => (resolve = r));
        const t = performance.now();
        this.transport.send(data);
        await done;
        samples.push((performance.now() - t) / 2);
      }
      return samples;
    },
    // The receiving end of the throughput test.
    receive(expected) {
      const sink = { expected, count: 0, ordered: true, bytes: 0, end: 0, first: 0 };
      this.sink = sink;
      this.transport.listen((data) => {
        const seq = data.length >= 4 ? new DataView(data.buffer, data.byteOffset).getUint32(0) : -1;
        if (seq !== sink.count) sink.ordered = false;
        if (sink.count === 0) sink.first = now();
        sink.count += 1;
        sink.bytes += data.length;
        if (sink.count === sink.expected) sink.end = now();
      });
      return true;
    },
    result() {
      return this.sink;
    },
    // The sending end: `count` messages as fast as the app can call send().
    blast(size, count) {
      const start = now();
      const data = payload(size, 0);
      const view = new DataView(data.buffer);
      for (let i = 0; i < count; i++) {
        view.setUint32(0, i);
        this.transport.send(data);
      }
      return start;
    },
    // The sending end, one send per task: each from its own macrotask (a MessageChannel
    // message, which no timer clamps), so that no two sends can travel together.
    pace(size, count) {
      const start = now();
      const data = payload(size, 0);
      const view = new DataView(data.buffer);
      const tick = new MessageChannel();
      let i = 0;
      tick.port1.onmessage = () => {
        view.setUint32(0, i);
        this.transport.send(data);
        if (++i < count) tick.port2.postMessage(0);
        else tick.port1.close();
      };
      tick.port2.postMessage(0);
      return start;
    },
  };
  window.Bench = Bench;
})();
