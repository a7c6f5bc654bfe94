/**
 * `pulsar-admin`: one operation of Pulsar's admin REST API per input msg, through the endpoint's
 * admin client (same service URL, token and TLS as its sessions). The answer goes out as
 * msg.payload (parsed JSON; null when Pulsar answers with no body); a refusal ends in done(err)
 * naming Pulsar's HTTP status and reason.
 *
 * The operation is the node's `operation`, or msg.operation when that is empty; the topic the
 * node's, else msg.topic; the subscription the node's, else msg.subscription.
 */
import type { Node, NodeAPI, NodeDef, NodeMessage } from "node-red";
import type { PulsarAdmin } from "./lib/connection/admin-operations";
import { bindToEndpoint } from "./lib/endpoint-binding";
import { toNodeError, translator } from "./lib/i18n";
import { asPulsarError, inputError, PulsarError } from "./lib/protocol/errors";
import { parsePosition } from "./lib/protocol/positions";
import { checkSubscriptionName, parseTopic, type TopicDefaults, type TopicName } from "./lib/protocol/topics";

const OPERATIONS = ["stats", "list-topics", "create-topic", "delete-topic", "list-subscriptions", "reset-cursor", "skip-all", "terminate", "peek"] as const;
type Operation = (typeof OPERATIONS)[number];

interface PulsarAdminDef extends NodeDef {
  endpoint: string;
  operation?: string;
  topic?: string;
  subscription?: string;
}

interface AdminMsg extends NodeMessage {
  operation?: unknown;
  subscription?: unknown;
  namespace?: unknown;
  partitions?: unknown;
  position?: unknown;
  count?: unknown;
}

const NAMESPACE = /^([-=:.\w]+)\/([-=:.\w]+)$/;

export = function register(RED: NodeAPI): void {
  const t = translator(RED);

  function PulsarAdminNode(this: Node, def: PulsarAdminDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    const binding = bindToEndpoint(RED, node, def.endpoint, t);
    const endpoint = binding.endpoint;
    const configured = (def.operation ?? "").trim();
    let closing = false;

    if (configured && !OPERATIONS.includes(configured as Operation)) {
      binding.configError(inputError("operation-invalid", { operation: configured }));
    } else {
      try {
        binding.settings();
      } catch (err) {
        binding.configError(err);
      }
    }

    function topicOf(msg: AdminMsg, operation: Operation, defaults: TopicDefaults): TopicName {
      const raw = (def.topic ?? "").trim() || msg.topic;
      if (raw === undefined || raw === null || raw === "") throw inputError("admin-needs-topic", { operation });
      return parseTopic(raw, defaults);
    }

    function subscriptionOf(msg: AdminMsg, operation: Operation): string {
      const raw = (def.subscription ?? "").trim() || msg.subscription;
      if (raw === undefined || raw === null || raw === "") throw inputError("admin-needs-subscription", { operation });
      return checkSubscriptionName(raw);
    }

    function wholeNumber(value: unknown, fallback: number, min: number, max: number, code: string): number {
      if (value === undefined || value === null || value === "") return fallback;
      const n = typeof value === "number" ? value : Number(String(value).trim());
      if (!Number.isInteger(n) || n < min || n > max) throw inputError(code, { value: String(value) });
      return n;
    }

    async function run(admin: PulsarAdmin, operation: Operation, msg: AdminMsg, defaults: TopicDefaults): Promise<unknown> {
      switch (operation) {
        case "stats":
          return admin.stats(topicOf(msg, operation, defaults));
        case "list-topics": {
          if (msg.namespace !== undefined && msg.namespace !== null && msg.namespace !== "") {
            const m = NAMESPACE.exec(String(msg.namespace).trim());
            if (!m) throw inputError("namespace-invalid", { value: String(msg.namespace) });
            return admin.listTopics(m[1], m[2]);
          }
          const raw = (def.topic ?? "").trim() || msg.topic;
          const topic = raw ? parseTopic(raw, defaults) : undefined;
          return admin.listTopics(topic?.tenant ?? defaults.tenant, topic?.namespace ?? defaults.namespace, topic?.domain);
        }
        case "create-topic":
          return admin.createTopic(topicOf(msg, operation, defaults), wholeNumber(msg.partitions, 0, 0, 10000, "partitions-invalid"));
        case "delete-topic":
          return admin.deleteTopic(topicOf(msg, operation, defaults));
        case "list-subscriptions":
          return admin.listSubscriptions(topicOf(msg, operation, defaults));
        case "reset-cursor": {
          const topic = topicOf(msg, operation, defaults);
          const sub = subscriptionOf(msg, operation);
          if (msg.position === undefined || msg.position === null || msg.position === "") throw inputError("admin-needs-position");
          return admin.resetCursor(topic, sub, parsePosition(msg.position));
        }
        case "skip-all":
          return admin.skipAll(topicOf(msg, operation, defaults), subscriptionOf(msg, operation));
        case "terminate":
          return admin.terminate(topicOf(msg, operation, defaults));
        case "peek":
          return admin.peek(topicOf(msg, operation, defaults), subscriptionOf(msg, operation), wholeNumber(msg.count, 1, 1, 100, "count-invalid"));
      }
    }

    node.on("input", (msg, send, done) => {
      const m = msg as AdminMsg;
      let operation: Operation;
      let admin: PulsarAdmin;
      let defaults: TopicDefaults;
      try {
        defaults = binding.settings().defaults;
        const op = configured || (typeof m.operation === "string" ? m.operation.trim() : "");
        if (!OPERATIONS.includes(op as Operation)) throw inputError("operation-invalid", { operation: op || String(m.operation ?? "") });
        operation = op as Operation;
        admin = endpoint!.admin();
      } catch (err) {
        return done(toNodeError(t, err));
      }
      run(admin, operation, m, defaults).then(
        (result) => {
          if (closing) return done(toNodeError(t, new PulsarError("closed", "closing")));
          m.payload = result ?? null;
          node.status({ fill: "green", shape: "dot", text: t("pulsar.status.admin-ok", { operation }) });
          send(m);
          done();
        },
        (err: unknown) => {
          const e = asPulsarError(err);
          node.status(e.code === "admin-http"
            ? { fill: "red", shape: "ring", text: t("pulsar.status.admin-error", { operation, status: e.details.status }) }
            : { fill: "red", shape: "ring", text: t("pulsar.status.admin-failed", { operation }) });
          const out = toNodeError(t, e) as Error & { status?: number };
          if (typeof e.details.status === "number") out.status = e.details.status;
          done(out);
        },
      );
    });

    node.on("close", (done: () => void) => {
      // Calls in flight are bounded by the admin client's timeout; their done() still runs.
      closing = true;
      node.status({});
      done();
    });
  }

  RED.nodes.registerType("pulsar-admin", PulsarAdminNode);
};
