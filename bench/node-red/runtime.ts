/**
 * A real Node-RED runtime in this process, set up as a user's would be: a user directory with
 * this package installed in its node_modules (a symlink to the project, so dist/ is what loads),
 * flows deployed through the runtime API, messages handed to a node's `receive`, and `done`
 * observed through the runtime's own onComplete hook (no extra node, no message clone).
 */
import type { EventEmitter } from "node:events";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import nodeRed from "node-red";
import type { Node, NodeMessage } from "node-red";
import { waitUntil, type Producer, type SendDone } from "../drivers";
import type { FlowNode } from "./flows";

interface CompleteEvent {
  msg: NodeMessage;
  error?: unknown;
}

interface RuntimeEvent {
  id: string;
  payload?: { revision?: string };
}

/** The parts of `require("node-red")` used here (its published types leave them open). */
interface NodeRedApp {
  init(server: http.Server, settings: Record<string, unknown>): void;
  start(): Promise<void>;
  stop(): Promise<void>;
  nodes: { getNode(id: string): Node | null };
  events: EventEmitter<{ "runtime-event": [RuntimeEvent] }>;
  hooks: { add(name: string, handler: (event: CompleteEvent) => void): void; remove(name: string): void };
  runtime: { flows: { setFlows(opts: { flows: { flows: FlowNode[] }; deploymentType: string }): Promise<{ rev: string }> } };
}

const RED = nodeRed as unknown as NodeRedApp;
const PACKAGE_NAME = "@pulsar-ws/node-red-pulsar";
const HOOK = "onComplete.bench";

export type LogLevel = "fatal" | "error" | "warn" | "info";

export class BenchRuntime {
  private readonly completions = new Map<string, SendDone>();
  private nextMsgId = 0;

  private constructor(private readonly userDir: string) {}

  /** Node-RED is a process-wide singleton: start one runtime per process. */
  static async start(logLevel: LogLevel = "error"): Promise<BenchRuntime> {
    const userDir = fs.mkdtempSync(path.join(os.tmpdir(), "pulsar-bench-nr-"));
    installPackage(userDir);
    const runtime = new BenchRuntime(userDir);
    RED.init(http.createServer(), {
      userDir,
      flowFile: "flows.json",
      credentialSecret: false,
      httpAdminRoot: false,
      httpNodeRoot: false,
      uiPort: 0,
      telemetry: { enabled: false },
      externalModules: { autoInstall: false },
      logging: { console: { level: logLevel, metrics: false, audit: false } },
    });
    await RED.start();
    RED.hooks.add(HOOK, (event) => runtime.onComplete(event));
    return runtime;
  }

  /**
   * A full deploy, as the editor's Deploy button does. setFlows resolves once the old nodes
   * stopped; the new ones have started when the runtime announces the deploy of that revision.
   */
  async deploy(nodes: FlowNode[]): Promise<void> {
    const deployed: string[] = [];
    const listener = (event: RuntimeEvent): void => {
      if (event.id === "runtime-deploy" && event.payload?.revision) deployed.push(event.payload.revision);
    };
    RED.events.on("runtime-event", listener);
    try {
      const { rev } = await RED.runtime.flows.setFlows({ flows: { flows: nodes }, deploymentType: "full" });
      if (!(await waitUntil(() => deployed.includes(rev), 30_000))) throw new Error(`flows revision ${rev} did not start within 30 s`);
    } finally {
      RED.events.off("runtime-event", listener);
    }
  }

  node(id: string): Node {
    const node = RED.nodes.getNode(id);
    if (!node) throw new Error(`node ${id} is not deployed`);
    return node;
  }

  /** Publishes through a deployed pulsar-out: `send` is a message arriving at its input. */
  producer(nodeId: string): Producer {
    const node = this.node(nodeId);
    return {
      send: (payload, done) => {
        const _msgid = `bench-${++this.nextMsgId}`;
        this.completions.set(_msgid, done);
        node.receive({ _msgid, payload });
      },
      close: () => Promise.resolve(),
    };
  }

  /**
   * Publishes through a deployed pulsar-out with `splitArrays`: the payloads handed to `send`
   * within one macrotask (the driver's burst) go out as msgs of up to `size` elements each, and each
   * payload's `done` fires when its msg completes. The rate and CPU per message count Pulsar
   * messages, so the figures compare with the other clients'.
   */
  arrayProducer(nodeId: string, size: number): Producer {
    const node = this.node(nodeId);
    let payloads: string[] = [];
    let dones: SendDone[] = [];
    let flushScheduled = false;
    const flush = (): void => {
      flushScheduled = false;
      if (payloads.length === 0) return;
      const _msgid = `bench-${++this.nextMsgId}`;
      const waiting = dones;
      this.completions.set(_msgid, (err) => {
        for (const done of waiting) done(err);
      });
      const payload = payloads;
      payloads = [];
      dones = [];
      node.receive({ _msgid, payload } as NodeMessage);
    };
    return {
      send: (payload, done) => {
        payloads.push(payload);
        dones.push(done);
        if (payloads.length >= size) flush();
        else if (!flushScheduled) {
          flushScheduled = true;
          queueMicrotask(flush);
        }
      },
      close: () => Promise.resolve(),
    };
  }

  async stop(): Promise<void> {
    await this.deploy([]);
    RED.hooks.remove(HOOK);
    await RED.stop();
    fs.rmSync(this.userDir, { recursive: true, force: true });
  }

  private onComplete(event: CompleteEvent): void {
    const id = event.msg._msgid;
    const done = id === undefined ? undefined : this.completions.get(id);
    if (!done) return;
    this.completions.delete(id!);
    done(event.error === undefined ? undefined : event.error instanceof Error ? event.error : new Error(String(event.error)));
  }
}

/**
 * Lays out a user directory as `npm install` of this package would, plus the bench nodes in
 * <userDir>/nodes (which Node-RED scans for local nodes).
 */
function installPackage(userDir: string): void {
  const root = projectRoot();
  fs.writeFileSync(path.join(userDir, "package.json"), JSON.stringify({ name: "bench-user", private: true, dependencies: { [PACKAGE_NAME]: "*" } }));
  const scope = path.join(userDir, "node_modules", "@pulsar-ws");
  fs.mkdirSync(scope, { recursive: true });
  fs.symlinkSync(root, path.join(scope, "node-red-pulsar"), "dir");

  const nodesDir = path.join(userDir, "nodes");
  fs.mkdirSync(nodesDir);
  fs.writeFileSync(path.join(nodesDir, "bench-probe.js"), `module.exports = require(${JSON.stringify(path.join(__dirname, "probe-node.js"))});\n`);
  fs.writeFileSync(
    path.join(nodesDir, "bench-probe.html"),
    '<script type="text/javascript">RED.nodes.registerType("bench-probe",{category:"common",defaults:{},inputs:1,outputs:0});' +
      'RED.nodes.registerType("bench-done",{category:"common",defaults:{},inputs:1,outputs:0});</script>\n',
  );
}

/** The directory of this package's package.json, above dist/bench/node-red/. */
function projectRoot(): string {
  for (let dir = __dirname; path.dirname(dir) !== dir; dir = path.dirname(dir)) {
    const file = path.join(dir, "package.json");
    if (fs.existsSync(file) && (JSON.parse(fs.readFileSync(file, "utf8")) as { name?: string }).name === PACKAGE_NAME) return dir;
  }
  throw new Error(`package ${PACKAGE_NAME} not found above ${__dirname}`);
}
