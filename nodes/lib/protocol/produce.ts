/**
 * msg → Pulsar produce frame (protocol doc §3.2). Pure: the same msg always gives the same
 * frame, and nothing is sent for a msg this refuses.
 */
import { inputError } from "../errors";

/** The parts of a Node-RED msg the producer reads. */
export interface ProduceInput {
  payload?: unknown;
  properties?: unknown;
  key?: unknown;
  pulsar?: unknown;
}

export interface ProduceFrameFields {
  payload: string;
  properties?: Record<string, string>;
  key?: string;
  eventTime?: string;
  deliverAt?: number;
  deliverAfterMs?: number;
  replicationClusters?: string[];
}

/**
 * The frame without its `context`, serialised once. The session adds the context when it
 * sends, by splicing it in front of this body: a resend after reconnect costs no JSON work.
 */
export interface PreparedFrame {
  /** JSON object text without the closing brace, e.g. `{"payload":"…"`. */
  body: string;
  /** Raw payload size in bytes (for buffer accounting and errors). */
  payloadBytes: number;
}

/** Buffer as bytes; string as UTF-8; number/boolean as text; object/array as JSON text. */
export function payloadToBuffer(payload: unknown): Buffer {
  if (Buffer.isBuffer(payload)) return payload;
  if (payload instanceof Uint8Array) return Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
  switch (typeof payload) {
    case "string":
      return Buffer.from(payload, "utf8");
    case "number":
      if (!Number.isFinite(payload)) throw inputError("payload-number", { value: String(payload) });
      return Buffer.from(String(payload), "utf8");
    case "boolean":
    case "bigint":
      return Buffer.from(String(payload), "utf8");
    case "object":
      if (payload === null) throw inputError("payload-missing");
      return Buffer.from(stringifyPayload(payload), "utf8");
    case "undefined":
      throw inputError("payload-missing");
    default:
      throw inputError("payload-type", { type: typeof payload });
  }
}

function stringifyPayload(payload: object): string {
  try {
    return JSON.stringify(payload);
  } catch (err) {
    throw inputError("payload-json", { reason: err instanceof Error ? err.message : String(err) });
  }
}

/** Plain object; string/number/boolean values become strings; null/undefined skipped. */
export function normalizeProperties(properties: unknown): Record<string, string> | undefined {
  if (properties === undefined || properties === null) return undefined;
  if (typeof properties !== "object" || Array.isArray(properties) || Buffer.isBuffer(properties)) {
    throw inputError("properties-type", { type: describeType(properties) });
  }
  const out: Record<string, string> = {};
  let count = 0;
  for (const [key, value] of Object.entries(properties)) {
    if (value === undefined || value === null) continue;
    switch (typeof value) {
      case "string":
        out[key] = value;
        break;
      case "number":
      case "boolean":
      case "bigint":
        out[key] = String(value);
        break;
      default:
        throw inputError("property-value", { key, type: describeType(value) });
    }
    count++;
  }
  return count ? out : undefined;
}

export function normalizeKey(key: unknown): string | undefined {
  if (key === undefined || key === null) return undefined;
  if (typeof key === "string") return key;
  if (typeof key === "number") {
    if (!Number.isFinite(key)) throw inputError("key-number", { value: String(key) });
    return String(key);
  }
  if (typeof key === "bigint") return String(key);
  throw inputError("key-type", { type: describeType(key) });
}

/**
 * Pulsar wants ISO-8601 *with an offset* (it parses with ISO_OFFSET_DATE_TIME); a Date, epoch
 * ms or an ISO string is accepted here and converted to UTC `…Z`.
 */
export function normalizeEventTime(value: unknown): string | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  const date = toDate(value);
  if (!date) throw inputError("event-time", { value: String(value) });
  return date.toISOString();
}

function toDate(value: unknown): Date | undefined {
  let date: Date | undefined;
  if (value instanceof Date) date = value;
  else if (typeof value === "number") date = new Date(value);
  else if (typeof value === "string") date = new Date(/^\d+$/.test(value) ? Number(value) : value);
  return date && !Number.isNaN(date.getTime()) ? date : undefined;
}

function normalizeDeliverAt(value: unknown): number | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  const date = toDate(value);
  if (!date) throw inputError("deliver-at", { value: String(value) });
  return date.getTime();
}

function normalizeDelay(value: unknown): number | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  const ms = typeof value === "string" ? Number(value) : value;
  if (typeof ms !== "number" || !Number.isFinite(ms) || ms < 0) {
    throw inputError("deliver-after", { value: String(value) });
  }
  return Math.round(ms);
}

function normalizeClusters(value: unknown): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || !value.every((c) => typeof c === "string" && c !== "")) {
    throw inputError("replication-clusters");
  }
  return value as string[];
}

function describeType(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (Buffer.isBuffer(value)) return "Buffer";
  return typeof value;
}

function pulsarOptions(input: ProduceInput): Record<string, unknown> {
  const p = input.pulsar;
  if (p === undefined || p === null) return {};
  if (typeof p !== "object" || Array.isArray(p)) throw inputError("pulsar-options", { type: describeType(p) });
  return p as Record<string, unknown>;
}

/** Validates and maps a msg; throws a PulsarError (class "input") naming what is wrong. */
export function toProduceFields(input: ProduceInput): ProduceFrameFields {
  const bytes = payloadToBuffer(input.payload);
  const options = pulsarOptions(input);
  const fields: ProduceFrameFields = { payload: bytes.toString("base64") };
  const properties = normalizeProperties(input.properties);
  if (properties) fields.properties = properties;
  const key = normalizeKey(input.key);
  if (key !== undefined) fields.key = key;
  const eventTime = normalizeEventTime(options.eventTime);
  if (eventTime) fields.eventTime = eventTime;
  const deliverAt = normalizeDeliverAt(options.deliverAt);
  if (deliverAt !== undefined) fields.deliverAt = deliverAt;
  const deliverAfterMs = normalizeDelay(options.deliverAfterMs);
  if (deliverAfterMs !== undefined) fields.deliverAfterMs = deliverAfterMs;
  const clusters = normalizeClusters(options.replicationClusters);
  if (clusters) fields.replicationClusters = clusters;
  return fields;
}

export function prepareFrame(input: ProduceInput): PreparedFrame {
  const { payload, ...others } = toProduceFields(input);
  // Base64 never needs JSON escaping, and JSON.stringify would scan it character by character
  // (about 5 µs for a 1 KiB payload): only the other fields go through it. Same text as before.
  const rest = JSON.stringify(others).slice(1, -1);
  const body = rest ? `{"payload":"${payload}",${rest}` : `{"payload":"${payload}"`;
  return { body, payloadBytes: Math.floor((payload.length * 3) / 4) - padding(payload) };
}

function padding(b64: string): number {
  return b64.endsWith("==") ? 2 : b64.endsWith("=") ? 1 : 0;
}

/** The text sent on the socket: the prepared body plus this attempt's correlation context. */
export function frameWithContext(frame: PreparedFrame, context: string): string {
  return `${frame.body},"context":${JSON.stringify(context)}}`;
}

/** Bytes on the wire for a frame text (what the server's webSocketMaxTextFrameSize limits). */
export function frameBytes(text: string): number {
  return Buffer.byteLength(text, "utf8");
}
