/**
 * What the editor shows of a topic's schema (beside the topic field, through the runtime): its
 * type, version and fields, one line each, as `name: type`. Pure; bounded in size.
 */
import { keyValueParts, parseSchemaAnswer, type SchemaInfo } from "./protocol/schema-codec";

export interface SchemaSummary {
  type: string;
  version?: number;
  /** `name: type` per field (nested records indented by their path), or the primitive's type. */
  fields: string[];
  /** KEY_VALUE: how pairs are written. */
  encoding?: string;
}

const MAX_FIELDS = 200;

/** The admin API's answer (or null: no schema) → a summary; undefined when the topic has none. */
export function summarizeSchema(answer: unknown): SchemaSummary | undefined {
  if (answer === null || answer === undefined) return undefined;
  const info = parseSchemaAnswer(answer);
  const summary: SchemaSummary = { type: info.type, fields: [] };
  if (info.version !== undefined) summary.version = info.version;
  if (info.type === "KEY_VALUE") {
    const parts = keyValueParts(info);
    summary.encoding = parts.encoding;
    summary.fields.push(...describe(parts.key, "key"), ...describe(parts.value, "value"));
  } else summary.fields.push(...describe(info, ""));
  summary.fields = summary.fields.slice(0, MAX_FIELDS);
  return summary;
}

function describe(info: SchemaInfo, prefix: string): string[] {
  if (info.type !== "AVRO" && info.type !== "JSON") return [prefix ? `${prefix}: ${info.type}` : info.type];
  let schema: unknown;
  try {
    schema = JSON.parse(info.schema);
  } catch {
    return [prefix ? `${prefix}: ${info.type}` : info.type];
  }
  const out: string[] = [];
  walk(schema, prefix, out, 0);
  return out;
}

function typeName(t: unknown): string {
  if (typeof t === "string") return t;
  if (Array.isArray(t)) return t.map(typeName).join(" | ");
  if (t && typeof t === "object") {
    const o = t as Record<string, unknown>;
    if (typeof o.logicalType === "string") return `${String(o.type)} (${o.logicalType})`;
    if (o.type === "array") return `array<${typeName(o.items)}>`;
    if (o.type === "map") return `map<${typeName(o.values)}>`;
    if (o.type === "enum" && Array.isArray(o.symbols)) return `enum ${o.symbols.join("|")}`;
    if (o.type === "fixed") return `fixed(${String(o.size)})`;
    if (typeof o.name === "string") return `${String(o.type)} ${o.name}`;
    return typeName(o.type);
  }
  return String(t);
}

function walk(schema: unknown, path: string, out: string[], depth: number): void {
  if (out.length >= MAX_FIELDS || depth > 8) return;
  const o = schema as Record<string, unknown> | null;
  if (!o || typeof o !== "object" || Array.isArray(o) || o.type !== "record" || !Array.isArray(o.fields)) {
    out.push(path ? `${path}: ${typeName(schema)}` : typeName(schema));
    return;
  }
  for (const f of o.fields as Record<string, unknown>[]) {
    const at = path ? `${path}.${String(f.name)}` : String(f.name);
    out.push(`${at}: ${typeName(f.type)}`);
    const nested = Array.isArray(f.type) ? f.type.find((b) => b && typeof b === "object" && (b as Record<string, unknown>).type === "record") : f.type;
    if (nested && typeof nested === "object" && (nested as Record<string, unknown>).type === "record") walk(nested, at, out, depth + 1);
  }
}
