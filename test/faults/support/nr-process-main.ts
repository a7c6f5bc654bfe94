/**
 * A Node-RED runtime in a process of its own (forked by nr-process.ts), with nothing of mocha's:
 * a promise rejection nobody handles or an exception thrown in a callback ends this process, as
 * it ends a user's Node-RED. It loads the flow given as JSON in NR_PROCESS_FLOW (credentials in
 * NR_PROCESS_CREDENTIALS), and tells the parent over IPC what its nodes show: every status
 * (through a real Status node), and on request the warnings and errors each node logged.
 */
import type { NodeMessage } from "node-red";
import { allNodes, flow, helper, type FlowNode } from "../../nodes/setup";

export type ProcessEvent =
  | { t: "loaded" }
  | { t: "status"; node: string; text: string; fill?: string }
  | { t: "msg"; node: string; payload: string; topic?: string }
  | { t: "logs"; warnings: Record<string, string[]>; errors: Record<string, string[]> };

type Spy = { args?: unknown[][] };
const send = (e: ProcessEvent): void => {
  process.send?.(e);
};

async function main(): Promise<void> {
  const nodes = JSON.parse(process.env.NR_PROCESS_FLOW ?? "[]") as FlowNode[];
  const credentials = JSON.parse(process.env.NR_PROCESS_CREDENTIALS ?? "{}") as Record<string, Record<string, string>>;
  await new Promise<void>((resolve) => helper.startServer(() => resolve()));
  const ids = nodes.filter((n) => n.type !== "pulsar-ws-endpoint").map((n) => n.id);
  await helper.load(allNodes, flow(
    ...nodes,
    { id: "nr-process-status", type: "status", scope: null, wires: [["nr-process-statuses"]] },
    { id: "nr-process-statuses", type: "helper" },
    { id: "nr-process-out", type: "helper" },
  ), credentials);
  helper.getNode("nr-process-statuses").on("input", (msg: NodeMessage & { status?: { text?: string; fill?: string; source?: { id?: string } } }) => {
    send({ t: "status", node: String(msg.status?.source?.id ?? ""), text: String(msg.status?.text ?? ""), fill: msg.status?.fill });
  });
  helper.getNode("nr-process-out").on("input", (msg: NodeMessage & { _source?: string }) => {
    send({ t: "msg", node: "nr-process-out", payload: String(msg.payload), topic: typeof msg.topic === "string" ? msg.topic : undefined });
  });
  const logged = (method: "warn" | "error"): Record<string, string[]> =>
    Object.fromEntries(ids.map((id) => [id, ((helper.getNode(id) as unknown as Record<string, Spy>)[method]?.args ?? []).map((a) => String(a[0] instanceof Error ? a[0].message : a[0]))]));
  process.on("message", (m: { t?: string }) => {
    if (m.t === "logs") send({ t: "logs", warnings: logged("warn"), errors: logged("error") });
    if (m.t === "stop") void helper.unload().then(() => helper.stopServer(() => process.exit(0)), () => process.exit(0));
  });
  process.on("disconnect", () => process.exit(0));
  send({ t: "loaded" });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
