// @ts-check
// Makes dist/snapshot.bin.gz: a memory snapshot of a Pyodide interpreter that has already
// started and imported our package (webxdc_realtime.browser.adapter included). The page restores
// it instead of starting Python from scratch: several times faster (see bench/RESULTS.md).
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
import webxdc_realtime.browser.adapter
`);
} catch (error) {
  // Node would print the error's source line: the whole minified Pyodide runtime.
  console.error(`make-snapshot: importing the package failed:\n${/** @type {Error} */ (error).message}`);
  process.exit(1);
}
const snapshot = pyodide.makeMemorySnapshot();

// The file holds only the image's non-zero pages (about half of it): the page rebuilds the
// image (zero elsewhere) and, with the patch below, copies only those pages into wasm
// memory, so that what the image leaves zero never becomes resident.
//   "WXS1", image bytes, page size, page count (u32 little-endian each),
//   the pages' indices (u32 each), then the pages (the last one may be short).
const PAGE = 4096;
const indices = [];
for (let at = 0; at < snapshot.length; at += PAGE) {
  if (snapshot.subarray(at, at + PAGE).some((byte) => byte !== 0)) indices.push(at / PAGE);
}
const head = new Uint32Array([0x31535857, snapshot.length, PAGE, indices.length, ...indices]);
/** @type {Uint8Array[]} */
const parts = [new Uint8Array(head.buffer)];
for (const index of indices) parts.push(snapshot.subarray(index * PAGE, (index + 1) * PAGE));
const packed = zlib.gzipSync(Buffer.concat(parts), { level: 6 });
fs.writeFileSync(path.join(dist, "snapshot.bin.gz"), packed);

const patched = patchRestore(path.join(dist, "pyodide.asm.mjs"));
fs.writeFileSync(
  path.join(dist, "snapshot.json"),
  JSON.stringify({
    pyodide: version,
    package: packageVersion,
    wheel,
    file: "snapshot.bin.gz",
    format: "pages-v1",
    bytes: snapshot.length,
    pages: indices.length,
    page: PAGE,
    sparse_restore: patched,
  }) + "\n",
);
console.log(
  `snapshot: ${(snapshot.length / 2 ** 20).toFixed(1)} MiB, of which ` +
    `${((indices.length * PAGE) / 2 ** 20).toFixed(1)} MiB not zero; ` +
    `${(packed.length / 2 ** 20).toFixed(1)} MiB gzipped; restore of non-zero pages only: ` +
    (patched ? "patched in" : "NOT PATCHED (the page then restores the whole image)"),
);

/**
 * Pyodide restores a snapshot with `Module.HEAP8.set(image)`: every page of wasm memory
 * written, zero or not, and so made resident (+15 MiB a tab). Patch that one call into a
 * copy that skips pages zero in both the image and memory. The patch is checked: if the
 * call is not where it was (another Pyodide), the runtime is left as it is, and the page
 * still works, restoring the whole image.
 * @param {string} file  pyodide.asm.mjs
 * @returns {boolean} whether the runtime restores only the non-zero pages now
 */
function patchRestore(file) {
  const MARK = "webxdcRestorePages";
  let source = fs.readFileSync(file, "utf8");
  if (source.includes(MARK)) return true;
  const start = source.indexOf("API.restoreSnapshot=function(");
  const call = /Module\.HEAP8\.set\((\w+)\)/g;
  call.lastIndex = start;
  const found = start >= 0 ? call.exec(source) : null;
  if (!found || found.index - start > 1000 || source.split("API.restoreSnapshot=").length !== 2) {
    console.warn("make-snapshot: Pyodide's restoreSnapshot is not as expected; not patched");
    return false;
  }
  const helper = `function ${MARK}(heap, image) {
  // webxdc-realtime (tools/make-snapshot.mjs): copy the snapshot's image page by page,
  // skipping pages that are zero in the image and in memory alike, so that they are
  // never written and never become resident.
  const PAGE = 4096, n = image.length;
  const aligned = image.byteOffset % 4 === 0 && heap.byteOffset % 4 === 0;
  const src = aligned ? new Int32Array(image.buffer, image.byteOffset, n >> 2) : null;
  const dst = aligned ? new Int32Array(heap.buffer, heap.byteOffset, heap.length >> 2) : null;
  const zero = (words, i, j) => {
    for (; i < j; i++) if (words[i] !== 0) return false;
    return true;
  };
  for (let at = 0; at < n; at += PAGE) {
    const end = Math.min(at + PAGE, n);
    if (src && end - at === PAGE && zero(src, at >> 2, end >> 2) && zero(dst, at >> 2, end >> 2)) continue;
    heap.set(image.subarray(at, end), at);
  }
}
`;
  source =
    source.slice(0, found.index) +
    `${MARK}(Module.HEAP8,${found[1]})` +
    source.slice(found.index + found[0].length);
  source = source.slice(0, start) + helper + source.slice(start);
  fs.writeFileSync(file, source);
  return true;
}
