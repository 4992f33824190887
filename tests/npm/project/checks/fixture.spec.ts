import { writeFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { test, expect } from "webxdc-realtime/playwright";

test("an address where nothing listens", async ({ webxdc }) => {
  const started = Date.now();
  await expect(webxdc({ url: process.env.NOTHING_URL })).rejects.toThrow(
    /^webxdc: could not open http:\/\/127\.0\.0\.1:\d+\/_webxdc-realtime\/: .*ERR_CONNECTION_REFUSED.*webxdcRealtime\(\)/,
  );
  expect(Date.now() - started).toBeLessThan(30_000);
});

test("an address with no host page", async ({ webxdc }) => {
  const started = Date.now();
  await expect(webxdc({ url: process.env.OTHER_URL })).rejects.toThrow(
    /^webxdc: http:\/\/127\.0\.0\.1:\d+\/_webxdc-realtime\/ is not a webxdc-realtime host page: it answered HTTP 404 with the page "Error response"/,
  );
  expect(Date.now() - started).toBeLessThan(30_000);
});

test("a peer that never goes live", async ({ webxdc, page }) => {
  await page.route("**/_webxdc-realtime/pyodide.mjs", () => {}); // never answered
  await expect(webxdc({ peers: 2, timeout: 3000 })).rejects.toThrow(
    /^webxdc: peer Ada \(ada@peers\.localhost\) is not live after 3 s \(status "loading"\); the last thing it logged: info: webxdc realtime: /,
  );
});

test("a peer that fails to load", async ({ webxdc, page }) => {
  await page.route("**/_webxdc-realtime/pyodide.mjs", (route) => route.abort());
  await expect(webxdc({ peers: 2 })).rejects.toThrow(
    // Whichever says so first: they share the host page's runtime, which failed for both.
    /^webxdc: peer (Ada|Ben) \((ada|ben)@peers\.localhost\) failed to load \(status "failed"\); the last thing it logged: error: webxdc realtime: could not load the Python runtime/,
  );
});

test("peers by name, added, reloaded and reset; the network's other changes", async ({ webxdc }) => {
  const app = await webxdc({ peers: 1 });
  const ada = app.peer("Ada");
  expect(String(ada)).toBe("Ada (ada@peers.localhost)");
  await ada.locator("#text").fill("one");
  await ada.locator("#note").click();
  const ben = await app.addPeer();
  expect([ben.name, app.peers.length]).toEqual(["Ben", 2]);
  await expect(ben.locator("#notes li")).toHaveText(["Ada: one"]); // a late peer gets the history
  await ben.evaluate(() => localStorage.setItem("kept", "yes"));
  await ben.reload();
  expect(await ben.waitFor(() => document.querySelectorAll("#notes li").length)).toBe(1);
  // An expression naming what the page has not defined yet is waited for; other errors end it.
  await ben.evaluate(() => setTimeout(() => ((window as any).later = 42), 300));
  expect(await ben.waitFor("later")).toBe(42);
  await expect(ben.waitFor("null.x", undefined, { timeout: 5000 })).rejects.toThrow(/TypeError/);
  expect(await ben.evaluate(() => localStorage.getItem("kept"))).toBe("yes");

  const state = await app.network.set({ delay: 30, seed: 7 });
  expect(await app.network.state()).toEqual(state);
  await app.network.link(ada, ben, { loss: 1 });
  await ada.locator("#text").fill("lost");
  await ada.locator("#say").click();
  await app.network.link(ada, ben); // back to the global conditions
  await app.network.offline(ben);
  await ada.locator("#text").fill("held");
  await ada.locator("#say").click();
  await expect(ben.locator("#heard li")).toHaveCount(0);
  await app.network.online(ben);
  await expect(ben.locator("#heard li")).toHaveText(["Ada: held"]);
  expect(await app.network.reset()).toEqual(await app.network.state());

  await app.reset();
  await expect(ben.locator("#notes li")).toHaveCount(0);
  expect(await ben.evaluate(() => localStorage.getItem("kept"))).toBeNull();
});

test("the network a trace's session ended with, its seed too", async ({ webxdc }, testInfo) => {
  const network = { seed: 9, all: { loss: 0.5 }, links: [], partitions: [], offline: {} };
  const header = { format: "webxdc-realtime trace", version: 1, network };
  const path = testInfo.outputPath("session.jsonl.gz");
  writeFileSync(path, gzipSync(`${JSON.stringify(header)}\n{"kind":"end","events":0}\n`));
  const app = await webxdc({ peers: 1, netFrom: path });
  expect(await app.network.state()).toMatchObject({ seed: 9, all: { loss: 0.5 } });
  const other = testInfo.outputPath("other.txt");
  writeFileSync(other, "hello\n");
  await expect(webxdc({ netFrom: other })).rejects.toThrow(
    /^webxdc: netFrom: cannot read a trace from .*other\.txt: /,
  );
});
