// @ts-check
/**
 * The rest of `window.webxdc` (SPEC-webxdc.md), beside `joinRealtimeChannel`: updates,
 * `sendToChat`, `importFiles`, and the members a host sets. The decisions are the core's
 * (`core/updates.py`, `core/send_to_chat.py`); this installs the functions and moves data.
 */

/** @typedef {import("./updates.js").Updates} Updates */
/** @typedef {import("./updates.js").Report} Report */

const DATA_KEYS = ["blob", "base64", "plainText"];

/**
 * @typedef {object} Members
 * @property {number} sendUpdateInterval
 * @property {number} sendUpdateMaxSize
 * @property {boolean} isAppSender
 * @property {boolean} isBroadcast
 */

/**
 * Install the whole API on `webxdc` (replacing what a mock had, but its identity).
 * @param {any} webxdc
 * @param {object} parts
 * @param {Updates} parts.updates
 * @param {Promise<{ sendToChat: (...facts: unknown[]) => [string, string | null] }>} parts.core
 *   resolves once Python is live
 * @param {Report} parts.report
 * @param {Members} parts.members
 * @param {string} parts.getAllUpdatesMessage  the core's deprecation message
 */
export function installApi(webxdc, { updates, core, report, members, getAllUpdatesMessage }) {
  Object.assign(webxdc, members);
  webxdc.sendUpdate = (/** @type {unknown} */ update, /** @type {unknown} */ descr) => {
    updates.send(update, descr);
  };
  webxdc.setUpdateListener = (/** @type {(update: unknown) => void} */ listener, serial = 0) =>
    updates.listen(listener, serial);
  webxdc.getAllUpdates = () => {
    console.error(getAllUpdatesMessage);
    return Promise.resolve([]);
  };
  webxdc.sendToChat = async (/** @type {any} */ message) => {
    const { sendToChat } = await core;
    const file = message?.file;
    const [rejection, key] = sendToChat(
      !!message?.text,
      !!file,
      !!file?.name,
      file ? Object.keys(file).filter((k) => DATA_KEYS.includes(k)).length : 0,
      file?.blob instanceof Blob,
      typeof file?.base64 === "string",
      typeof file?.plainText === "string",
    );
    if (rejection) throw rejection; // a plain string, as the hosts reject with
    const text = message.text ? String(message.text) : null;
    report("sendToChat", { text, file: key ? { name: String(file.name), size: sizeOf(file, key) } : null });
  };
  webxdc.importFiles = importFiles;
}

/**
 * Bytes of a sendToChat file's content.
 * @param {any} file
 * @param {string} key  the data key the core chose
 */
function sizeOf(file, key) {
  if (key === "blob") return file.blob.size;
  if (key === "plainText") return new TextEncoder().encode(file.plainText).length;
  const base64 = String(file.base64).replace(/=+$/, "");
  return Math.floor((base64.length * 3) / 4);
}

/**
 * `importFiles(filter)`: a hidden file input; resolves with the files chosen.
 * @param {{ extensions?: string[], mimeTypes?: string[], multiple?: boolean }} [filter]
 * @returns {Promise<File[]>}
 */
function importFiles(filter = {}) {
  const input = document.createElement("input");
  input.type = "file";
  input.accept = [...(filter.extensions ?? []), ...(filter.mimeTypes ?? [])].join(",");
  input.multiple = filter.multiple ?? false;
  input.style.display = "none";
  return new Promise((resolve) => {
    input.onchange = () => {
      const files = Array.from(input.files ?? []);
      input.remove();
      resolve(files);
    };
    document.body.append(input);
    input.click();
  });
}
