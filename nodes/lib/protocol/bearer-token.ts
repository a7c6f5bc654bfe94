/**
 * Whether a bearer token can go out as `Authorization: Bearer …` (or a `token` query parameter).
 *
 * Node's HTTP client throws synchronously on a header value with a control character or a
 * character above U+00FF, which a token picks up easily: a line break in a token file or an
 * environment value, a zero-width space pasted with it, an odd answer from an OAuth2 issuer.
 * A JWT or an opaque token is visible ASCII only, so that is what is accepted: a space or a
 * Latin-1 character would reach Pulsar but could never be a valid token (a 401 that hides the
 * real cause). The answer says what is wrong and where, never the token itself: it is logged.
 */

/** A token credential as the endpoint uses it: trimmed, without a leading `Bearer ` someone pasted with it. */
export function bareToken(raw: string): string {
  return raw.trim().replace(/^Bearer\s+/i, "");
}

/**
 * Where a token credential's value comes from: given as is, `${NAME}` (an environment variable,
 * read per attempt) or `file:///path` (read per attempt: rotated tokens).
 */
export function tokenSource(raw: string): { kind: "value" } | { kind: "env"; name: string } | { kind: "file" } {
  const env = /^\$\{(\S+)\}$/.exec(raw);
  if (env) return { kind: "env", name: env[1] };
  if (/^file:\/\//i.test(raw.trim())) return { kind: "file" };
  return { kind: "value" };
}

/** Undefined when `token` is usable, else what is wrong with it (safe to log). */
export function checkBearerToken(token: string): string | undefined {
  if (token === "") return "it is empty";
  for (let i = 0; i < token.length; i++) {
    const code = token.charCodeAt(i);
    if (code >= 0x21 && code <= 0x7e) continue;
    return `it contains ${describe(code)} at character ${i + 1} of ${token.length}`;
  }
  return undefined;
}

/** Zero-width and other formatting characters a copy and paste brings along unseen. */
const INVISIBLE = new Set([0x00ad, 0x180e, 0x200b, 0x200c, 0x200d, 0x200e, 0x200f, 0x2028, 0x2029, 0x2060, 0xfeff]);

function describe(code: number): string {
  const u = `U+${code.toString(16).toUpperCase().padStart(4, "0")}`;
  if (code === 0x0a || code === 0x0d) return "a line break";
  if (code === 0x20 || code === 0x09 || code === 0xa0) return "a space";
  if (INVISIBLE.has(code) || (code >= 0x202a && code <= 0x202e) || (code >= 0x2061 && code <= 0x206f)) return `an invisible character ${u}`;
  if (code < 0x20 || code === 0x7f || (code >= 0x80 && code < 0xa0)) return `a control character ${u}`;
  if (code >= 0xd800 && code <= 0xdfff) return `a non-ASCII character (surrogate ${u})`;
  return `a non-ASCII character ${u}`;
}
