/**
 * `pulsar-in`: emits messages from a Pulsar subscription (consumer) or a reader.
 *
 * Auto ack answers each message right after it is sent on. Manual ack gives the node an
 * input: a msg carrying msg.pulsar.messageId acks it, with msg.ack === false nacks it. The same
 * input takes msg.action "pause"/"resume" (pull mode stops/starts granting permits).
 */
import type { Node, NodeAPI, NodeDef, NodeMessage } from "node-red";
import { usableSettings } from "./lib/endpoint-settings";
import type { EndpointNode } from "./lib/endpoint-types";
import { RepeatedErrorLog } from "./lib/error-throttle";
import { toNodeError, translator } from "./lib/i18n";
import { PulsarError } from "./lib/protocol/errors";
import { toConsumedMsg, PAYLOAD_FORMATS, type PayloadFormat, type ConsumeContext } from "./lib/protocol/consume";
import { asBool, consumerQuery, intWithDefault, normalizeStartMessageId, optionalEnum, readerQuery, type ConsumerOptionsInput, type ReaderOptionsInput } from "./lib/protocol/options";
import type { ConsumerMessageFrame } from "./lib/protocol/server-frames";
import { checkSubscriptionName, parseTopic } from "./lib/protocol/topics";
import type { ConsumerSession } from "./lib/session/consumer";
import { logStateChange, statusFor, StatusReporter } from "./lib/status";

type Raw = string | number | boolean | undefined;

interface PulsarInDef extends NodeDef, ConsumerOptionsInput, ReaderOptionsInput {
  endpoint: string;
  topic?: string;
  mode?: string;
  subscription?: string;
  ackMode?: string;
  payloadFormat?: string;
  startMessageId?: string;
  pullWindow?: Raw;
}

interface ControlMsg extends NodeMessage {
  action?: unknown;
  ack?: unknown;
  pulsar?: { messageId?: unknown };
}

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

    let session: ConsumerSession | undefined;
    try {
      session = openSession();
    } catch (err) {
      node.error(toNodeError(t, err).message);
      node.status({ fill: "red", shape: "ring", text: t("pulsar.status.config-error") });
    }

    function openSession(): ConsumerSession {
      const settings = usableSettings(endpoint);
      const topic = parseTopic(def.topic, settings.defaults);
      const format: PayloadFormat = optionalEnum("payloadFormat", def.payloadFormat, PAYLOAD_FORMATS) ?? "auto";
      const pullMode = !reader && asBool(def.pullMode);
      const sessionOptions = { pullMode, pullWindow: intWithDefault("pullWindow", def.pullWindow, 100, 1, 1000) };
      let opened: ConsumerSession;
      let ctx: ConsumeContext;
      if (reader) {
        const startAt = normalizeStartMessageId(def.startMessageId);
        readerQuery(def, startAt); // validate options now, not at the first connect
        ctx = { topic: topic.full, format };
        // After a reconnect the session resumes after its last emitted message (exclusive start).
        opened = endpoint!.createConsumer({ role: "reader", topic, query: (resumeAfter) => readerQuery(def, resumeAfter ?? startAt), session: sessionOptions });
      } else {
        const subscription = checkSubscriptionName(def.subscription);
        const query = consumerQuery(def);
        ctx = { topic: topic.full, subscription, format };
        opened = endpoint!.createConsumer({ role: "consumer", topic, subscription, query: () => query, session: sessionOptions });
      }
      const logKey = { key: "" };
      opened.on("message", (frame) => deliver(opened, frame, ctx));
      opened.on("state", (s) => {
        logStateChange(node, t, opened.safeUrl, s, logKey, settings.cluster !== undefined);
        updateStatus(opened);
      });
      opened.on("unacked", () => {
        if (manualAck) updateStatus(opened);
      });
      opened.on("protocolError", (err) => protocolErrors.report(err));
      return opened;
    }

    function deliver(s: ConsumerSession, frame: ConsumerMessageFrame, ctx: ConsumeContext): void {
      let msg;
      try {
        msg = toConsumedMsg(frame, ctx);
      } catch (err) {
        // The payload cannot be decoded as configured: hand it to Catch with its raw bytes and
        // id, so a flow can inspect it and (in manual mode) ack or nack it.
        const raw = toConsumedMsg(frame, { ...ctx, format: "base64" });
        node.error(toNodeError(t, err), raw as unknown as NodeMessage);
        if (!manualAck) s.ack(frame.messageId);
        return;
      }
      node.send(msg as unknown as NodeMessage);
      if (!manualAck) s.ack(frame.messageId);
    }

    function updateStatus(s: ConsumerSession): void {
      status.show(statusFor(s.state, { unacked: manualAck ? s.unackedCount : undefined, paused: s.isPaused, v1: endpoint?.settings?.cluster !== undefined }));
    }

    node.on("input", (msg, _send, done) => {
      const control = msg as ControlMsg;
      if (!session) return done(toNodeError(t, new PulsarError("config", "no-endpoint")));
      if (control.action !== undefined) {
        if (control.action === "pause") session.pause();
        else if (control.action === "resume") session.resume();
        else return done(toNodeError(t, new PulsarError("input", "invalid-action", { action: String(control.action) })));
        updateStatus(session);
        return done();
      }
      const messageId = control.pulsar?.messageId;
      if (typeof messageId !== "string" || messageId === "") {
        return done(toNodeError(t, new PulsarError("input", "no-message-id")));
      }
      if (control.ack === false) session.nack(messageId);
      else session.ack(messageId);
      // Acks get no reply from Pulsar; one that cannot be sent now is covered by redelivery.
      done();
    });

    node.on("close", (_removed: boolean, done: () => void) => {
      const finish = (): void => {
        protocolErrors.close();
        status.clear();
        done();
      };
      if (!session) return finish();
      session.close().then(finish, finish);
    });
  }

  RED.nodes.registerType("pulsar-in", PulsarIn);
};
