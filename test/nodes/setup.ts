/**
 * Shared pieces of the Node-RED node tests: the test helper bound to the Node-RED under test
 * (NODE_RED_PATH picks the Node-RED of a scripts/test-matrix.sh row; the devDependency 4.1.x otherwise),
 * the node modules, flow builders, and done()/done(err) tracking.
 */
import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { Node, NodeMessage } from "node-red";
import helper from "node-red-node-test-helper";
import endpointNode from "../../nodes/pulsar-ws-endpoint";
import inNode from "../../nodes/pulsar-in";
import outNode from "../../nodes/pulsar-out";
import adminNode from "../../nodes/pulsar-admin";
import { until } from "../support/wait";
import { FakePulsar } from "../fake/fake-pulsar";

helper.init(require.resolve(process.env.NODE_RED_PATH ?? "node-red"));

export { helper };
export const allNodes = [endpointNode, outNode, inNode, adminNode];

export type FlowNode = Record<string, unknown> & { id: string; type: string };

/** An endpoint tuned for tests: fast reconnects, short keep-alive. */
export function endpoint(url: string, extra: Record<string, unknown> = {}): FlowNode {
  return {
    id: "ep",
    type: "pulsar-ws-endpoint",
    name: "test",
    serviceUrl: url,
    tenant: "public",
    namespace: "default",
    reconnectMin: 0.02,
    reconnectMax: 0.2,
    pingInterval: 0,
    ...extra,
  };
}

export function flow(...nodes: FlowNode[]): FlowNode[] {
  return [{ id: "f1", type: "tab", label: "test" }, ...nodes.map((n) => ({ z: "f1", ...n }))];
}

/** A helper node collecting what reaches it. */
export function sink(id: string): FlowNode {
  return { id, type: "helper" };
}

export interface Collected {
  msgs: NodeMessage[];
  waitFor(count: number, timeoutMs?: number): Promise<NodeMessage[]>;
}

export function collect(node: Node): Collected {
  const msgs: NodeMessage[] = [];
  node.on("input", (msg: NodeMessage) => msgs.push(msg));
  return {
    msgs,
    waitFor: (count, timeoutMs = 5000) => until(() => (msgs.length >= count ? msgs.slice(0, count) : undefined), timeoutMs, `${count} messages (got ${msgs.length})`),
  };
}

// test/examples takes `until` from here.
export { until };

/**
 * Complete and Catch nodes scoped to `nodeId`, wired to helper sinks: the way a flow observes
 * done() and done(err). Add the returned nodes to the flow, then call `outcomes()` after load.
 */
export function doneWatchers(...nodeIds: string[]): FlowNode[] {
  return [
    { id: "watch-complete", type: "complete", scope: nodeIds, uncaught: false, wires: [["completed"]] },
    { id: "watch-catch", type: "catch", scope: nodeIds, uncaught: false, wires: [["caught"]] },
    sink("completed"),
    sink("caught"),
  ];
}

export interface Outcome {
  ok: boolean;
  error?: { message: string; source?: { id: string } };
  msg: NodeMessage;
}

export interface OutcomeTracker {
  /** Every outcome seen per _msgid (more than one would mean done was called twice). */
  byId: Map<string, Outcome[]>;
  waitFor(msgids: string[], timeoutMs?: number): Promise<Outcome[]>;
}

export function outcomes(): OutcomeTracker {
  const byId = new Map<string, Outcome[]>();
  const record = (ok: boolean) => (msg: NodeMessage & { error?: Outcome["error"] }) => {
    const list = byId.get(msg._msgid ?? "") ?? [];
    list.push({ ok, error: msg.error, msg });
    byId.set(msg._msgid ?? "", list);
  };
  helper.getNode("completed").on("input", record(true));
  helper.getNode("caught").on("input", record(false));
  return {
    byId,
    waitFor: async (msgids, timeoutMs = 5000) => {
      await until(() => msgids.every((id) => byId.has(id)), timeoutMs, `outcomes of ${msgids.length} messages (have ${msgids.filter((id) => byId.has(id)).length})`);
      return msgids.map((id) => {
        const list = byId.get(id)!;
        assert.equal(list.length, 1, `message ${id} completed ${list.length} times`);
        return list[0];
      });
    },
  };
}

let counter = 0;
/** Sends a msg into a node with a known _msgid, so its outcome can be awaited. */
export function inject(node: Node, msg: Record<string, unknown>): string {
  const id = `t${++counter}`;
  node.receive({ _msgid: id, ...msg } as NodeMessage);
  return id;
}

/**
 * The hooks of a node test against the fake Pulsar: the helper's server for the describe, a
 * fresh fake for each case, unloaded and stopped after it. Returns the current fake.
 */
export function useFakePulsar(): () => FakePulsar {
  let fake: FakePulsar | undefined;
  before((done) => {
    helper.startServer(done);
  });
  after((done) => {
    helper.stopServer(done);
  });
  beforeEach(async () => {
    fake = await FakePulsar.start();
  });
  afterEach(async () => {
    await helper.unload();
    await fake?.stop();
    fake = undefined;
  });
  return () => {
    if (!fake) throw new Error("the fake Pulsar is used outside a test");
    return fake;
  };
}

/**
 * A loopback HTTP server posing as Pulsar's admin API for the whole describe block (listening
 * before, closed after), and Node-RED's admin app started and emptied around each test. Returns
 * the server's base URL (once listening).
 */
export function useLoopbackAdmin(handler: http.RequestListener): () => string {
  let server: http.Server | undefined;
  let url = "";
  before(async () => {
    server = http.createServer(handler);
    await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));
  beforeEach(() => new Promise<void>((resolve) => helper.startServer(resolve)));
  afterEach(async () => {
    await helper.unload();
    await new Promise<void>((resolve) => helper.stopServer(resolve));
  });
  return () => url;
}
