/**
 * Real Node-RED flows for the integration cases, through node-red-node-test-helper: builders for
 * the endpoint / pulsar-out / pulsar-in nodes pointed at a real Pulsar, and a deployed-flow handle
 * that collects what reaches helper sinks, the done()/done(err) outcomes (Complete and Catch
 * nodes), each node's status history and every log line.
 */
import assert from "node:assert/strict";
import type { Node, NodeMessage } from "node-red";
import { sharedPulsar, startPulsar, type PulsarInstance, type PulsarLine, type StartOptions } from "../../../harness/pulsar";
import { allNodes, flow, helper, type FlowNode } from "../../nodes/setup";
import { waitUntil } from "../../support/wait";

export { helper, type FlowNode };

/** What pulsar-in emits (README, msg contract). */
export type InMsg = NodeMessage & {
  payload: unknown;
  topic: string;
  key?: string;
  properties: Record<string, string>;
  pulsar: {
    messageId: string;
    redeliveryCount: number;
    publishTime?: string;
    eventTime?: string;
    subscription?: string;
    topic: string;
    key?: string;
  };
};

/** What pulsar-out emits once Pulsar acked. */
export type AckedMsg = NodeMessage & { payload: unknown; properties?: Record<string, string>; key?: string; pulsar: { messageId: string; topic: string } };

export interface Outcome {
  ok: boolean;
  error?: { message: string };
  msg: NodeMessage;
}

export interface StatusObject {
  fill?: string;
  shape?: string;
  text?: string;
}

interface SpyCall {
  thisValue: unknown;
  args: unknown[];
}

interface Spy {
  getCalls(): SpyCall[];
}

/** The endpoint config node for a harness Pulsar: http:// service URL (the node maps it to ws://), quick reconnects. */
export function endpointNode(pulsar: PulsarInstance, extra: Record<string, unknown> = {}): FlowNode {
  return {
    id: "ep",
    type: "pulsar-ws-endpoint",
    name: "integration",
    serviceUrl: pulsar.httpUrl,
    cluster: "",
    tenant: "public",
    namespace: "default",
    tls: "",
    reconnectMin: 0.1,
    reconnectMax: 1,
    ...extra,
  };
}

/*
 * Without x/y coordinates the runtime treats every node as a config node and creates them in
 * dependency order: a property whose value equals another node's id counts as a reference. So
 * node ids must never equal a property value (e.g. an id "auto" beside payloadFormat "auto" is a
 * circular dependency), and a node's name is never its id.
 */

/** A pulsar-out wired to the helper sink `<id>-acked`. */
export function outNode(id: string, topic: string, extra: Record<string, unknown> = {}): FlowNode[] {
  return [
    { id, type: "pulsar-out", name: `${id} node`, endpoint: "ep", topic, closeTimeout: 2, wires: [[`${id}-acked`]], ...extra },
    { id: `${id}-acked`, type: "helper" },
  ];
}

/** A pulsar-in wired to the helper sink `<id>-out`. */
export function inNode(id: string, topic: string, extra: Record<string, unknown> = {}): FlowNode[] {
  return [
    { id, type: "pulsar-in", name: `${id} node`, endpoint: "ep", topic, mode: "subscription", subscriptionType: "Exclusive", ackMode: "auto", payloadFormat: "auto", wires: [[`${id}-out`]], ...extra },
    { id: `${id}-out`, type: "helper" },
  ];
}

/** Fails before loading when property values make the runtime see a circular config dependency. */
function assertNoReferenceCycle(nodes: FlowNode[]): void {
  const ids = new Set(nodes.map((n) => n.id));
  const refs = new Map(nodes.map((n) => [n.id, Object.entries(n).filter(([k, v]) => k !== "id" && k !== "wires" && typeof v === "string" && ids.has(v)).map(([, v]) => v as string)]));
  const state = new Map<string, "visiting" | "done">();
  const visit = (id: string, path: string[]): void => {
    if (state.get(id) === "done") return;
    if (state.get(id) === "visiting") throw new Error(`node ids form a reference cycle ${[...path, id].join(" → ")}: a property value equals a node id`);
    state.set(id, "visiting");
    for (const next of refs.get(id) ?? []) visit(next, [...path, id]);
    state.set(id, "done");
  };
  for (const id of ids) visit(id, []);
}

let msgCounter = 0;

export interface DeployOptions {
  /** Node-RED credentials by node id, e.g. `{ ep: { token } }`. */
  credentials?: Record<string, Record<string, string>>;
  /** Ids of nodes whose done()/done(err) are watched through Complete and Catch nodes. */
  watch?: string[];
  /** Node modules to load besides ours, e.g. core's `http proxy` config node. */
  modules?: typeof allNodes;
}

export class TestFlow {
  private readonly collected = new Map<string, InMsg[]>();
  readonly outcomes = new Map<string, Outcome[]>();
  private readonly logSpy: Spy;

  private constructor(sinkIds: string[]) {
    for (const id of sinkIds) {
      const msgs: InMsg[] = [];
      this.collected.set(id, msgs);
      helper.getNode(id).on("input", (msg: NodeMessage) => msgs.push(msg as InMsg));
    }
    this.logSpy = helper.log() as unknown as Spy;
    const record = (ok: boolean) => (msg: NodeMessage & { error?: { message: string } }) => {
      const id = msg._msgid ?? "";
      const list = this.outcomes.get(id) ?? [];
      list.push({ ok, error: msg.error, msg });
      this.outcomes.set(id, list);
    };
    if (sinkIds.includes("completed")) helper.getNode("completed").on("input", record(true));
    if (sinkIds.includes("caught")) helper.getNode("caught").on("input", record(false));
  }

  static async deploy(nodes: FlowNode[], opts: DeployOptions = {}): Promise<TestFlow> {
    const all = [...nodes];
    assertNoReferenceCycle(all);
    if (opts.watch?.length) {
      all.push(
        { id: "watch-complete", type: "complete", scope: opts.watch, uncaught: false, wires: [["completed"]] },
        { id: "watch-catch", type: "catch", scope: opts.watch, uncaught: false, wires: [["caught"]] },
        { id: "completed", type: "helper" },
        { id: "caught", type: "helper" },
      );
    }
    await helper.load([...allNodes, ...(opts.modules ?? [])], flow(...all), opts.credentials ?? {});
    const missing = all.filter((n) => !helper.getNode(n.id)).map((n) => n.id);
    if (missing.length) throw new Error(`the flow did not start nodes ${missing.join(", ")} (see the runtime error above)`);
    return new TestFlow(all.filter((n) => n.type === "helper").map((n) => n.id));
  }

  node(id: string): Node {
    const node = helper.getNode(id);
    assert.ok(node, `no node ${id} in the flow`);
    return node;
  }

  /** Messages that reached sink `id` (for pulsar-in `x`: `x-out`; for pulsar-out `x`: `x-acked`). */
  received(sinkId: string): InMsg[] {
    const msgs = this.collected.get(sinkId);
    assert.ok(msgs, `no helper sink ${sinkId}`);
    return msgs;
  }

  async waitReceived(sinkId: string, count: number, timeoutMs: number): Promise<InMsg[]> {
    const msgs = this.received(sinkId);
    await waitUntil(`${count} messages at ${sinkId}`, () => msgs.length >= count, timeoutMs, () => `got ${msgs.length}`);
    return msgs;
  }

  /** Sends a msg into node `id` (as a wire would) with a known _msgid; returns it. */
  send(id: string, msg: Record<string, unknown>): string {
    const msgid = `it${++msgCounter}`;
    this.node(id).receive({ _msgid: msgid, ...msg } as NodeMessage);
    return msgid;
  }

  /** Waits until each msgid has an outcome and checks none completed twice. */
  async waitOutcomes(msgids: string[], timeoutMs: number): Promise<Outcome[]> {
    await waitUntil(`done() or done(err) of ${msgids.length} messages`, () => msgids.every((id) => this.outcomes.has(id)), timeoutMs,
      () => `have ${msgids.filter((id) => this.outcomes.has(id)).length}`);
    return msgids.map((id) => {
      const list = this.outcomes.get(id)!;
      assert.equal(list.length, 1, `message ${id} completed ${list.length} times`);
      return list[0];
    });
  }

  /**
   * Produces `count` messages through node `out`, numbered from `from` (payload `m<n>`, property
   * seq), and asserts every one ended in done(); returns their msg ids.
   */
  async produceNumbered(count: number, from = 0, extra: (n: number) => Record<string, unknown> = () => ({})): Promise<string[]> {
    const ids = Array.from({ length: count }, (_, i) => this.send("out", { payload: `m${from + i}`, properties: { seq: String(from + i) }, ...extra(from + i) }));
    const outcomes = await this.waitOutcomes(ids, 30_000);
    assert.ok(outcomes.every((o) => o.ok), JSON.stringify(outcomes.filter((o) => !o.ok).map((o) => o.error)));
    return ids;
  }

  /** Msg ids whose done()/done(err) fired more than once so far. */
  completedTwice(): string[] {
    return [...this.outcomes].filter(([, list]) => list.length > 1).map(([id]) => id);
  }

  /** Every status node `id` showed, oldest first. */
  statuses(id: string): StatusObject[] {
    const node = this.node(id);
    return (node.status as unknown as Spy).getCalls().filter((c) => c.thisValue === node).map((c) => (c.args[0] ?? {}) as StatusObject);
  }

  lastStatus(id: string): StatusObject | undefined {
    return this.statuses(id).at(-1);
  }

  async waitStatus(id: string, pattern: RegExp, timeoutMs: number): Promise<StatusObject> {
    let found: StatusObject | undefined;
    await waitUntil(`status ${pattern} on ${id}`, () => {
      const last = this.lastStatus(id);
      if (last?.text !== undefined && pattern.test(last.text)) found = last;
      return found !== undefined;
    }, timeoutMs, () => `statuses: ${JSON.stringify(this.statuses(id).map((s) => s.text))}`);
    return found!;
  }

  /** Waits until every pulsar node named is connected (status text starts with "connected" or shows unacked). */
  async waitConnected(ids: string[], timeoutMs = 20_000): Promise<void> {
    for (const id of ids) await this.waitStatus(id, /^(connected|\d+ unacked|paused)/, timeoutMs);
  }

  /** Every line logged through Node-RED's log while this flow ran (node.log/warn/error included). */
  logLines(): string[] {
    return this.logSpy.getCalls().map((c) => JSON.stringify(c.args[0]));
  }

  /** Log lines from node `id` (warn/error/info), as text. */
  logsOf(id: string): string[] {
    return this.logSpy.getCalls()
      .map((c) => c.args[0] as { id?: string; msg?: unknown })
      .filter((entry) => entry?.id === id)
      .map((entry) => (typeof entry.msg === "string" ? entry.msg : JSON.stringify(entry.msg)));
  }

  /** Closes one node as a redeploy that removes it would (the rest of the flow keeps running). */
  async closeNode(id: string): Promise<void> {
    await this.node(id).close(true);
  }
}

/** The mocha hooks every integration describe needs: the helper's server, and unload after each case. */
export function useNodeRed(): void {
  before((done) => {
    helper.startServer(done);
  });
  afterEach(async () => {
    // INTEGRATION_LOGS=1 prints what the nodes warned or reported as errors in each case.
    if (process.env.INTEGRATION_LOGS) {
      const spy = helper.log() as unknown as Spy | undefined;
      const lines = (spy?.getCalls() ?? []).map((c) => c.args[0] as { level?: number; id?: string; msg?: unknown })
        .filter((e) => (e?.level ?? 99) <= 30 && e.id !== undefined)
        .map((e) => `        [${e.level === 20 ? "error" : "warn"}] ${e.id}: ${typeof e.msg === "string" ? e.msg : JSON.stringify(e.msg)}`);
      if (lines.length) console.log(lines.join("\n"));
    }
    await helper.unload();
  });
  after((done) => {
    helper.stopServer(done);
  });
}

/** Payloads etc. keyed by a `seq` property, in arrival order. */
export function seqs(msgs: InMsg[]): string[] {
  return msgs.map((m) => m.properties?.seq ?? "?");
}

/** An emitted msg to wire back into its pulsar-in (an ack), under a fresh _msgid so its own done() can be awaited. */
export function wiredBack(m: InMsg): Record<string, unknown> {
  const copy: Record<string, unknown> = { ...m };
  delete copy._msgid;
  return copy;
}

/**
 * The shared real Pulsar of `line` for the calling describe (started once per process, waited
 * for in a before hook with the start's own timeout), and Node-RED's hooks. Returns the instance.
 */
export function usePulsarAndNodeRed(line: PulsarLine, startTimeoutMs = 240_000): () => PulsarInstance {
  let pulsar: PulsarInstance | undefined;
  before(async function () {
    this.timeout(startTimeoutMs);
    pulsar = await sharedPulsar(line);
  });
  useNodeRed();
  return () => {
    if (!pulsar) throw new Error("Pulsar is used before its before hook ran");
    return pulsar;
  };
}

/**
 * A Pulsar of the calling describe's own (auth, an idle timeout, one to restart…), started in a
 * before hook with the start's own timeout and stopped in an after hook, and Node-RED's hooks.
 * `options` may be a function, for options known only once an earlier before hook ran (an issuer's
 * key). Returns the instance.
 */
export function useOwnPulsarAndNodeRed(options: StartOptions | (() => StartOptions), startTimeoutMs = 240_000): () => PulsarInstance {
  let pulsar: PulsarInstance | undefined;
  before(async function () {
    this.timeout(startTimeoutMs);
    pulsar = await startPulsar(typeof options === "function" ? options() : options);
  });
  after(async function () {
    this.timeout(120_000);
    await pulsar?.stop();
  });
  useNodeRed();
  return () => {
    if (!pulsar) throw new Error("Pulsar is used before its before hook ran");
    return pulsar;
  };
}
