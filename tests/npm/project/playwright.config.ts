import { defineConfig } from "@playwright/test";

// `npm start` serves the app with webxdc-realtime's host page (vite.config.js); with
// WEBXDC_URL set, the tests go there instead (e.g. `webxdc-realtime run app.xdc`).
const port = Number(process.env.PORT ?? 3000);
export default defineConfig({
  testDir: "tests",
  use: { baseURL: `https://localhost:${port}`, ignoreHTTPSErrors: true },
  webServer: process.env.WEBXDC_URL
    ? undefined
    : {
        command: `npx vite --port ${port} --strictPort`,
        url: `https://localhost:${port}/_webxdc-realtime/`,
        ignoreHTTPSErrors: true,
        reuseExistingServer: true,
      },
  // The browsers installed on this machine (Debian's); elsewhere `npx playwright install`.
  projects: [
    {
      name: "chromium",
      use: { browserName: "chromium", launchOptions: { executablePath: process.env.CHROMIUM } },
    },
    {
      name: "firefox",
      use: {
        browserName: "firefox",
        channel: "moz-firefox",
        launchOptions: { executablePath: process.env.FIREFOX },
      },
    },
  ],
});
