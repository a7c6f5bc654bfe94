/**
 * The sidebar's peek: the newest messages of a topic (Pulsar's examinemessage) or the next ones
 * of a subscription (Pulsar's peek), without moving anything. Pulsar answers both one message per
 * call and one (non-partitioned) topic at a time: it refuses either on a partitioned topic's base
 * name, so a partitioned topic is asked partition by partition and the answers merged.
 *
 * Bounded whatever the topic: the merge is lazy (position 1 of each partition, then the next of
 * the partition whose message comes first), so at most partitions + count calls and about
 * partitions + count payloads held, each cut to PEEK_PAYLOAD_BYTES as soon as it is read; at most
 * PEEK_MAX_PARTITIONS partitions are examined (the answer says how many of how many); the work
 * stops as soon as `gone()` says nobody waits for the answer any more.
 */
import { EXAMINE_END_STATUSES, PEEK_END_STATUSES, peekedBytes, type PeekedBytes, type PulsarAdmin } from "./connection/admin-operations";
import type { AdminAnswer } from "./connection/admin-client";
import { PulsarError } from "./protocol/errors";
import { partitionTopic, type TopicName } from "./protocol/topics";

/** Partitions examined per peek (the first ones); more would be one admin call each. */
export const PEEK_MAX_PARTITIONS = 32;
/** A payload is kept up to this many bytes (the sidebar shows far less; JSON up to this size still decodes). */
export const PEEK_PAYLOAD_BYTES = 64 * 1024;
const FIRST_PARALLEL = 4;

export interface PeekResult {
  /** In the sidebar's order: newest first for a topic, next first for a subscription. */
  messages: PeekedBytes[];
  /** The topic's partitions (0: not partitioned) and how many of them were examined. */
  partitions: number;
  examined: number;
  /** Messages whose payload was longer than PEEK_PAYLOAD_BYTES (cut to it). */
  cut: number;
}

interface Head {
  source: number;
  position: number;
  message: PeekedBytes;
  /** The publish time in ms (0 when Pulsar gave none or an unreadable one). */
  at: number;
}

function publishedAt(m: PeekedBytes): number {
  const ms = m.publishTime ? Date.parse(m.publishTime) : NaN;
  return Number.isFinite(ms) ? ms : 0;
}

function endOf(err: unknown, statuses: readonly number[]): boolean {
  return err instanceof PulsarError && statuses.includes(Number(err.details.status));
}

/**
 * Up to `count` messages of `topic` (of `subscription` when given). `gone`: the request was
 * abandoned (the editor gave up or timed out): no further call is made.
 */
export async function peekMessages(admin: PulsarAdmin, topic: TopicName, subscription: string | undefined, count: number, gone: () => boolean): Promise<PeekResult> {
  const partitions = await admin.partitionsOf(topic);
  const examined = Math.min(partitions, PEEK_MAX_PARTITIONS);
  const sources = partitions > 0 ? Array.from({ length: examined }, (_, i) => partitionTopic(topic, i, partitions)) : [topic];
  const ask = (source: TopicName, position: number): Promise<AdminAnswer> => (subscription ? admin.peekAt(source, subscription, position) : admin.examineAt(source, position));
  const cut = new Set<PeekedBytes>();

  /** The message at `position` of source `i`, its payload cut; null past the end. */
  const read = async (i: number, position: number): Promise<Head | null> => {
    if (gone()) throw new PulsarError("timeout", "sidebar-peek-gone", { what: topic.full });
    // A subscription's first position on a non-partitioned topic: Pulsar's refusal is the answer (no such subscription, an empty backlog).
    const ends = position > 1 ? (subscription ? PEEK_END_STATUSES : EXAMINE_END_STATUSES) : subscription && partitions === 0 ? [] : PEEK_END_STATUSES;
    let answer: AdminAnswer;
    try {
      answer = await ask(sources[i], position);
    } catch (err) {
      if (endOf(err, ends)) return null;
      throw err;
    }
    const message = peekedBytes(answer);
    if (message.payload.length > PEEK_PAYLOAD_BYTES) {
      // A copy: a view would keep the whole payload alive.
      message.payload = Buffer.from(message.payload.subarray(0, PEEK_PAYLOAD_BYTES));
      cut.add(message);
    }
    return { source: i, position, message, at: publishedAt(message) };
  };

  // Position 1 of every source, a few at a time.
  const heads: Head[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < sources.length) {
      const head = await read(next++, 1);
      if (head) heads.push(head);
    }
  };
  await Promise.all(Array.from({ length: Math.min(FIRST_PARALLEL, sources.length) }, worker));

  // Newest first for a topic, the next to be delivered (oldest) first for a subscription; ties by partition.
  const before = (a: Head, b: Head): boolean => (a.at !== b.at ? (subscription ? a.at < b.at : a.at > b.at) : a.source < b.source);
  const messages: PeekedBytes[] = [];
  while (messages.length < count && heads.length > 0) {
    let best = 0;
    for (let h = 1; h < heads.length; h++) if (before(heads[h], heads[best])) best = h;
    const head = heads[best];
    messages.push(head.message);
    const following = messages.length < count ? await read(head.source, head.position + 1) : null;
    if (following) heads[best] = following;
    else heads.splice(best, 1);
  }
  return { messages, partitions, examined: partitions > 0 ? examined : 0, cut: messages.filter((m) => cut.has(m)).length };
}
