// @ts-check
// Builds a page of ours from js_glue/<page>/: copies the files named, bundles main.js into
// <page>.js (an IIFE). Used for the self-test app (then packed as an .xdc) and the host
// page of `webxdc-realtime run` (dist/host/).
// Usage: node tools/build-page.mjs SRC_DIR OUT_DIR BUNDLE_NAME FILE...
import fs from "node:fs";
import path from "node:path";
import * as esbuild from "esbuild";

const [src, out, bundle, ...files] = process.argv.slice(2);
if (!src || !out || !bundle) throw new Error("usage: node tools/build-page.mjs SRC OUT BUNDLE FILE...");
fs.rmSync(out, { recursive: true, force: true });
fs.mkdirSync(out, { recursive: true });
for (const name of files) fs.copyFileSync(path.join(src, name), path.join(out, name));
await esbuild.build({
  entryPoints: [path.join(src, "main.js")],
  bundle: true,
  format: "iife",
  target: "es2020",
  outfile: path.join(out, bundle),
  logLevel: "warning",
});
