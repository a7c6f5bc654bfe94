/**
 * Pulsar's admin REST API (v2, `/admin/v2/…`) as typed operations, over the one HTTP client
 * (`adminCaller` in admin-client.ts). Used by pulsar-in (seek, deleteSubscription, pattern discovery,
 * a reader's start at a time) and by the pulsar-admin node. Every refusal is a PulsarError
 * `admin-http` with Pulsar's HTTP status and its `reason`; network failures are
 * `admin-unreachable` / `admin-timeout`, no token to send `admin-token`. Never the token.
 *
 * Partitioned topics: Pulsar answers most calls on the base name for all partitions (stats need
 * `partitioned-stats`, create and delete the `/partitions` form), so `partitionsOf` is asked
 * first where the form differs.
 */
import { PulsarError } from "../protocol/errors";
import { decodeMessageId, encodeMessageId } from "../protocol/message-id";
import type { Position } from "../protocol/positions";
import type { TopicName } from "../protocol/topics";
import { PrepareFailure } from "../session/socket";
import { adminCaller, adminPath, namespaceTopicsPath, reasonOf, type AdminAnswer, type AdminCall, type AdminRequest, type AdminTarget, type HttpMethod } from "./admin-client";

/** Long.MAX_VALUE: Pulsar's `MessageId.latest` has it as ledger and entry. JSON text, not a JS number. */
const LATEST_ID_JSON = '{"ledgerId":9223372036854775807,"entryId":9223372036854775807,"partitionIndex":-1}';
const MAX_PEEK = 100;
/**
 * The most partitions a topic may have here. Pulsar's own limit (maxNumPartitionsPerPartitionedTopic)
 * is 0 = unlimited by default, but a count beyond this is a broken or hostile answer: callers build
 * one name (and one session) per partition.
 */
export const MAX_PARTITIONS = 10_000;
/** What Pulsar answers to examinemessage past the oldest message (4.2: 500 "Incorrect parameter input") or on an empty topic. */
export const EXAMINE_END_STATUSES = [404, 412, 500];
/** What Pulsar answers to a subscription peek past the end of the backlog ("Message not found"). */
export const PEEK_END_STATUSES = [404, 412];

export interface PeekedMessage {
  /** Pulsar's `X-Pulsar-Message-ID` header (`ledger:entry[:partition…]`). */
  messageId?: string;
  publishTime?: string;
  key?: string;
  properties: Record<string, string>;
  /** The payload, as UTF-8 text. */
  payload: string;
}

export class PulsarAdmin {
  private readonly call: AdminCall;
  private readonly host: string;

  constructor(target: AdminTarget, call?: AdminCall) {
    this.call = call ?? adminCaller(target);
    this.host = new URL(target.httpBase).host;
  }

  /** `/admin/v2/persistent/t/ns/x` (a v1 name with a cluster: `/admin/persistent/t/c/ns/x`). */
  static topicPath(topic: TopicName): string {
    const parts = topic.full.replace(/^[a-z-]+:\/\//, "").split("/");
    const [tenant, namespace, topicName] = [["tenant", topic.tenant], ["namespace", topic.namespace], ["topic", topic.local]] as const;
    if (parts.length === 4) return adminPath("admin", ["domain", topic.domain], tenant, ["cluster", parts[1]], namespace, topicName);
    return adminPath("admin", "v2", ["domain", topic.domain], tenant, namespace, topicName);
  }

  /** One call; any status outside 2xx becomes a PulsarError naming it and Pulsar's reason. */
  async request(method: HttpMethod, path: string, what: string, body?: unknown): Promise<AdminAnswer> {
    let answer: AdminAnswer;
    const req: AdminRequest = { method, path, body };
    try {
      answer = await this.call(req);
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      // No token to send (OAuth2 issuer refused or unreachable, ${ENV} empty, token file unreadable): nothing went to Pulsar.
      if (err instanceof PrepareFailure) throw new PulsarError("auth", "admin-token", { host: this.host, what, reason: err.message });
      if (e?.code === "ETIMEDOUT_ADMIN") throw new PulsarError("timeout", "admin-timeout", { host: this.host, what });
      throw new PulsarError("connection", "admin-unreachable", { host: this.host, what, reason: e?.code || (e instanceof Error ? e.message : String(err)) });
    }
    if (answer.status < 200 || answer.status > 299) {
      const reason = reasonOf(answer.body) || httpReason(answer.status);
      const errorClass = answer.status === 401 || answer.status === 403 ? "auth" : answer.status >= 500 ? "server" : "input";
      throw new PulsarError(errorClass, "admin-http", { status: answer.status, reason, what, method });
    }
    return answer;
  }

  /** The answer's JSON, or null for an empty body (204). */
  async json(method: HttpMethod, path: string, what: string, body?: unknown): Promise<unknown> {
    const answer = await this.request(method, path, what, body);
    if (answer.body.trim() === "") return null;
    try {
      return JSON.parse(answer.body) as unknown;
    } catch {
      throw new PulsarError("server", "admin-not-json", { what, status: answer.status });
    }
  }

  /**
   * A topic's registered schema as Pulsar answers it (`type`, `data`, `properties`, `version`):
   * the newest, or `version`; null when the topic has none (404). Partitions share their topic's schema.
   */
  async schemaOf(topic: TopicName, version?: number): Promise<unknown> {
    const local = topic.local.replace(/-partition-\d+$/, "");
    const path = adminPath("admin", "v2", "schemas", ["tenant", topic.tenant], ["namespace", topic.namespace], ["topic", local], "schema") + (version === undefined ? "" : adminPath(["version", String(version)]));
    try {
      return await this.json("GET", path, topic.full);
    } catch (err) {
      if (err instanceof PulsarError && err.details.status === 404) return null;
      throw err;
    }
  }

  /**
   * 0 for a non-partitioned topic (also for one that does not exist yet). Anything but a whole
   * number from 0 to MAX_PARTITIONS is a bad answer (`admin-partitions`), never a loop of millions.
   */
  async partitionsOf(topic: TopicName): Promise<number> {
    const answer = (await this.json("GET", `${PulsarAdmin.topicPath(topic)}/partitions`, topic.full)) as { partitions?: unknown } | null;
    const n = answer?.partitions;
    if (typeof n !== "number" || !Number.isInteger(n) || n < 0 || n > MAX_PARTITIONS) {
      throw new PulsarError("server", "admin-partitions", { what: topic.full, value: String(n).slice(0, 40), max: MAX_PARTITIONS });
    }
    return n;
  }

  async stats(topic: TopicName): Promise<unknown> {
    const partitioned = (await this.partitionsOf(topic)) > 0;
    return this.json("GET", `${PulsarAdmin.topicPath(topic)}/${partitioned ? "partitioned-stats" : "stats"}`, topic.full);
  }

  /** Pulsar's list for the namespace (partitions listed one by one, as Pulsar does). */
  async listTopics(tenant: string, namespace: string, domain = "persistent"): Promise<string[]> {
    const list = await this.json("GET", namespaceTopicsPath(domain, tenant, namespace), `${tenant}/${namespace}`);
    return Array.isArray(list) ? list.filter((t): t is string => typeof t === "string") : [];
  }

  async listPartitionedTopics(tenant: string, namespace: string, domain = "persistent"): Promise<string[]> {
    const list = await this.json("GET", `${namespaceTopicsPath(domain, tenant, namespace)}/partitioned`, `${tenant}/${namespace}`);
    return Array.isArray(list) ? list.filter((t): t is string => typeof t === "string") : [];
  }

  /** partitions ≥ 1 creates a partitioned topic. */
  async createTopic(topic: TopicName, partitions = 0): Promise<null> {
    if (partitions >= 1) await this.request("PUT", `${PulsarAdmin.topicPath(topic)}/partitions`, topic.full, String(partitions));
    else await this.request("PUT", PulsarAdmin.topicPath(topic), topic.full);
    return null;
  }

  async deleteTopic(topic: TopicName): Promise<null> {
    const partitioned = (await this.partitionsOf(topic)) > 0;
    await this.request("DELETE", `${PulsarAdmin.topicPath(topic)}${partitioned ? "/partitions" : ""}`, topic.full);
    return null;
  }

  async listSubscriptions(topic: TopicName): Promise<string[]> {
    const list = await this.json("GET", `${PulsarAdmin.topicPath(topic)}/subscriptions`, topic.full);
    return Array.isArray(list) ? list.filter((s): s is string => typeof s === "string") : [];
  }

  private subscriptionPath(topic: TopicName, subscription: string): string {
    return PulsarAdmin.topicPath(topic) + adminPath("subscription", ["subscription", subscription]);
  }

  /**
   * Moves a subscription. A time: Pulsar's reset-cursor by timestamp (the first message published
   * at or after it; before all retained messages = the oldest). Earliest: the time 0. Latest:
   * Pulsar's `MessageId.latest`. A message id: that message is the next one delivered. Pulsar
   * disconnects the subscription's consumers to do it; the WebSocket sessions stay open.
   */
  async resetCursor(topic: TopicName, subscription: string, position: Position): Promise<null> {
    const path = `${this.subscriptionPath(topic, subscription)}/resetcursor`;
    const what = `${topic.full} / ${subscription}`;
    if (position.kind === "time") await this.request("POST", path + adminPath(["position", String(position.ms)]), what);
    else if (position.kind === "earliest") await this.request("POST", `${path}/0`, what);
    else if (position.kind === "latest") await this.request("POST", path, what, LATEST_ID_JSON);
    else {
      const parts = decodeMessageId(position.id);
      if (!parts) throw new PulsarError("input", "position-invalid", { value: position.id });
      await this.request("POST", path, what, `{"ledgerId":${parts.ledgerId},"entryId":${parts.entryId},"partitionIndex":${parts.partition}}`);
    }
    return null;
  }

  async skipAll(topic: TopicName, subscription: string): Promise<null> {
    await this.request("POST", `${this.subscriptionPath(topic, subscription)}/skip_all`, `${topic.full} / ${subscription}`);
    return null;
  }

  /** Deletes a durable subscription; Pulsar refuses (412) while other consumers are connected. */
  async deleteSubscription(topic: TopicName, subscription: string): Promise<null> {
    await this.request("DELETE", this.subscriptionPath(topic, subscription), `${topic.full} / ${subscription}`);
    return null;
  }

  /** Terminates the topic (no more producing); Pulsar answers with the last message id. */
  async terminate(topic: TopicName): Promise<unknown> {
    const partitioned = (await this.partitionsOf(topic)) > 0;
    return this.json("POST", `${PulsarAdmin.topicPath(topic)}/terminate${partitioned ? "/partitions" : ""}`, topic.full);
  }

  /** The first `count` messages of a subscription's backlog, without moving it. */
  async peek(topic: TopicName, subscription: string, count = 1): Promise<PeekedMessage[]> {
    return (await this.peekAnswers(topic, subscription, count)).map(peeked);
  }

  /** Pulsar's answers to a peek (payload bytes, X-Pulsar-* headers): read with `peeked` / `peekedBytes`. */
  async peekAnswers(topic: TopicName, subscription: string, count = 1): Promise<AdminAnswer[]> {
    return this.answersUpTo(count, (i) => this.peekAt(topic, subscription, i));
  }

  /**
   * The newest `count` messages of a (non-partitioned) topic, newest first, without a
   * subscription: Pulsar's examinemessage from the latest position. Pulsar refuses it on a
   * partitioned topic (ask each partition).
   */
  async examineNewest(topic: TopicName, count = 1): Promise<AdminAnswer[]> {
    // Past the oldest message Pulsar 4.2 answers 500 ("Incorrect parameter input"): fewer than asked.
    return this.answersUpTo(count, (i) => this.examineAt(topic, i), EXAMINE_END_STATUSES);
  }

  /** Pulsar's answer for the message at `position` (1 = the next) of a subscription's backlog. */
  async peekAt(topic: TopicName, subscription: string, position: number): Promise<AdminAnswer> {
    return this.request("GET", this.subscriptionPath(topic, subscription) + adminPath("position", ["count", String(position)]), `${topic.full} / ${subscription}`);
  }

  /** Pulsar's answer for the message at `position` (1 = the newest) of a non-partitioned topic. */
  async examineAt(topic: TopicName, position: number): Promise<AdminAnswer> {
    return this.request("GET", `${PulsarAdmin.topicPath(topic)}/examinemessage?initialPosition=latest&messagePosition=${position}`, topic.full);
  }

  /** Up to `count` answers; one of `endStatuses` after the first means "no more messages" (fewer than asked). */
  private async answersUpTo(count: number, get: (position: number) => Promise<AdminAnswer>, endStatuses = PEEK_END_STATUSES): Promise<AdminAnswer[]> {
    const n = Math.min(Math.max(1, Math.floor(count)), MAX_PEEK);
    const out: AdminAnswer[] = [];
    for (let i = 1; i <= n; i++) {
      try {
        out.push(await get(i));
      } catch (err) {
        // Past the end of the backlog Pulsar answers 404 "Message not found": fewer than asked.
        if (i > 1 && err instanceof PulsarError && endStatuses.includes(Number(err.details.status))) break;
        throw err;
      }
    }
    return out;
  }

  /**
   * A reader start at a time: Pulsar gives the id of the first message published at or after
   * `ms` (or the next position, when there is none). The reader's start is exclusive, so the id
   * returned is the entry before it in the same ledger.
   */
  async readerStartAt(topic: TopicName, ms: number): Promise<string> {
    const answer = (await this.json("GET", PulsarAdmin.topicPath(topic) + adminPath("messageid", ["time", String(ms)]), topic.full)) as { ledgerId?: unknown; entryId?: unknown; partitionIndex?: unknown } | null;
    const ledger = answer?.ledgerId;
    const entry = answer?.entryId;
    if (typeof ledger !== "number" || typeof entry !== "number") throw new PulsarError("server", "admin-not-json", { what: topic.full, status: 200 });
    const partition = typeof answer?.partitionIndex === "number" ? answer.partitionIndex : -1;
    return encodeMessageId(ledger, entry - 1, partition);
  }
}

function header(answer: AdminAnswer, name: string): string | undefined {
  const v = answer.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

/** A peeked message with its payload as Pulsar stored it (bytes, not text), and its event time. */
export interface PeekedBytes extends Omit<PeekedMessage, "payload"> {
  payload: Buffer;
  eventTime?: string;
}

/** Pulsar answers a peek with the payload as body and the metadata in X-Pulsar-* headers. */
export function peekedBytes(answer: AdminAnswer): PeekedBytes {
  const out: PeekedBytes = { ...peeked(answer), payload: answer.bytes };
  const eventTime = header(answer, "X-Pulsar-event-time");
  if (eventTime) out.eventTime = eventTime;
  return out;
}

/** Pulsar answers a peek with the payload as body and the metadata in X-Pulsar-* headers. */
export function peeked(answer: AdminAnswer): PeekedMessage {
  let properties: Record<string, string> = {};
  const json = header(answer, "X-Pulsar-PROPERTY");
  if (json) {
    try {
      const parsed = JSON.parse(json) as unknown;
      if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) properties = Object.fromEntries(Object.entries(parsed).map(([k, v]) => [k, String(v)]));
    } catch {
      // An unreadable header leaves the properties empty; the payload still comes.
    }
  }
  const msg: PeekedMessage = { properties, payload: answer.bytes.toString("utf8") };
  const id = header(answer, "X-Pulsar-Message-ID");
  if (id) msg.messageId = id;
  const publishTime = header(answer, "X-Pulsar-publish-time");
  if (publishTime) msg.publishTime = publishTime;
  const key = header(answer, "X-Pulsar-partition-key");
  if (key) msg.key = header(answer, "X-Pulsar-partition-key-b64-encoded") === "true" ? Buffer.from(key, "base64").toString("utf8") : key;
  return msg;
}

const REASONS: Record<number, string> = {
  400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed",
  409: "Conflict", 412: "Precondition Failed", 429: "Too Many Requests", 500: "Internal Server Error",
  502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout",
};

function httpReason(status: number): string {
  return REASONS[status] ?? "HTTP error";
}
