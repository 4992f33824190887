// @ts-check
/**
 * A frame's header as the core lays it out (core/frame.py `LAYOUT`, exported into the rules
 * table): where each field is and how wide, and the one reader and writer of its big-endian
 * numbers. The glue writes no offset of its own; a header is bytes (a message) or latin-1
 * (what crosses to the core), and both read alike.
 */

/**
 * @typedef {{ header_size: number, kind_at: number, sender_at: number, sender_size: number,
 *   seq_at: number, length_at: number, number_size: number }} Layout
 */

/**
 * The big-endian number (`number_size`: 4 bytes) at `at`: a sequence number, a length field.
 * @param {Uint8Array | string} header  bytes, or latin-1
 * @param {number} at
 * @returns {number}
 */
export function readNumber(header, at) {
  if (typeof header === "string") {
    return (
      ((header.charCodeAt(at) << 24) |
        (header.charCodeAt(at + 1) << 16) |
        (header.charCodeAt(at + 2) << 8) |
        header.charCodeAt(at + 3)) >>>
      0
    );
  }
  return ((header[at] << 24) | (header[at + 1] << 16) | (header[at + 2] << 8) | header[at + 3]) >>> 0;
}

/**
 * A number's field, as latin-1 (to write into a header made ahead).
 * @param {number} n
 * @returns {string}
 */
export function numberField(n) {
  return String.fromCharCode((n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255);
}

/**
 * Which frame a header is, for the devtools: its sender's id (hex) and sequence number.
 * @param {string} header  latin-1
 * @param {Layout} layout
 * @returns {{ id: string, seq: number }}
 */
export function frameId(header, { sender_at, sender_size, seq_at }) {
  let id = "";
  for (let i = sender_at; i < sender_at + sender_size; i++)
    id += header.charCodeAt(i).toString(16).padStart(2, "0");
  return { id, seq: readNumber(header, seq_at) };
}
