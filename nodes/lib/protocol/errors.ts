/**
 * One error type for everything this package reports. `code` is an i18n key under
 * `pulsar.errors` (runtime.json); `details` fill its placeholders. The node glue translates it
 * with RED._, so every message a user sees names what is wrong, in their language, while tests
 * and Catch flows can branch on the stable `code`.
 */
export type ErrorClass = "input" | "config" | "auth" | "server" | "connection" | "timeout" | "closed" | "overflow";

export type ErrorDetails = Record<string, string | number>;

export class PulsarError extends Error {
  readonly code: string;
  readonly errorClass: ErrorClass;
  readonly details: ErrorDetails;

  constructor(errorClass: ErrorClass, code: string, details: ErrorDetails = {}, message?: string) {
    super(message ?? defaultMessage(code, details));
    this.name = "PulsarError";
    this.code = code;
    this.errorClass = errorClass;
    this.details = details;
  }
}

/** English fallback used before (or without) translation: the key plus its details. */
function defaultMessage(code: string, details: ErrorDetails): string {
  const parts = Object.entries(details).map(([k, v]) => `${k}=${v}`);
  return parts.length ? `${code} (${parts.join(", ")})` : code;
}

export function inputError(code: string, details?: ErrorDetails): PulsarError {
  return new PulsarError("input", code, details);
}

export function configError(code: string, details?: ErrorDetails): PulsarError {
  return new PulsarError("config", code, details);
}

/** Turns anything thrown into a PulsarError so callers deal with one shape. */
export function asPulsarError(err: unknown, fallbackClass: ErrorClass = "connection"): PulsarError {
  if (err instanceof PulsarError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new PulsarError(fallbackClass, "unexpected", { message });
}
