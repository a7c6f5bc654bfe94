/**
 * What a WebSocket close from Pulsar says about the frames it interrupted. Pulsar's WebSocket
 * service runs on Jetty, which closes a session with 1009 when a text message is over
 * `webSocketMaxTextFrameSize`, and names both sizes in the reason: "Text message too large:
 * 1,052,658 > 1,048,576" (Pulsar 4.2, Jetty 12: grouped digits, and the size is how far it had
 * read when it gave up, not the frame's) or "Text message size [264178] exceeds maximum size
 * [262144]" (Jetty 9.4).
 */

export const MESSAGE_TOO_BIG = 1009;

/**
 * Codes by which a server refuses what it was sent (protocol error, unacceptable or invalid
 * data, policy, too big, internal error), as opposed to going away (1001) or a connection lost
 * without a close frame (1006). Only these can be blamed on a frame.
 */
const REFUSAL_CODES = new Set([1002, 1003, 1007, 1008, 1009, 1010, 1011]);

export function isRefusalClose(code: number): boolean {
  return REFUSAL_CODES.has(code);
}

/** The two sizes in a "message too big" reason, when it names them; the limit is the smaller. */
export function frameLimitFromReason(reason: string): { size: number; limit: number } | undefined {
  if (!/too large|exceeds/i.test(reason)) return undefined;
  const numbers = reason.match(/\d{1,3}(?:,\d{3})+|\d+/g);
  if (!numbers || numbers.length < 2) return undefined;
  const [size, limit] = numbers.slice(-2).map((n) => Number(n.replace(/,/g, "")));
  return Number.isSafeInteger(size) && Number.isSafeInteger(limit) && limit > 0 && limit < size ? { size, limit } : undefined;
}
