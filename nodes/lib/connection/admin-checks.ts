/**
 * The editor's checks on Pulsar's admin REST API: "Test connection", topic suggestions and the
 * pattern preview, made by the runtime on the editor's behalf (editor-api.ts), so the token stays
 * in the runtime. Pure: the checks take any `AdminGet` (in the runtime one on `adminCaller`,
 * admin-client.ts), so tests run them against canned answers.
 *
 * Every answer is an i18n key plus parameters (editor catalog `pulsar.admin.result.*`, or a
 * `pulsar.errors.*` key for a bad service URL), never raw server text beyond Pulsar's short
 * `reason`, and never the token.
 */
import { PulsarError } from "../protocol/errors";
import { matchPattern, type TopicPattern } from "../protocol/topic-list";
import { parseTopic, type TopicDefaults } from "../protocol/topics";
import { buildSessionUrl } from "../protocol/urls";
import { PrepareFailure } from "../session/socket";
import { adminCaller, adminPath, namespaceTopicsPath, reasonOf, type AdminTarget, type HttpAnswer } from "./admin-client";
import { isTlsErrorCode } from "./endpoint-connection";

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

/** The editor shows a menu, not a catalogue. */
export const MAX_ITEMS = 500;
const PROBE_TOPIC = "__pulsar_ws_probe";
const R = "pulsar.admin.result.";

export function httpGetter(target: AdminTarget): AdminGet {
  const call = adminCaller(target);
  return (path) => call({ method: "GET", path }).then(({ status, body }) => ({ status, body }));
}

function isJsonArray(body: string): unknown[] | undefined {
  try {
    const parsed: unknown = JSON.parse(body);
    return Array.isArray(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

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
  if (isTlsErrorCode(code) || /certificate|ssl|tls/i.test(e?.message ?? "")) return { level: "error", key: R + "tls", params: { host, reason } };
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
