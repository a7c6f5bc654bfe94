/**
 * The parent's side of a Node-RED runtime in its own process (nr-process-main.ts): for faults that
 * must be shown not to end Node-RED. The child has Node's default handling of an unhandled
 * rejection and of an uncaught exception (the process exits), so "still running" is a real answer.
 */
import { fork, type ChildProcess } from "node:child_process";
import path from "node:path";
import type { FlowNode } from "../../nodes/setup";
import { until } from "../../support/wait";
import type { ProcessEvent } from "./nr-process-main";

export class NodeRedProcess {
  readonly statuses: { node: string; text: string; fill?: string }[] = [];
  readonly msgs: { payload: string; topic?: string }[] = [];
  exitCode: number | null | undefined;
  stderr = "";
  private readonly child: ChildProcess;
  private loaded = false;
  private logs: Extract<ProcessEvent, { t: "logs" }> | undefined;

  private constructor(nodes: FlowNode[], credentials: Record<string, Record<string, string>>, env: Record<string, string>) {
    this.child = fork(path.join(__dirname, "nr-process-main.js"), [], {
      env: { ...process.env, ...env, NR_PROCESS_FLOW: JSON.stringify(nodes), NR_PROCESS_CREDENTIALS: JSON.stringify(credentials) },
      stdio: ["ignore", "ignore", "pipe", "ipc"],
    });
    this.child.stderr?.on("data", (d: Buffer) => (this.stderr += d.toString()));
    this.child.once("exit", (code) => (this.exitCode = code));
    this.child.on("message", (e: ProcessEvent) => {
      if (e.t === "loaded") this.loaded = true;
      else if (e.t === "status") this.statuses.push(e);
      else if (e.t === "msg") this.msgs.push(e);
      else if (e.t === "logs") this.logs = e;
    });
  }

  /** Forks the runtime, loads `nodes` (wire outputs to "nr-process-out" to see messages). */
  static async start(nodes: FlowNode[], credentials: Record<string, Record<string, string>> = {}, env: Record<string, string> = {}): Promise<NodeRedProcess> {
    const p = new NodeRedProcess(nodes, credentials, env);
    await until(() => p.loaded || p.exitCode !== undefined, 60_000, "the Node-RED process to load its flow");
    if (!p.loaded) throw new Error(`the Node-RED process exited (${p.exitCode}) before loading: ${p.stderr}`);
    return p;
  }

  get running(): boolean {
    return this.exitCode === undefined;
  }

  lastStatus(node: string): string | undefined {
    return this.statuses.filter((s) => s.node === node).at(-1)?.text;
  }

  /** What each node logged with node.warn and node.error so far. */
  async logged(): Promise<{ warnings: Record<string, string[]>; errors: Record<string, string[]> }> {
    this.logs = undefined;
    this.child.send({ t: "logs" });
    return until(() => this.logs ?? (this.exitCode !== undefined ? { warnings: {}, errors: {} } : undefined), 10_000, "the process's logs");
  }

  async stop(): Promise<void> {
    if (this.exitCode !== undefined) return;
    this.child.send({ t: "stop" });
    const exited = until(() => this.exitCode !== undefined, 10_000, "the Node-RED process to exit").catch(() => this.child.kill("SIGKILL"));
    await exited;
  }
}
