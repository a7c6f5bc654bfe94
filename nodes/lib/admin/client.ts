/**
 * Pulsar's admin REST API: the one HTTP client (`adminCaller`) for everything the package asks
 * Pulsar over HTTP, and the editor's "Test connection" and topic suggestions on top of it. The
 * runtime makes the editor's calls on its behalf (editor-api.ts), so the token stays in the
 * runtime. Pure apart from `adminCaller`: the checks take any `AdminGet`, so tests run them
 * against canned answers.
 *
 * Every answer is an i18n key plus parameters (editor catalog `pulsar.admin.result.*`, or a
 * `pulsar.errors.*` key for a bad service URL), never raw server text beyond Pulsar's short
 * `reason`, and never the token.
 */
import http from "node:http";
import https from "node:https";
import { inputError, PulsarError } from "../protocol/errors";
import { oneLine, scrubSecretsInText } from "../protocol/secrets";
import { PrepareFailure } from "../session/socket";
import { matchPattern, type TopicPattern } from "../protocol/topic-list";
import { parseTopic, type TopicDefaults } from "../protocol/topics";
import { buildSessionUrl } from "../protocol/urls";
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
  /** Asked on every call instead of `token` (OAuth2, a token file): see connection.ts. */
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

/** GET `path` (starting with /) below the target's base. Rejects only on network errors. */
export type AdminGet = (path: string) => Promise<HttpAnswer>;

export type Params = Record<string, string | number>;

/** error: the connection will not work as set; warn: it may, with a caveat; ok: checked. */
export type Level = "ok" | "warn" | "error";

export interface AdminLine {
  level: Level;
  key: string;
  params?: Params;
}

export interface TestResult {
  ok: boolean;
  lines: AdminLine[];
}

export interface LookupResult {
  ok: boolean;
  items: string[];
  /** Set when nothing could be listed: why. */
  error?: AdminLine;
}

const DEFAULT_TIMEOUT_MS = 10000;
/** Admin answers are short lists; anything bigger is not what we asked for. */
const MAX_BODY_BYTES = 4 * 1024 * 1024;
const MAX_REASON_CHARS = 200;
/** The editor shows a menu, not a catalogue. */
export const MAX_ITEMS = 500;
const PROBE_TOPIC = "__pulsar_ws_probe";
const R = "pulsar.admin.result.";

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

export function httpGetter(target: AdminTarget): AdminGet {
  const call = adminCaller(target);
  return (path) => call({ method: "GET", path }).then(({ status, body }) => ({ status, body }));
}

/** Pulsar's JSON error body carries a `reason`; HTML error pages and the like give nothing. */
export function reasonOf(body: string): string {
  try {
    const parsed = JSON.parse(body) as { reason?: unknown; message?: unknown } | null;
    const reason = parsed && typeof parsed === "object" ? (parsed.reason ?? parsed.message) : undefined;
    // A reason goes into log lines and statuses: no control characters from the server.
    return typeof reason === "string" ? oneLine(reason.slice(0, MAX_REASON_CHARS)) : "";
  } catch {
    return "";
  }
}

function isJsonArray(body: string): unknown[] | undefined {
  try {
    const parsed: unknown = JSON.parse(body);
    return Array.isArray(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

const TLS_CODES = /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|HOSTNAME|ALTNAME|EPROTO/;

/** A network failure as a line the user can act on. */
export function networkFailure(err: unknown, httpBase: string): AdminLine {
  const e = err as NodeJS.ErrnoException & { status?: number };
  const host = new URL(httpBase).host;
  if (err instanceof PrepareFailure) return { level: "error", key: R + "auth-source", params: { reason: err.message } };
  // A name refused before anything was sent (adminPath).
  if (err instanceof PulsarError) return { level: "error", key: `pulsar.errors.${err.code}`, params: err.details as Params };
  const code = typeof e?.code === "string" ? e.code : "";
  if (code === "EPROXY") return { level: "error", key: R + "proxy-refused", params: { host, status: e.status ?? 0, reason: e.message } };
  if (code === "ETIMEDOUT_ADMIN") return { level: "error", key: R + "timeout", params: { host } };
  const reason = code || (e instanceof Error ? e.message : String(err));
  if (TLS_CODES.test(code) || /certificate|ssl|tls/i.test(e?.message ?? "")) return { level: "error", key: R + "tls", params: { host, reason } };
  return { level: "error", key: R + "unreachable", params: { host, reason } };
}

/** An HTTP failure of an admin call, as a line. `what` names what was asked for (a namespace, a tenant). */
export function httpFailure(answer: HttpAnswer, what: string, hasToken: boolean): AdminLine {
  const params = { status: answer.status, what, reason: reasonOf(answer.body) };
  if (answer.status === 401) return { level: "error", key: R + (hasToken ? "unauthorized" : "unauthorized-no-token"), params };
  if (answer.status === 403) return { level: "error", key: R + "forbidden", params };
  // Pulsar's own 404s carry a JSON reason ("Namespace does not exist"); anything else is not Pulsar.
  if (answer.status === 404) return { level: "error", key: R + (params.reason ? "not-found" : "not-pulsar"), params };
  return { level: "error", key: R + "http-error", params };
}

/** Path of a producer session for a harmless probe: a plain GET (no upgrade) creates nothing. */
export function webSocketProbePath(defaults: TopicDefaults, cluster?: string): string {
  const topic = parseTopic(`persistent://${defaults.tenant}/${defaults.namespace}/${PROBE_TOPIC}`, defaults);
  return buildSessionUrl({ base: "", role: "producer", topic, cluster });
}

/** `/admin/v2/{domain}/{tenant}/{namespace}`: the namespace's topic list. */
export function namespaceTopicsPath(domain: string, tenant: string, namespace: string): string {
  return adminPath("admin", "v2", ["domain", domain], ["tenant", tenant], ["namespace", namespace]);
}

/**
 * Two checks. The admin API lists the topics of the default namespace: it proves the URL, the
 * TLS setup and the token (and that the namespace exists). Then a plain GET on a WebSocket
 * session path: the WebSocket servlet answers it with 405 (no upgrade), a service without the
 * WebSocket API with 404 — so this finds a disabled WebSocket service without opening a session.
 */
export async function testConnection(get: AdminGet, target: AdminTarget, defaults: TopicDefaults, cluster?: string): Promise<TestResult> {
  const namespace = `${defaults.tenant}/${defaults.namespace}`;
  const lines: AdminLine[] = [];
  let answer: HttpAnswer;
  try {
    answer = await get(namespaceTopicsPath("persistent", defaults.tenant, defaults.namespace));
  } catch (err) {
    return { ok: false, lines: [networkFailure(err, target.httpBase)] };
  }
  const topics = answer.status === 200 ? isJsonArray(answer.body) : undefined;
  if (topics) {
    lines.push({ level: "ok", key: R + "topics-ok", params: { namespace, count: topics.length } });
  } else if (answer.status === 403) {
    // The token is valid; listing topics needs more rights than producing or consuming.
    lines.push({ level: "warn", key: R + "forbidden-list", params: { namespace, status: 403 } });
  } else {
    lines.push(answer.status === 200 ? { level: "error", key: R + "not-pulsar", params: { status: 200 } } : httpFailure(answer, namespace, !!(target.token || target.bearer)));
    // A wrong token or namespace already says what to fix; without Pulsar there is nothing to probe.
    return { ok: false, lines };
  }

  const probe = webSocketProbePath(defaults, cluster);
  try {
    const ws = await get(probe);
    if (ws.status === 404) lines.push({ level: "error", key: R + (cluster ? "ws-v1-missing" : "ws-missing"), params: { status: 404 } });
    else lines.push({ level: "ok", key: R + "ws-ok", params: { status: ws.status } });
  } catch (err) {
    lines.push(networkFailure(err, target.httpBase));
  }
  return { ok: lines.every((l) => l.level !== "error"), lines };
}

// ---------------------------------------------------------------------------------------------
// Topic suggestions: one directory level at a time (tenants → namespaces → topics)

export interface ParsedDir {
  /** Given when the user typed `persistent://` or `non-persistent://`. */
  domain?: "persistent" | "non-persistent";
  /** Complete path segments before the last `/`: [] top level, [tenant], [tenant, namespace]. */
  segments: string[];
}

/** `dir` is what the user typed up to and including its last `/` ("" at the top). */
export function parseDir(dir: string): ParsedDir | undefined {
  const m = /^(persistent|non-persistent):\/\/(.*)$/.exec(dir);
  const rest = m ? m[2] : dir;
  if (!m && rest.includes("://")) return undefined;
  if (rest !== "" && !rest.endsWith("/")) return undefined;
  const segments = rest === "" ? [] : rest.slice(0, -1).split("/");
  if (segments.length > 2 || segments.some((s) => s === "")) return undefined;
  return { domain: m ? (m[1] as ParsedDir["domain"]) : undefined, segments };
}

/** Topic names of one namespace and domain: partitioned topics once, not each partition. */
export async function listTopics(get: AdminGet, tenant: string, namespace: string, domain: string): Promise<{ names?: string[]; failure?: HttpAnswer }> {
  const base = namespaceTopicsPath(domain, tenant, namespace);
  const [all, partitioned] = await Promise.all([get(base), get(`${base}/partitioned`)]);
  const topics = all.status === 200 ? isJsonArray(all.body) : undefined;
  if (!topics) return { failure: all };
  const parents = (partitioned.status === 200 ? isJsonArray(partitioned.body) ?? [] : []).filter((t): t is string => typeof t === "string");
  const names = new Set<string>(parents);
  for (const t of topics) {
    if (typeof t !== "string") continue;
    const parent = t.replace(/-partition-\d+$/, "");
    names.add(parent !== t && names.has(parent) ? parent : t);
  }
  return { names: [...names].sort() };
}

async function listStrings(get: AdminGet, path: string): Promise<{ items?: string[]; failure?: HttpAnswer }> {
  const answer = await get(path);
  const list = answer.status === 200 ? isJsonArray(answer.body) : undefined;
  return list ? { items: list.filter((s): s is string => typeof s === "string").sort() } : { failure: answer };
}

/** Every completion below `dir`, each starting with `dir`; the editor filters by what follows. */
export async function lookup(get: AdminGet, target: AdminTarget, dir: string, defaults: TopicDefaults): Promise<LookupResult> {
  const parsed = parseDir(dir);
  if (!parsed) return { ok: true, items: [] };
  const prefix = parsed.domain ? `${parsed.domain}://` : "";
  const hasToken = !!(target.token || target.bearer);
  try {
    if (parsed.segments.length === 0) {
      const items: string[] = [];
      // Short names resolve to persistent topics of the default namespace.
      if (!parsed.domain) {
        const short = await listTopics(get, defaults.tenant, defaults.namespace, "persistent");
        for (const name of short.names ?? []) items.push(name.slice(name.lastIndexOf("/") + 1));
      }
      const tenants = await listStrings(get, adminPath("admin", "v2", "tenants"));
      // Listing tenants needs a super-user; others still get their default tenant to descend into.
      if (tenants.failure && tenants.failure.status !== 401 && tenants.failure.status !== 403) {
        if (items.length === 0) return { ok: false, items: [], error: httpFailure(tenants.failure, "tenants", hasToken) };
      }
      for (const tenant of tenants.items ?? [defaults.tenant]) items.push(`${prefix}${tenant}/`);
      return { ok: true, items: items.slice(0, MAX_ITEMS) };
    }
    if (parsed.segments.length === 1) {
      const [tenant] = parsed.segments;
      const namespaces = await listStrings(get, adminPath("admin", "v2", "namespaces", ["tenant", tenant]));
      if (namespaces.failure) {
        const forbidden = namespaces.failure.status === 401 || namespaces.failure.status === 403;
        if (forbidden && tenant === defaults.tenant) return { ok: true, items: [`${prefix}${tenant}/${defaults.namespace}/`] };
        return { ok: false, items: [], error: httpFailure(namespaces.failure, tenant, hasToken) };
      }
      // Pulsar lists namespaces as "tenant/namespace".
      return { ok: true, items: namespaces.items!.map((ns) => `${prefix}${ns}/`).slice(0, MAX_ITEMS) };
    }
    const [tenant, namespace] = parsed.segments;
    const topics = await listTopics(get, tenant, namespace, parsed.domain ?? "persistent");
    if (!topics.names) return { ok: false, items: [], error: httpFailure(topics.failure!, `${tenant}/${namespace}`, hasToken) };
    // Without a domain the user is typing a short form, which means persistent.
    const items = topics.names.map((full) => (parsed.domain ? full : full.replace(/^persistent:\/\//, "")));
    return { ok: true, items: items.slice(0, MAX_ITEMS) };
  } catch (err) {
    return { ok: false, items: [], error: networkFailure(err, target.httpBase) };
  }
}

// ---------------------------------------------------------------------------------------------
// Pattern preview: which existing topics a pulsar-in topicPattern matches today

export interface PatternPreview {
  ok: boolean;
  /** Full names matched, sorted (at most MAX_ITEMS). */
  items: string[];
  /** How many matched in all (items may be cut). */
  count: number;
  namespace?: string;
  error?: AdminLine;
}

/** Lists the pattern's namespace as pulsar-in's discovery does and matches it. */
export async function previewPattern(get: AdminGet, target: AdminTarget, pattern: TopicPattern): Promise<PatternPreview> {
  const namespace = `${pattern.tenant}/${pattern.namespace}`;
  try {
    const base = namespaceTopicsPath(pattern.domain, pattern.tenant, pattern.namespace);
    const [all, partitioned] = await Promise.all([get(base), get(`${base}/partitioned`)]);
    const listed = all.status === 200 ? isJsonArray(all.body) : undefined;
    if (!listed) return { ok: false, items: [], count: 0, namespace, error: httpFailure(all, namespace, !!(target.token || target.bearer)) };
    const parents = partitioned.status === 200 ? isJsonArray(partitioned.body) ?? [] : [];
    const strings = (xs: unknown[]): string[] => xs.filter((x): x is string => typeof x === "string");
    const matched = matchPattern(pattern, strings(listed), strings(parents));
    return { ok: true, items: matched.slice(0, MAX_ITEMS), count: matched.length, namespace };
  } catch (err) {
    return { ok: false, items: [], count: 0, namespace, error: networkFailure(err, target.httpBase) };
  }
}
