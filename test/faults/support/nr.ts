/**
 * Node-RED plumbing for the fault suite, on top of test/nodes/setup (the same test helper and
 * node modules): the core tls-config node, the runtime's admin API (GET /flows), outcome tracking
 * through real Complete and Catch nodes that scales to 50,000 messages, status tracking through a
 * real Status node, and switching off the helper's per-call spies for high-volume runs.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import type { Node, NodeAPI, NodeMessage } from "node-red";
import { allNodes, flow, helper, type FlowNode } from "../../nodes/setup";
import { captureNodeRedLog } from "./log-capture";

export { allNodes, flow, helper, type FlowNode };

type NodeModule = (RED: NodeAPI) => void;

const nodeRedDir = path.dirname(require.resolve(process.env.NODE_RED_PATH ?? "node-red"));
/** Where @node-red/* live next to node-red (hoisted, or under node-red/node_modules). */
function nodeRedModule(rel: string): string {
  return require.resolve(rel, { paths: [nodeRedDir, path.join(nodeRedDir, "..")] });
}

/** The core tls-config node (Node-RED's own 05-tls.js), loaded like any node module. */
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const tlsConfigNode = require(nodeRedModule("@node-red/nodes/core/network/05-tls.js")) as NodeModule;
export const nodesWithTls: NodeModule[] = [...(allNodes as unknown as NodeModule[]), tlsConfigNode];

interface RedApp {
  log: NodeAPI["log"];
  httpAdmin: http.RequestListener;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const RED = require(process.env.NODE_RED_PATH ?? "node-red") as RedApp;

const PROXIED = ["log", "status", "warn", "error", "debug", "trace", "send"] as const;
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const NodePrototype = (require(nodeRedModule("@node-red/runtime/lib/nodes/Node")) as { prototype: Record<string, unknown> }).prototype;
/** The real methods, taken before any helper.load() wrapped them in recording spies. */
const originalMethods = new Map(PROXIED.map((m) => [m, NodePrototype[m]]));
const logApi = RED.log as unknown as Record<string, unknown>;
const originalLog = logApi.log;

/**
 * The helper wraps node.send/status/error/… in sinon spies that keep every call (and a stack
 * trace each). For 50,000-message runs that is the test's own memory and CPU, not the nodes':
 * put the real methods back after load (helper.unload() restores them anyway).
 */
export function unspy(nodeIds: string[] = []): void {
  for (const [m, fn] of originalMethods) NodePrototype[m] = fn;
  logApi.log = originalLog;
  // Node-RED copies Node.prototype.send onto every node with wires when the node is created.
  for (const id of nodeIds) {
    const node = helper.getNode(id) as unknown as Record<string, unknown> | null;
    const own = node && Object.prototype.hasOwnProperty.call(node, "send") ? (node.send as { resetHistory?: unknown }) : undefined;
    if (node && own && typeof own.resetHistory === "function") node.send = originalMethods.get("send");
  }
}

/** Every node id of a flow (for unspy). */
export function idsOf(nodes: FlowNode[]): string[] {
  return nodes.map((n) => n.id);
}

/** Clears what the helper's spies recorded so far (memory checks). */
export function resetSpyHistory(): void {
  for (const m of PROXIED) {
    const spy = NodePrototype[m] as { resetHistory?: () => void };
    spy.resetHistory?.();
  }
  (helper.log() as unknown as { resetHistory?: () => void } | undefined)?.resetHistory?.();
}

export async function startNodeRed(): Promise<void> {
  await new Promise<void>((resolve) => helper.startServer(() => resolve()));
  captureNodeRedLog(RED);
}

export async function stopNodeRed(): Promise<void> {
  await new Promise<void>((resolve) => helper.stopServer(() => resolve()));
}

/** GET on the runtime's admin API (the editor's own endpoints: /flows, /credentials/…). */
export async function adminGet(urlPath: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  const server = http.createServer(RED.httpAdmin);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  try {
    const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}${urlPath}`, { headers });
    return { status: res.status, body: await res.text() };
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** Complete + Catch nodes scoped to `scope`, wired to helper sinks, and a Status node likewise. */
export function watchers(scope: string[], prefix = "w"): FlowNode[] {
  return [
    { id: `${prefix}-complete`, type: "complete", scope, uncaught: false, wires: [[`${prefix}-completed`]] },
    { id: `${prefix}-catch`, type: "catch", scope, uncaught: false, wires: [[`${prefix}-caught`]] },
    { id: `${prefix}-status`, type: "status", scope, wires: [[`${prefix}-statuses`]] },
    { id: `${prefix}-completed`, type: "helper" },
    { id: `${prefix}-caught`, type: "helper" },
    { id: `${prefix}-statuses`, type: "helper" },
  ];
}

export interface ErrorOutcome {
  message: string;
  source?: string;
}

/** Counts outcomes per _msgid as Complete/Catch nodes report them; scales to 10^5 messages. */
export class Outcomes {
  readonly ok = new Set<string>();
  readonly failed = new Map<string, ErrorOutcome>();
  /** An input that ended twice (done called twice, or done and done(err)). */
  twice = 0;
  readonly statuses: { source: string; text: string; fill?: string; at: number }[] = [];
  private listeners: ((id: string) => void)[] = [];
  private readonly waiters = new Set<(id: string) => void>();

  constructor(prefix = "w") {
    helper.getNode(`${prefix}-completed`).on("input", (msg: NodeMessage) => this.settle(msg._msgid, true));
    helper.getNode(`${prefix}-caught`).on("input", (msg: NodeMessage & { error?: { message?: string; source?: { id?: string } } }) => {
      this.settle(msg._msgid, false, { message: String(msg.error?.message ?? ""), source: msg.error?.source?.id });
    });
    helper.getNode(`${prefix}-statuses`).on("input", (msg: NodeMessage & { status?: { text?: string; fill?: string; source?: { id?: string } } }) => {
      this.statuses.push({ source: String(msg.status?.source?.id ?? ""), text: String(msg.status?.text ?? ""), fill: msg.status?.fill, at: Date.now() });
    });
  }

  get settled(): number {
    return this.ok.size + this.failed.size;
  }

  has(id: string): boolean {
    return this.ok.has(id) || this.failed.has(id);
  }

  onSettle(fn: (id: string) => void): void {
    this.listeners.push(fn);
  }

  statusTexts(source: string): string[] {
    return this.statuses.filter((s) => s.source === source).map((s) => s.text);
  }

  /** Waits (bounded) until every id has an outcome; returns the ids still without one. */
  async waitAll(ids: Iterable<string>, timeoutMs: number): Promise<string[]> {
    const pending = new Set([...ids].filter((id) => !this.has(id)));
    if (pending.size > 0) {
      await new Promise<void>((resolve) => {
        const finish = (): void => {
          clearTimeout(timer);
          this.waiters.delete(waiter);
          resolve();
        };
        const waiter = (id: string): void => {
          if (pending.delete(id) && pending.size === 0) finish();
        };
        const timer = setTimeout(finish, timeoutMs);
        this.waiters.add(waiter);
      });
    }
    return [...pending].filter((id) => !this.has(id));
  }

  private settle(id: string | undefined, ok: boolean, err?: ErrorOutcome): void {
    const key = id ?? "";
    if (this.has(key)) {
      this.twice++;
      return;
    }
    if (ok) this.ok.add(key);
    else this.failed.set(key, err ?? { message: "" });
    for (const l of this.listeners) l(key);
    for (const w of [...this.waiters]) w(key);
  }
}

/** What a helper node downstream of a consumer got: copies per payload (text) and deliveries in all. */
export class Deliveries {
  readonly copies = new Map<string, number>();
  total = 0;

  constructor(nodeId: string) {
    helper.getNode(nodeId).on("input", (msg: NodeMessage) => {
      const payload = String(msg.payload);
      this.total++;
      this.copies.set(payload, (this.copies.get(payload) ?? 0) + 1);
    });
  }

  has(payload: string): boolean {
    return this.copies.has(payload);
  }

  /** Deliveries beyond the first of each payload (at-least-once redeliveries). */
  get redelivered(): number {
    return this.total - this.copies.size;
  }
}

let counter = 0;
export function nextMsgId(prefix: string): string {
  return `${prefix}-${++counter}`;
}

/** node.receive with a known _msgid. */
export function inject(node: Node, msg: Record<string, unknown>, id = nextMsgId("m")): string {
  node.receive({ _msgid: id, ...msg } as NodeMessage);
  return id;
}

/** Forced GC where possible (for memory figures). */
export function gc(): void {
  const g = (globalThis as { gc?: () => void }).gc;
  if (g) {
    g();
    return;
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const v8 = require("node:v8") as typeof import("node:v8");
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const vm = require("node:vm") as typeof import("node:vm");
  v8.setFlagsFromString("--expose-gc");
  const fn = vm.runInNewContext("gc") as () => void;
  (globalThis as { gc?: () => void }).gc = fn;
  fn();
}
