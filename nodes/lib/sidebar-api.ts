/**
 * The runtime side of the Pulsar sidebar (pulsar-sidebar plugin): admin HTTP routes that look at
 * Pulsar through the DEPLOYED endpoints, with their own connection and credentials. The editor
 * names an endpoint by id, never a URL or a token: the token stays in the runtime, and every
 * answer is scrubbed of it (and of whatever bearer was sent) before it leaves.
 *
 *   GET  <httpAdminRoot>/pulsar-sidebar/endpoints               deployed endpoints (id, name, namespace, host)
 *   GET  <httpAdminRoot>/pulsar-sidebar/endpoints/:id/topics    the namespace's topics with their stats
 *   POST <httpAdminRoot>/pulsar-sidebar/endpoints/:id/peek      { topic, subscription?, count, format }
 *   POST <httpAdminRoot>/pulsar-sidebar/endpoints/:id/action    { action, topic, subscription?, time?, partitions? }
 *
 * Viewing needs `pulsar-sidebar.read` (any user with "read"); peek and actions change nothing or
 * change Pulsar, and peek shows message contents, so peek needs read and actions `pulsar-sidebar.write`.
 * Bounded: one topics poll per endpoint at a time whatever the number of editors (a poll gets
 * the answer in flight, or the one given less than POLL_MS ago), polls cached only for deployed
 * endpoints and dropped once stale, at most MAX_TOPICS topics, STATS_PARALLEL stats calls at a time;
 * a peek as sidebar-peek.ts bounds it. Peek and actions reach only the endpoint's default
 * tenant/namespace, the one the sidebar lists: a read-only user reads no other namespace the
 * endpoint's token can. Every name goes into a path through adminPath (admin-operations.ts).
 * A Pulsar that does not answer is an answer too: `{ ok: false, error }`, the error translated.
 */
import type { NodeAPI, NodeDef } from "node-red";
import type { Request, Response } from "express";
import type { EndpointNode } from "./endpoint-types";
import { translator } from "./i18n";
import { jsonOnly } from "./editor-api";
import { PulsarAdmin, type PeekedBytes } from "./connection/admin-operations";
import { rememberBearers, type AdminTarget } from "./connection/admin-client";
import { asPulsarError, inputError } from "./protocol/errors";
import { scrubSecrets } from "./protocol/secrets";
import { parseTopic, checkSubscriptionName, type TopicName } from "./protocol/topics";
import { parseTopicList } from "./protocol/topic-list";
import { groupTopics, topicView, type LocalConsumer, type TopicView } from "./protocol/topic-stats";
import { PAYLOAD_FORMATS, toConsumedMsg, type ConsumedMsg, type PayloadFormat } from "./protocol/consume";
import type { ConsumerMessageFrame } from "./protocol/server-frames";
import { SchemaRegistry } from "./schema-registry";
import { SchemaIn } from "./schema-glue";
import { peekMessages, PEEK_MAX_PARTITIONS, PEEK_PAYLOAD_BYTES } from "./sidebar-peek";

/** Least time between two topic polls of one endpoint (all editors together). */
export const POLL_MS = 3000;
/** Topics shown per namespace; the answer says how many more there are. */
export const MAX_TOPICS = 100;
const STATS_PARALLEL = 4;
const MAX_PEEK_COUNT = 20;
/** A peek still working after this is abandoned (the editor has given up on it by then). */
const PEEK_DEADLINE_MS = 30_000;
/** A reset-cursor time may be up to this far in the future (clocks differ; beyond it is a typo). */
const RESET_AHEAD_MS = 24 * 3600 * 1000;

type Format = PayloadFormat | "schema";
const ACTIONS = ["skip-all", "reset-cursor", "create-topic", "delete-topic"] as const;
type Action = (typeof ACTIONS)[number];

interface PulsarInDef extends NodeDef {
  endpoint?: string;
  topic?: string;
  topicPattern?: string;
  mode?: string;
  subscription?: string;
  consumerName?: string;
  d?: boolean;
}

interface TopicsAnswer {
  ok: boolean;
  at: number;
  namespace: string;
  topics: TopicView[];
  more: number;
  error?: string;
}

/** The admin client of a deployed endpoint, with every bearer it sends remembered (to scrub answers). */
interface Session {
  endpoint: EndpointNode;
  admin: PulsarAdmin;
  secrets: string[];
}

function text(value: unknown): string {
  return typeof value === "string" ? value.trim() : "";
}

export function registerSidebarApi(RED: NodeAPI): void {
  const t = translator(RED);
  const canRead = RED.auth.needsPermission("pulsar-sidebar.read");
  const canWrite = RED.auth.needsPermission("pulsar-sidebar.write");
  /** The last topics poll per deployed endpoint: answered again while in flight and for POLL_MS after it settled. */
  const polls = new Map<string, { settled?: number; answer: Promise<TopicsAnswer> }>();

  function deployedEndpoint(id: string): EndpointNode {
    const node = id ? (RED.nodes.getNode(id) as EndpointNode | null) : null;
    if (!node || node.type !== "pulsar-ws-endpoint") throw inputError("sidebar-no-endpoint");
    return node;
  }

  function session(id: string): Session {
    const endpoint = deployedEndpoint(id);
    const target: AdminTarget = { ...endpoint.adminTarget() };
    const secrets = [endpoint.settings?.token, endpoint.credentials?.token, endpoint.credentials?.oauth2ClientSecret].filter((s): s is string => !!s);
    if (target.token) secrets.push(target.token);
    rememberBearers(target, secrets);
    return { endpoint, admin: new PulsarAdmin(target), secrets };
  }

  /** Peek and actions stay in the namespace the sidebar lists (the endpoint's default one). */
  function inScope(s: Session, topic: TopicName): TopicName {
    const { tenant, namespace } = s.endpoint.settings!.defaults;
    if (topic.tenant !== tenant || topic.namespace !== namespace) throw inputError("sidebar-namespace", { topic: topic.full.slice(0, 200), namespace: `${tenant}/${namespace}` });
    return topic;
  }

  function errorText(err: unknown): string {
    const e = asPulsarError(err, "connection");
    return t(`pulsar.errors.${e.code}`, e.details);
  }

  /** The deployed pulsar-in nodes on this endpoint that consume subscriptions (readers hold none). */
  function localConsumers(endpoint: EndpointNode): LocalConsumer[] {
    const out: LocalConsumer[] = [];
    const defaults = endpoint.settings?.defaults;
    if (!defaults) return out;
    RED.nodes.eachNode((def: NodeDef) => {
      const n = def as PulsarInDef;
      if (n.type !== "pulsar-in" || n.endpoint !== endpoint.id || n.d || n.mode === "reader" || !n.subscription || !RED.nodes.getNode(n.id)) return;
      let topics: string[];
      try {
        topics = parseTopicList(n.topic, defaults).map((topic) => topic.full);
      } catch {
        return; // its own config error is shown on the node
      }
      out.push({ id: n.id, name: n.name || n.id, topics, subscription: n.subscription, consumerName: n.consumerName || undefined });
    });
    return out;
  }

  async function mapLimited<A, B>(items: readonly A[], limit: number, fn: (item: A) => Promise<B>): Promise<B[]> {
    const out: B[] = new Array<B>(items.length);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]);
      }
    };
    await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
    return out;
  }

  async function topics(id: string): Promise<TopicsAnswer> {
    const at = Date.now();
    let namespace = "";
    let s: Session | undefined;
    try {
      s = session(id);
      const defaults = s.endpoint.settings!.defaults;
      const { tenant, namespace: ns } = defaults;
      namespace = `${tenant}/${ns}`;
      const [listed, partitioned] = await Promise.all([s.admin.listTopics(tenant, ns), s.admin.listPartitionedTopics(tenant, ns)]);
      const grouped = groupTopics(listed, partitioned);
      const shown = grouped.slice(0, MAX_TOPICS);
      const local = localConsumers(s.endpoint);
      const admin = s.admin;
      const views = await mapLimited(shown, STATS_PARALLEL, async (topic) => {
        try {
          const name = parseTopic(topic.name, defaults);
          const path = `${PulsarAdmin.topicPath(name)}/${topic.partitions > 0 ? "partitioned-stats" : "stats"}`;
          return topicView(topic, await admin.json("GET", path, name.full), local);
        } catch {
          // Deleted between the listing and its stats, or a name this package cannot address: numbers unknown.
          return topicView(topic, {}, local);
        }
      });
      return scrubSecrets({ ok: true, at, namespace, topics: views, more: grouped.length - shown.length }, s.secrets);
    } catch (err) {
      return scrubSecrets({ ok: false, at, namespace, topics: [], more: 0, error: errorText(err) }, s?.secrets ?? []);
    }
  }

  function peekFrame(m: PeekedBytes): ConsumerMessageFrame {
    return { kind: "message", messageId: m.messageId ?? "", payload: m.payload.toString("base64"), properties: m.properties, publishTime: m.publishTime, eventTime: m.eventTime, redeliveryCount: 0, key: m.key };
  }

  /** The messages as pulsar-in would emit them with `format` ("schema": decoded with the topic's schema). */
  async function asEmitted(admin: PulsarAdmin, topic: TopicName, subscription: string | undefined, messages: PeekedBytes[], format: Format): Promise<ConsumedMsg[]> {
    if (format !== "schema") {
      return messages.map((m) => {
        const frame = peekFrame(m);
        try {
          return toConsumedMsg(frame, { topic: topic.full, subscription, format });
        } catch {
          // Not decodable as asked: shown as pulsar-in sends it to Catch, with its bytes as base64.
          return toConsumedMsg(frame, { topic: topic.full, subscription, format: "base64" });
        }
      });
    }
    const out: ConsumedMsg[] = [];
    const schemas = new SchemaIn(new SchemaRegistry({ fetch: (name, version) => admin.schemaOf(name, version) }), {
      // `after` is what resolves the message's wait below: without it a schema peek never answers.
      send: (msg, after) => {
        out.push(msg);
        after();
      },
      fail: (_err, raw) => out.push(raw),
      noSchema: () => undefined,
    });
    await Promise.all(messages.map((m) => new Promise<void>((resolve) => schemas.deliver(peekFrame(m), topic, { topic: topic.full, subscription }, resolve))));
    return out;
  }

  async function peek(id: string, body: Record<string, unknown>, gone: () => boolean): Promise<object> {
    let s: Session | undefined;
    try {
      s = session(id);
      const defaults = s.endpoint.settings!.defaults;
      const topic = inScope(s, parseTopic(body.topic, defaults));
      const subscription = text(body.subscription) ? checkSubscriptionName(text(body.subscription)) : undefined;
      const count = Math.min(Math.max(1, Math.floor(Number(body.count) || 1)), MAX_PEEK_COUNT);
      const format = text(body.format) || "auto";
      if (format !== "schema" && !PAYLOAD_FORMATS.includes(format as PayloadFormat)) throw inputError("sidebar-format", { format: format.slice(0, 40) });
      const deadline = Date.now() + PEEK_DEADLINE_MS;
      const found = await peekMessages(s.admin, topic, subscription, count, () => gone() || Date.now() > deadline);
      const messages = found.messages;
      const emitted = await asEmitted(s.admin, topic, subscription, messages, format as Format);
      // Encoded as the debug sidebar's messages are (Buffers, long strings), for RED.utils.createObjectElement.
      const encoded = emitted.map((msg) => RED.util.encodeObject({ msg }, { maxLength: 2000 }));
      const limits = { partitions: found.partitions, examined: found.examined, cut: found.cut, cutAt: PEEK_PAYLOAD_BYTES, maxPartitions: PEEK_MAX_PARTITIONS };
      return scrubSecrets({ ok: true, topic: topic.full, subscription, messages: encoded, ...limits }, s.secrets);
    } catch (err) {
      return scrubSecrets({ ok: false, error: errorText(err) }, s?.secrets ?? []);
    }
  }

  async function act(id: string, body: Record<string, unknown>): Promise<object> {
    let s: Session | undefined;
    try {
      s = session(id);
      const action = text(body.action) as Action;
      if (!ACTIONS.includes(action)) throw inputError("sidebar-action", { action: text(body.action).slice(0, 40) });
      const topic = inScope(s, parseTopic(body.topic, s.endpoint.settings!.defaults));
      const subscription = (): string => checkSubscriptionName(text(body.subscription));
      switch (action) {
        case "skip-all":
          await s.admin.skipAll(topic, subscription());
          break;
        case "reset-cursor": {
          // A number only: Number("") / Number(null) / Number(false) are 0, a rewind to the start.
          const ms = body.time;
          if (typeof ms !== "number" || !Number.isFinite(ms) || ms < 0 || ms > Date.now() + RESET_AHEAD_MS) throw inputError("sidebar-time", { value: String(body.time).slice(0, 40) });
          await s.admin.resetCursor(topic, subscription(), { kind: "time", ms: Math.floor(ms) });
          break;
        }
        case "create-topic": {
          const partitions = Math.floor(Number(body.partitions) || 0);
          if (partitions < 0 || partitions > 1000) throw inputError("sidebar-partitions", { value: String(body.partitions).slice(0, 40) });
          await s.admin.createTopic(topic, partitions);
          break;
        }
        case "delete-topic":
          await s.admin.deleteTopic(topic);
          break;
      }
      // The next poll shows the change.
      polls.delete(id);
      return { ok: true };
    } catch (err) {
      return scrubSecrets({ ok: false, error: errorText(err) }, s?.secrets ?? []);
    }
  }

  /** Express 4 (Node-RED 4.1) does not catch a rejected handler: it would end Node-RED. */
  function answer(run: (req: Request, gone: () => boolean) => Promise<object>) {
    return (req: Request, res: Response): void => {
      // The editor gave up (closed the connection): work for it stops.
      let closed = false;
      res.on("close", () => (closed = true));
      const failed = (): void => {
        if (!res.headersSent) res.status(500).json({ ok: false });
      };
      // Nothing may reject out of here: a throw while writing the answer is a 500, not a crash.
      run(req, () => closed)
        .then((result) => {
          res.json(result);
        }, failed)
        .catch(() => {
          try {
            failed();
          } catch {
            res.destroy();
          }
        });
    };
  }

  const param = (req: Request): string => text((req.params as Record<string, unknown>).id);

  RED.httpAdmin.get("/pulsar-sidebar/endpoints", canRead, (_req: Request, res: Response) => {
    const endpoints: { id: string; name: string; namespace: string; host: string; error?: string }[] = [];
    RED.nodes.eachNode((def: NodeDef) => {
      if (def.type !== "pulsar-ws-endpoint") return;
      const node = RED.nodes.getNode(def.id) as EndpointNode | null;
      if (!node) return;
      const settings = node.settings;
      endpoints.push({
        id: def.id,
        name: def.name || "",
        namespace: settings ? `${settings.defaults.tenant}/${settings.defaults.namespace}` : "",
        host: settings ? new URL(settings.base).host : "",
        ...(settings ? {} : { error: errorText(node.configError ?? inputError("sidebar-no-endpoint")) }),
      });
    });
    res.json({ endpoints });
  });

  RED.httpAdmin.get(
    "/pulsar-sidebar/endpoints/:id/topics",
    canRead,
    answer((req) => {
      const id = param(req);
      const now = Date.now();
      for (const [key, poll] of polls) {
        // Stale, or its endpoint is no longer deployed: dropped, so the map holds deployed endpoints only.
        if ((poll.settled !== undefined && now - poll.settled >= POLL_MS) || !RED.nodes.getNode(key)) polls.delete(key);
      }
      const last = polls.get(id);
      if (last) return last.answer;
      try {
        deployedEndpoint(id);
      } catch {
        return topics(id); // answers the error, nothing cached for an id nobody deployed
      }
      const poll: { settled?: number; answer: Promise<TopicsAnswer> } = { answer: topics(id) };
      // topics() never rejects: its failures are answers.
      poll.answer = poll.answer.finally(() => (poll.settled = Date.now()));
      polls.set(id, poll);
      return poll.answer;
    }),
  );

  RED.httpAdmin.post("/pulsar-sidebar/endpoints/:id/peek", canRead, jsonOnly, answer((req, gone) => peek(param(req), (req.body ?? {}) as Record<string, unknown>, gone)));
  RED.httpAdmin.post("/pulsar-sidebar/endpoints/:id/action", canWrite, jsonOnly, answer((req) => act(param(req), (req.body ?? {}) as Record<string, unknown>)));
}
