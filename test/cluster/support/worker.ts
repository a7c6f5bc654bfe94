/**
 * A separate Node-RED process for the scale-out cases, run with child_process.fork: its own
 * Node-RED runtime (node-red-node-test-helper) with one flow, endpoint → manual-ack pulsar-in →
 * `ms` of processing → a sink that reports the message to the parent over IPC and, once the report
 * is written, sends it back into pulsar-in (the ack). The settings come as JSON in CLUSTER_WORKER.
 *
 * Messages to the parent: {t:"status", text, fill}, {t:"msg", payload, key, redeliveryCount,
 * messageId}. From the parent: {t:"stop"} unloads the flow (the consumer closes cleanly) and exits.
 */
import type { NodeMessage } from "node-red";
import { allNodes, flow, helper } from "../../nodes/setup";
import { faultNodes } from "../../faults/support/test-nodes";

export interface WorkerSettings {
  wsUrl: string;
  topic: string;
  subscription: string;
  subscriptionType: "Failover" | "Key_Shared" | "Shared";
  consumerName: string;
  /** Processing time per message, ms. */
  ms: number;
  receiverQueueSize: number;
}

export type WorkerEvent =
  | { t: "status"; text: string; fill?: string }
  | { t: "msg"; payload: string; key?: string; redeliveryCount: number; messageId: string };

async function main(): Promise<void> {
  const s = JSON.parse(process.env.CLUSTER_WORKER ?? "{}") as WorkerSettings;
  const send = (e: WorkerEvent): void => {
    process.send?.(e);
  };
  await new Promise<void>((resolve) => helper.startServer(() => resolve()));
  await helper.load([...allNodes, faultNodes], flow(
    { id: "ep", type: "pulsar-ws-endpoint", serviceUrl: s.wsUrl, tenant: "public", namespace: "default", reconnectMin: 0.1, reconnectMax: 1, pingInterval: 2, pongTimeout: 3 },
    { id: "in", type: "pulsar-in", endpoint: "ep", topic: s.topic, mode: "subscription", subscription: s.subscription, subscriptionType: s.subscriptionType, initialPosition: "Earliest", consumerName: s.consumerName, receiverQueueSize: String(s.receiverQueueSize), ackMode: "manual", payloadFormat: "utf8", wires: [["proc"]] },
    { id: "proc", type: "fault-delay", ms: s.ms, wires: [["processed"]] },
    { id: "processed", type: "helper" },
    { id: "st", type: "status", scope: ["in"], wires: [["statuses"]] },
    { id: "statuses", type: "helper" },
  ));
  // Processed = reported to the parent; only once the report is written does the msg go back into
  // pulsar-in as its ack, so a kill can cost a duplicate but never an acked, unreported message.
  const inNode = helper.getNode("in");
  helper.getNode("processed").on("input", (msg: NodeMessage & { key?: string; pulsar?: { redeliveryCount?: number; messageId?: string } }) => {
    const event: WorkerEvent = { t: "msg", payload: String(msg.payload), key: msg.key, redeliveryCount: msg.pulsar?.redeliveryCount ?? 0, messageId: String(msg.pulsar?.messageId ?? "") };
    process.send?.(event, undefined, {}, () => inNode.receive(msg));
  });
  helper.getNode("statuses").on("input", (msg: NodeMessage & { status?: { text?: string; fill?: string } }) => {
    send({ t: "status", text: String(msg.status?.text ?? ""), fill: msg.status?.fill });
  });
  process.on("message", (m: { t?: string }) => {
    if (m.t !== "stop") return;
    void helper.unload().then(() => helper.stopServer(() => process.exit(0)));
  });
  // The parent going away ends this process too (no orphan consumers).
  process.on("disconnect", () => process.exit(0));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
