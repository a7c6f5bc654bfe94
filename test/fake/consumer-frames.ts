// Consumer/reader wire format: the pushed message frame (WS/data/ConsumerMessage.java) and the client's
// command frame (WS/data/ConsumerCommand.java) (docs/pulsar-websocket.md, "Consuming").

import { formatJavaIsoDateTime } from "./java-compat";
import { bindInteger, bindString, parseJsonObject } from "./json-binding";
import type { StoredMessage } from "./topic-store";

export interface ConsumerMessageFrame {
  readonly messageId: string;
  readonly payload: string;
  readonly properties: Readonly<Record<string, string>>;
  readonly publishTime: string;
  readonly redeliveryCount: number;
  readonly eventTime?: string;
  readonly key?: string;
}

export interface ConsumerCommand {
  readonly type?: string;
  readonly messageId?: string;
  readonly permitMessages?: number;
}

/** Field order and presence as the server writes them: eventTime only if set, key only if present. */
export function messageFrame(message: StoredMessage, redeliveryCount: number, utcOffsetMinutes: number): ConsumerMessageFrame {
  return {
    messageId: message.messageId,
    payload: message.payload.toString("base64"),
    properties: message.properties,
    publishTime: formatJavaIsoDateTime(message.publishTime, utcOffsetMinutes),
    redeliveryCount,
    ...(message.eventTimeMs !== undefined && message.eventTimeMs !== 0
      && { eventTime: formatJavaIsoDateTime(message.eventTimeMs, utcOffsetMinutes) }),
    ...(message.key !== undefined && { key: message.key }),
  };
}

/** Throws JsonBindingError for anything the server's ConsumerCommand reader would reject. */
export function parseConsumerCommand(text: string): ConsumerCommand {
  const json = parseJsonObject(text, "org.apache.pulsar.websocket.data.ConsumerCommand");
  return {
    type: bindString(json.type, "type"),
    messageId: bindString(json.messageId, "messageId"),
    permitMessages: bindInteger(json.permitMessages, "permitMessages"),
  };
}
