/**
 * `pulsar-out`: publishes msg.payload (+ properties, key, msg.pulsar options) to a Pulsar
 * topic. done() is called only when the broker acked; every refusal ends in done(err) so a
 * Catch node sees it. The acked msg goes out of the output with msg.pulsar.messageId.
 */
import type { Node, NodeAPI, NodeDef, NodeMessage } from "node-red";
import { arrayFailure, sendElements } from "./lib/array-out";
import { bindToEndpoint } from "./lib/endpoint-binding";
import { producerEncryption, type KeysNode } from "./lib/keys-config";
import { RepeatedErrorLog } from "./lib/error-throttle";
import { toNodeError, translator } from "./lib/i18n";
import { asPulsarError, PulsarError } from "./lib/protocol/errors";
import { asBool, HASHING_SCHEMES, intWithDefault, optionalEnum, producerQuery, secondsOption, type ProducerOptionsInput } from "./lib/protocol/options";
import { shareOf } from "./lib/protocol/partition-routing";
import { prepareFrame, type PreparedFrame, type ProduceInput } from "./lib/protocol/produce";
import { arrayOverCapacity, prepareEncodedFrames, prepareFrames } from "./lib/protocol/produce-array";
import { parseTopic, type TopicName } from "./lib/protocol/topics";
import { PartitionedTopics } from "./lib/session/partitioned-topics";
import { ProducerPool } from "./lib/session/producer-pool";
import { logStateChange, statusFor, statusOfSessions } from "./lib/status";
import { SchemaOut } from "./lib/schema-glue";
import { SchemaRegistry } from "./lib/schema-registry";

type Raw = string | number | boolean | undefined;

interface PulsarOutDef extends NodeDef, ProducerOptionsInput {
  endpoint: string;
  topic?: string;
  maxInFlight?: Raw;
  bufferMessages?: Raw;
  bufferBytes?: Raw;
  closeTimeout?: Raw;
  maxProducers?: Raw;
  producerIdleTimeout?: Raw;
  sessionPerPartition?: Raw;
  /** End-to-end encryption: a pulsar-ws-keys node, and the names of its public keys to use (empty = all). */
  keys?: string;
  encryptionKeys?: string;
  schema?: string;
  /** An array msg.payload is one Pulsar message per element. */
  splitArrays?: Raw;
}

/** How often a topic's partition count is looked up again (and a failed lookup retried). */
const PARTITIONS_REFRESH_MS = 60_000;
/**
 * How long a message waits for a producer slot (Max producers) before done(err): as long as the
 * WebSocket proxy's own send timeout, so a slow topic is not mistaken for a stuck one.
 */
const SLOT_WAIT_MS = 30_000;

type InMsg = NodeMessage & ProduceInput & { topic?: unknown };
type Send = (msg: NodeMessage) => void;
type Done = (err?: Error) => void;

/** `done` that acts once: a callback called again after a throw must not end the msg twice. */
function once(done: Done): Done {
  let ended = false;
  return (err) => {
    if (ended) return;
    ended = true;
    done(err);
  };
}

export = function register(RED: NodeAPI): void {
  const t = translator(RED);

  function PulsarOut(this: Node, def: PulsarOutDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    const binding = bindToEndpoint(RED, node, def.endpoint, t);
    const { endpoint, status } = binding;
    const protocolErrors = new RepeatedErrorLog((line) => node.error(line), t);

    let setupError: PulsarError | undefined;
    let pool: ProducerPool | undefined;
    /** Set with "One session per partition": routes messages of partitioned topics over the pool. */
    let partitioned: PartitionedTopics | undefined;
    let staticTopic: TopicName | undefined;
    let closeTimeoutMs = 5000;
    const splitArrays = asBool(def.splitArrays);
    /** What one session holds at once: an array its sessions could not hold is refused whole. */
    let capacity = { maxInFlight: 1, bufferMessages: 0, bufferBytes: 0 };
    /** schema "topic": msg.payload encoded with the topic's newest registered schema. */
    let schemas: SchemaOut | undefined;
    try {
      const schemaMode = optionalEnum("schema", def.schema, ["none", "topic"] as const) ?? "none";
      if (schemaMode === "topic") {
        const registry = new SchemaRegistry({ fetch: (topic, version) => endpoint!.admin().schemaOf(topic, version) });
        schemas = new SchemaOut(registry, (err) => node.error(toNodeError(t, err).message));
      }
      const settings = binding.settings();
      const query = producerQuery(def);
      const encryption = def.keys ? producerEncryption(RED.nodes.getNode(def.keys) as KeysNode | null, def.encryptionKeys, def.compressionType) : undefined;
      const sessionOptions = {
        maxInFlight: intWithDefault("maxInFlight", def.maxInFlight, 500, 1, 100000),
        bufferMessages: intWithDefault("bufferMessages", def.bufferMessages, 10000, 0),
        bufferBytes: intWithDefault("bufferBytes", def.bufferBytes, 16 * 1024 * 1024, 0),
      };
      capacity = { ...sessionOptions };
      // Node-RED gives up on a close after 15 s; stay well inside that.
      closeTimeoutMs = secondsOption("closeTimeout", def.closeTimeout, 5, 0, 12);
      pool = new ProducerPool({
        maxSessions: intWithDefault("maxProducers", def.maxProducers, 10, 1),
        // Waiting for a producer slot is bounded like the offline buffer.
        waitMessages: sessionOptions.bufferMessages,
        waitBytes: sessionOptions.bufferBytes,
        slotWaitMs: SLOT_WAIT_MS,
        // A topic the server refused is tried again at the slowest backoff, as a session would.
        refusalHoldMs: settings.reconnectMaxMs,
        onError: (err) => node.error(toNodeError(t, asPulsarError(err)).message),
        idleTimeoutMs: secondsOption("producerIdleTimeout", def.producerIdleTimeout, 60, 1),
        onChange: () => updateStatus(),
        create: (topic) => {
          // A partition's session holds its share of the node's buffer, so memory stays what was configured.
          const parts = topic.partition?.of ?? 1;
          // With keys, each session has its own data key; its URL carries it wrapped for each public key.
          const enc = encryption?.();
          const session = endpoint!.createProducer({
            topic,
            query: enc ? { ...query, encryptionKeys: enc.urlParam } : query,
            session: {
              ...sessionOptions,
              bufferMessages: shareOf(sessionOptions.bufferMessages, parts),
              bufferBytes: shareOf(sessionOptions.bufferBytes, parts),
              ...(enc ? { seal: (frame: PreparedFrame) => enc.sealFrame(frame) } : {}),
            },
          });
          const logKey = { key: "" };
          session.on("state", (s) => {
            logStateChange(node, t, session.safeUrl, s, logKey, settings.cluster !== undefined);
            updateStatus();
          });
          session.on("counts", () => updateStatus());
          session.on("protocolError", (err) => protocolErrors.report(err));
          return session;
        },
      });
      if (asBool(def.sessionPerPartition)) {
        partitioned = new PartitionedTopics({
          pool,
          lookup: (topic) => endpoint!.admin().partitionsOf(topic),
          hashingScheme: optionalEnum("hashingScheme", def.hashingScheme, HASHING_SCHEMES) ?? "JavaStringHash",
          refreshMs: PARTITIONS_REFRESH_MS,
          bufferMessages: sessionOptions.bufferMessages,
          bufferBytes: sessionOptions.bufferBytes,
          lookupFailed: (topic, err) =>
            node.warn(t("pulsar.log.partitions-lookup-failed", { topic: topic.full, reason: toNodeError(t, err).message, seconds: PARTITIONS_REFRESH_MS / 1000 })),
          onChange: () => updateStatus(),
        });
      }
      if (def.topic && def.topic.trim() !== "") {
        staticTopic = parseTopic(def.topic, settings.defaults);
        // Per partition, the sessions are pinned once the lookup has said how many there are.
        if (partitioned) partitioned.pin(staticTopic);
        else pool.pin(staticTopic);
      }
    } catch (err) {
      setupError = binding.configError(err);
    }

    function updateStatus(): void {
      if (!pool) return;
      const sessions = pool.sessions();
      const lookingUp = partitioned?.waitingCount ?? 0;
      if (sessions.length === 0) {
        // Before the first session, messages may wait for their topic's partition count.
        if (lookingUp > 0) status.show(statusFor({ state: "connecting", attempt: 0 }, { buffered: lookingUp }));
        else node.status({});
        return;
      }
      const buffered = pool.waitingCount + lookingUp + sessions.reduce((n, s) => n + (s.state.state === "open" ? 0 : s.counts.queued), 0);
      status.show(statusOfSessions(sessions.map((s) => s.state), { buffered, sessions: sessions.length, topics: pool.topicCount, v1: endpoint?.settings?.cluster !== undefined }));
    }

    // A full buffer refuses every message with the same error until it has room: translate it once.
    const translatedErrors = new WeakMap<PulsarError, ReturnType<typeof toNodeError>>();
    function nodeErrorOf(err: PulsarError): ReturnType<typeof toNodeError> {
      let nodeError = translatedErrors.get(err);
      if (!nodeError) translatedErrors.set(err, (nodeError = toNodeError(t, err)));
      return nodeError;
    }

    // Node-RED's send() to an unwired output still makes a msg id and a metric per message. It
    // keeps node.wires up to date (a deploy may rewire a node without restarting it).
    const wiring = node as Node & { wires?: string[][] };
    const outputWired = (): boolean => wiring.wires === undefined || wiring.wires.some((port) => port.length > 0);

    let closing = false;
    /**
     * Messages failed because the node closed before Pulsar acked them. On a Full deploy the
     * Catch nodes close together with this one, so their done(err) may reach nobody: one warning
     * with the count is what a user is sure to see.
     */
    let failedAtClose = 0;
    node.on("input", (msg, send, nodeDone) => {
      // With a schema, a callback that throws is called again with the error (SchemaOut): the msg still ends once.
      const done = schemas ? once(nodeDone) : nodeDone;
      const input = msg as InMsg;
      if (setupError || !pool || !endpoint?.settings) {
        done(toNodeError(t, setupError ?? binding.refusal));
        return;
      }
      const settings = endpoint.settings;
      if (closing) {
        done(toNodeError(t, new PulsarError("closed", "closing")));
        return;
      }
      let topic: TopicName;
      let frame;
      let frames: PreparedFrame[] | undefined;
      try {
        // A configured topic wins over msg.topic (as in core MQTT out).
        topic = staticTopic ?? parseTopic(input.topic, settings.defaults);
        const refusal = pool.existing(topic)?.refusal;
        if (refusal) {
          done(nodeErrorOf(refusal));
          return;
        }
        if (splitArrays && Array.isArray(input.payload)) {
          // The schema's encoding converts the elements there; without one, here (refused whole).
          if (!schemas) frames = prepareFrames(input, input.payload as unknown[]);
        } else if (!schemas) frame = prepareFrame(input);
      } catch (err) {
        done(toNodeError(t, err));
        return;
      }
      if (frames || (schemas && splitArrays && Array.isArray(input.payload))) return publishArray(input, topic, frames, send, done);
      const acked = (err: PulsarError | undefined, messageId?: string, partition?: number): void => {
        if (err) {
          if (closing && err.code === "closed-before-ack") failedAtClose++;
          done(nodeErrorOf(err));
          return;
        }
        // The topic the user sent to, also when a partition's session sent it.
        const result = partition === undefined ? { messageId, topic: topic.full } : { messageId, topic: topic.full, partition };
        const previous = input.pulsar;
        input.pulsar = typeof previous === "object" && previous !== null ? { ...previous, ...result } : result;
        if (outputWired()) send(input);
        done();
      };
      const publish = (f: ReturnType<typeof prepareFrame>): void => {
        if (partitioned) partitioned.send(topic, f, acked);
        else pool!.send(topic, f, acked);
      };
      if (!schemas) return publish(frame!);
      // The payload encoded with the topic's schema (KEY_VALUE SEPARATED: also the key); msg keeps its own payload.
      // Whatever throws in here comes back as `err` (SchemaOut), and ends the msg if nothing else did.
      schemas.encode(topic, input.payload, (err, encoded) => {
        if (err || !encoded) return done(toNodeError(t, err));
        publish(prepareFrame({ ...input, payload: encoded.payload, ...(encoded.key === undefined ? {} : { key: encoded.key }) }));
      });
    });

    /** splitArrays: one Pulsar message per element, one done() for the msg (lib/array-out.ts). */
    function publishArray(input: InMsg, topic: TopicName, frames: PreparedFrame[] | undefined, send: Send, done: Done): void {
      const publish = (frames: PreparedFrame[]): void => {
        const placed = partitioned?.placement(topic, frames);
        const tooLarge = arrayOverCapacity(frames, placed ? { ...capacity, ...placed } : capacity);
        if (tooLarge) return done(nodeErrorOf(tooLarge));
        const route = partitioned ?? pool!;
        sendElements(frames, (f, cb) => route.send(topic, f, cb), (messageIds, errors) => {
          const previous = input.pulsar;
          const result = { messageIds, topic: topic.full };
          input.pulsar = typeof previous === "object" && previous !== null ? { ...previous, ...result } : result;
          if (!errors) {
            if (outputWired()) send(input);
            return done();
          }
          if (closing) for (const err of errors) if (err?.code === "closed-before-ack") failedAtClose++;
          done(toNodeError(t, arrayFailure(errors, (err) => nodeErrorOf(err).message)));
        });
      };
      if (frames) return publish(frames);
      // As for a single msg: whatever throws in here comes back as `err`.
      schemas!.encodeAll(topic, input.payload as unknown[], (err, encoded) => {
        if (err || !encoded) return done(toNodeError(t, err));
        publish(prepareEncodedFrames(input, encoded));
      });
    }

    node.on("close", (_removed: boolean, done: () => void) => {
      closing = true;
      const finish = (): void => {
        protocolErrors.close();
        if (failedAtClose > 0) node.warn(t("pulsar.log.closed-unacked", { count: failedAtClose, timeout: closeTimeoutMs / 1000 }));
        status.clear();
        done();
      };
      if (!pool) return finish();
      partitioned?.close();
      pool.closeAll(closeTimeoutMs).then(finish, finish);
    });
  }

  RED.nodes.registerType("pulsar-out", PulsarOut);
};
