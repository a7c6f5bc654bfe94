// Producer wire format: publish frame validation in the order ProducerHandler.onWebSocketText applies it,
// and the ack shapes of WS/data/ProducerAck.java (docs/pulsar-websocket.md, "Producing").

import { NULL_BASE64_INPUT_MESSAGE, decodeJavaBase64, parseIsoOffsetDateTime } from "./java-compat";
import {
  JsonBindingError, JsonObject, bindInteger, bindString, bindStringList, bindStringMap, parseJsonObject,
} from "./json-binding";
import type { NewMessage } from "./topic-store";

/** Field order follows the Java class; errorCode and schemaVersion are primitives, so always present. */
export interface ProducerAck {
  readonly result: string;
  readonly errorMsg?: string;
  readonly messageId?: string;
  readonly context?: string;
  readonly errorCode: 0;
  readonly schemaVersion: 0;
}

export type ParsedPublish =
  | { readonly ok: true; readonly message: NewMessage; readonly context?: string }
  | { readonly ok: false; readonly ack: ProducerAck };

const SEND_ERROR_JSON = "send-error:3";
const SEND_ERROR_PAYLOAD = "send-error:7";
export const SEND_ERROR_UNKNOWN = "send-error:8";

export function okAck(messageId: string, context: string | undefined): ProducerAck {
  return { result: "ok", messageId, ...(context !== undefined && { context }), errorCode: 0, schemaVersion: 0 };
}

export function errorAck(result: string, errorMsg: string, context: string | undefined): ProducerAck {
  return { result, errorMsg, ...(context !== undefined && { context }), errorCode: 0, schemaVersion: 0 };
}

/**
 * JSON binding failures give send-error:3 without context (the frame never became a ProducerMessage);
 * payload and eventTime problems give send-error:7 with the context echoed.
 */
export function parsePublishFrame(text: string, now: number): ParsedPublish {
  let fields: BoundPublish;
  try {
    fields = bindPublish(parseJsonObject(text, "org.apache.pulsar.websocket.data.ProducerMessage"));
  } catch (error) {
    if (error instanceof JsonBindingError) {
      return { ok: false, ack: errorAck(SEND_ERROR_JSON, error.message, undefined) };
    }
    throw error;
  }
  try {
    return { ok: true, message: toMessage(fields, now), ...(fields.context !== undefined && { context: fields.context }) };
  } catch (error) {
    return { ok: false, ack: errorAck(SEND_ERROR_PAYLOAD, (error as Error).message, fields.context) };
  }
}

interface BoundPublish {
  readonly payload?: string;
  readonly properties: Record<string, string>;
  readonly context?: string;
  readonly key?: string;
  readonly eventTime?: string;
  readonly deliverAt?: number;
  readonly deliverAfterMs?: number;
}

function bindPublish(json: JsonObject): BoundPublish {
  bindStringList(json.replicationClusters, "replicationClusters");
  return {
    payload: bindString(json.payload, "payload"),
    properties: bindStringMap(json.properties, "properties"),
    context: bindString(json.context, "context"),
    key: bindString(json.key, "key"),
    eventTime: bindString(json.eventTime, "eventTime"),
    deliverAt: bindInteger(json.deliverAt, "deliverAt"),
    deliverAfterMs: bindInteger(json.deliverAfterMs, "deliverAfterMs"),
  };
}

function toMessage(fields: BoundPublish, now: number): NewMessage {
  const payload = decodePayload(fields.payload);
  const eventTimeMs = fields.eventTime === undefined ? undefined : parseIsoOffsetDateTime(fields.eventTime);
  const deliverAt = scheduledDelivery(fields, now);
  return {
    payload,
    properties: fields.properties,
    ...(fields.key !== undefined && { key: fields.key }),
    ...(eventTimeMs !== undefined && { eventTime: fields.eventTime, eventTimeMs }),
    ...(deliverAt !== undefined && { deliverAt }),
    ...(fields.context !== undefined && { context: fields.context }),
  };
}

function decodePayload(payload: string | undefined): Buffer {
  if (payload === undefined) {
    throw new Error(NULL_BASE64_INPUT_MESSAGE);
  }
  try {
    return decodeJavaBase64(payload);
  } catch (error) {
    throw new Error(`Invalid Base64 message-payload error=${(error as Error).message}`, { cause: error });
  }
}

/** Each is applied only when > 0; deliverAfterMs is applied second, so it wins when both are set. */
function scheduledDelivery(fields: BoundPublish, now: number): number | undefined {
  if (fields.deliverAfterMs !== undefined && fields.deliverAfterMs > 0) {
    return now + fields.deliverAfterMs;
  }
  return fields.deliverAt !== undefined && fields.deliverAt > 0 ? fields.deliverAt : undefined;
}
