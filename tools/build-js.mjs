// @ts-check
// Bundles the JS glue into dist/webxdc.js (an IIFE for a plain <script> tag), with the
// Python core's rules table (tools/export_rules.py) embedded.
// Usage: node tools/build-js.mjs WHEEL_FILE_NAME VERSION RULES_JSON
import fs from "node:fs";
import * as esbuild from "esbuild";

const [wheel, version, rules] = process.argv.slice(2);
if (!wheel || !version || !rules) throw new Error("usage: node tools/build-js.mjs WHEEL VERSION RULES_JSON");
const table = JSON.parse(fs.readFileSync(rules, "utf8"));

await esbuild.build({
  entryPoints: ["js_glue/webxdc/index.js"],
  bundle: true,
  format: "iife",
  target: "es2022",
  outfile: "dist/webxdc.js",
  define: {
    __WHEEL__: JSON.stringify(wheel),
    __VERSION__: JSON.stringify(version),
    __RULES__: JSON.stringify(table),
  },
  banner: { js: `/* webxdc-realtime ${version}: window.webxdc.joinRealtimeChannel() between tabs. */` },
  logLevel: "warning",
});

// The relay's client (the NATS project's), loaded only by pages with a relay.
await esbuild.build({
  entryPoints: ["js_glue/relay/main.js"],
  bundle: true,
  format: "esm",
  target: "es2022",
  outfile: "dist/relay.mjs",
  minify: true,
  logLevel: "warning",
});
