/**
 * Node options → Pulsar query parameters (docs/pulsar-websocket.md: the query parameters of producers, consumers and readers). The editor stores
 * "server default" as an empty string; such options are left out of the URL. Values Pulsar
 * would refuse with 400 are refused here first, with the option's name.
 */
import { configError } from "./errors";
import { isMessageIdShape } from "./base64";
import type { QueryValue } from "./urls";

type RawOption = string | number | boolean | undefined | null;

/** Empty → undefined; otherwise an integer within [min, max] or a config error naming the option. */
export function optionalInt(name: string, value: RawOption, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  const n = typeof value === "number" ? value : Number(String(value).trim());
  if (!Number.isInteger(n) || n < min || n > max) {
    throw configError("option-number", { option: name, value: String(value), min, max });
  }
  return n;
}

/** Like optionalInt, with a default for an empty value. */
export function intWithDefault(name: string, value: RawOption, fallback: number, min: number, max?: number): number {
  return optionalInt(name, value, min, max) ?? fallback;
}

/**
 * A number of seconds as typed in the editor (fractions allowed, for tests and tight setups) →
 * milliseconds; empty gives the default. Anything else is a config error naming the option:
 * `Number("soon")` would otherwise become a 1 ms timer or a zero timeout.
 */
export function secondsOption(name: string, value: RawOption, fallbackSeconds: number, min: number, max = 86400): number {
  if (value === undefined || value === null || value === "") return fallbackSeconds * 1000;
  const n = typeof value === "number" ? value : Number(String(value).trim());
  if (!Number.isFinite(n) || n < min || n > max) throw configError("option-seconds", { option: name, value: String(value), min, max });
  return Math.round(n * 1000);
}

export function optionalEnum<T extends string>(name: string, value: RawOption, allowed: readonly T[]): T | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  const s = String(value);
  if (!(allowed as readonly string[]).includes(s)) {
    throw configError("option-enum", { option: name, value: s, allowed: allowed.join(", ") });
  }
  return s as T;
}

export function asBool(value: RawOption, fallback = false): boolean {
  if (value === undefined || value === null || value === "") return fallback;
  return value === true || value === "true";
}

function optionalString(value: RawOption): string | undefined {
  if (value === undefined || value === null) return undefined;
  const s = String(value).trim();
  return s === "" ? undefined : s;
}

export const COMPRESSION_TYPES = ["NONE", "LZ4", "ZLIB", "ZSTD", "SNAPPY"] as const;
export const ROUTING_MODES = ["SinglePartition", "RoundRobinPartition"] as const;
export const HASHING_SCHEMES = ["JavaStringHash", "Murmur3_32Hash"] as const;
export const SUBSCRIPTION_TYPES = ["Exclusive", "Shared", "Failover", "Key_Shared"] as const;
export const INITIAL_POSITIONS = ["Latest", "Earliest"] as const;

export interface ProducerOptionsInput {
  producerName?: RawOption;
  sendTimeoutMillis?: RawOption;
  batchingEnabled?: RawOption;
  batchingMaxMessages?: RawOption;
  batchingMaxPublishDelay?: RawOption;
  maxPendingMessages?: RawOption;
  compressionType?: RawOption;
  messageRoutingMode?: RawOption;
  hashingScheme?: RawOption;
  initialSequenceId?: RawOption;
}

export function producerQuery(o: ProducerOptionsInput): Record<string, QueryValue> {
  const batching = asBool(o.batchingEnabled);
  return {
    producerName: optionalString(o.producerName),
    sendTimeoutMillis: optionalInt("sendTimeoutMillis", o.sendTimeoutMillis, 0),
    // Pulsar's own default is false; only say so when the user turned batching on.
    batchingEnabled: batching ? true : undefined,
    // Pulsar ignores these three unless batching is on; sending them anyway would mislead.
    batchingMaxMessages: batching ? optionalInt("batchingMaxMessages", o.batchingMaxMessages, 1) : undefined,
    batchingMaxPublishDelay: batching ? optionalInt("batchingMaxPublishDelay", o.batchingMaxPublishDelay, 0) : undefined,
    maxPendingMessages: batching ? optionalInt("maxPendingMessages", o.maxPendingMessages, 1) : undefined,
    compressionType: optionalEnum("compressionType", o.compressionType, COMPRESSION_TYPES),
    messageRoutingMode: optionalEnum("messageRoutingMode", o.messageRoutingMode, ROUTING_MODES),
    hashingScheme: optionalEnum("hashingScheme", o.hashingScheme, HASHING_SCHEMES),
    initialSequenceId: optionalInt("initialSequenceId", o.initialSequenceId, 0),
  };
}

export interface ConsumerOptionsInput {
  subscriptionType?: RawOption;
  initialPosition?: RawOption;
  durable?: RawOption;
  consumerName?: RawOption;
  priorityLevel?: RawOption;
  ackTimeoutMillis?: RawOption;
  negativeAckRedeliveryDelay?: RawOption;
  maxRedeliverCount?: RawOption;
  deadLetterTopic?: RawOption;
  receiverQueueSize?: RawOption;
  pullMode?: RawOption;
}

export function consumerQuery(o: ConsumerOptionsInput): Record<string, QueryValue> {
  const ackTimeout = optionalInt("ackTimeoutMillis", o.ackTimeoutMillis, 0);
  // Pulsar's client refuses 1..999 ms (its minimum ack timeout is 1 s): say so before connecting.
  if (ackTimeout !== undefined && ackTimeout > 0 && ackTimeout < 1000) {
    throw configError("option-number", { option: "ackTimeoutMillis", value: String(ackTimeout), min: 1000, max: Number.MAX_SAFE_INTEGER });
  }
  const maxRedeliverCount = optionalInt("maxRedeliverCount", o.maxRedeliverCount, 1);
  const deadLetterTopic = optionalString(o.deadLetterTopic);
  if (deadLetterTopic !== undefined && maxRedeliverCount === undefined) {
    throw configError("dead-letter-needs-count");
  }
  return {
    subscriptionType: optionalEnum("subscriptionType", o.subscriptionType, SUBSCRIPTION_TYPES) ?? "Exclusive",
    subscriptionInitialPosition: optionalEnum("initialPosition", o.initialPosition, INITIAL_POSITIONS),
    subscriptionMode: asBool(o.durable, true) ? undefined : "NonDurable",
    consumerName: optionalString(o.consumerName),
    priorityLevel: optionalInt("priorityLevel", o.priorityLevel, 0),
    ackTimeoutMillis: ackTimeout,
    negativeAckRedeliveryDelay: optionalInt("negativeAckRedeliveryDelay", o.negativeAckRedeliveryDelay, 0),
    maxRedeliverCount,
    deadLetterTopic,
    receiverQueueSize: optionalInt("receiverQueueSize", o.receiverQueueSize, 0, 1000),
    pullMode: asBool(o.pullMode) ? true : undefined,
  };
}

export interface ReaderOptionsInput {
  readerName?: RawOption;
  receiverQueueSize?: RawOption;
}

/** `startAt` is "earliest", "latest" or a base64 message id (exclusive start). */
export function readerQuery(o: ReaderOptionsInput, startAt: string): Record<string, QueryValue> {
  return {
    messageId: startAt,
    readerName: optionalString(o.readerName),
    receiverQueueSize: optionalInt("receiverQueueSize", o.receiverQueueSize, 0, 1000),
  };
}

/** Reader start: earliest, latest (also for empty), or something shaped like a base64 id. */
export function normalizeStartMessageId(value: RawOption): string {
  const s = optionalString(value);
  if (s === undefined || s.toLowerCase() === "latest") return "latest";
  if (s.toLowerCase() === "earliest") return "earliest";
  if (!isMessageIdShape(s)) throw configError("start-message-id", { value: s });
  return s;
}

/** Pulsar caps a consumer's receiver queue at this, whatever is asked. */
const MAX_RECEIVER_QUEUE = 1000;

/**
 * How many unacked messages of one topic Pulsar sends before it waits for acks: the pull window
 * in pull mode (the topic's, shared by its sessions), else the receiver queue (0 means one at a
 * time; unset, Pulsar's 1000) of each of the topic's sessions. Messages waiting in a partial batch
 * are not acked yet, so a batch larger than this fills only through its timeout.
 */
export function consumeWindow(o: { pullMode: boolean; pullWindow: number; receiverQueueSize: RawOption; sessions: number }): number {
  if (o.pullMode) return o.pullWindow;
  const queue = optionalInt("receiverQueueSize", o.receiverQueueSize, 0, MAX_RECEIVER_QUEUE) ?? MAX_RECEIVER_QUEUE;
  return Math.max(1, queue) * o.sessions;
}
