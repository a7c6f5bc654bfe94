/**
 * Avro through avsc, as Pulsar's Java client writes it (`AvroSchema`: Avro binary of one datum,
 * no container header, no fingerprint). Pure.
 *
 * - `long` maps to a JavaScript number when it is a safe integer (|n| ≤ 2^53 − 1) and to a
 *   BigInt beyond that, both ways; writing also takes a BigInt or a decimal string for any long.
 *   avsc's own long would refuse such values ("potential precision loss").
 * - `bytes` and `fixed` are Buffers (a `decimal` logical type stays its bytes: avsc has no decimal).
 * - Unions: a value on its own where that is unambiguous (`["null","string"]` takes `null` or a
 *   string); `{ "<branch type>": value }` where it is not (e.g. two records): avsc's `wrapUnions: "auto"`.
 * - Decoding is strict: every byte used, no byte left, every value valid (an enum index in range,
 *   a union index in range). A payload written with another schema version fails instead of
 *   becoming a wrong object, unless the two versions have the same types in the same places
 *   (fields only reordered): the bytes cannot tell them apart (the help says so).
 */
import avro from "avsc";
import { checkAvroBounds } from "./avro-bounds";

const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const MIN_LONG = -(2n ** 63n);
const MAX_LONG = 2n ** 63n - 1n;
const INTEGER_TEXT = /^-?\d{1,20}$/;

type LongValue = number | bigint;

/** A long in range as a BigInt, or undefined for anything that is not one. */
export function longOf(value: unknown): bigint | undefined {
  let n: bigint;
  if (typeof value === "number") {
    if (!Number.isSafeInteger(value)) return undefined;
    n = BigInt(value);
  } else if (typeof value === "bigint") n = value;
  else if (typeof value === "string" && INTEGER_TEXT.test(value)) n = BigInt(value);
  else return undefined;
  return n >= MIN_LONG && n <= MAX_LONG ? n : undefined;
}

/** A safe integer as a number, else the BigInt. */
export function longValue(n: bigint): LongValue {
  return n >= MIN_SAFE && n <= MAX_SAFE ? Number(n) : n;
}

const LONG_TYPE = avro.types.LongType.__with({
  fromBuffer: (buf: Buffer): LongValue => longValue(buf.readBigInt64LE(0)),
  toBuffer: (value: unknown): Buffer => {
    const buf = Buffer.alloc(8);
    buf.writeBigInt64LE(longOf(value)!, 0);
    return buf;
  },
  // Defaults in a schema and promotions from int arrive as JSON numbers.
  fromJSON: (value: unknown): LongValue => {
    const n = longOf(value);
    if (n === undefined) throw new Error(`not a long: ${String(value)}`);
    return longValue(n);
  },
  toJSON: (value: unknown): number | string => {
    const n = longOf(value)!;
    return n >= MIN_SAFE && n <= MAX_SAFE ? Number(n) : n.toString();
  },
  isValid: (value: unknown): boolean => longOf(value) !== undefined,
  compare: (a: unknown, b: unknown): number => {
    const x = longOf(a)!;
    const y = longOf(b)!;
    return x < y ? -1 : x > y ? 1 : 0;
  },
});

export type AvroType = avro.Type;

/** The avsc type of an Avro schema (JSON text or parsed), with the long mapping above. Throws on a bad schema. */
export function avroType(schema: unknown): AvroType {
  const parsed: unknown = typeof schema === "string" ? JSON.parse(schema) : schema;
  // avsc adds every named type to the registry it is given: one registry per schema.
  return avro.Type.forSchema(parsed as avro.Schema, { registry: { long: LONG_TYPE }, wrapUnions: "auto" });
}

/** Why bytes did not decode: thrown by `decodeStrict`. */
export class AvroDecodeError extends Error {}

/** One datum that uses exactly `bytes`, valid for the type; else AvroDecodeError saying why. */
export function decodeStrict(type: AvroType, bytes: Buffer, resolver?: avro.Resolver): unknown {
  let result: { value: unknown; offset: number };
  try {
    // With a resolver the bytes were already checked against their writer's type.
    if (!resolver) checkAvroBounds(type, bytes);
    result = type.decode(bytes, 0, resolver) as { value: unknown; offset: number };
  } catch (err) {
    throw new AvroDecodeError(err instanceof Error ? err.message : String(err));
  }
  if (result.offset < 0) throw new AvroDecodeError(`${bytes.length} bytes are too few for the schema`);
  if (result.offset !== bytes.length) throw new AvroDecodeError(`${bytes.length - result.offset} bytes left over after the datum`);
  if (!type.isValid(result.value)) throw new AvroDecodeError("the bytes hold values the schema does not allow");
  return plainOf(type)(result.value);
}

type Plain = (value: unknown) => unknown;
const same: Plain = (v) => v;
const plainCache = new WeakMap<avro.Type, Plain>();

/**
 * avsc decodes records (and wrapped union branches) into instances of classes it generates; a flow
 * gets plain objects, as from JSON. A converter per type, the identity where nothing needs it.
 */
function plainOf(type: avro.Type): Plain {
  const known = plainCache.get(type);
  if (known) return known;
  plainCache.set(type, same); // a recursive type refers to itself while its converter is built
  let out: Plain = same;
  if (type instanceof avro.types.RecordType) {
    const fields = type.fields.map((f) => [f.name, plainOf(f.type)] as const);
    out = (v) => {
      const o: Record<string, unknown> = {};
      const r = v as Record<string, unknown>;
      for (const [name, conv] of fields) o[name] = conv === same ? r[name] : conv(r[name]);
      return o;
    };
  } else if (type instanceof avro.types.ArrayType) {
    const item = plainOf(type.itemsType);
    if (item !== same) out = (v) => (v as unknown[]).map(item);
  } else if (type instanceof avro.types.MapType) {
    const item = plainOf(type.valuesType as avro.Type);
    if (item !== same) out = (v) => Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, item(x)]));
  } else if (type instanceof avro.types.UnwrappedUnionType) {
    const branches = type.types.map((t) => [t, plainOf(t)] as const);
    if (branches.some(([, c]) => c !== same)) {
      out = (v) => {
        if (v === null) return v;
        const b = branches.find(([t]) => t.isValid(v));
        return b ? b[1](v) : v;
      };
    }
  } else if (type instanceof avro.types.WrappedUnionType) {
    const byName = new Map(type.types.map((t) => [t.branchName, plainOf(t)] as const));
    out = (v) => {
      if (v === null) return v;
      const [name, inner] = Object.entries(v as Record<string, unknown>)[0];
      return { [name]: (byName.get(name) ?? same)(inner) };
    };
  }
  plainCache.set(type, out);
  return out;
}

/**
 * The first place where `value` does not fit `type`, as `path: why` (e.g.
 * `temperature: expected double, got string`), or undefined when it fits. Fields the schema does
 * not have are refused too: dropping them silently would lose data.
 */
export function firstMismatch(type: AvroType, value: unknown, prefix = ""): string | undefined {
  let found: string | undefined;
  type.isValid(value, {
    errorHook: (path: string[], any: unknown, t: avro.Type) => {
      if (found !== undefined) return;
      found = `${pathText(prefix, path)}: ${mismatch(t, any)}`;
    },
  });
  if (found !== undefined) return found;
  return undeclared(type, value, prefix);
}

function pathText(prefix: string, path: readonly string[]): string {
  const joined = [prefix, ...path].filter((p) => p !== "").join(".");
  return joined === "" ? "(payload)" : joined;
}

function mismatch(type: avro.Type, value: unknown): string {
  if (value === undefined) return `missing (expected ${typeText(type)})`;
  return `expected ${typeText(type)}, got ${valueText(value)}`;
}

/** How a type is named in an error. */
export function typeText(type: avro.Type): string {
  if (type instanceof avro.types.RecordType) return `record ${type.name ?? ""}`.trim();
  if (type instanceof avro.types.EnumType) return `one of ${type.symbols.join(", ")}`;
  if (type instanceof avro.types.FixedType) return `fixed (a Buffer of ${type.size} bytes)`;
  if (type instanceof avro.types.ArrayType) return `array of ${typeText(type.itemsType)}`;
  if (type instanceof avro.types.MapType) return `map of ${typeText(type.valuesType)}`;
  if (type instanceof avro.types.UnwrappedUnionType || type instanceof avro.types.WrappedUnionType) {
    return `one of ${type.types.map((t) => typeText(t)).join(", ")}`;
  }
  if (type.typeName === "abstract:long") return "long (a safe integer, BigInt or decimal string)";
  if (type.typeName === "bytes") return "bytes (a Buffer)";
  return type.typeName;
}

export function valueText(value: unknown): string {
  if (value === null) return "null";
  if (Buffer.isBuffer(value)) return `a Buffer of ${value.length} bytes`;
  if (Array.isArray(value)) return "an array";
  switch (typeof value) {
    case "number":
      return `number ${value}`;
    case "bigint":
      return `BigInt ${value}`;
    case "string":
      return "string";
    case "object":
      return "an object";
    default:
      return typeof value;
  }
}

/** The first field present in `value` that its record type does not declare, looking into nested records, arrays and maps. */
function undeclared(type: avro.Type, value: unknown, path: string): string | undefined {
  if (value === null || typeof value !== "object" || Buffer.isBuffer(value)) return undefined;
  if (type instanceof avro.types.RecordType) {
    const fields = new Map(type.fields.map((f) => [f.name, f.type]));
    for (const [name, inner] of Object.entries(value)) {
      const field = fields.get(name);
      const at = path === "" ? name : `${path}.${name}`;
      if (!field) {
        if (inner === undefined) continue;
        return `${at}: not a field of ${typeText(type)}`;
      }
      const deeper = undeclared(field, inner, at);
      if (deeper) return deeper;
    }
    return undefined;
  }
  if (type instanceof avro.types.ArrayType && Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const deeper = undeclared(type.itemsType, value[i], `${path}[${i}]`);
      if (deeper) return deeper;
    }
    return undefined;
  }
  if (type instanceof avro.types.MapType) {
    for (const [k, inner] of Object.entries(value)) {
      const deeper = undeclared(type.valuesType, inner, path === "" ? k : `${path}.${k}`);
      if (deeper) return deeper;
    }
    return undefined;
  }
  if (type instanceof avro.types.UnwrappedUnionType) {
    const branch = type.types.find((t) => t.isValid(value));
    return branch ? undeclared(branch, value, path) : undefined;
  }
  if (type instanceof avro.types.WrappedUnionType) {
    const entries = Object.entries(value);
    if (entries.length !== 1) return undefined;
    const [name, inner] = entries[0];
    const branch = type.types.find((t) => t.branchName === name);
    return branch ? undeclared(branch, inner, `${path === "" ? "" : `${path}.`}${name}`) : undefined;
  }
  return undefined;
}
