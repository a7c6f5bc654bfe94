// Jackson-like binding of client JSON to the server's data classes (ProducerMessage, ConsumerCommand):
// unknown fields ignored, scalars coerced to String, numeric strings coerced to numbers, and structural
// mismatches (an object where a String is expected) rejected as deserialization errors.

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** A frame that is not JSON or does not bind to the data class (Jackson's IOException). */
export class JsonBindingError extends Error {}

export function parseJsonObject(text: string, className: string): JsonObject {
  let value: JsonValue;
  try {
    value = JSON.parse(text) as JsonValue;
  } catch (error) {
    throw new JsonBindingError(error instanceof Error ? error.message : String(error));
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new JsonBindingError(`Cannot deserialize value of type \`${className}\` from ${describe(value)} value`);
  }
  return value;
}

/** JSON for the 'frame' event; undefined when the text is not JSON at all. */
export function tryParseJson(text: string): JsonValue | undefined {
  try {
    return JSON.parse(text) as JsonValue;
  } catch {
    return undefined;
  }
}

export function bindString(value: JsonValue | undefined, field: string): string | undefined {
  if (value === undefined || value === null) {
    return undefined;
  }
  if (typeof value === "object") {
    throw mismatch("java.lang.String", value, field);
  }
  return String(value);
}

/** long/int fields: numbers (fractions truncated) and numeric strings; anything else fails binding. */
export function bindInteger(value: JsonValue | undefined, field: string): number | undefined {
  if (value === undefined || value === null) {
    return undefined;
  }
  if (typeof value === "number") {
    return Math.trunc(value);
  }
  if (typeof value === "string" && /^[+-]?\d+$/.test(value.trim())) {
    return Number(value.trim());
  }
  throw mismatch("long", value, field);
}

/** Map<String, String>: scalar values become strings, nested objects or arrays fail binding. */
export function bindStringMap(value: JsonValue | undefined, field: string): Record<string, string> {
  if (value === undefined || value === null) {
    return {};
  }
  if (typeof value !== "object" || Array.isArray(value)) {
    throw mismatch("java.util.Map", value, field);
  }
  const map: Record<string, string> = {};
  for (const [key, entry] of Object.entries(value)) {
    const text = bindString(entry, `${field}.${key}`);
    if (text !== undefined) {
      map[key] = text;
    }
  }
  return map;
}

export function bindStringList(value: JsonValue | undefined, field: string): string[] | undefined {
  if (value === undefined || value === null) {
    return undefined;
  }
  if (!Array.isArray(value)) {
    throw mismatch("java.util.List", value, field);
  }
  return value.map((entry, index) => bindString(entry, `${field}[${index}]`) ?? "");
}

function mismatch(javaType: string, value: JsonValue, field: string): JsonBindingError {
  return new JsonBindingError(
    `Cannot deserialize value of type \`${javaType}\` from ${describe(value)} value (through reference chain: "${field}")`);
}

function describe(value: JsonValue): string {
  if (Array.isArray(value)) {
    return "Array";
  }
  if (value === null) {
    return "Null";
  }
  return typeof value === "object" ? "Object" : typeof value;
}
