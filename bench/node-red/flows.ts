/**
 * The flows the benchmark deploys, in the shape the editor saves them. Every option not named
 * here is left at its editor default, as a user who drops the nodes in would have it.
 */

export type FlowNode = Record<string, unknown> & { id: string; type: string };

const TAB = "bench-tab";

/** A tab holding `nodes`; the runtime takes a node without x/y for a config node, so they get a place. */
export function flow(...nodes: FlowNode[]): FlowNode[] {
  const placed = nodes.map((n, i) => (n.type === "pulsar-ws-endpoint" ? n : { z: TAB, x: 200 + 200 * i, y: 100, ...n }));
  return [{ id: TAB, type: "tab", label: "benchmark" }, ...placed];
}

export function endpoint(serviceUrl: string, extra: Record<string, unknown> = {}): FlowNode {
  return { id: "bench-endpoint", type: "pulsar-ws-endpoint", name: "", serviceUrl, cluster: "", tenant: "public", namespace: "default", tls: "", ...extra };
}

export function pulsarOut(id: string, topic: string, extra: Record<string, unknown> = {}): FlowNode {
  return { id, type: "pulsar-out", name: "", endpoint: "bench-endpoint", topic, wires: [[]], ...extra };
}

/** A consumer with auto-ack, wired to `to`. */
export function pulsarIn(id: string, topic: string, subscription: string, to: string, extra: Record<string, unknown> = {}): FlowNode {
  return { id, type: "pulsar-in", name: "", endpoint: "bench-endpoint", topic, mode: "subscription", subscription, ackMode: "auto", payloadFormat: "auto", wires: [[to]], ...extra };
}

export function probe(id: string): FlowNode {
  return { id, type: "bench-probe", wires: [] };
}

/** A node that completes each message at once (Node-RED's own cost per message). */
export function doneAtOnce(id: string): FlowNode {
  return { id, type: "bench-done", wires: [] };
}
