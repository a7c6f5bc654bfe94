/**
 * What an HTTP answer to the WebSocket upgrade means and what to do next
 * (docs/pulsar-websocket.md, "Handshake status codes"). Pulsar creates the producer or subscription during the upgrade, so failures come
 * back as HTTP statuses, never as a WebSocket close.
 */

/**
 * - `none`: do not retry until redeploy (the configuration is wrong and retrying changes nothing).
 * - `slow`: retry at the slowest backoff (auth, missing topic: an operator must act first, and a
 *   storm of attempts would only load the server).
 * - `backoff`: normal exponential backoff (transient, or the way failover standby waits).
 */
export type RetryPolicy = "none" | "slow" | "backoff";

/** i18n key under `pulsar.status` for the node status text. */
export type HandshakeStatusKey =
  | "bad-request"
  | "unauthorized"
  | "forbidden"
  | "not-found"
  | "busy"
  | "schema-enforced"
  | "producer-fenced"
  | "name-in-use"
  | "too-many-requests"
  | "unavailable"
  | "server-error";

export interface HandshakeOutcome {
  status: number;
  retry: RetryPolicy;
  statusKey: HandshakeStatusKey;
  /** Red ring for errors, yellow for "waiting" states such as 409. */
  severity: "error" | "waiting";
}

/**
 * `message`: what Pulsar said (extractErrorMessage). A 409 is told apart by it: a namespace that
 * enforces schemas refuses a WebSocket producer (it declares none) with IncompatibleSchemaException,
 * which no retry fixes until an operator changes the namespace (slowest backoff, as for 401/403);
 * an exclusive producer fences the topic; a producer name is already connected; else busy.
 */
export function classifyHandshake(status: number, message = ""): HandshakeOutcome {
  if (status === 409) return classifyConflict(message);
  switch (status) {
    case 400:
      return { status, retry: "none", statusKey: "bad-request", severity: "error" };
    case 401:
      return { status, retry: "slow", statusKey: "unauthorized", severity: "error" };
    case 403:
      return { status, retry: "slow", statusKey: "forbidden", severity: "error" };
    case 404:
      return { status, retry: "slow", statusKey: "not-found", severity: "error" };
    case 409:
      return { status, retry: "backoff", statusKey: "busy", severity: "waiting" };
    case 429:
      return { status, retry: "backoff", statusKey: "too-many-requests", severity: "waiting" };
    case 503:
      return { status, retry: "backoff", statusKey: "unavailable", severity: "error" };
    default:
      return { status, retry: "backoff", statusKey: "server-error", severity: "error" };
  }
}

function classifyConflict(message: string): HandshakeOutcome {
  const status = 409;
  // Fenced and a name in use first: a topic or producer name may hold any word. Then Pulsar's own
  // wording for a schema refusal, never a bare "schema" (a topic called schema-events).
  if (/Fenced/i.test(message)) return { status, retry: "backoff", statusKey: "producer-fenced", severity: "waiting" };
  if (/IncompatibleSchema|SchemaValidationEnforced|without a schema/i.test(message)) return { status, retry: "slow", statusKey: "schema-enforced", severity: "error" };
  if (/ProducerBusy|Producer with name .* is already connected/i.test(message)) return { status, retry: "backoff", statusKey: "name-in-use", severity: "waiting" };
  return { status, retry: "backoff", statusKey: "busy", severity: "waiting" };
}

/**
 * A refusal about this topic and this client (not authenticated, not authorized, no such topic):
 * it holds until an operator acts, so a session that is only one of many for a flow (a topic
 * from msg.topic) gives up its messages and its place instead of waiting.
 */
export function refusesTopic(status: number, statusKey?: HandshakeStatusKey): boolean {
  return status === 401 || status === 403 || status === 404 || statusKey === "schema-enforced";
}

/**
 * Jetty answers with an HTML error page; the useful part is the message Pulsar passed to
 * sendError ("Failed to create producer: …"). Pull it out and bound its length for status/log.
 */
export function extractErrorMessage(body: string, max = 300): string {
  const fromJson = jsonErrorMessage(body);
  if (fromJson !== undefined) return fromJson.replace(/\s+/g, " ").trim().slice(0, max);
  const fromTitle = /<title>([^<]*)<\/title>/i.exec(body)?.[1];
  const fromMessage = /<th>MESSAGE:<\/th>\s*<td>([^<]*)<\/td>/i.exec(body)?.[1];
  const fromPre = /<pre>([^<]*)<\/pre>/i.exec(body)?.[1];
  const text = (fromMessage ?? fromPre ?? fromTitle ?? body).replace(/\s+/g, " ").trim();
  return decodeEntities(text).slice(0, max);
}

/**
 * Pulsar answers some refusals with JSON, e.g. a missing topic on 4.2 with
 * `{"errorMsg":"","reqId":…}`: its message (possibly empty) is what a user needs, not the JSON.
 */
function jsonErrorMessage(body: string): string | undefined {
  const trimmed = body.trim();
  if (!trimmed.startsWith("{")) return undefined;
  try {
    const parsed = JSON.parse(trimmed) as unknown;
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return undefined;
    const fields = parsed as Record<string, unknown>;
    for (const name of ["errorMsg", "message", "reason", "error"]) {
      if (typeof fields[name] === "string") return fields[name] as string;
    }
    return "";
  } catch {
    return undefined;
  }
}

function decodeEntities(text: string): string {
  return text
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, "&");
}
