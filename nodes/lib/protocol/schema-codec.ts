/**
 * Payload bytes ↔ values with a topic's registered Pulsar schema, as Pulsar's Java client writes
 * and reads them (docs/schemas.md). Pure: a SchemaInfo in, a codec out.
 *
 * - `AVRO`: Avro binary of one datum (avro.ts: strict decoding, the long and bytes mapping).
 * - `JSON`: JSON text; the schema (an Avro schema, as Java's `JSONSchema` registers it) checks
 *   what is written; what is read is parsed as is.
 * - `KEY_VALUE`: `{ key, value }`, each side with its own schema. INLINE (the default): one payload,
 *   4-byte big-endian key length, key bytes, 4-byte value length, value bytes (length −1: null).
 *   SEPARATED: the value is the payload, the key the message key (base64 of the key's bytes).
 * - Primitives: `INT8/16/32/64` big-endian two's complement, `FLOAT`/`DOUBLE` IEEE 754 big-endian,
 *   `BOOLEAN` one byte, `STRING` UTF-8, `BYTES` as is. `INT64` follows the long mapping of avro.ts.
 *
 * Decoding throws a PulsarError `schema-decode` naming why; encoding throws `schema-mismatch`
 * naming the first field path that does not fit and why.
 */
import { AvroDecodeError, avroType, decodeStrict, firstMismatch, longOf, longValue, valueText, type AvroType } from "./avro";
import { randomBytes } from "node:crypto";
import { decodeBase64Strict } from "./base64";
import { PulsarError } from "./errors";

/** What Pulsar's schema registry holds for one version (the admin API's GetSchemaResponse). */
export interface SchemaInfo {
  type: string;
  /** The schema definition text (`data` in the admin API); "" for primitives. */
  schema: string;
  properties: Record<string, string>;
  /** The registry's version number, when known. */
  version?: number;
}

export interface EncodedPayload {
  payload: Buffer;
  /** KEY_VALUE SEPARATED: the message key. */
  key?: string;
}

export interface SchemaCodec {
  readonly type: string;
  /** `key`: the message key (KEY_VALUE SEPARATED reads the key from it). */
  decode(bytes: Buffer, key?: string): unknown;
  encode(value: unknown): EncodedPayload;
  /** The Avro type, for AVRO and JSON (to resolve older versions, to show fields). */
  readonly avro?: AvroType;
}

export const PRIMITIVE_TYPES = ["STRING", "BOOLEAN", "INT8", "INT16", "INT32", "INT64", "FLOAT", "DOUBLE", "BYTES"] as const;

/** Types that mean "no schema": payloads are bytes, as without a schema. */
export function isNoSchema(type: string): boolean {
  return type === "NONE" || type === "BYTES_NONE" || type === "AUTO" || type === "AUTO_CONSUME" || type === "AUTO_PUBLISH";
}

/**
 * The admin API's answer for one schema version → SchemaInfo. KEY_VALUE's `data` is JSON
 * `{"key": <key schema or "">, "value": <value schema or "">}` ("" for a primitive side).
 */
export function parseSchemaAnswer(answer: unknown): SchemaInfo {
  if (typeof answer !== "object" || answer === null) throw new PulsarError("server", "schema-answer", { reason: "not a JSON object" });
  const a = answer as Record<string, unknown>;
  if (typeof a.type !== "string") throw new PulsarError("server", "schema-answer", { reason: "no type" });
  const data = typeof a.data === "string" ? a.data : typeof a.schema === "string" ? a.schema : "";
  const properties: Record<string, string> = {};
  if (typeof a.properties === "object" && a.properties !== null) {
    for (const [k, v] of Object.entries(a.properties)) if (typeof v === "string") properties[k] = v;
  }
  const info: SchemaInfo = { type: a.type, schema: data, properties };
  if (typeof a.version === "number") info.version = a.version;
  return info;
}

export function buildCodec(info: SchemaInfo): SchemaCodec {
  switch (info.type) {
    case "AVRO":
      return avroCodec(info);
    case "JSON":
      return jsonCodec(info);
    case "KEY_VALUE":
      return keyValueCodec(info);
    default:
      if ((PRIMITIVE_TYPES as readonly string[]).includes(info.type)) return primitiveCodec(info.type);
      throw new PulsarError("config", "schema-unsupported", { type: info.type });
  }
}

function decodeError(type: string, reason: string): PulsarError {
  return new PulsarError("input", "schema-decode", { type, reason });
}

function mismatchError(type: string, reason: string): PulsarError {
  return new PulsarError("input", "schema-mismatch", { type, reason });
}

function parsedAvro(info: SchemaInfo): AvroType {
  try {
    return avroType(info.schema);
  } catch (err) {
    throw new PulsarError("server", "schema-invalid", { type: info.type, reason: err instanceof Error ? err.message : String(err) });
  }
}

function avroCodec(info: SchemaInfo): SchemaCodec {
  const type = parsedAvro(info);
  return {
    type: "AVRO",
    avro: type,
    decode(bytes) {
      try {
        return decodeStrict(type, bytes);
      } catch (err) {
        throw decodeError("AVRO", err instanceof AvroDecodeError ? err.message : String(err));
      }
    },
    encode(value) {
      const why = firstMismatch(type, value);
      if (why !== undefined) throw mismatchError("AVRO", why);
      return { payload: type.toBuffer(value) };
    },
  };
}

// A marker no payload string holds by chance: per process, random.
const BIGINT_MARK = `~bigint-${randomBytes(6).toString("hex")}:`;
const BIGINT_TEXT = new RegExp(`"${BIGINT_MARK}(-?\\d+)"`, "g");

/** JSON text; a BigInt (a long beyond 2^53) as a JSON number with all its digits, as Jackson writes a Java long. */
export function jsonText(value: unknown): string {
  let big = false;
  const text = JSON.stringify(value, function (this: Record<string, unknown>, k: string, v: unknown) {
    if (typeof v === "bigint") {
      big = true;
      return BIGINT_MARK + v.toString();
    }
    // As Jackson writes a byte[]: base64 (Buffer.toJSON has already run; look at the original).
    const original = this[k];
    if (Buffer.isBuffer(original)) return original.toString("base64");
    return v;
  });
  return big ? text.replace(BIGINT_TEXT, "$1") : text;
}

function jsonCodec(info: SchemaInfo): SchemaCodec {
  // Java registers an Avro schema for JSONSchema. Should a topic hold something else (an old JSON
  // Schema draft), values are written unchecked rather than refused.
  let type: AvroType | undefined;
  try {
    type = avroType(info.schema);
  } catch {
    type = undefined;
  }
  const codec: SchemaCodec = {
    type: "JSON",
    decode(bytes) {
      try {
        return JSON.parse(bytes.toString("utf8")) as unknown;
      } catch (err) {
        throw decodeError("JSON", err instanceof Error ? err.message : String(err));
      }
    },
    encode(value) {
      if (type) {
        const why = firstMismatch(type, value);
        if (why !== undefined) throw mismatchError("JSON", why);
      } else if (typeof value !== "object" || value === null) {
        throw mismatchError("JSON", `(payload): expected an object, got ${valueText(value)}`);
      }
      return { payload: Buffer.from(jsonText(value), "utf8") };
    },
  };
  return type ? { ...codec, avro: type } : codec;
}

// ---- primitives ----------------------------------------------------------------------------

interface Fixed {
  size: number;
  read(b: Buffer): unknown;
  write(v: unknown, b: Buffer): string | undefined;
}

function intOf(bits: 8 | 16 | 32): Fixed {
  const size = bits / 8;
  const max = 2 ** (bits - 1) - 1;
  const min = -(2 ** (bits - 1));
  return {
    size,
    read: (b) => (bits === 8 ? b.readInt8(0) : bits === 16 ? b.readInt16BE(0) : b.readInt32BE(0)),
    write: (v, b) => {
      if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) return `expected an integer from ${min} to ${max}, got ${valueText(v)}`;
      if (bits === 8) b.writeInt8(v, 0);
      else if (bits === 16) b.writeInt16BE(v, 0);
      else b.writeInt32BE(v, 0);
      return undefined;
    },
  };
}

const FIXED: Record<string, Fixed> = {
  INT8: intOf(8),
  INT16: intOf(16),
  INT32: intOf(32),
  INT64: {
    size: 8,
    read: (b) => longValue(b.readBigInt64BE(0)),
    write: (v, b) => {
      const n = longOf(v);
      if (n === undefined) return `expected a long (a safe integer, BigInt or decimal string), got ${valueText(v)}`;
      b.writeBigInt64BE(n, 0);
      return undefined;
    },
  },
  FLOAT: {
    size: 4,
    read: (b) => b.readFloatBE(0),
    write: (v, b) => (typeof v === "number" ? (b.writeFloatBE(v, 0), undefined) : `expected float, got ${valueText(v)}`),
  },
  DOUBLE: {
    size: 8,
    read: (b) => b.readDoubleBE(0),
    write: (v, b) => (typeof v === "number" ? (b.writeDoubleBE(v, 0), undefined) : `expected double, got ${valueText(v)}`),
  },
  BOOLEAN: {
    size: 1,
    // Java reads any byte but 0 as true.
    read: (b) => b[0] !== 0,
    write: (v, b) => (typeof v === "boolean" ? ((b[0] = v ? 1 : 0), undefined) : `expected boolean, got ${valueText(v)}`),
  },
};

function primitiveCodec(type: string): SchemaCodec {
  const fixed = FIXED[type];
  if (fixed) {
    return {
      type,
      decode(bytes) {
        if (bytes.length !== fixed.size) throw decodeError(type, `${bytes.length} bytes, expected ${fixed.size}`);
        return fixed.read(bytes);
      },
      encode(value) {
        const b = Buffer.alloc(fixed.size);
        const why = fixed.write(value, b);
        if (why !== undefined) throw mismatchError(type, `(payload): ${why}`);
        return { payload: b };
      },
    };
  }
  if (type === "STRING") {
    return {
      type,
      decode: (bytes) => bytes.toString("utf8"),
      encode(value) {
        if (typeof value !== "string") throw mismatchError(type, `(payload): expected string, got ${valueText(value)}`);
        return { payload: Buffer.from(value, "utf8") };
      },
    };
  }
  return {
    type: "BYTES",
    decode: (bytes) => bytes,
    encode(value) {
      if (Buffer.isBuffer(value)) return { payload: value };
      if (value instanceof Uint8Array) return { payload: Buffer.from(value.buffer, value.byteOffset, value.byteLength) };
      throw mismatchError("BYTES", `(payload): expected bytes (a Buffer), got ${valueText(value)}`);
    },
  };
}

// ---- KEY_VALUE -----------------------------------------------------------------------------

export type KeyValueEncoding = "INLINE" | "SEPARATED";

/** The key and value SchemaInfos of a KEY_VALUE schema, and how pairs are written. */
export function keyValueParts(info: SchemaInfo): { key: SchemaInfo; value: SchemaInfo; encoding: KeyValueEncoding } {
  const p = info.properties;
  const encodingText = (p["kv.encoding.type"] ?? "INLINE").toUpperCase();
  if (encodingText !== "INLINE" && encodingText !== "SEPARATED") throw new PulsarError("server", "schema-invalid", { type: "KEY_VALUE", reason: `kv.encoding.type ${encodingText}` });
  let data: { key?: unknown; value?: unknown } = {};
  if (info.schema.trim() !== "") {
    try {
      data = JSON.parse(info.schema) as { key?: unknown; value?: unknown };
    } catch (err) {
      throw new PulsarError("server", "schema-invalid", { type: "KEY_VALUE", reason: err instanceof Error ? err.message : String(err) });
    }
  }
  const side = (name: "key" | "value"): SchemaInfo => {
    const def = data[name];
    let properties: Record<string, string> = {};
    const props = p[`${name}.schema.properties`];
    if (props) {
      try {
        const parsed = JSON.parse(props) as unknown;
        if (parsed && typeof parsed === "object") properties = Object.fromEntries(Object.entries(parsed).filter((e): e is [string, string] => typeof e[1] === "string"));
      } catch {
        // Properties are descriptive only; a side decodes without them.
      }
    }
    return {
      type: p[`${name}.schema.type`] ?? "BYTES",
      schema: def === undefined || def === null || def === "" ? "" : typeof def === "string" ? def : JSON.stringify(def),
      properties,
    };
  };
  return { key: side("key"), value: side("value"), encoding: encodingText };
}

function prefixed(err: unknown, side: "key" | "value"): PulsarError {
  if (err instanceof PulsarError && typeof err.details.reason === "string") {
    const reason = err.details.reason.replace(/^\(payload\)/, side).replace(/^(?!key\b|value\b)/, `${side}.`);
    return new PulsarError(err.errorClass, err.code, { ...err.details, type: "KEY_VALUE", reason });
  }
  return err instanceof PulsarError ? err : new PulsarError("input", "schema-mismatch", { type: "KEY_VALUE", reason: String(err) });
}

function keyValueCodec(info: SchemaInfo): SchemaCodec {
  const parts = keyValueParts(info);
  const keyCodec = buildCodec(parts.key);
  const valueCodec = buildCodec(parts.value);
  const side = (codec: SchemaCodec, name: "key" | "value", bytes: Buffer | null): unknown => {
    if (bytes === null) return null;
    try {
      return codec.decode(bytes);
    } catch (err) {
      throw prefixed(err, name);
    }
  };
  const encodeSide = (codec: SchemaCodec, name: "key" | "value", v: unknown): Buffer | null => {
    if (v === null || v === undefined) return null;
    try {
      return codec.encode(v).payload;
    } catch (err) {
      throw prefixed(err, name);
    }
  };
  const pair = (value: unknown): { key: unknown; value: unknown } => {
    if (typeof value !== "object" || value === null || Array.isArray(value) || Buffer.isBuffer(value)) {
      throw mismatchError("KEY_VALUE", `(payload): expected { key, value }, got ${valueText(value)}`);
    }
    const v = value as Record<string, unknown>;
    for (const name of Object.keys(v)) if (name !== "key" && name !== "value") throw mismatchError("KEY_VALUE", `${name}: not part of { key, value }`);
    return { key: v.key, value: v.value };
  };

  if (parts.encoding === "SEPARATED") {
    return {
      type: "KEY_VALUE",
      decode(bytes, key) {
        let keyValue: unknown = null;
        if (key !== undefined) {
          // Java writes the key's bytes as the message key, base64-encoded. A STRING key sent as
          // plain text (by a WebSocket producer) is taken as it is when it is not base64.
          const keyBytes = decodeBase64Strict(key);
          if (keyBytes) keyValue = side(keyCodec, "key", keyBytes);
          else if (keyCodec.type === "STRING") keyValue = key;
          else throw decodeError("KEY_VALUE", "key: the message key is not base64");
        }
        return { key: keyValue, value: side(valueCodec, "value", bytes) };
      },
      encode(value) {
        const p = pair(value);
        // Over WebSocket the key is text: Pulsar cannot be told it is base64 of bytes. A STRING
        // key's text is its bytes as Java reads them; any other key type would be misread.
        if (keyCodec.type !== "STRING") throw mismatchError("KEY_VALUE", `key: a ${keyCodec.type} key of a SEPARATED KEY_VALUE schema cannot be written over WebSocket (only STRING keys can)`);
        if (p.key !== null && p.key !== undefined) encodeSide(keyCodec, "key", p.key);
        const payload = encodeSide(valueCodec, "value", p.value) ?? Buffer.alloc(0);
        return p.key === null || p.key === undefined ? { payload } : { payload, key: p.key as string };
      },
    };
  }
  return {
    type: "KEY_VALUE",
    decode(bytes) {
      let pos = 0;
      const chunk = (name: "key" | "value"): Buffer | null => {
        if (bytes.length - pos < 4) throw decodeError("KEY_VALUE", `${name}: ${bytes.length} bytes end before its length`);
        const length = bytes.readInt32BE(pos);
        pos += 4;
        if (length === -1) return null;
        if (length < 0 || length > bytes.length - pos) throw decodeError("KEY_VALUE", `${name}: length ${length} does not fit in ${bytes.length} bytes`);
        const out = bytes.subarray(pos, pos + length);
        pos += length;
        return out;
      };
      const k = chunk("key");
      const v = chunk("value");
      if (pos !== bytes.length) throw decodeError("KEY_VALUE", `${bytes.length - pos} bytes left over after the value`);
      return { key: side(keyCodec, "key", k), value: side(valueCodec, "value", v) };
    },
    encode(value) {
      const p = pair(value);
      const k = encodeSide(keyCodec, "key", p.key);
      const v = encodeSide(valueCodec, "value", p.value);
      const out = Buffer.alloc(8 + (k?.length ?? 0) + (v?.length ?? 0));
      let pos = out.writeInt32BE(k ? k.length : -1, 0);
      if (k) pos += k.copy(out, pos);
      pos = out.writeInt32BE(v ? v.length : -1, pos);
      if (v) v.copy(out, pos);
      return { payload: out };
    },
  };
}
