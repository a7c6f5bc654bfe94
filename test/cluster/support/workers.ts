/**
 * The parent's side of the scale-out cases: Node-RED worker processes (support/worker.ts, forked),
 * what each processed and when, and a producing flow in this process (pulsar-out through a real
 * Node-RED flow, paced, bounded in count and time).
 */
import { fork, type ChildProcess } from "node:child_process";
import path from "node:path";
import type { Node } from "node-red";
import { flow, helper, idsOf, inject, nodesWithTls, Outcomes, unspy, watchers, type FlowNode } from "../../faults/support/nr";
import { sleep, until } from "../../support/wait";
import type { WorkerEvent, WorkerSettings } from "./worker";

export interface Processed {
  at: number;
  payload: string;
  key?: string;
  redeliveryCount: number;
}

const live = new Set<NodeRedWorker>();

export class NodeRedWorker {
  readonly processed: Processed[] = [];
  readonly statuses: { at: number; text: string; fill?: string }[] = [];
  exitedAt = 0;
  private readonly child: ChildProcess;
  private readonly exit: Promise<void>;

  constructor(readonly name: string, settings: WorkerSettings) {
    this.child = fork(path.join(__dirname, "worker.js"), [], {
      env: { ...process.env, CLUSTER_WORKER: JSON.stringify(settings) },
      stdio: ["ignore", "ignore", "inherit", "ipc"],
    });
    live.add(this);
    this.exit = new Promise((resolve) => this.child.once("exit", () => {
      this.exitedAt = Date.now();
      live.delete(this);
      resolve();
    }));
    this.child.on("message", (e: WorkerEvent) => {
      const at = Date.now();
      if (e.t === "msg") this.processed.push({ at, payload: e.payload, key: e.key, redeliveryCount: e.redeliveryCount });
      else this.statuses.push({ at, text: e.text, fill: e.fill });
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Until pulsar-in in that process shows a green (connected) status. */
  async connected(timeoutMs = 60_000): Promise<void> {
    await until(() => this.statuses.some((s) => s.fill === "green") || this.exitedAt > 0, timeoutMs, `${this.name} connected`,
      { detail: () => `statuses: ${this.statuses.map((s) => s.text).join(" | ")}`, intervalMs: 50 });
    if (this.exitedAt) throw new Error(`${this.name} exited before its consumer connected`);
  }

  /** SIGKILL: the process dies at once, with whatever it held unacknowledged. */
  async kill(): Promise<void> {
    this.child.kill("SIGKILL");
    await this.exit;
  }

  /** Graceful: the flow is unloaded (pulsar-in closes its consumer), then the process exits; SIGKILL after 20 s. */
  async stop(): Promise<void> {
    if (this.exitedAt) return;
    this.child.send({ t: "stop" });
    const done = await Promise.race([this.exit.then(() => true), sleep(20_000).then(() => false)]);
    if (!done) await this.kill();
  }
}

export async function killAllWorkers(): Promise<void> {
  await Promise.all([...live].map((w) => w.kill()));
}

after(killAllWorkers);

export interface Production {
  /** Ids of the inputs acked by Pulsar (the payloads). */
  acked: Set<string>;
  failed: number;
  unsettled: number;
}

/**
 * Deploys a pulsar-out flow in this process and produces `messages` (payload and optional key)
 * at `ratePerS`, calling `during(settledFraction)` after each batch; waits until every input ended.
 */
export async function produce(
  wsUrl: string,
  topic: string,
  messages: { payload: string; key?: string }[],
  ratePerS: number,
  during: (settled: number) => void,
  timeoutMs: number,
): Promise<Production> {
  const nodes: FlowNode[] = [
    { id: "ep", type: "pulsar-ws-endpoint", serviceUrl: wsUrl, tenant: "public", namespace: "default", reconnectMin: 0.1, reconnectMax: 1, pingInterval: 2, pongTimeout: 3 },
    { id: "out", type: "pulsar-out", endpoint: "ep", topic, maxInFlight: 500, wires: [] },
    ...watchers(["out"]),
  ];
  await helper.load(nodesWithTls, flow(...nodes));
  try {
    unspy(idsOf(nodes));
    const outcomes = new Outcomes();
    const out: Node = helper.getNode("out");
    const started = Date.now();
    const end = started + timeoutMs;
    let offered = 0;
    while (offered < messages.length && Date.now() < end) {
      const allowed = Math.min(messages.length, Math.floor(((Date.now() - started) / 1000) * ratePerS) + 1);
      while (offered < allowed && offered - outcomes.settled < 1000) {
        const m = messages[offered];
        inject(out, m.key === undefined ? { payload: m.payload } : { payload: m.payload, key: m.key }, m.payload);
        offered++;
      }
      during(outcomes.settled / messages.length);
      await sleep(10);
    }
    const unsettled = await outcomes.waitAll(messages.slice(0, offered).map((m) => m.payload), Math.max(1000, end - Date.now()));
    during(1);
    return { acked: new Set([...outcomes.ok]), failed: outcomes.failed.size, unsettled: unsettled.length + messages.length - offered };
  } finally {
    await helper.unload();
  }
}
