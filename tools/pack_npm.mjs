// @ts-check
// Makes the npm package, webxdc-realtime: build/npm/ gets what package.json's `files` names
// (the built runtime in dist/, the Vite plugin, the Playwright fixture), at the paths they
// have here, with TypeScript declarations made by tsc from their JSDoc types beside them;
// then `npm pack` writes the tarball into OUT_DIR and this prints its sizes.
// Usage: node tools/pack_npm.mjs OUT_DIR   (after make build)
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

const [out] = process.argv.slice(2);
if (!out) throw new Error("usage: node tools/pack_npm.mjs OUT_DIR");
const stage = "build/npm";
fs.rmSync(stage, { recursive: true, force: true });
fs.mkdirSync(stage, { recursive: true });

const copy = (/** @type {string} */ from) =>
  fs.cpSync(from, path.join(stage, from), { recursive: true, filter: (name) => !name.endsWith(".stamp") });
for (const file of [
  "package.json",
  "README.md",
  "CHANGELOG.md",
  "LICENSE",
  "dist",
  "js_glue/vite",
  "js_glue/playwright",
])
  copy(file);
copy("js_glue/shared/host-page.js");
copy("js_glue/webxdc/window.d.ts");

// Declarations beside the modules they describe, from their JSDoc types.
const declare = [
  "--allowJs",
  "--declaration",
  "--emitDeclarationOnly",
  "--skipLibCheck",
  "--target",
  "es2022",
];
const tsc = (/** @type {string[]} */ ...args) =>
  execFileSync(
    "node_modules/.bin/tsc",
    [...declare, "--rootDir", "js_glue", "--declarationDir", `${stage}/js_glue`, ...args],
    {
      stdio: "inherit",
    },
  );
// The plugin and the fixture run in Node; the glue (for window.webxdcRealtime) in a page.
tsc(
  "--module",
  "nodenext",
  "--moduleResolution",
  "nodenext",
  "--types",
  "node",
  "js_glue/vite/index.js",
  "js_glue/playwright/index.js",
);
tsc(
  "--module",
  "es2022",
  "--moduleResolution",
  "bundler",
  "--lib",
  "es2022,dom,dom.iterable",
  "js_glue/webxdc/index.js",
);

fs.mkdirSync(out, { recursive: true });
const [packed] = JSON.parse(
  execFileSync("npm", ["pack", "--json", "--pack-destination", path.resolve(out)], {
    cwd: stage,
    encoding: "utf8",
  }),
);
const mb = (/** @type {number} */ bytes) => `${(bytes / 1e6).toFixed(1)} MB`;
console.log(
  `${path.join(out, packed.filename)}: ${mb(packed.size)} packed, ${mb(packed.unpackedSize)} unpacked, ${packed.entryCount} files`,
);
