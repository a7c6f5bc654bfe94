/**
 * Base64 as Pulsar uses it: payloads and message ids (a message id is a base64 protobuf,
 * MessageIdData). Both come from the server and go back to it or into URLs, so neither is
 * trusted before it has been checked.
 */

/**
 * Far above any id Pulsar writes (ledger, entry, partition, batch index and size, a batch's ack
 * set, a chunked message's first id), far below what would hurt when kept per unacked message.
 */
const MAX_MESSAGE_ID_CHARS = 2048;
/** MessageIdData starts with its required ledgerId: field 1, varint (protobuf tag 0x08). */
const LEDGER_ID_TAG = 0x08;

/**
 * True for text shaped like a message id Pulsar writes: strict base64 of a MessageIdData
 * (`decodeBase64Strict` would accept it, and it decodes to at least 4 bytes starting with the
 * ledgerId tag). Checked on the characters, without decoding: every produce ack carries an id,
 * and a Buffer per ack was garbage on the hot path.
 */
export function isMessageIdShape(text: string): boolean {
  const length = text.length;
  if (length === 0 || length > MAX_MESSAGE_ID_CHARS) return false;
  const padding = text.endsWith("==") ? 2 : text.endsWith("=") ? 1 : 0;
  const data = length - padding;
  if (data % 4 === 1 || (padding > 0 && length % 4 !== 0)) return false;
  // At least 4 bytes; the first is 0x08: 6 bits 000010 ('C'), then 2 bits 00 (A–P).
  if (Math.floor((data * 3) / 4) < 4 || text.charCodeAt(0) !== LEDGER_ID_FIRST_CHAR) return false;
  const second = text.charCodeAt(1);
  if (second < 0x41 || second > 0x50) return false;
  for (let i = 2; i < data; i++) if (!isBase64Char(text.charCodeAt(i))) return false;
  return true;
}

/** 'C': the first base64 character of a first byte LEDGER_ID_TAG (its top 6 bits: 2). */
const LEDGER_ID_FIRST_CHAR = 0x41 + (LEDGER_ID_TAG >> 2);

/** A–Z, a–z, 0–9, + and / (not the URL-safe - and _, which Pulsar never writes). */
function isBase64Char(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2f;
}

/**
 * Node's base64 decoder skips bad characters silently; Pulsar never sends them, so check. A
 * regular expression over the text costs 4-5× the decoding itself, so the check is done on the
 * result: every skipped character shortens it, and what Node accepts beyond the standard
 * alphabet (the URL-safe `-` and `_`, `=` before the end) is looked for directly. Accepts
 * exactly what /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}(?:==)?|[A-Za-z0-9+/]{3}=?)?$/ does.
 */
export function decodeBase64Strict(text: string): Buffer | undefined {
  const padding = text.endsWith("==") ? 2 : text.endsWith("=") ? 1 : 0;
  const data = text.length - padding;
  if (data % 4 === 1 || (padding > 0 && text.length % 4 !== 0)) return undefined;
  const firstPad = text.indexOf("=");
  if ((firstPad !== -1 && firstPad < data) || text.includes("-") || text.includes("_")) return undefined;
  const bytes = Buffer.from(text, "base64");
  return bytes.length === Math.floor((data * 3) / 4) ? bytes : undefined;
}
