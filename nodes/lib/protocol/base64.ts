/**
 * Base64 as Pulsar uses it: payloads and message ids (a message id is a base64 protobuf,
 * MessageIdData). Both come from the server and go back to it or into URLs, so neither is
 * trusted before it has been checked.
 */

const MESSAGE_ID = /^[A-Za-z0-9+/]+={0,2}$/;

/** True for text shaped like a message id Pulsar writes (standard base64 alphabet). */
export function isMessageIdShape(text: string): boolean {
  return MESSAGE_ID.test(text);
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
