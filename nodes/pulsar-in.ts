/**
 * `pulsar-in`: emits messages from Pulsar subscriptions (consumer) or readers, on one topic, a
 * list of topics, or the topics of a namespace that match a pattern. What is consumed, and every
 * change to it, is a TopicSubscriptions (lib/consume/); how a frame reaches the flow and is acked,
 * a Delivery (lib/delivery.ts). This file reads the options, shows the status and maps input to
 * them: a msg with msg.pulsar.messageId acks it, one with msg.pulsar.messageIds (a batch msg)
 * acks each (msg.ack === false nacks); msg.action is a control message, ended in done() once
 * it took effect or done(err) saying why not.
 */
import type { Node, NodeAPI, NodeDef, NodeMessage } from "node-red";
import { bindToEndpoint } from "./lib/endpoint-binding";
import { Delivery } from "./lib/delivery";
import { CRYPTO_FAILURE_ACTIONS } from "./lib/encrypted-in";
import { consumerDecryptor, type KeysNode } from "./lib/keys-config";
import { RepeatedErrorLog } from "./lib/error-throttle";
import { toNodeError, translator } from "./lib/i18n";
import { ackIdsOf } from "./lib/protocol/ack-ids";
import { inputError, PulsarError } from "./lib/protocol/errors";
import { PAYLOAD_FORMATS, type ConsumedBatch, type ConsumedMsg } from "./lib/protocol/consume";
import { asBool, consumeWindow, consumerQuery, intWithDefault, optionalEnum, readerQuery, secondsOption, SUBSCRIPTION_TYPES, type ConsumerOptionsInput, type ReaderOptionsInput } from "./lib/protocol/options";
import { shareOf } from "./lib/protocol/partition-routing";
import { parsePosition, parseReaderStart } from "./lib/protocol/positions";
import { namedTopics, parseTopicList, parseTopicPattern } from "./lib/protocol/topic-list";
import { checkSubscriptionName, type TopicDefaults } from "./lib/protocol/topics";
import type { ConsumerSession } from "./lib/session/consumer";
import { logStateChange, statusOfSessions, type StatusView } from "./lib/status";
import { TopicSubscriptions, type Mode } from "./lib/consume/topic-subscriptions";
import { SchemaIn } from "./lib/schema-glue";
import { SchemaRegistry } from "./lib/schema-registry";

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
  /** Batches: up to batchSize messages of one topic as one msg, or what arrived within batchTimeoutMs. */
  batchSize?: Raw;
  batchTimeoutMs?: Raw;
  /** End-to-end encryption: a pulsar-ws-keys node with the private keys, and what to do when a message cannot be decrypted. */
  keys?: string;
  cryptoFailureAction?: string;
}

interface ControlMsg extends NodeMessage {
  action?: unknown;
  ack?: unknown;
  position?: unknown;
  pulsar?: { messageId?: unknown; messageIds?: unknown };
  parts?: unknown;
}

const DEFAULT_MAX_TOPICS = 100;
const MAX_MAX_TOPICS = 1000;
/** Sessions per topic: each is a socket and a consumer on the broker; beyond this a 2-core broker gains nothing. */
const MAX_SESSIONS_PER_TOPIC = 16;
/** How long subscribe / connect / seek wait for the new sessions to open before done(err). */
const OPEN_WAIT_MS = 30000;
/** Beyond this one msg holds more than a flow should handle at once. */
const MAX_BATCH_SIZE = 10000;
const MAX_BATCH_TIMEOUT_MS = 60000;
const ACTIONS = ["pause", "resume", "subscribe", "unsubscribe", "connect", "disconnect", "getSubscriptions", "deleteSubscription", "seek"];

export = function register(RED: NodeAPI): void {
  const t = translator(RED);

  function PulsarIn(this: Node, def: PulsarInDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    const binding = bindToEndpoint(RED, node, def.endpoint, t);
    const { endpoint, status } = binding;
    const protocolErrors = new RepeatedErrorLog((line) => node.error(line), t);
    const reader = def.mode === "reader";
    const manualAck = !reader && def.ackMode === "manual";
    let subscription: string | undefined;
    let defaults: TopicDefaults = { tenant: "public", namespace: "default" };
    let closing = false;
    let subs: TopicSubscriptions | undefined;
    let delivery: Delivery | undefined;
    /** Messages that could not be decrypted (shown in the status); discarded ones are counted in one warning a minute. */
    let undecryptable = 0;
    const discarded = new RepeatedErrorLog((line) => node.warn(line), t);

    try {
      subs = setUp();
    } catch (err) {
      binding.configError(err);
    }

    function setUp(): TopicSubscriptions {
      const settings = binding.settings();
      const ep = endpoint!;
      defaults = settings.defaults;
      const send = (msg: ConsumedMsg | ConsumedBatch): void => node.send(msg as unknown as NodeMessage);
      const fail = (err: unknown, raw: ConsumedMsg | ConsumedBatch): void => node.error(toNodeError(t, err), raw as unknown as NodeMessage);
      const batchSize = intWithDefault("batchSize", def.batchSize, 1, 1, MAX_BATCH_SIZE);
      const batchTimeoutMs = intWithDefault("batchTimeoutMs", def.batchTimeoutMs, 100, 1, MAX_BATCH_TIMEOUT_MS);
      // payloadFormat "schema": payloads decoded with the topic's registered schema, then handed
      // on through the delivery (alone or into a batch).
      const hand = (msg: ConsumedMsg, after: () => void): void => delivery!.hand(msg, after);
      const schemas =
        def.payloadFormat === "schema"
          ? new SchemaIn(new SchemaRegistry({ fetch: (topic, version) => ep.admin().schemaOf(topic, version) }), { send: hand, fail, noSchema: (topic) => node.warn(t("pulsar.log.schema-none", { topic })) })
          : undefined;
      const format = schemas ? "auto" : (optionalEnum("payloadFormat", def.payloadFormat, PAYLOAD_FORMATS) ?? "auto");
      const cryptoFailureAction = optionalEnum("cryptoFailureAction", def.cryptoFailureAction, CRYPTO_FAILURE_ACTIONS) ?? "fail";
      const pullMode = !reader && asBool(def.pullMode);
      const pullWindow = intWithDefault("pullWindow", def.pullWindow, 100, 1, 1000);
      // The pull window is the topic's: its sessions share it.
      const session = (lanes: number): { pullMode: boolean; pullWindow: number } => ({ pullMode, pullWindow: shareOf(pullWindow, lanes) });
      let sessionsPerTopic = intWithDefault("sessions", def.sessions, 1, 1, MAX_SESSIONS_PER_TOPIC);
      if (reader && sessionsPerTopic > 1) {
        node.warn(t("pulsar.errors.sessions-reader"));
        sessionsPerTopic = 1;
      }
      // Pulsar's reader passes encrypted payloads without their encryptionContext: nothing to decrypt with.
      if (def.keys && reader) throw new PulsarError("config", "keys-reader");
      const decryptor = def.keys ? consumerDecryptor(RED.nodes.getNode(def.keys) as KeysNode | null) : undefined;
      const maxTopics = intWithDefault("maxTopics", def.maxTopics, DEFAULT_MAX_TOPICS, 1, MAX_MAX_TOPICS);
      const periodMs = secondsOption("patternDiscoverySeconds", def.patternDiscoverySeconds, 60, 1);
      const pattern = parseTopicPattern(def.topicPattern, defaults);
      const topics = pattern ? [] : parseTopicList(def.topic, defaults);
      let mode: Mode;
      let open: ConstructorParameters<typeof TopicSubscriptions>[0]["open"];
      if (reader) {
        mode = { kind: "reader", start: parseReaderStart(def.startMessageId) };
        readerQuery(def, "latest"); // validate options now, not at the first connect
        // After a reconnect a session resumes after its last received message (exclusive start): one waiting in a partial batch is kept and emitted, not read again.
        open = ({ target, readerStart }) => ep.createConsumer({ role: "reader", topic: target, query: (resumeAfter) => readerQuery(def, resumeAfter ?? readerStart()), session: session(1) });
      } else {
        subscription = checkSubscriptionName(def.subscription);
        // Encrypted messages are always passed on (never held back in silence), then decrypted here or handled per cryptoFailureAction.
        const query = { ...consumerQuery(def), cryptoFailureAction: "CONSUME" };
        const type = optionalEnum("subscriptionType", def.subscriptionType, SUBSCRIPTION_TYPES) ?? "Exclusive";
        // Shared and Key_Shared take several consumers on one subscription; Exclusive and
        // Failover one per topic, but each partition of a partitioned topic is a topic of its own.
        const perPartition = sessionsPerTopic > 1 && (type === "Exclusive" || type === "Failover");
        mode = { kind: "subscription", subscription, sessionsPerTopic, perPartition };
        open = ({ target, lanes }) => ep.createConsumer({ role: "consumer", topic: target, subscription, query: () => query, session: session(lanes) });
      }
      // A partial batch is not acked: Pulsar stops sending at the topic's window, so a larger
      // batch would only ever go out through its timeout.
      const window = consumeWindow({ pullMode, pullWindow, receiverQueueSize: def.receiverQueueSize, sessions: sessionsPerTopic });
      if (batchSize > window) node.warn(t("pulsar.errors.batch-window", { size: batchSize, window }));
      const s = new TopicSubscriptions({ mode, open, admin: () => ep.admin(), defaults, maxTopics, periodMs, openWaitMs: OPEN_WAIT_MS }, pattern);
      const logKeys = new WeakMap<ConsumerSession, { key: string }>();
      const d = new Delivery({
        manualAck, subscription, format, schemas, decryptor, cryptoFailureAction, send, fail,
        batch: { size: Math.min(batchSize, window), timeoutMs: batchTimeoutMs },
        ackFailed: (err) => node.error(toNodeError(t, err).message),
        undecryptable: (err, wasDiscarded) => {
          undecryptable++;
          updateStatus();
          if (wasDiscarded) discarded.report(new PulsarError("server", "decrypt-discarded", { reason: toNodeError(t, err).message }));
        },
      });
      delivery = d;
      s.on("message", (frame, lane) => d.deliver(frame, lane));
      s.on("sessionState", (state, { session: sn }) => {
        if (!reader && state.state !== "open") d.dropFrom(sn);
        let key = logKeys.get(sn);
        if (!key) logKeys.set(sn, (key = { key: "" }));
        logStateChange(node, t, sn.safeUrl, state, key, settings.cluster !== undefined);
      });
      s.on("changed", statusSoon);
      s.on("warn", (key, params, cause) => node.warn(t(`pulsar.${key}`, { ...params, reason: cause === undefined ? "" : toNodeError(t, cause).message })));
      s.on("log", (key, params) => node.log(t(`pulsar.${key}`, params)));
      s.on("protocolError", (err) => protocolErrors.report(err));
      subs = s;
      s.start(topics).catch((err: unknown) => {
        if (!closing) node.error(toNodeError(t, err).message);
      });
      updateStatus();
      return s;
    }

    /**
     * "changed" comes twice per message (delivered, answered): the status is worked out once per
     * turn of the event loop instead, after a socket's burst of frames, not for each of them.
     */
    let statusQueued = false;
    function statusSoon(): void {
      if (statusQueued) return;
      statusQueued = true;
      setImmediate(() => {
        statusQueued = false;
        updateStatus();
      });
    }

    function updateStatus(): void {
      const g = subs?.group;
      if (!g || closing) return;
      let view: StatusView;
      if (!g.isConnected) view = { fill: "grey", shape: "ring", parts: [{ key: "stopped" }] };
      else if (g.size === 0) view = { fill: "grey", shape: "ring", parts: [{ key: subs?.isPattern ? "no-matching-topics" : "no-topics" }] };
      else {
        const lanes = g.sessions();
        view = statusOfSessions(lanes.map(({ session }) => session.state), { unacked: manualAck ? g.unackedCount : undefined, paused: g.isPaused, sessions: Math.max(lanes.length, g.size), topics: g.size, v1: endpoint?.settings?.cluster !== undefined });
      }
      if (undecryptable > 0) view = { ...view, fill: view.fill === "green" ? "yellow" : view.fill, parts: [...view.parts, { key: "undecryptable", params: { count: undecryptable } }] };
      status.show(view);
    }

    /** One control message on the controller; resolves once it took effect. */
    async function control(s: TopicSubscriptions, action: string, msg: ControlMsg, send: (msg: NodeMessage) => void): Promise<void> {
      const topics = (): ReturnType<typeof namedTopics> => namedTopics(msg.topic, defaults);
      switch (action) {
        case "subscribe":
          return s.subscribe(topics() ?? []);
        case "unsubscribe":
          return s.unsubscribe(topics());
        case "disconnect":
          return s.disconnect();
        case "connect":
          return s.connect();
        case "getSubscriptions":
          msg.payload = await s.getSubscriptions();
          send(msg);
          return;
        case "deleteSubscription":
          return s.deleteSubscription(topics());
        case "seek":
          return s.seek(parsePosition(msg.position), topics());
      }
    }

    node.on("input", (msg, send, done) => {
      const c = msg as ControlMsg;
      const s = subs;
      if (!s) return done(toNodeError(t, binding.refusal));
      if (c.action !== undefined) {
        const action = String(c.action);
        if (!ACTIONS.includes(action)) return done(toNodeError(t, inputError("invalid-action", { action })));
        // A partial batch goes on first: nothing sits unseen while paused, and nothing already
        // decoded is emitted (and auto-acked) after a seek or disconnect. Not waited for: a message
        // still waiting for its topic's schema (payloadFormat "schema": an admin read) goes on
        // after the control message, and is acked only once it has.
        delivery?.flush();
        if (action === "pause" || action === "resume") {
          if (action === "pause") s.pause();
          else s.resume();
          return done();
        }
        const finish = (err?: unknown): void => {
          updateStatus();
          done(err === undefined ? undefined : toNodeError(t, err));
        };
        Promise.resolve()
          .then(() => control(s, action, c, send))
          .then(() => finish(), finish);
        return;
      }
      const ids = ackIdsOf(c, MAX_BATCH_SIZE);
      if (!Array.isArray(ids)) return done(toNodeError(t, ids));
      const topicHint = typeof c.topic === "string" ? c.topic : undefined;
      let unrouted = 0;
      for (const id of ids) {
        const sent = c.ack === false ? s.nack(id, topicHint) : s.ack(id, topicHint);
        if (sent === undefined) unrouted++;
      }
      // Acks get no reply from Pulsar; one that cannot be sent now is covered by redelivery. One
      // for a topic no longer consumed has no session to go to: say so.
      if (unrouted > 0) {
        return done(toNodeError(t, inputError("ack-no-session", { topic: topicHint ?? "?" })));
      }
      done();
    });

    node.on("close", (_removed: boolean, done: () => void) => {
      closing = true;
      // A partial batch is dropped, not emitted into a flow being stopped: its messages were not
      // acked, so Pulsar delivers them again.
      delivery?.close();
      const finish = (): void => {
        protocolErrors.close();
        discarded.close();
        status.clear();
        done();
      };
      if (!subs) return finish();
      subs.close().then(finish, finish);
    });
  }

  RED.nodes.registerType("pulsar-in", PulsarIn);
}

