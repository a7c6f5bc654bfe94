/**
 * Consumer/reader frame → Node-RED msg (docs/pulsar-websocket.md, "Consuming"). Pure.
 */
import { PulsarError } from "./errors";
import { decodeBase64Strict } from "./base64";
import { partitionOf } from "./message-id";
import type { ConsumerMessageFrame } from "./server-frames";

export type PayloadFormat = "auto" | "utf8" | "buffer" | "json" | "base64";

export const PAYLOAD_FORMATS: readonly PayloadFormat[] = ["auto", "utf8", "buffer", "json", "base64"];

export interface PulsarMsgInfo {
  messageId: string;
  publishTime?: string;
  eventTime?: string;
  redeliveryCount: number;
  key?: string;
  topic: string;
  subscription?: string;
  /** The partition index the message id carries; -1 for a non-partitioned topic. */
  partition: number;
}

export interface ConsumedMsg {
  payload: unknown;
  topic: string;
  key?: string;
  properties: Record<string, string>;
  pulsar: PulsarMsgInfo;
}

/**
 * Several consumed messages of one topic as one msg (pulsar-in's batches): the payloads in
 * arrival order; per message its `msg.pulsar` fields with its key and properties; and
 * `messageIds`, which acks (or nacks) the whole batch when the msg is sent back to pulsar-in.
 */
export interface ConsumedBatch {
  payload: unknown[];
  topic: string;
  pulsar: {
    topic: string;
    subscription?: string;
    messageIds: string[];
    messages: (PulsarMsgInfo & { properties: Record<string, string> })[];
  };
}

/**
 * Takes over the msgs' `pulsar` objects (adding `properties`): the msgs are the batch's own and
 * go nowhere else, and copying them costs more per message than the rest of the batch (this is
 * the path that exists to be cheap).
 */
export function toBatchMsg(topic: string, msgs: readonly ConsumedMsg[]): ConsumedBatch {
  const payload: unknown[] = [];
  const messageIds: string[] = [];
  const messages: ConsumedBatch["pulsar"]["messages"] = [];
  for (const m of msgs) {
    payload.push(m.payload);
    messageIds.push(m.pulsar.messageId);
    const info = m.pulsar as PulsarMsgInfo & { properties: Record<string, string> };
    info.properties = m.properties;
    messages.push(info);
  }
  const pulsar: ConsumedBatch["pulsar"] = { topic, messageIds, messages };
  const subscription = msgs[0]?.pulsar.subscription;
  if (subscription !== undefined) pulsar.subscription = subscription;
  return { payload, topic, pulsar };
}

export interface ConsumeContext {
  topic: string;
  subscription?: string;
  format: PayloadFormat;
}

/** Builds the msg; throws PulsarError("server", …) for a payload that cannot be decoded as asked. */
export function toConsumedMsg(frame: ConsumerMessageFrame, ctx: ConsumeContext): ConsumedMsg {
  const pulsar: PulsarMsgInfo = {
    messageId: frame.messageId,
    redeliveryCount: frame.redeliveryCount,
    topic: ctx.topic,
    partition: partitionOf(frame.messageId),
  };
  if (frame.publishTime !== undefined) pulsar.publishTime = frame.publishTime;
  if (frame.eventTime !== undefined) pulsar.eventTime = frame.eventTime;
  if (frame.key !== undefined) pulsar.key = frame.key;
  if (ctx.subscription !== undefined) pulsar.subscription = ctx.subscription;

  const msg: ConsumedMsg = {
    payload: decodePayload(frame.payload, ctx.format),
    topic: ctx.topic,
    properties: frame.properties,
    pulsar,
  };
  if (frame.key !== undefined) msg.key = frame.key;
  return msg;
}

export function decodePayload(base64: string, format: PayloadFormat): unknown {
  if (format === "base64") return base64;
  const bytes = decodeBase64Strict(base64);
  if (!bytes) throw new PulsarError("server", "bad-base64");
  switch (format) {
    case "buffer":
      return bytes;
    case "utf8":
      return bytes.toString("utf8");
    case "json":
      return parseJson(bytes);
    case "auto":
      return autoDetect(bytes);
  }
}

function parseJson(bytes: Buffer): unknown {
  try {
    return JSON.parse(bytes.toString("utf8"));
  } catch (err) {
    throw new PulsarError("input", "payload-not-json", { reason: err instanceof Error ? err.message : String(err) });
  }
}

const utf8Decoder = new TextDecoder("utf-8", { fatal: true });

/**
 * Parsed JSON when the bytes are a JSON object or array, else a UTF-8 string when they are
 * valid UTF-8, else the Buffer. Bare JSON scalars ("42", "true") stay strings: turning text
 * into numbers behind the user's back loses information (e.g. "007").
 */
export function autoDetect(bytes: Buffer): unknown {
  let text: string;
  try {
    text = utf8Decoder.decode(bytes);
  } catch {
    return bytes;
  }
  const first = text.trimStart()[0];
  if (first === "{" || first === "[") {
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
  return text;
}
