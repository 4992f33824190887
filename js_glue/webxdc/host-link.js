// @ts-check
/**
 * What the chat would show (info lines, the newest summary and document, what sendToChat
 * was asked to send, notifications) and how the peer is doing: told to the host page of
 * `webxdc-realtime run` when this page is one of its peers, else written to the console.
 */

/** @typedef {import("./updates.js").Report} Report */

/**
 * @param {boolean} hosted  this page is a peer of our host page (its parent)
 * @param {string} selfAddr
 * @returns {Report}
 */
export function hostLink(hosted, selfAddr) {
  if (hosted) {
    // `at`: when, by this page's clock (ms since the epoch), for the host page's trace.
    return (kind, data) =>
      window.parent.postMessage(
        {
          source: "webxdc-realtime",
          peer: selfAddr,
          kind,
          at: performance.timeOrigin + performance.now(),
          ...data,
        },
        location.origin,
      );
  }
  return (kind, data) => {
    if (kind === "update" && data.info) console.info(`webxdc: the chat shows "${data.info}"`);
    if (kind === "notify") console.info(`webxdc: notification: "${data.text}"`);
    if (kind === "sendToChat") console.info("webxdc: sendToChat would send", data);
  };
}
