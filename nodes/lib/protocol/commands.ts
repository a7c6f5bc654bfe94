/**
 * Client → server commands on a consumer or reader socket. A consumer socket closes on a
 * malformed command, so these are the only shapes ever sent.
 */
export function ackFrame(messageId: string): string {
  return JSON.stringify({ messageId });
}

export function nackFrame(messageId: string): string {
  return JSON.stringify({ type: "negativeAcknowledge", messageId });
}

export function permitFrame(permitMessages: number): string {
  return JSON.stringify({ type: "permit", permitMessages });
}
