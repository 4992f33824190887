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
    /^webxdc: peer Ada \(ada@peers\.localhost\) failed to load \(status "failed"\); the last thing it logged: error: webxdc realtime: could not load the Python runtime/,
  );
});
