// The package's types, as a TypeScript project sees them (`tsc` checks this file).
import type { Plugin } from "vite";
import { webxdcRealtime } from "webxdc-realtime/vite";
import { test, expect, type WebxdcApp, type Peer } from "webxdc-realtime/playwright";
import type {} from "webxdc-realtime/webxdc.js";

export const plugin: Plugin = webxdcRealtime({ peers: 3, profile: "mobile", net: "deltachat" });
// @ts-expect-error: not an option
webxdcRealtime({ peer: 3 });

export const status: "loading" | "live" | "failed" = window.webxdcRealtime.status;

test("types only", async ({ webxdc }) => {
  const app: WebxdcApp = await webxdc({ peers: 2, timeout: 1000 });
  const first: Peer = app.peers[0];
  const state: Record<string, unknown> = await app.network.set({ loss: 0.5 });
  const heard: string[] = await first.evaluate(() => ["a"]);
  expect([state, heard]).toBeTruthy();
});
