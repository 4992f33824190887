// Bundles the JS glue into dist/webxdc.js (an IIFE for a plain <script> tag).
// Usage: node tools/build-js.mjs WHEEL_FILE_NAME VERSION
import * as esbuild from "esbuild";

const [wheel, version] = process.argv.slice(2);
if (!wheel || !version) throw new Error("usage: node tools/build-js.mjs WHEEL VERSION");

await esbuild.build({
  entryPoints: ["js_glue/index.js"],
  bundle: true,
  format: "iife",
  target: "es2022",
  outfile: "dist/webxdc.js",
  define: { __WHEEL__: JSON.stringify(wheel), __VERSION__: JSON.stringify(version) },
  banner: { js: `/* webxdc-realtime ${version}: window.webxdc.joinRealtimeChannel() between tabs. */` },
  logLevel: "warning",
});
