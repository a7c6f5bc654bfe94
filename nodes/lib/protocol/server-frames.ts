/**
 * Server → client frames, parsed without trusting them (docs/pulsar-websocket.md: producer acks, consumer messages). Every
 * frame becomes one variant of ServerFrame; anything malformed becomes `invalid` with a reason,
 * so the session can report it and carry on instead of throwing inside a socket callback.
 */
import { isMessageIdShape } from "./base64";
import { setOwn } from "./own-keys";

export interface ProducerAckFrame {
  kind: "ack";
  /** "ok" or "send-error:N". */
  result: string;
  context?: string;
  messageId?: string;
  errorMsg?: string;
}

export interface ConsumerMessageFrame {
  kind: "message";
  messageId: string;
  /** Base64 as received; decoded lazily so a bad payload does not lose the id (needed to nack). */
  payload: string;
  properties: Record<string, string>;
  publishTime?: string;
  eventTime?: string;
  redeliveryCount: number;
  key?: string;
  /** End-to-end encrypted (cryptoFailureAction=CONSUME): as Pulsar gives it, read by message-crypto.ts. */
  encryptionContext?: unknown;
}

export interface EndOfTopicFrame {
  kind: "endOfTopic";
  endOfTopic: boolean;
}

/** A well-formed JSON object we do not know (future frame types, e.g. PIP-292 AUTH_CHALLENGE). */
export interface UnknownFrame {
  kind: "unknown";
  type?: string;
}

export interface InvalidFrame {
  kind: "invalid";
  reason: string;
}

export type ServerFrame = ProducerAckFrame | ConsumerMessageFrame | EndOfTopicFrame | UnknownFrame | InvalidFrame;

type Json = Record<string, unknown>;

/**
 * Strings from the server end up in error messages, logs and the debug sidebar; a broken or
 * hostile server must not push megabytes into them.
 */
const MAX_SERVER_TEXT = 1000;
const MAX_CONTEXT = 64;

function bounded(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}… (${text.length} chars)` : text;
}

export function parseServerFrame(text: string): ServerFrame {
  return parseOkAckAsPulsarWritesIt(text) ?? parseJsonFrame(text);
}

/** Any frame, through JSON.parse (exported for the test that the fast path agrees with it). */
export function parseJsonFrame(text: string): ServerFrame {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { kind: "invalid", reason: "not JSON" };
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return { kind: "invalid", reason: "not a JSON object" };
  }
  const obj = value as Json;
  if ("result" in obj) return parseAck(obj);
  if ("payload" in obj || "messageId" in obj) return parseMessage(obj);
  if ("endOfTopic" in obj) {
    return typeof obj.endOfTopic === "boolean"
      ? { kind: "endOfTopic", endOfTopic: obj.endOfTopic }
      : { kind: "invalid", reason: "endOfTopic is not a boolean" };
  }
  return { kind: "unknown", type: typeof obj.type === "string" ? bounded(obj.type, MAX_CONTEXT) : undefined };
}

function parseAck(obj: Json): ServerFrame {
  if (typeof obj.result !== "string") return { kind: "invalid", reason: "ack result is not a string" };
  const ack: ProducerAckFrame = { kind: "ack", result: obj.result };
  // The server echoes a numeric context as a string; accept either, compare as strings.
  if (typeof obj.context === "string" || typeof obj.context === "number") ack.context = bounded(String(obj.context), MAX_CONTEXT);
  if (typeof obj.messageId === "string") ack.messageId = obj.messageId;
  if (typeof obj.errorMsg === "string") ack.errorMsg = bounded(obj.errorMsg, MAX_SERVER_TEXT);
  if (ack.result.length > MAX_CONTEXT) ack.result = bounded(ack.result, MAX_CONTEXT);
  if (ack.result === "ok" && ack.messageId === undefined) {
    return { kind: "invalid", reason: "ok ack without messageId" };
  }
  return ack;
}

const OK_ACK_HEAD = '{"result":"ok","messageId":"';
const OK_ACK_CONTEXT = '","context":"';
/** Pulsar always writes ProducerAck's primitive fields (errorCode, schemaVersion) last. */
const OK_ACK_TAIL = '","errorCode":0,"schemaVersion":0}';
const DECIMAL_CONTEXT = /^[0-9]{1,20}$/;

/**
 * The success ack exactly as Pulsar writes it for one of our frames, read without JSON.parse:
 * `{"result":"ok","messageId":"<base64>","context":"<digits>","errorCode":0,"schemaVersion":0}`.
 * JSON.parse of the ack was the largest single cost per produced message (bench, server a).
 * Any other text, even the same JSON spelled differently, gives undefined and takes the full
 * path; for the texts it accepts, the result equals the full path's (unit-tested property).
 */
export function parseOkAckAsPulsarWritesIt(text: string): ProducerAckFrame | undefined {
  if (!text.startsWith(OK_ACK_HEAD)) return undefined;
  const idEnd = text.indexOf('"', OK_ACK_HEAD.length);
  if (idEnd < 0 || !text.startsWith(OK_ACK_CONTEXT, idEnd)) return undefined;
  const contextStart = idEnd + OK_ACK_CONTEXT.length;
  const contextEnd = text.indexOf('"', contextStart);
  if (contextEnd < 0) return undefined;
  if (text.length - contextEnd !== OK_ACK_TAIL.length || !text.endsWith(OK_ACK_TAIL)) return undefined;
  const messageId = text.slice(OK_ACK_HEAD.length, idEnd);
  const context = text.slice(contextStart, contextEnd);
  if (!isMessageIdShape(messageId) || !DECIMAL_CONTEXT.test(context)) return undefined;
  return { kind: "ack", result: "ok", context, messageId };
}

function parseMessage(obj: Json): ServerFrame {
  if (typeof obj.messageId !== "string" || obj.messageId === "") {
    return { kind: "invalid", reason: "message without messageId" };
  }
  // Ids are echoed back in acks and put into a reader's next URL: never trust one that is not base64.
  if (!isMessageIdShape(obj.messageId)) return { kind: "invalid", reason: "messageId is not base64" };
  if (typeof obj.payload !== "string") return { kind: "invalid", reason: "message payload is not a string" };
  const properties = parseProperties(obj.properties);
  if (!properties) return { kind: "invalid", reason: "message properties are not a string map" };
  const redeliveryCount = obj.redeliveryCount === undefined ? 0 : obj.redeliveryCount;
  if (typeof redeliveryCount !== "number" || !Number.isInteger(redeliveryCount) || redeliveryCount < 0) {
    return { kind: "invalid", reason: "redeliveryCount is not a non-negative integer" };
  }
  const frame: ConsumerMessageFrame = {
    kind: "message",
    messageId: obj.messageId,
    payload: obj.payload,
    properties,
    redeliveryCount,
  };
  if (typeof obj.publishTime === "string") frame.publishTime = obj.publishTime;
  if (typeof obj.eventTime === "string") frame.eventTime = obj.eventTime;
  if (typeof obj.key === "string") frame.key = obj.key;
  if (obj.encryptionContext !== undefined && obj.encryptionContext !== null) frame.encryptionContext = obj.encryptionContext;
  return frame;
}

function parseProperties(value: unknown): Record<string, string> | undefined {
  if (value === undefined || value === null) return {};
  if (typeof value !== "object" || Array.isArray(value)) return undefined;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== "string") return undefined;
    setOwn(out, k, v);
  }
  return out;
}
