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

/** True for text shaped like a message id Pulsar writes: strict base64 of a MessageIdData. */
export function isMessageIdShape(text: string): boolean {
  if (text.length === 0 || text.length > MAX_MESSAGE_ID_CHARS) return false;
  const bytes = decodeBase64Strict(text);
  return bytes !== undefined && bytes.length >= 4 && bytes[0] === LEDGER_ID_TAG;
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
