/**
 * Secrets out of what a server answered. Replaced in decoded strings, never only in raw text: a
 * server may escape what it echoes (`\u003d` for `=`, `\/` for `/`) and a secret made of JSON
 * syntax (`"`, `:`) would break the text it is cut out of.
 */

/** `value` (any JSON-like value) with every occurrence of each secret in its strings, keys too, replaced by `***`. */
export function scrubSecrets<T>(value: T, secrets: Iterable<string>): T {
  let out: unknown = value;
  for (const secret of secrets) if (secret) out = scrubOne(out, secret);
  return out as T;
}

function scrubOne(value: unknown, secret: string): unknown {
  if (typeof value === "string") return value.includes(secret) ? value.split(secret).join("***") : value;
  if (Array.isArray(value)) return value.map((v) => scrubOne(v, secret));
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [scrubOne(k, secret) as string, scrubOne(v, secret)]));
  }
  return value;
}

/**
 * JSON text with the secrets scrubbed from its decoded values (re-encoded when anything changed),
 * or, when it is not JSON, from the text itself.
 */
export function scrubSecretsInText(text: string, secrets: ReadonlySet<string> | readonly string[]): string {
  const list = [...secrets].filter((s) => s !== "");
  if (list.length === 0) return text;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    let raw = text;
    for (const secret of list) raw = raw.split(secret).join("***");
    return raw;
  }
  const cleaned = scrubSecrets(parsed, list);
  const before = JSON.stringify(parsed);
  const after = JSON.stringify(cleaned);
  return after === before ? text : after;
}

// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f]+/g;

/** Text from a server made safe for one log line or a status: control characters become a space. */
export function oneLine(text: string): string {
  return text.replace(CONTROL_CHARS, " ");
}
