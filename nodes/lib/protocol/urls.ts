/**
 * WebSocket URLs for producer, consumer and reader sessions.
 *
 * v2 (Pulsar 2.x+, the only shape on ≥ 4.2):
 *   /ws/v2/{role}/{domain}/{tenant}/{namespace}/{topic}[/{subscription}]
 * v1 (legacy, Pulsar ≤ 4.0, chosen when the endpoint names a cluster):
 *   /ws/{role}/{domain}/{tenant}/{cluster}/{namespace}/{topic}[/{subscription}]
 *
 * Every segment is encoded with encodeURIComponent: the server decodes each with Java's
 * URLDecoder, where a literal `+` would become a space, and `encodeURIComponent` turns `+`
 * into `%2B`, `/` into `%2F`, `?` and `#` into escapes, so no name can change the path shape.
 */
import { configError } from "./errors";
import type { TopicName } from "./topics";

export type SessionRole = "producer" | "consumer" | "reader";

export type QueryValue = string | number | boolean | undefined | null;

export interface SessionUrlOptions {
  /** Normalised base, see normalizeServiceUrl. */
  base: string;
  role: SessionRole;
  topic: TopicName;
  /** Set: legacy v1 URL with this cluster. */
  cluster?: string;
  subscription?: string;
  query?: Record<string, QueryValue>;
}

/**
 * http→ws, https→wss; ws/wss kept. A path prefix (gateway in front of Pulsar) is kept; query
 * and fragment are refused because they would end up in front of our own path.
 */
export function normalizeServiceUrl(input: unknown): string {
  if (typeof input !== "string" || input.trim() === "") throw configError("url-missing");
  const raw = input.trim();
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw configError("url-invalid", { url: redactUrl(raw) });
  }
  const scheme = { "http:": "ws:", "https:": "wss:", "ws:": "ws:", "wss:": "wss:" }[url.protocol];
  if (!scheme) throw configError("url-scheme", { url: redactUrl(raw) });
  if (url.search || url.hash) throw configError("url-query", { url: redactUrl(raw) });
  if (url.username || url.password) throw configError("url-userinfo");
  const path = url.pathname.replace(/\/+$/, "");
  return `${scheme}//${url.host}${path}`;
}

/** The http(s) form of a normalised base, for Pulsar's admin REST API on the same service. */
export function httpBaseOf(base: string): string {
  return base.replace(/^ws(s?):/, "http$1:");
}

export function buildSessionUrl(opts: SessionUrlOptions): string {
  const { topic } = opts;
  const enc = encodeURIComponent;
  const segments = opts.cluster
    ? ["ws", opts.role, topic.domain, enc(topic.tenant), enc(opts.cluster), enc(topic.namespace), enc(topic.local)]
    : ["ws", "v2", opts.role, topic.domain, enc(topic.tenant), enc(topic.namespace), enc(topic.local)];
  if (opts.role === "consumer") {
    if (!opts.subscription) throw configError("subscription-missing");
    segments.push(enc(opts.subscription));
  }
  return `${opts.base}/${segments.join("/")}${buildQuery(opts.query)}`;
}

/** Leaves out undefined, null and empty values: "empty" in the editor means "server default". */
export function buildQuery(params: Record<string, QueryValue> | undefined): string {
  if (!params) return "";
  const pairs: string[] = [];
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === null || value === "") continue;
    pairs.push(`${encodeURIComponent(key)}=${encodeURIComponent(String(value))}`);
  }
  return pairs.length ? `?${pairs.join("&")}` : "";
}

/** For logs and errors: a URL never shows a token, even when the user chose the query form. */
export function redactUrl(url: string): string {
  return url.replace(/([?&]token=)[^&#]*/gi, "$1***").replace(/\/\/[^/@]*@/, "//***@");
}

/**
 * A session URL for a log line, after the reason: redacted, without its query (the options are
 * in the node's config) and cut in the middle past `max` characters, so a collapsed debug-sidebar
 * entry still shows what went wrong.
 */
export function shortUrl(url: string, max = 100): string {
  const safe = redactUrl(url);
  const q = safe.indexOf("?");
  const bare = q < 0 ? safe : `${safe.slice(0, q)}?…`;
  if (bare.length <= max) return bare;
  const keep = Math.floor((max - 1) / 2);
  return `${bare.slice(0, keep)}…${bare.slice(bare.length - keep)}`;
}
