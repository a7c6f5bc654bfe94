/**
 * msg → Pulsar produce frame (docs/pulsar-websocket.md, "Producing"). Pure: the same msg always gives the same
 * frame, and nothing is sent for a msg this refuses.
 */
import { inputError } from "./errors";
import { setOwn } from "./own-keys";

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
 * A validated msg, ready to become a frame. The payload stays as the msg holds it (its own
 * string or Buffer; objects as their JSON text) and is base64-encoded only when the frame goes on
 * the wire: a frame waiting in the offline buffer costs no copy of its payload beyond the msg,
 * which Node-RED keeps until done() anyway. Sizes are computed up front, without encoding.
 */
export interface PreparedFrame {
  /** The payload's bytes, or the text whose UTF-8 encoding they are. */
  readonly payload: string | Buffer;
  /** The other fields as JSON members without braces, e.g. `"key":"k"`; "" when there are none. */
  readonly rest: string;
  /** Raw payload size in bytes (for errors and tests). */
  readonly payloadBytes: number;
  /** Bytes of the frame on the wire, without its context (buffer accounting, oversize check). */
  readonly bytes: number;
  /** The message key, for choosing a partition (it is also in `rest`). */
  readonly key?: string;
}

/**
 * The payload as bytes or as text to encode as UTF-8, without copying a string or a Buffer:
 * Buffer as bytes; string as UTF-8; number/boolean as text; object/array as JSON text.
 */
export function payloadSource(payload: unknown): string | Buffer {
  if (Buffer.isBuffer(payload)) return payload;
  if (payload instanceof Uint8Array) return Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
  switch (typeof payload) {
    case "string":
      return payload;
    case "number":
      if (!Number.isFinite(payload)) throw inputError("payload-number", { value: String(payload) });
      return String(payload);
    case "boolean":
    case "bigint":
      return String(payload);
    case "object":
      if (payload === null) throw inputError("payload-missing");
      return stringifyPayload(payload);
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
        setOwn(out, key, value);
        break;
      case "number":
      case "boolean":
      case "bigint":
        setOwn(out, key, String(value));
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

/** Every frame field but the payload, validated. */
function otherFields(input: ProduceInput): Omit<ProduceFrameFields, "payload"> {
  const options = pulsarOptions(input);
  const fields: Omit<ProduceFrameFields, "payload"> = {};
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

/** `{"payload":"` and the payload's closing quote. */
const PAYLOAD_MEMBER_BYTES = 13;

/** Validates a msg (throwing a PulsarError naming what is wrong) and sizes its frame. */
export function prepareFrame(input: ProduceInput): PreparedFrame {
  const payload = payloadSource(input.payload);
  return frameOf(payload, frameRest(input));
}

/**
 * Every field of a msg's frames but the payload, validated and serialized once: the frames of
 * an array payload share it.
 */
export interface FrameRest {
  readonly rest: string;
  /** Bytes `rest` adds to a frame (with its comma), 0 without. */
  readonly restBytes: number;
  readonly key?: string;
}

const NO_REST: FrameRest = { rest: "", restBytes: 0 };

export function frameRest(input: ProduceInput): FrameRest {
  // A msg with nothing but a payload (the common case) needs no JSON work at all.
  if (input.properties == null && input.key == null && input.pulsar == null) return NO_REST;
  const fields = otherFields(input);
  const rest = JSON.stringify(fields).slice(1, -1);
  const restBytes = rest ? 1 + Buffer.byteLength(rest, "utf8") : 0;
  return fields.key === undefined ? { rest, restBytes } : { rest, restBytes, key: fields.key };
}

/** One payload (as `payloadSource` gives it) with the fields shared by its msg. */
export function frameOf(payload: string | Buffer, shared: FrameRest): PreparedFrame {
  const payloadBytes = typeof payload === "string" ? Buffer.byteLength(payload, "utf8") : payload.length;
  const bytes = PAYLOAD_MEMBER_BYTES + 4 * Math.ceil(payloadBytes / 3) + shared.restBytes;
  const { rest, key } = shared;
  return key === undefined ? { payload, rest, payloadBytes, bytes } : { payload, rest, payloadBytes, bytes, key };
}

/**
 * A frame's `context` is the session's counter in decimal: the only spelling an ack of ours can
 * carry, so an ack with any other context is not one of ours.
 */
const CONTEXT = /^[1-9][0-9]{0,15}$/;

export function contextNumber(context: string | undefined): number | undefined {
  return context !== undefined && CONTEXT.test(context) ? Number(context) : undefined;
}

/** `,"context":"<up to 16 digits>"}` — the most bytes a context adds to a prepared frame. */
export const CONTEXT_OVERHEAD = 30;

/** `","context":"` + `"}` around the digits, less the `"}` already counted in `bytes`. */
const CONTEXT_MEMBER_BYTES = 14;

/** The exact size of `frameWithContext(frame, context)` in bytes, without building it. */
export function wireBytes(frame: PreparedFrame, context: number): number {
  return frame.bytes + CONTEXT_MEMBER_BYTES + String(context).length;
}

/**
 * The text sent on the socket: the frame plus this attempt's correlation context (the session's
 * decimal counter, which needs no JSON escaping). Base64 never needs escaping either, so only the
 * other fields went through JSON.stringify (a scan of a 1 KiB payload costs about 5 µs).
 */
export function frameWithContext(frame: PreparedFrame, context: number): string {
  const source = frame.payload;
  const base64 = typeof source === "string" ? Buffer.from(source, "utf8").toString("base64") : source.toString("base64");
  return frame.rest ? `{"payload":"${base64}",${frame.rest},"context":"${context}"}` : `{"payload":"${base64}","context":"${context}"}`;
}
