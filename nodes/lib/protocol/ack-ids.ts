/**
 * The message ids an input msg of pulsar-in acks or nacks, checked before any ack goes out: each
 * ack frame frees a slot of Pulsar's window, and a malformed id makes Pulsar close the session.
 * msg.pulsar.messageIds (a batch msg) is capped at the largest batch, de-duplicated and each id
 * checked; msg.pulsar.messageId is checked alike. A part of a batch msg split by Node-RED's split
 * node (msg.parts with an integer index and a count equal to the ids') carries the whole batch's
 * ids: it acks only its own message, the one at parts.index.
 */
import { isMessageIdShape } from "./base64";
import { inputError, type PulsarError } from "./errors";

export interface AckInput {
  pulsar?: { messageId?: unknown; messageIds?: unknown };
  parts?: unknown;
}

export function ackIdsOf(msg: AckInput, maxIds: number): string[] | PulsarError {
  const ids = msg.pulsar?.messageIds;
  if (ids !== undefined) {
    if (!Array.isArray(ids) || ids.length === 0) return inputError("no-message-id");
    if (ids.length > maxIds) return inputError("ack-too-many-ids", { count: ids.length, max: maxIds });
    for (let i = 0; i < ids.length; i++) {
      const id: unknown = ids[i];
      if (typeof id !== "string" || !isMessageIdShape(id)) return inputError("ack-bad-id", { index: i });
    }
    const part = partIndex(msg.parts, ids.length);
    if (part !== undefined) return [ids[part] as string];
    return [...new Set(ids as string[])];
  }
  const id = msg.pulsar?.messageId;
  if (typeof id !== "string" || id === "") return inputError("no-message-id");
  if (!isMessageIdShape(id)) return inputError("ack-bad-message-id");
  return [id];
}

/** msg.parts.index when the msg is one part of a batch msg split into `count` parts. */
function partIndex(parts: unknown, count: number): number | undefined {
  if (typeof parts !== "object" || parts === null) return undefined;
  const { index, count: partCount } = parts as { index?: unknown; count?: unknown };
  if (typeof index !== "number" || !Number.isInteger(index) || index < 0 || index >= count) return undefined;
  return partCount === count ? index : undefined;
}
