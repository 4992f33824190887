// Builds the realtime self-test app (js_glue/selftest/) into a folder ready to pack as an
// .xdc: its page, style, manifest and icon, and its scripts bundled into selftest.js.
// webxdc.js is not included: the host provides it.
// Usage: node tools/build-selftest.mjs OUT_DIR
import fs from "node:fs";
import path from "node:path";
import * as esbuild from "esbuild";

const [out] = process.argv.slice(2);
if (!out) throw new Error("usage: node tools/build-selftest.mjs OUT_DIR");
const src = "js_glue/selftest";
fs.rmSync(out, { recursive: true, force: true });
fs.mkdirSync(out, { recursive: true });
for (const name of ["index.html", "style.css", "manifest.toml", "icon.png"]) {
  fs.copyFileSync(path.join(src, name), path.join(out, name));
}
await esbuild.build({
  entryPoints: [path.join(src, "main.js")],
  bundle: true,
  format: "iife",
  target: "es2020",
  outfile: path.join(out, "selftest.js"),
  logLevel: "warning",
});
