// Makes dist/snapshot.bin.gz: a memory snapshot of a Pyodide interpreter that has already
// started and imported our package (webxdc_realtime._browser included). The page restores
// it instead of starting Python from scratch: several times faster (see README, Performance).
// Pyodide's snapshot API is private and experimental; the page checks dist/snapshot.json
// against its Pyodide and package versions and falls back to a plain start on any mismatch.
//
// Usage: node tools/make-snapshot.mjs DIST_DIR WHEEL_FILE_NAME PACKAGE_VERSION
import fs from "node:fs";
import path from "node:path";
import zlib from "node:zlib";
import { loadPyodide, version } from "pyodide";

const [dist, wheel, packageVersion] = process.argv.slice(2);
if (!dist || !wheel || !packageVersion)
  throw new Error("usage: node tools/make-snapshot.mjs DIST WHEEL VERSION");
const indexURL = path.resolve(dist) + "/";

const pyodide = await loadPyodide({ indexURL, _makeSnapshot: true });
// Unpack the wheel with Python's zipfile: loadPackage() would leave JS references behind
// that a snapshot cannot hold. Files written here are not in the snapshot (the file system
// lives outside wasm memory), but the imported modules are, and that is all the page needs.
pyodide.FS.writeFile("/tmp/package.whl", fs.readFileSync(path.join(dist, wheel)));
try {
  pyodide.runPython(`
import sysconfig, zipfile
zipfile.ZipFile("/tmp/package.whl").extractall(sysconfig.get_paths()["purelib"])
import webxdc_realtime._browser
`);
} catch (error) {
  // Node would print the error's source line: the whole minified Pyodide runtime.
  console.error(`make-snapshot: importing the package failed:\n${error.message}`);
  process.exit(1);
}
const snapshot = pyodide.makeMemorySnapshot();
const packed = zlib.gzipSync(snapshot, { level: 6 });
fs.writeFileSync(path.join(dist, "snapshot.bin.gz"), packed);
fs.writeFileSync(
  path.join(dist, "snapshot.json"),
  JSON.stringify({
    pyodide: version,
    package: packageVersion,
    wheel,
    file: "snapshot.bin.gz",
    bytes: snapshot.length,
  }) + "\n",
);
console.log(
  `snapshot: ${(snapshot.length / 2 ** 20).toFixed(1)} MiB, ${(packed.length / 2 ** 20).toFixed(1)} MiB gzipped`,
);
