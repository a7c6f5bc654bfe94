// Query-parameter validation per role, mirroring ProducerHandler.getProducerBuilder,
// ConsumerHandler.getConsumerConfiguration and ReaderHandler (docs/pulsar-websocket.md: query parameters), including the
// Java client builder checks that turn bad values into 400s.

import {
  invalidQueryParams, readerCreationFailed, refuseOnError, uncaughtHandlerError,
} from "./handshake-refusal";
import { parseJavaInt, parseJavaLong } from "./java-compat";
import { MessageIdParts, parseBase64MessageId } from "./message-id";
import { normalizeTopicName } from "./topic-store";

export type QueryParams = Readonly<Record<string, string>>;
export type SubscriptionType = "Exclusive" | "Shared" | "Failover" | "Key_Shared";
export type InitialPosition = "Latest" | "Earliest";

export interface ProducerSettings {
  readonly producerName?: string;
}

export interface DeadLetterPolicy {
  readonly maxRedeliverCount: number;
  readonly topic: string;
}

/** Client-side redelivery settings; they belong to each consumer, not to the subscription. */
export interface RedeliveryPolicy {
  readonly ackTimeoutMs: number;
  readonly negativeAckDelayMs: number;
  readonly deadLetter?: DeadLetterPolicy;
}

export interface ConsumerSettings {
  readonly subscriptionType: SubscriptionType;
  readonly durable: boolean;
  readonly initialPosition: InitialPosition;
  readonly window: number;
  readonly pullMode: boolean;
  readonly redelivery: RedeliveryPolicy;
}

export type ReaderStart = "earliest" | "latest" | MessageIdParts;

export interface ReaderSettings {
  readonly window: number;
  readonly start: ReaderStart;
}

const MAX_RECEIVER_QUEUE = 1000;
const MIN_ACK_TIMEOUT_MS = 1000;
const DEFAULT_NEGATIVE_ACK_DELAY_MS = 60_000;

const SUBSCRIPTION_TYPES: readonly SubscriptionType[] = ["Exclusive", "Shared", "Failover", "Key_Shared"];
const INITIAL_POSITIONS: readonly InitialPosition[] = ["Latest", "Earliest"];

/** Jetty keeps every value; the handler uses only the first one of a repeated parameter. */
export function firstQueryValues(search: string): Record<string, string> {
  const params: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(search)) {
    params[name] ??= value;
  }
  return params;
}

/** Boolean.parseBoolean: "true" in any case, everything else (including absence) is false. */
function parseJavaBoolean(value: string | undefined): boolean {
  return value?.toLowerCase() === "true";
}

export function producerSettings(query: QueryParams): ProducerSettings {
  return refuseOnError(() => readProducerSettings(query), invalidQueryParams);
}

function readProducerSettings(query: QueryParams): ProducerSettings {
  optionalNumber(query, "initialSequenceId", parseJavaLong);
  checkValueOf(query, "hashingScheme", "HashingScheme", ["JavaStringHash", "Murmur3_32Hash"]);
  const sendTimeout = optionalNumber(query, "sendTimeoutMillis", parseJavaInt);
  check(sendTimeout === undefined || sendTimeout >= 0, "sendTimeout needs to be >= 0");
  checkValueOf(query, "messageRoutingMode", "MessageRoutingMode",
    ["SinglePartition", "RoundRobinPartition", "CustomPartition"]);
  if (parseJavaBoolean(query.batchingEnabled)) {
    // The handler applies (and so parses) these only when batching is on.
    optionalNumber(query, "batchingMaxMessages", parseJavaInt);
    optionalNumber(query, "maxPendingMessages", parseJavaInt);
    optionalNumber(query, "batchingMaxPublishDelay", parseJavaInt);
  }
  checkValueOf(query, "compressionType", "CompressionType", ["NONE", "LZ4", "ZLIB", "ZSTD", "SNAPPY"]);
  return query.producerName === undefined ? {} : { producerName: query.producerName };
}

export function consumerSettings(query: QueryParams, topic: string, subscription: string): ConsumerSettings {
  return refuseOnError(() => readConsumerSettings(query, topic, subscription), invalidQueryParams);
}

function readConsumerSettings(query: QueryParams, topic: string, subscription: string): ConsumerSettings {
  const ackTimeoutMs = optionalNumber(query, "ackTimeoutMillis", parseJavaInt) ?? 0;
  check(ackTimeoutMs === 0 || ackTimeoutMs >= MIN_ACK_TIMEOUT_MS,
    `Ack timeout should be greater than ${MIN_ACK_TIMEOUT_MS} ms`);
  const subscriptionType = checkedEnum(query, "subscriptionType", SUBSCRIPTION_TYPES) ?? "Exclusive";
  const durable = (checkedEnum(query, "subscriptionMode", ["Durable", "NonDurable"]) ?? "Durable") === "Durable";
  const initialPosition = checkedEnum(query, "subscriptionInitialPosition", INITIAL_POSITIONS) ?? "Latest";
  const queueSize = optionalNumber(query, "receiverQueueSize", parseJavaInt) ?? MAX_RECEIVER_QUEUE;
  check(queueSize >= 0, "receiverQueueSize needs to be >= 0");
  const priorityLevel = optionalNumber(query, "priorityLevel", parseJavaInt) ?? 0;
  check(priorityLevel >= 0, "priorityLevel needs to be >= 0");
  const negativeAckDelayMs = optionalNumber(query, "negativeAckRedeliveryDelay", parseJavaInt)
    ?? DEFAULT_NEGATIVE_ACK_DELAY_MS;
  check(negativeAckDelayMs >= 0, "redeliveryDelay needs to be >= 0");
  const deadLetter = deadLetterPolicy(query, topic, subscription);
  const pullMode = parseJavaBoolean(query.pullMode);
  return {
    subscriptionType, durable, initialPosition, pullMode,
    window: pushWindow(queueSize),
    redelivery: { ackTimeoutMs, negativeAckDelayMs, ...(deadLetter && { deadLetter }) },
  };
}

/** maxRedeliverCount enables the DLQ "{topic}-{sub}-DLQ"; deadLetterTopic alone fails the builder check. */
function deadLetterPolicy(query: QueryParams, topic: string, subscription: string): DeadLetterPolicy | undefined {
  if (query.maxRedeliverCount === undefined && query.deadLetterTopic === undefined) {
    return undefined;
  }
  const maxRedeliverCount = optionalNumber(query, "maxRedeliverCount", parseJavaInt) ?? 0;
  check(maxRedeliverCount > 0, "MaxRedeliverCount must be > 0.");
  const dlqTopic = query.deadLetterTopic ?? `${topic}-${subscription}-DLQ`;
  return { maxRedeliverCount, topic: normalizeTopicName(dlqTopic) };
}

/** Parsed outside any try block by ReaderHandler, so a non-number escapes as a bare 500. */
export function readerQueueSize(query: QueryParams): number {
  return refuseOnError(() => optionalNumber(query, "receiverQueueSize", parseJavaInt), uncaughtHandlerError)
    ?? MAX_RECEIVER_QUEUE;
}

/** The in-try part of ReaderHandler: every failure is "Failed to create reader" with status 500. */
export function readerSettings(query: QueryParams, queueSize: number): ReaderSettings {
  return refuseOnError(() => {
    check(queueSize >= 0, "receiverQueueSize needs to be >= 0");
    return { window: pushWindow(queueSize), start: readerStart(query.messageId) };
  }, readerCreationFailed);
}

function readerStart(messageId: string | undefined): ReaderStart {
  if (messageId === "earliest") {
    return "earliest";
  }
  if (messageId === undefined || messageId.trim() === "" || messageId === "latest") {
    return "latest";
  }
  return parseBase64MessageId(messageId);
}

/** receiverQueueSize is capped at 1000 and doubles as the un-acked window; 0 still lets one through. */
function pushWindow(queueSize: number): number {
  return queueSize === 0 ? 1 : Math.min(queueSize, MAX_RECEIVER_QUEUE);
}

function optionalNumber(query: QueryParams, name: string, parse: (text: string) => number): number | undefined {
  const text = query[name];
  return text === undefined ? undefined : parse(text);
}

/** Consumer style: Guava checkArgument(Enums.getIfPresent(...), "Invalid <name> <value>"). */
function checkedEnum<T extends string>(query: QueryParams, name: string, values: readonly T[]): T | undefined {
  const value = query[name];
  if (value === undefined) {
    return undefined;
  }
  const known = values.find((candidate) => candidate === value);
  check(known !== undefined, `Invalid ${name} ${value}`);
  return known;
}

/** Producer style: a plain Enum.valueOf, so the JDK's "No enum constant" message. */
function checkValueOf(query: QueryParams, name: string, className: string, values: readonly string[]): void {
  const value = query[name];
  check(value === undefined || values.includes(value),
    `No enum constant org.apache.pulsar.client.api.${className}.${value}`);
}

function check(condition: boolean, message: string): void {
  if (!condition) {
    throw new Error(message);
  }
}
