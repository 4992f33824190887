// What the demo's scripts find on the page: the webxdc API that webxdc.js installs, our
// runtime's status (window.webxdcRealtime), and the channel the spec's example joined.

interface RealtimeChannel {
  setListener(listener: ((data: Uint8Array) => void) | null): void;
  send(data: Uint8Array): void;
  leave(): void;
}

interface Webxdc {
  selfAddr: string;
  selfName: string;
  joinRealtimeChannel(): RealtimeChannel;
}

interface RealtimeStats {
  peers: number;
  frames_sent: number;
  frames_received: number;
  dropped: Record<string, number>;
}

interface WebxdcRealtime {
  status: "loading" | "live" | "failed";
  config: { profile: string };
  timings: { init: number };
  stats(): RealtimeStats | null;
}

interface Window {
  webxdc: Webxdc;
  webxdcRealtime: WebxdcRealtime;
}

/** The example's channel (example.js, SPEC.md's example verbatim, runs first). */
declare const realtimeChannel: RealtimeChannel;
