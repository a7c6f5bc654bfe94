/**
 * `npm start` end to end (slow: each run starts Pulsar and Node-RED; `npm run test:start`):
 *
 * 1. SIGTERM to the npm process stops every process below it and frees every port within 15 s; a
 *    second run does the same with SIGINT, a third with SIGHUP. (Before, SIGINT did nothing for 30 s
 *    and SIGTERM left start.js, the JVM, Node-RED and the MQTT broker running.)
 * 2. The deployed flow has exactly one pulsar-ws-endpoint.
 * 3. An example imported while npm start runs (as the editor's "Import copy" does: new ids, then a
 *    "modified nodes" deploy) gets a connected pulsar in that moves messages, beside the deployed copy
 *    of the same example, which keeps working. The copy's endpoint is pointed at the test's Pulsar,
 *    since the test runs Pulsar on a free port instead of the examples' 8080.
 *
 * Ports come from PULSAR_PORT / NODE_RED_PORT / MQTT_PORT, the user directory from
 * NODE_RED_USER_DIR, so a developer's own npm start and .node-red/ are left alone.
 */
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import WebSocket from "ws";
import { deployedId, type FlowNode } from "../../scripts/start/flows";

const ROOT = path.resolve(__dirname, "../../..");
const BASIC = "Basic produce and consume";
const START_TIMEOUT_MS = 300_000;
const STOP_BOUND_MS = 15_000;
const IO_TIMEOUT_MS = 60_000;

interface Started {
  npm: ChildProcess;
  output: () => string;
  ports: { pulsar: number; nodeRed: number; mqtt: number };
  userDir: string;
}

async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(Array.from({ length: count }, () => new Promise<net.Server>((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve(server));
  })));
  const ports = servers.map((server) => (server.address() as net.AddressInfo).port);
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

/** Live (not zombie) descendants of `root`, read from /proc, so as not to trust the code under test. */
function descendants(root: number): { pid: number; command: string }[] {
  const parents = new Map<number, number[]>();
  const info = new Map<number, { state: string; command: string }>();
  for (const name of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, "utf8");
      // pid (comm) state ppid …; comm may hold spaces and parentheses.
      const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      const ppid = Number(rest[1]);
      parents.set(ppid, [...(parents.get(ppid) ?? []), Number(name)]);
      const command = fs.readFileSync(`/proc/${name}/cmdline`, "utf8").split("\0").join(" ").slice(0, 120);
      info.set(Number(name), { state: rest[0], command });
    } catch {
      // the process ended while being read
    }
  }
  const found: { pid: number; command: string }[] = [];
  const queue = [root];
  while (queue.length > 0) {
    for (const pid of parents.get(queue.shift()!) ?? []) {
      queue.push(pid);
      const entry = info.get(pid);
      if (entry && entry.state !== "Z") found.push({ pid, command: entry.command });
    }
  }
  return found;
}

function alive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs: number, output?: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const poll = async (): Promise<void> => {
      if (await check()) return resolve();
      if (Date.now() > deadline) {
        return reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}${output ? `\n--- npm start output ---\n${output().slice(-6000)}` : ""}`));
      }
      setTimeout(() => void poll(), 200);
    };
    void poll();
  });
}

async function startNpm(): Promise<Started> {
  const [pulsar, nodeRed, mqtt] = await freePorts(3);
  const userDir = fs.mkdtempSync(path.join(os.tmpdir(), "npm-start-test-"));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PULSAR_PORT: String(pulsar),
    NODE_RED_PORT: String(nodeRed),
    MQTT_PORT: String(mqtt),
    NODE_RED_USER_DIR: userDir,
  };
  delete env.PULSAR_HTTP_URL;
  delete env.PORT;
  const npm = spawn("npm", ["start"], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
  let text = "";
  npm.stdout!.on("data", (chunk: Buffer) => (text += chunk.toString()));
  npm.stderr!.on("data", (chunk: Buffer) => (text += chunk.toString()));
  const output = (): string => text;
  await until("Node-RED's 'Started flows'", () => {
    if (npm.exitCode !== null) throw new Error(`npm start exited (${npm.exitCode}):\n${text}`);
    return /Started flows/.test(text);
  }, START_TIMEOUT_MS, output);
  return { npm, output, ports: { pulsar, nodeRed, mqtt }, userDir };
}

/** Sends `signal` to the npm process only, then waits for every process below it and every port. */
async function stopAndCheck(started: Started, signal: NodeJS.Signals): Promise<void> {
  const before = descendants(started.npm.pid!);
  const commands = before.map((p) => p.command).join("\n");
  assert.ok(before.some((p) => /\bjava\b/.test(p.command)), `a Pulsar JVM runs below npm:\n${commands}`);
  assert.ok(before.some((p) => /node-red|red\.js/.test(p.command)), `Node-RED runs below npm:\n${commands}`);
  const ports = Object.values(started.ports);
  for (const port of ports) assert.equal(await portIsFree(port), false, `port ${port} is in use before the stop`);

  const began = Date.now();
  process.kill(started.npm.pid!, signal);
  await until(`every process below npm gone after ${signal}`,
    () => !alive(started.npm.pid!) && before.every((p) => !alive(p.pid)), STOP_BOUND_MS, started.output)
    .catch((err: Error) => {
      const left = before.filter((p) => alive(p.pid)).map((p) => `${p.pid} ${p.command}`).join("\n");
      throw new Error(`${err.message}\nstill running:\n${left}`);
    });
  const allFree = async (): Promise<boolean> => (await Promise.all(ports.map(portIsFree))).every(Boolean);
  await until(`ports ${ports.join(", ")} free after ${signal}`, allFree, Math.max(1, STOP_BOUND_MS - (Date.now() - began)));
  const summary = /Stopped in [\d.]+ s\.|Still running after.*/.exec(started.output())?.[0] ?? "(no stop summary)";
  console.log(`      ${signal}: ${before.length} processes gone and ports free ${Date.now() - began} ms after the signal; npm start said: ${summary}`);
}

function request(port: number, method: string, urlPath: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request({ host: "127.0.0.1", port, method, path: urlPath, timeout: IO_TIMEOUT_MS,
      headers: { ...headers, ...(payload ? { "Content-Type": "application/json" } : {}) } }, (res) => {
      let text = "";
      res.on("data", (chunk: Buffer) => (text += chunk.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on("timeout", () => req.destroy(new Error(`${method} ${urlPath} timed out`)));
    req.on("error", reject);
    req.end(payload);
  });
}

/** The editor's view of the runtime: node statuses (retained) and debug messages, over /comms. */
class Comms {
  readonly statuses = new Map<string, { fill?: string; text?: string }>();
  readonly debug: { id: string; msg: string }[] = [];
  private readonly ws: WebSocket;

  constructor(port: number) {
    this.ws = new WebSocket(`ws://127.0.0.1:${port}/comms`);
    this.ws.on("open", () => {
      this.ws.send(JSON.stringify({ subscribe: "status/#" }));
      this.ws.send(JSON.stringify({ subscribe: "debug" }));
    });
    this.ws.on("message", (data) => {
      const events = JSON.parse(data.toString()) as { topic: string; data: Record<string, unknown> }[];
      for (const event of [events].flat()) {
        if (event.topic.startsWith("status/")) this.statuses.set(event.topic.slice(7), event.data as { fill?: string; text?: string });
        if (event.topic === "debug") this.debug.push({ id: String(event.data.id), msg: String(event.data.msg) });
      }
    });
    this.ws.on("error", () => undefined);
  }

  opened(): Promise<void> {
    return until("the comms socket", () => this.ws.readyState === WebSocket.OPEN, IO_TIMEOUT_MS);
  }

  close(): void {
    this.ws.terminate();
  }
}

/** The example as the editor's "Import copy" deploys it: new ids everywhere, its own tab. */
function importedCopy(name: string, serviceUrl: string): { tab: FlowNode; nodes: FlowNode[]; ids: Map<string, string> } {
  const nodes = JSON.parse(fs.readFileSync(path.join(ROOT, "examples", `${name}.json`), "utf8")) as FlowNode[];
  const ids = new Map(nodes.map((node) => [node.id, randomBytes(8).toString("hex")]));
  const tab: FlowNode = { id: randomBytes(8).toString("hex"), type: "tab", label: `${name} (imported)` };
  const remap = (value: unknown): unknown =>
    typeof value === "string" ? ids.get(value) ?? value : Array.isArray(value) ? value.map(remap) : value;
  const copies = nodes.map((node) => {
    const copy: FlowNode = { ...node };
    for (const [key, value] of Object.entries(node)) copy[key] = remap(value);
    if ("wires" in copy) copy.z = tab.id;
    if (copy.type === "pulsar-ws-endpoint") copy.serviceUrl = serviceUrl;
    return copy;
  });
  return { tab, nodes: copies, ids };
}

describe("npm start (slow: Pulsar + Node-RED, three runs)", function () {
  this.timeout(START_TIMEOUT_MS + 4 * IO_TIMEOUT_MS);
  const runs: Started[] = [];

  after(function () {
    // Whatever a failed test left running: never leave a JVM or Node-RED behind.
    for (const started of runs) {
      for (const p of [...descendants(started.npm.pid!), { pid: started.npm.pid!, command: "npm" }]) {
        try { process.kill(p.pid, "SIGKILL"); } catch { /* gone */ }
      }
      fs.rmSync(started.userDir, { recursive: true, force: true });
    }
  });

  describe("run 1: deployed flows, an imported example beside them, then SIGTERM", () => {
    let started: Started;
    let comms: Comms;

    before(async () => {
      started = await startNpm();
      runs.push(started);
      comms = new Comms(started.ports.nodeRed);
      await comms.opened();
    });

    after(() => comms?.close());

    it("deploys the examples with exactly one pulsar-ws-endpoint", async () => {
      const res = await request(started.ports.nodeRed, "GET", "/flows");
      assert.equal(res.status, 200, res.body);
      const flows = JSON.parse(res.body) as FlowNode[];
      const endpoints = flows.filter((node) => node.type === "pulsar-ws-endpoint");
      assert.equal(endpoints.length, 1, JSON.stringify(endpoints));
      assert.equal(endpoints[0].serviceUrl, `http://127.0.0.1:${started.ports.pulsar}`);
      const exampleFiles = fs.readdirSync(path.join(ROOT, "examples")).filter((f) => f.endsWith(".json"));
      assert.equal(flows.filter((node) => node.type === "tab").length, exampleFiles.length, "one tab per example");
    });

    it("runs an imported copy of the basic example beside the deployed one: connected, moving messages", async () => {
      const deployedIn = deployedId("cc534b49bc1a66ad");
      const deployedReceived = deployedId("08ba2c3cea775caa");
      await until("the deployed pulsar in connected", () => comms.statuses.get(deployedIn)?.fill === "green", IO_TIMEOUT_MS, started.output);

      const current = await request(started.ports.nodeRed, "GET", "/flows", undefined, { "Node-RED-API-Version": "v2" });
      const { rev, flows } = JSON.parse(current.body) as { rev: string; flows: FlowNode[] };
      const copy = importedCopy(BASIC, `http://127.0.0.1:${started.ports.pulsar}`);
      const deploy = await request(started.ports.nodeRed, "POST", "/flows", { rev, flows: [...flows, copy.tab, ...copy.nodes] },
        { "Node-RED-API-Version": "v2", "Node-RED-Deployment-Type": "nodes" });
      assert.equal(deploy.status, 200, deploy.body);

      const importedIn = copy.ids.get("cc534b49bc1a66ad")!;
      await until("the imported pulsar in connected", () => comms.statuses.get(importedIn)?.fill === "green", IO_TIMEOUT_MS, started.output)
        .catch((err: Error) => {
          throw new Error(`${err.message}\nimported pulsar in status: ${JSON.stringify(comms.statuses.get(importedIn))}`);
        });
      assert.match(String(comms.statuses.get(importedIn)?.text), /connected/);
      assert.doesNotMatch(String(comms.statuses.get(importedIn)?.text), /busy|409/);

      const inject = await request(started.ports.nodeRed, "POST", `/inject/${copy.ids.get("6c33fbd7a780cf7b")}`);
      assert.equal(inject.status, 200, inject.body);
      const importedReceived = copy.ids.get("08ba2c3cea775caa")!;
      const importedAcked = copy.ids.get("4e60af4e26748720")!;
      await until("the imported copy's debug nodes (acked, received)", () =>
        [importedAcked, importedReceived].every((id) => comms.debug.some((d) => d.id === id)), IO_TIMEOUT_MS, started.output);
      const got = comms.debug.find((d) => d.id === importedReceived)!;
      assert.match(got.msg, /"hello":"Pulsar"/);
      // The deployed copy has its own subscription on the same topic: it receives the message too.
      await until("the deployed copy's 'received from Pulsar'", () => comms.debug.some((d) => d.id === deployedReceived), IO_TIMEOUT_MS);
      assert.equal(comms.statuses.get(deployedIn)?.fill, "green");
    });

    it("stops everything within 15 s of SIGTERM to the npm process", async () => {
      await stopAndCheck(started, "SIGTERM");
    });
  });

  describe("run 2: SIGINT", () => {
    it("stops everything within 15 s of SIGINT to the npm process", async () => {
      const started = await startNpm();
      runs.push(started);
      await stopAndCheck(started, "SIGINT");
    });
  });

  describe("run 3: SIGHUP, which npm does not forward (it dies and leaves start.js behind)", () => {
    it("stops everything within 15 s of SIGHUP to the npm process", async () => {
      const started = await startNpm();
      runs.push(started);
      await stopAndCheck(started, "SIGHUP");
    });
  });
});
