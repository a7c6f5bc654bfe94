/**
 * Pulsar's admin REST API: the one HTTP client (`adminCaller`) for everything the package asks
 * Pulsar over HTTP (the editor's checks in admin-checks.ts, pulsar-in's seek, deleteSubscription
 * and pattern discovery, pulsar-admin through admin-operations.ts), and the one place names
 * enter an admin path (`adminPath`). No Node-RED: the runtime makes the editor's calls on its
 * behalf (editor-api.ts), so the token stays in the runtime.
 *
 * Error answers never carry the token back (`withoutToken`); Pulsar's short `reason` is all of a
 * server's text that goes on (`reasonOf`).
 */
import http from "node:http";
import https from "node:https";
import { inputError } from "../protocol/errors";
import { oneLine, scrubSecretsInText } from "../protocol/secrets";
import type { TlsOptions } from "../session/socket";

export interface AdminTarget {
  /** http(s) base with any path prefix, no trailing slash. */
  httpBase: string;
  /**
   * Several bases (the service URL list): tried in this order while the network fails. A function
   * is asked on every call (an endpoint's list starts with the base in use).
   */
  httpBases?: readonly string[] | (() => readonly string[]);
  token?: string;
  /** Asked on every call instead of `token` (OAuth2, a token file): see endpoint-connection.ts. */
  bearer?: () => Promise<string | undefined>;
  /** Pulsar answered 401 to this token: the next `bearer` gets a new one when it can. */
  refused?: (token: string | undefined) => void;
  /** A base answered: later calls and sessions start there. */
  worked?: (httpBase: string) => void;
  /** The agent for a URL (the proxy tunnel), or undefined to connect directly. */
  agentFor?: (url: string) => http.Agent | undefined;
  tls?: TlsOptions;
  timeoutMs?: number;
}

export interface HttpAnswer {
  status: number;
  body: string;
}

const DEFAULT_TIMEOUT_MS = 10000;
/** Admin answers are short lists; anything bigger is not what we asked for. */
const MAX_BODY_BYTES = 4 * 1024 * 1024;
const MAX_REASON_CHARS = 200;
export type HttpMethod = "GET" | "PUT" | "POST" | "DELETE";

/** A name from a config, a msg or the editor, with the field it came from (for the error). */
export type PathName = readonly [field: string, value: string];

// "." and ".." survive encoding (and so do %2e forms for a URL parser): they would move the path
// to another endpoint of the admin API, called with the endpoint's token.
const DOT_SEGMENT = /^\.\.?$/;
// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const API_WORD = /^[\w-]+$/;

/**
 * The path of an admin call: the API's own words as strings, every name as `[field, value]`.
 * The one place names enter an admin URL: each must be exactly one path segment (not empty,
 * not `.` or `..`, no `/`, no control characters) and is percent-encoded; anything else is a
 * PulsarError `admin-name-invalid` naming the field, and nothing is sent.
 */
export function adminPath(...parts: (string | PathName)[]): string {
  return parts.map((part) => "/" + (typeof part === "string" ? apiWord(part) : pathName(part))).join("");
}

function apiWord(word: string): string {
  if (!API_WORD.test(word)) throw new Error(`not an admin API path word: ${JSON.stringify(word)}`);
  return word;
}

function pathName([field, value]: PathName): string {
  if (typeof value !== "string" || value === "" || DOT_SEGMENT.test(value) || value.includes("/") || CONTROL_CHARS.test(value) || LONE_SURROGATE.test(value)) {
    throw inputError("admin-name-invalid", { field, value: JSON.stringify(String(value)).slice(0, 120) });
  }
  return encodeURIComponent(value);
}

export interface AdminRequest {
  method: HttpMethod;
  /** Starting with /, below the target's base; every name in it already URL-encoded. */
  path: string;
  /** Sent as JSON (`application/json`). A string is sent as it is (JSON text built by the caller). */
  body?: unknown;
}

export interface AdminAnswer extends HttpAnswer {
  headers: Record<string, string | string[] | undefined>;
  /** The raw bytes (peek answers with a message's payload, not JSON). */
  bytes: Buffer;
}

/** One admin REST call. Rejects only on network errors and timeouts; any HTTP status resolves. */
export type AdminCall = (req: AdminRequest) => Promise<AdminAnswer>;

/** Errors that say the request never reached a server: a call that changes something may go to the next base. */
const NOT_SENT = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH", "EADDRNOTAVAIL", "EPROXY"]);

function neverSent(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException)?.code;
  return typeof code === "string" && NOT_SENT.has(code);
}

/**
 * The one HTTP client of the package: the endpoint's admin REST API with its token, TLS, proxy
 * and service URL list, bounded in time and answer size. The editor's checks, pulsar-in's seek /
 * deleteSubscription / pattern discovery and the pulsar-admin node all go through it.
 *
 * A network failure moves on to the next base (failover, as the sessions do): for a GET on any
 * network error, for a call that changes something only when the request cannot have reached
 * Pulsar (refused, unknown host, the proxy refused the tunnel), so it is never applied twice.
 * A 401 to a renewable token (`bearer`) is retried once with a new one.
 */
export function adminCaller(target: AdminTarget): AdminCall {
  return async (request) => {
    const listed = typeof target.httpBases === "function" ? target.httpBases() : target.httpBases;
    const bases = listed?.length ? listed : [target.httpBase];
    let lastError: unknown;
    const sent = new Set<string>();
    for (const base of bases) {
      const token = target.bearer ? await target.bearer() : target.token;
      if (token) sent.add(token);
      let answer: AdminAnswer;
      try {
        answer = await callOnce(target, base + request.path, request, token);
        if (answer.status === 401 && target.bearer && target.refused) {
          target.refused(token);
          const renewed = await target.bearer();
          if (renewed) sent.add(renewed);
          if (renewed !== token) answer = await callOnce(target, base + request.path, request, renewed);
        }
      } catch (err) {
        if (request.method !== "GET" && !neverSent(err)) throw err;
        lastError = err;
        continue;
      }
      target.worked?.(base);
      return answer.status >= 200 && answer.status <= 299 ? answer : withoutToken(answer, sent);
    }
    throw lastError;
  };
}

/**
 * An error answer with every bearer this call sent replaced by `***`: a server or gateway that
 * echoes the Authorization header must not get the token into a reason, and error reasons go to
 * the editor, msgs, logs and statuses. Done here because only here is the token known, whatever
 * its origin (typed, `${ENV}`, a file, OAuth2). Success bodies are data (a peeked payload) and stay.
 */
function withoutToken(answer: AdminAnswer, sent: ReadonlySet<string>): AdminAnswer {
  const body = scrubSecretsInText(answer.body, sent);
  return body === answer.body ? answer : { ...answer, body, bytes: Buffer.from(body, "utf8") };
}

function callOnce(target: AdminTarget, href: string, request: AdminRequest, token: string | undefined): Promise<AdminAnswer> {
  const timeoutMs = target.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  return new Promise((resolve, reject) => {
    const url = new URL(href);
    const headers: Record<string, string> = { Accept: "application/json" };
    if (token) headers.Authorization = `Bearer ${token}`;
    let payload: Buffer | undefined;
    if (request.body !== undefined) {
      payload = Buffer.from(typeof request.body === "string" ? request.body : JSON.stringify(request.body), "utf8");
      headers["Content-Type"] = "application/json";
      headers["Content-Length"] = String(payload.length);
    } else if (request.method !== "GET") {
      headers["Content-Length"] = "0";
    }
    const client = url.protocol === "https:" ? https : http;
    const agent = target.agentFor?.(href);
    const options = { method: request.method, headers, timeout: timeoutMs, ...(agent ? { agent } : {}), ...(url.protocol === "https:" ? target.tls : {}) };
    const req = client.request(url, options, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on("data", (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_BODY_BYTES) req.destroy(new Error(`answer larger than ${MAX_BODY_BYTES} bytes`));
        else chunks.push(chunk);
      });
      res.on("end", () => {
        const bytes = Buffer.concat(chunks);
        resolve({ status: res.statusCode ?? 0, body: bytes.toString("utf8"), bytes, headers: res.headers });
      });
      res.on("error", reject);
    });
    const timedOut = (): void => {
      req.destroy(Object.assign(new Error("timeout"), { code: "ETIMEDOUT_ADMIN" }));
    };
    // `timeout` only measures silence; a server that drips a byte at a time would hold the call
    // (and pulsar-in's control messages queued behind it) for as long as it likes.
    const deadline = setTimeout(timedOut, timeoutMs);
    req.on("close", () => clearTimeout(deadline));
    req.on("timeout", timedOut);
    req.on("error", reject);
    req.end(payload);
  });
}

/**
 * Has `target` remember every bearer it sends in `secrets` (a token file's content, an OAuth2
 * access token), so that an answer to the editor can be scrubbed of it too.
 */
export function rememberBearers(target: AdminTarget, secrets: string[]): void {
  const bearer = target.bearer;
  if (!bearer) return;
  target.bearer = async () => {
    const token = await bearer();
    if (token) secrets.push(token);
    return token;
  };
}

/** Pulsar's JSON error body carries a `reason`; HTML error pages and the like give nothing. */
export function reasonOf(body: string): string {
  try {
    const parsed = JSON.parse(body) as { reason?: unknown; message?: unknown } | null;
    const reason = parsed && typeof parsed === "object" ? (parsed.reason ?? parsed.message) : undefined;
    // A reason goes into log lines and statuses: no control characters from the server, and not
    // the Java stack trace Pulsar appends to an unexpected error ("… Stacktrace: org.apache…").
    return typeof reason === "string" ? oneLine(reason.split(/\s*-*\s*Stacktrace:/)[0].slice(0, MAX_REASON_CHARS)) : "";
  } catch {
    return "";
  }
}

/** `/admin/v2/{domain}/{tenant}/{namespace}`: the namespace's topic list. */
export function namespaceTopicsPath(domain: string, tenant: string, namespace: string): string {
  return adminPath("admin", "v2", ["domain", domain], ["tenant", tenant], ["namespace", namespace]);
}
