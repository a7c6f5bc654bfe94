/**
 * `pulsar-in`: emits messages from Pulsar subscriptions (consumer) or readers, on one topic,
 * a list of topics, or the topics of a namespace that match a pattern (re-discovered every
 * patternDiscoverySeconds). One WebSocket session per topic, owned by a ConsumerGroup; with
 * `sessions` > 1 several per topic (see sessionTargets) for more than one session's throughput.
 *
 * Auto ack answers each message right after it is sent on. Manual ack: a msg carrying
 * msg.pulsar.messageId acks it, with msg.ack === false nacks it; the ack goes to the session of
 * the topic it came from. The same input takes control messages (msg.action): pause, resume,
 * subscribe, unsubscribe, connect, disconnect, getSubscriptions, deleteSubscription, seek. Each
 * ends in done() once it took effect or done(err) saying why not; they run one after another.
 */
import type { Node, NodeAPI, NodeDef, NodeMessage } from "node-red";
import type { PulsarAdmin } from "./lib/admin/operations";
import { usableSettings } from "./lib/endpoint-settings";
import type { EndpointNode } from "./lib/endpoint-types";
import { RepeatedErrorLog } from "./lib/error-throttle";
import { toNodeError, translator } from "./lib/i18n";
import { PatternDiscovery } from "./lib/pattern-discovery";
import { asPulsarError, inputError, PulsarError } from "./lib/protocol/errors";
import { toConsumedMsg, PAYLOAD_FORMATS, type PayloadFormat } from "./lib/protocol/consume";
import { asBool, consumerQuery, intWithDefault, optionalEnum, readerQuery, secondsOption, SUBSCRIPTION_TYPES, type ConsumerOptionsInput, type ReaderOptionsInput } from "./lib/protocol/options";
import { shareOf } from "./lib/protocol/partition-routing";
import { parsePosition, parseReaderStart, type Position } from "./lib/protocol/positions";
import type { ConsumerMessageFrame } from "./lib/protocol/server-frames";
import { parseTopicList, parseTopicPattern, type TopicPattern } from "./lib/protocol/topic-list";
import { checkSubscriptionName, partitionTopic, type TopicName } from "./lib/protocol/topics";
import type { ConsumerSession } from "./lib/session/consumer";
import { ConsumerGroup, whenOpen, type Lane } from "./lib/session/consumer-group";
import type { SocketState } from "./lib/session/socket";
import { logStateChange, statusFor, StatusReporter, type StatusView } from "./lib/status";

type Raw = string | number | boolean | undefined;

interface PulsarInDef extends NodeDef, ConsumerOptionsInput, ReaderOptionsInput {
  endpoint: string;
  topic?: string;
  topicPattern?: string;
  patternDiscoverySeconds?: Raw;
  maxTopics?: Raw;
  mode?: string;
  subscription?: string;
  ackMode?: string;
  payloadFormat?: string;
  startMessageId?: string;
  pullWindow?: Raw;
  sessions?: Raw;
}

interface ControlMsg extends NodeMessage {
  action?: unknown;
  ack?: unknown;
  position?: unknown;
  pulsar?: { messageId?: unknown };
}

const DEFAULT_MAX_TOPICS = 100;
const MAX_MAX_TOPICS = 1000;
/** Sessions per topic: each is a socket and a consumer on the broker; beyond this a 2-core broker gains nothing. */
const MAX_SESSIONS_PER_TOPIC = 16;
/** How long subscribe / connect wait for the new sessions to open before done(err). */
const OPEN_WAIT_MS = 30000;
const ACTIONS = ["pause", "resume", "subscribe", "unsubscribe", "connect", "disconnect", "getSubscriptions", "deleteSubscription", "seek"];

export = function register(RED: NodeAPI): void {
  const t = translator(RED);

  function PulsarIn(this: Node, def: PulsarInDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    const status = new StatusReporter(node, t);
    const protocolErrors = new RepeatedErrorLog((line) => node.error(line), t);
    const endpoint = RED.nodes.getNode(def.endpoint) as EndpointNode | null;
    const reader = def.mode === "reader";
    const manualAck = !reader && def.ackMode === "manual";

    let group: ConsumerGroup | undefined;
    let discovery: PatternDiscovery | undefined;
    let pattern: TopicPattern | undefined;
    let subscription: string | undefined;
    let format: PayloadFormat = "auto";
    let closing = false;
    /** Pattern mode: matched topics the flow unsubscribed or deleted the subscription of. */
    const excluded = new Set<string>();
    /** Pattern mode: the topics discovery added (only these does it drop again; a subscribe's stay). */
    const discovered = new Set<string>();
    /** Readers: where each topic's next session starts (a seek changes it), as a query value. */
    const readerStarts = new Map<string, string>();
    let readerStart: Position = { kind: "latest" };
    const logKeys = new WeakMap<ConsumerSession, { key: string }>();
    /** Sessions per topic (the `sessions` option), and how they are laid out (sessionTargets). */
    let sessionsPerTopic = 1;
    let perPartition = false;
    /** Exclusive / Failover with sessions > 1: each topic's partition count, looked up before it is added. */
    const partitionCounts = new Map<string, number>();
    /** …and looked up again every discovery period, so that partitions added later are consumed too. */
    let partitionRefresh: ReturnType<typeof setInterval> | undefined;
    let refreshing = false;
    let lastDiscoveryWarning = "";
    /** Control messages run one after another. */
    let controls: Promise<void> = Promise.resolve();

    try {
      group = setUp();
    } catch (err) {
      node.error(toNodeError(t, err).message);
      node.status({ fill: "red", shape: "ring", text: t("pulsar.status.config-error") });
    }

    function setUp(): ConsumerGroup {
      const settings = usableSettings(endpoint);
      format = optionalEnum("payloadFormat", def.payloadFormat, PAYLOAD_FORMATS) ?? "auto";
      const pullMode = !reader && asBool(def.pullMode);
      const pullWindow = intWithDefault("pullWindow", def.pullWindow, 100, 1, 1000);
      // The pull window is the topic's: its sessions share it.
      const sessionOptions = (lanes: number): { pullMode: boolean; pullWindow: number } => ({ pullMode, pullWindow: shareOf(pullWindow, lanes) });
      sessionsPerTopic = intWithDefault("sessions", def.sessions, 1, 1, MAX_SESSIONS_PER_TOPIC);
      if (reader && sessionsPerTopic > 1) {
        node.warn(t("pulsar.errors.sessions-reader"));
        sessionsPerTopic = 1;
      }
      const maxSessions = intWithDefault("maxTopics", def.maxTopics, DEFAULT_MAX_TOPICS, 1, MAX_MAX_TOPICS);
      const discoveryMs = secondsOption("patternDiscoverySeconds", def.patternDiscoverySeconds, 60, 1);
      pattern = parseTopicPattern(def.topicPattern, settings.defaults);
      const topics = pattern ? [] : parseTopicList(def.topic, settings.defaults);
      let open: (target: TopicName, topic: TopicName, lanes: number) => ConsumerSession;
      if (reader) {
        readerStart = parseReaderStart(def.startMessageId);
        readerQuery(def, "latest"); // validate options now, not at the first connect
        // After a reconnect a session resumes after its last emitted message (exclusive start).
        open = (topic) => endpoint!.createConsumer({ role: "reader", topic, query: (resumeAfter) => readerQuery(def, resumeAfter ?? readerStarts.get(topic.full) ?? "latest"), session: sessionOptions(1) });
      } else {
        subscription = checkSubscriptionName(def.subscription);
        const query = consumerQuery(def);
        const type = optionalEnum("subscriptionType", def.subscriptionType, SUBSCRIPTION_TYPES) ?? "Exclusive";
        // Shared and Key_Shared take several consumers on one subscription; Exclusive and
        // Failover one per topic, but each partition of a partitioned topic is a topic of its own.
        perPartition = sessionsPerTopic > 1 && (type === "Exclusive" || type === "Failover");
        open = (target, _topic, lanes) => endpoint!.createConsumer({ role: "consumer", topic: target, subscription, query: () => query, session: sessionOptions(lanes) });
      }
      const g = new ConsumerGroup({ open, maxSessions, targets: sessionTargets });
      g.on("message", (frame, lane) => deliver(frame, lane));
      g.on("state", (s, { session }) => {
        let key = logKeys.get(session);
        if (!key) logKeys.set(session, (key = { key: "" }));
        logStateChange(node, t, session.safeUrl, s, key, settings.cluster !== undefined);
        updateStatus();
      });
      g.on("unacked", () => {
        if (manualAck) updateStatus();
      });
      g.on("protocolError", (err) => protocolErrors.report(err));

      if (perPartition) {
        partitionRefresh = setInterval(() => void refreshPartitions(g), discoveryMs);
        partitionRefresh.unref?.();
      }
      if (pattern) {
        discovery = new PatternDiscovery(endpoint!.admin(), pattern, discoveryMs, { matched: applyDiscovered, failed: discoveryFailed });
        discovery.start();
      } else if (topics.length) {
        // A reader starting at a time looks its start up first; the rest open at once.
        void addTopics(g, topics).catch((err) => node.error(toNodeError(t, err).message));
      }
      group = g;
      updateStatus();
      return g;
    }

    function admin(): PulsarAdmin {
      return endpoint!.admin();
    }

    /**
     * What a topic's sessions connect to. Shared / Key_Shared: the topic, `sessions` times (the
     * broker spreads the messages; Key_Shared keeps each key on one session). Exclusive / Failover:
     * one session per partition of a partitioned topic of at most `sessions` partitions; else one.
     */
    function sessionTargets(topic: TopicName): Array<{ target: TopicName; partition?: number }> {
      if (!perPartition) return Array.from({ length: sessionsPerTopic }, () => ({ target: topic }));
      const partitions = partitionCounts.get(topic.full) ?? 0;
      if (partitions < 1 || partitions > sessionsPerTopic) return [{ target: topic }];
      return Array.from({ length: partitions }, (_, k) => ({ target: partitionTopic(topic, k, partitions), partition: k }));
    }

    /** Exclusive / Failover with sessions > 1: looks up whether each topic is partitioned, and says when one session is all it gets. */
    async function lookUpPartitions(topics: readonly TopicName[]): Promise<void> {
      if (!perPartition) return;
      for (const topic of topics) {
        let partitions = 0;
        try {
          partitions = await admin().partitionsOf(topic);
        } catch (err) {
          node.warn(t("pulsar.errors.sessions-lookup", { topic: topic.full, reason: toNodeError(t, err).message }));
        }
        partitionCounts.set(topic.full, partitions);
        warnIfOneSession(topic, partitions);
      }
    }

    function warnIfOneSession(topic: TopicName, partitions: number): void {
      if (partitions === 0) node.warn(t("pulsar.errors.sessions-not-partitioned", { topic: topic.full, sessions: sessionsPerTopic }));
      else if (partitions > sessionsPerTopic) node.warn(t("pulsar.errors.sessions-too-many-partitions", { topic: topic.full, partitions, sessions: sessionsPerTopic }));
    }

    /**
     * One session per partition: Pulsar's own consumer of a partitioned topic picks up added
     * partitions by itself, sessions on the partitions' names do not, so the counts are looked up
     * again. A failed lookup keeps the sessions as they are.
     */
    async function refreshPartitions(g: ConsumerGroup): Promise<void> {
      if (refreshing || closing) return;
      refreshing = true;
      try {
        for (const topic of g.topics) {
          let partitions: number;
          try {
            partitions = await admin().partitionsOf(topic);
          } catch {
            continue;
          }
          const before = partitionCounts.get(topic.full);
          if (closing || before === undefined || partitions === before || !g.has(topic.full)) continue;
          partitionCounts.set(topic.full, partitions);
          node.log(t("pulsar.log.partitions-changed", { topic: topic.full, before, partitions }));
          warnIfOneSession(topic, partitions);
          await g.retarget(topic.full);
          updateStatus();
        }
      } finally {
        refreshing = false;
      }
    }

    /** Readers: the start of each new topic's session, looked up when it is a time. */
    async function resolveReaderStarts(topics: readonly TopicName[], position: Position): Promise<void> {
      if (!reader) return;
      for (const topic of topics) {
        if (position.kind === "time") readerStarts.set(topic.full, await admin().readerStartAt(topic, position.ms));
        else readerStarts.set(topic.full, position.kind === "id" ? position.id : position.kind);
      }
    }

    async function addTopics(g: ConsumerGroup, topics: readonly TopicName[]): Promise<ConsumerSession[]> {
      const fresh = topics.filter((tp) => !g.has(tp.full));
      if (g.size + fresh.length > g.maxSessions) g.add(fresh); // throws the cap's refusal before any lookup
      await resolveReaderStarts(fresh, readerStart);
      await lookUpPartitions(fresh.filter((tp) => !partitionCounts.has(tp.full)));
      if (closing) return [];
      return g.add(fresh);
    }

    async function applyDiscovered(names: string[]): Promise<void> {
      const g = group;
      if (!g || closing || !pattern) return;
      const wanted = names.filter((n) => !excluded.has(n));
      const gone = [...discovered].filter((n) => !names.includes(n));
      for (const n of gone) discovered.delete(n);
      if (gone.length) await g.remove(gone);
      const settings = usableSettings(endpoint);
      const fresh = parseTopicList(wanted.filter((n) => !g.has(n)), settings.defaults);
      const room = Math.max(0, g.maxSessions - g.size);
      if (fresh.length > room) {
        const warning = t("pulsar.errors.pattern-capped", { max: g.maxSessions, matched: wanted.length, left: fresh.length - room });
        if (warning !== lastDiscoveryWarning) node.warn(warning);
        lastDiscoveryWarning = warning;
      } else {
        lastDiscoveryWarning = "";
      }
      if (fresh.length && room > 0 && g.isConnected) {
        const taken = fresh.slice(0, room);
        await addTopics(g, taken);
        for (const tp of taken) discovered.add(tp.full);
      }
      updateStatus();
    }

    function discoveryFailed(err: unknown): void {
      const warning = t("pulsar.errors.pattern-discovery", { reason: toNodeError(t, err).message });
      if (warning !== lastDiscoveryWarning) node.warn(warning);
      lastDiscoveryWarning = warning;
    }

    function deliver(frame: ConsumerMessageFrame, { topic, session }: Lane): void {
      const ctx = { topic: topic.full, subscription, format };
      let msg;
      try {
        msg = toConsumedMsg(frame, ctx);
      } catch (err) {
        // The payload cannot be decoded as configured: hand it to Catch with its raw bytes and
        // id, so a flow can inspect it and (in manual mode) ack or nack it.
        const raw = toConsumedMsg(frame, { ...ctx, format: "base64" });
        node.error(toNodeError(t, err), raw as unknown as NodeMessage);
        if (!manualAck) session.ack(frame.messageId);
        return;
      }
      node.send(msg as unknown as NodeMessage);
      if (!manualAck) session.ack(frame.messageId);
    }

    const severity = (s: SocketState): number =>
      s.state === "failed" ? 4 : s.state === "retrying" && s.failure.kind === "handshake" ? 3 : s.state === "retrying" ? 2 : s.state === "connecting" ? 1 : 0;

    function updateStatus(): void {
      const g = group;
      if (!g || closing) return;
      const v1 = endpoint?.settings?.cluster !== undefined;
      let view: StatusView;
      if (!g.isConnected) view = { fill: "grey", shape: "ring", parts: [{ key: "stopped" }] };
      else if (g.size === 0) view = { fill: "grey", shape: "ring", parts: [{ key: pattern ? "no-matching-topics" : "no-topics" }] };
      else {
        // A session's own state even when all are open: it names the server in use (several service URLs).
        let worst: SocketState | undefined;
        const lanes = g.sessions();
        for (const { session } of lanes) if (!worst || severity(session.state) > severity(worst)) worst = session.state;
        view = statusFor(worst ?? { state: "open" }, { unacked: manualAck ? g.unackedCount : undefined, paused: g.isPaused, sessions: Math.max(lanes.length, g.size), topics: g.size, v1 });
      }
      status.show(view);
    }

    /** The topics a control message names (msg.topic: a topic, a list or an array), or undefined when absent. */
    function namedTopics(msg: ControlMsg): TopicName[] | undefined {
      if (msg.topic === undefined || msg.topic === null || msg.topic === "") return undefined;
      return parseTopicList(msg.topic, usableSettings(endpoint).defaults);
    }

    async function control(g: ConsumerGroup, action: string, msg: ControlMsg, send: (msg: NodeMessage) => void): Promise<void> {
      switch (action) {
        case "subscribe": {
          const topics = namedTopics(msg);
          if (!topics?.length) throw inputError("control-topic-missing", { action });
          for (const tp of topics) excluded.delete(tp.full);
          const opened = await addTopics(g, topics);
          updateStatus();
          await waitOpen(g, opened);
          return;
        }
        case "unsubscribe": {
          const topics = namedTopics(msg);
          if (!topics) {
            // All of them: a pattern stops being re-discovered too, until connect.
            discovery?.stop();
            for (const n of g.topicNames) excluded.add(n);
            await g.remove();
          } else {
            for (const tp of topics) excluded.add(tp.full);
            await g.remove(topics.map((tp) => tp.full));
          }
          return;
        }
        case "disconnect":
          discovery?.stop();
          await g.disconnect();
          return;
        case "connect": {
          const opened = g.connect();
          if (discovery) {
            excluded.clear();
            discovery.start();
            await discovery.runNow();
          }
          updateStatus();
          await waitOpen(g, [...opened, ...g.sessions().map((s) => s.session).filter((s) => !opened.includes(s))]);
          return;
        }
        case "getSubscriptions":
          msg.payload = g.topicNames;
          send(msg);
          return;
        case "deleteSubscription": {
          if (reader || !subscription) throw inputError("control-reader", { action });
          const topics = namedTopics(msg) ?? g.topics;
          if (!topics.length) throw inputError("control-topic-missing", { action });
          // Consuming on would create the subscription again: stop first, then delete on the broker.
          for (const tp of topics) excluded.add(tp.full);
          await g.remove(topics.map((tp) => tp.full));
          for (const tp of topics) await admin().deleteSubscription(tp, subscription);
          return;
        }
        case "seek": {
          const position = parsePosition(msg.position);
          const topics = namedTopics(msg) ?? g.topics;
          const consumed = topics.filter((tp) => g.has(tp.full));
          if (!consumed.length) throw inputError("control-no-topics", { action });
          const sub = subscription;
          let opened: ConsumerSession[];
          if (reader || !sub) {
            // A reader has no cursor on the broker: its sessions start again at the new position.
            opened = await g.restart(consumed.map((tp) => tp.full), () => resolveReaderStarts(consumed, position));
          } else {
            // The sessions close first, so nothing delivered before the seek is acked after it.
            opened = await g.restart(consumed.map((tp) => tp.full), async () => {
              for (const tp of consumed) await admin().resetCursor(tp, sub, position);
            });
          }
          updateStatus();
          await waitOpen(g, opened);
          return;
        }
      }
    }

    async function waitOpen(g: ConsumerGroup, sessions: ConsumerSession[]): Promise<void> {
      if (!g.isConnected || sessions.length === 0) return;
      try {
        await whenOpen(sessions, OPEN_WAIT_MS);
      } catch (err) {
        const e = asPulsarError(err);
        // A refused session is not subscribed: drop its topic again, so the list says what runs.
        if (e.code === "session-refused") {
          const refused = g.sessions().filter((s) => sessions.includes(s.session) && s.session.state.state !== "open").map((s) => s.topic.full);
          await g.remove([...new Set(refused)]);
          updateStatus();
        }
        throw e;
      }
    }

    node.on("input", (msg, send, done) => {
      const c = msg as ControlMsg;
      const g = group;
      if (!g) return done(toNodeError(t, endpoint?.configError ?? new PulsarError("config", "no-endpoint")));
      if (c.action !== undefined) {
        const action = String(c.action);
        if (!ACTIONS.includes(action)) return done(toNodeError(t, inputError("invalid-action", { action })));
        // Pause and resume act at once, also while another control message is under way.
        if (action === "pause" || action === "resume") {
          if (action === "pause") g.pause();
          else g.resume();
          updateStatus();
          return done();
        }
        controls = controls.then(async () => {
          if (closing) throw new PulsarError("closed", "closing");
          await control(g, action, c, send);
        }).then(
          () => {
            updateStatus();
            done();
          },
          (err: unknown) => {
            updateStatus();
            done(toNodeError(t, err));
          },
        );
        return;
      }
      const messageId = c.pulsar?.messageId;
      if (typeof messageId !== "string" || messageId === "") {
        return done(toNodeError(t, inputError("no-message-id")));
      }
      const topicHint = typeof c.topic === "string" ? c.topic : undefined;
      const sent = c.ack === false ? g.nack(messageId, topicHint) : g.ack(messageId, topicHint);
      // Acks get no reply from Pulsar; one that cannot be sent now is covered by redelivery. One
      // for a topic no longer consumed has no session to go to: say so.
      if (sent === undefined) {
        return done(toNodeError(t, inputError("ack-no-session", { topic: topicHint ?? "?" })));
      }
      done();
    });

    node.on("close", (_removed: boolean, done: () => void) => {
      closing = true;
      discovery?.stop();
      if (partitionRefresh) clearInterval(partitionRefresh);
      const finish = (): void => {
        protocolErrors.close();
        status.clear();
        done();
      };
      if (!group) return finish();
      group.close().then(finish, finish);
    });
  }

  RED.nodes.registerType("pulsar-in", PulsarIn);
};
