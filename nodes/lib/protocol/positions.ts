/**
 * Where a seek (or a reader's start) goes: `earliest`, `latest`, a time (Date, epoch ms, a
 * numeric string of epoch ms, or an ISO-8601 string) or a base64 message id. Pure; the admin
 * REST calls that carry it out are in connection/admin-operations.ts.
 */
import { isMessageIdShape } from "./base64";
import { inputError } from "./errors";

export type Position =
  | { kind: "earliest" }
  | { kind: "latest" }
  | { kind: "time"; ms: number }
  | { kind: "id"; id: string };

/** An ISO-8601 date, optionally with a time; what Date.parse reads beyond that is not accepted. */
const ISO_TIME = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/i;
const EPOCH_MS = /^\d{1,16}$/;

function describe(value: unknown): string {
  if (value instanceof Date) return "Invalid Date";
  const s = typeof value === "string" ? value : JSON.stringify(value) ?? String(value);
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

/** Throws PulsarError("input", "position-invalid") naming the value for anything else. */
export function parsePosition(value: unknown): Position {
  if (value instanceof Date) {
    const ms = value.getTime();
    if (Number.isFinite(ms)) return { kind: "time", ms };
  } else if (typeof value === "number") {
    if (Number.isInteger(value) && value >= 0) return { kind: "time", ms: value };
  } else if (typeof value === "string") {
    const s = value.trim();
    const lower = s.toLowerCase();
    if (lower === "earliest") return { kind: "earliest" };
    if (lower === "latest") return { kind: "latest" };
    if (EPOCH_MS.test(s)) return { kind: "time", ms: Number(s) };
    if (ISO_TIME.test(s)) {
      const ms = Date.parse(s);
      if (Number.isFinite(ms)) return { kind: "time", ms };
    }
    if (isMessageIdShape(s)) return { kind: "id", id: s };
  }
  throw inputError("position-invalid", { value: describe(value) });
}

/** A reader's configured start: earliest/latest/an id as before, or a time to look up. */
export function parseReaderStart(value: unknown): Position {
  if (value === undefined || value === null || (typeof value === "string" && value.trim() === "")) return { kind: "latest" };
  try {
    return parsePosition(value);
  } catch {
    throw inputError("start-message-id", { value: describe(value) });
  }
}
