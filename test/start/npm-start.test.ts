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
import { DEPLOYED_SERVICE_URL, deployedId, exampleFlows, examplesEndpointId, type ExampleFile, type FlowNode } from "../../scripts/start/flows";
import { FakePulsar } from "../fake/fake-pulsar";

const ROOT = path.resolve(__dirname, "../../..");
const BASIC = "Basic produce and consume";
/** Library ids in examples/Basic produce and consume.json. */
const BASIC_IN = "cc534b49bc1a66ad";
const BASIC_ENDPOINT = "676764f0992dce79";
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

/**
 * npm start with free ports and, unless given one, a new user directory; with `pulsarUrl` against
 * that Pulsar (PULSAR_HTTP_URL, no Java), else with a Pulsar of its own.
 */
async function startNpm(options: { userDir?: string; pulsarUrl?: string } = {}): Promise<Started> {
  const [pulsar, nodeRed, mqtt] = await freePorts(3);
  const userDir = options.userDir ?? fs.mkdtempSync(path.join(os.tmpdir(), "npm-start-test-"));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PULSAR_PORT: String(pulsar),
    NODE_RED_PORT: String(nodeRed),
    MQTT_PORT: String(mqtt),
    NODE_RED_USER_DIR: userDir,
  };
  delete env.PULSAR_HTTP_URL;
  delete env.PORT;
  if (options.pulsarUrl) {
    env.PULSAR_HTTP_URL = options.pulsarUrl;
    delete env.PULSAR_PORT;
  }
  const npm = spawn("npm", ["start"], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
  let text = "";
  npm.stdout!.on("data", (chunk: Buffer) => (text += chunk.toString()));
  npm.stderr!.on("data", (chunk: Buffer) => (text += chunk.toString()));
  const output = (): string => text;
  await until("Node-RED's 'Started flows'", () => {
    if (npm.exitCode !== null) throw new Error(`npm start exited (${npm.exitCode}):\n${text}`);
    return /Started flows/.test(text);
  }, START_TIMEOUT_MS, output);
  const pulsarPort = options.pulsarUrl ? Number(new URL(options.pulsarUrl).port) : pulsar;
  return { npm, output, ports: { pulsar: pulsarPort, nodeRed, mqtt }, userDir };
}

function exampleFiles(): ExampleFile[] {
  return fs.readdirSync(path.join(ROOT, "examples")).filter((f) => f.endsWith(".json")).sort().map((file) => ({
    name: path.basename(file, ".json"),
    nodes: JSON.parse(fs.readFileSync(path.join(ROOT, "examples", file), "utf8")) as FlowNode[],
  }));
}

/** The id of the one endpoint npm start deploys for the examples. */
const DEPLOYED_ENDPOINT = examplesEndpointId(exampleFiles())!;

/** Stops an npm start that runs against a Pulsar of the test's (SIGTERM to npm, then its exit). */
async function stopNpm(started: Started): Promise<void> {
  const below = descendants(started.npm.pid!);
  process.kill(started.npm.pid!, "SIGTERM");
  await until("npm start gone after SIGTERM", () => !alive(started.npm.pid!) && below.every((p) => !alive(p.pid)), STOP_BOUND_MS, started.output);
}

/** The deployed flows, as the editor reads them. */
async function deployedFlows(started: Started): Promise<FlowNode[]> {
  const res = await request(started.ports.nodeRed, "GET", "/flows");
  assert.equal(res.status, 200, res.body);
  return JSON.parse(res.body) as FlowNode[];
}

/** Deploys `copy` beside the running flows, as the editor's Import then a "modified nodes" deploy does. */
async function deployBeside(started: Started, copy: { tab: FlowNode; nodes: FlowNode[] }): Promise<void> {
  const current = await request(started.ports.nodeRed, "GET", "/flows", undefined, { "Node-RED-API-Version": "v2" });
  const { rev, flows } = JSON.parse(current.body) as { rev: string; flows: FlowNode[] };
  const deploy = await request(started.ports.nodeRed, "POST", "/flows", { rev, flows: [...flows, copy.tab, ...copy.nodes] },
    { "Node-RED-API-Version": "v2", "Node-RED-Deployment-Type": "nodes" });
  assert.equal(deploy.status, 200, deploy.body);
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

  /** Run 1's imported copy's endpoint: the user's own, which run 2 must leave on run 1's URL. */
  let importedEndpoint: string | undefined;

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
      assert.equal(endpoints[0].serviceUrl, DEPLOYED_SERVICE_URL, "the examples follow the Pulsar of each start");
      const exampleFiles = fs.readdirSync(path.join(ROOT, "examples")).filter((f) => f.endsWith(".json"));
      assert.equal(flows.filter((node) => node.type === "tab").length, exampleFiles.length, "one tab per example");
    });

    it("runs an imported copy of the basic example beside the deployed one: connected, moving messages", async () => {
      const deployedIn = deployedId("cc534b49bc1a66ad");
      const deployedReceived = deployedId("08ba2c3cea775caa");
      await until("the deployed pulsar in connected", () => comms.statuses.get(deployedIn)?.fill === "green", IO_TIMEOUT_MS, started.output);

      const copy = importedCopy(BASIC, `http://127.0.0.1:${started.ports.pulsar}`);
      await deployBeside(started, copy);
      importedEndpoint = copy.ids.get(BASIC_ENDPOINT)!;

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

  describe("run 2: run 1's user directory, Pulsar on another port, then SIGINT", () => {
    let started: Started;

    before(async function () {
      if (runs.length === 0) this.skip();
      started = await startNpm({ userDir: runs[0].userDir });
      runs.push(started);
    });

    it("connects the kept examples to this start's Pulsar; the imported copy's endpoint keeps run 1's URL", async () => {
      assert.notEqual(started.ports.pulsar, runs[0].ports.pulsar);
      const comms = new Comms(started.ports.nodeRed);
      try {
        await comms.opened();
        await until("the deployed pulsar in connected to the new Pulsar", () => comms.statuses.get(deployedId(BASIC_IN))?.fill === "green",
          IO_TIMEOUT_MS, started.output);
      } finally {
        comms.close();
      }
      const flows = await deployedFlows(started);
      assert.equal(flows.find((node) => node.id === DEPLOYED_ENDPOINT)?.serviceUrl, DEPLOYED_SERVICE_URL);
      if (importedEndpoint) {
        assert.equal(flows.find((node) => node.id === importedEndpoint)?.serviceUrl, `http://127.0.0.1:${runs[0].ports.pulsar}`);
      }
      assert.match(started.output(), new RegExp(`uses \\$\\{PULSAR_HTTP_URL\\} = http://127\\.0\\.0\\.1:${started.ports.pulsar}`));
    });

    it("stops everything within 15 s of SIGINT to the npm process", async () => {
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

describe("npm start a second time, against a Pulsar on another port (fake Pulsars: no Java)", function () {
  this.timeout(4 * START_TIMEOUT_MS);
  const runs: Started[] = [];
  const fakes: FakePulsar[] = [];
  const dirs: string[] = [];

  after(async function () {
    for (const started of runs) {
      for (const p of [...descendants(started.npm.pid!), { pid: started.npm.pid!, command: "npm" }]) {
        try { process.kill(p.pid, "SIGKILL"); } catch { /* gone */ }
      }
    }
    await Promise.all(fakes.map((fake) => fake.stop()));
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  });

  async function started(userDir: string, fake: FakePulsar): Promise<{ run: Started; comms: Comms }> {
    const run = await startNpm({ userDir, pulsarUrl: fake.httpUrl });
    runs.push(run);
    const comms = new Comms(run.ports.nodeRed);
    await comms.opened();
    return { run, comms };
  }

  async function connected(run: Started, comms: Comms, id: string, what: string): Promise<void> {
    await until(what, () => comms.statuses.get(id)?.fill === "green", IO_TIMEOUT_MS, run.output).catch((err: Error) => {
      throw new Error(`${err.message}\nstatus: ${JSON.stringify(comms.statuses.get(id))}`);
    });
  }

  it("the examples follow the second Pulsar; an endpoint the user added keeps the first one's URL", async () => {
    const [first, second] = [await FakePulsar.start(), await FakePulsar.start()];
    fakes.push(first, second);
    const userDir = fs.mkdtempSync(path.join(os.tmpdir(), "npm-start-twice-"));
    dirs.push(userDir);

    let importedIds = new Map<string, string>();
    const one = await started(userDir, first);
    try {
      await connected(one.run, one.comms, deployedId(BASIC_IN), "start 1: the deployed pulsar in connected");
      const copy = importedCopy(BASIC, first.httpUrl);
      await deployBeside(one.run, copy);
      await connected(one.run, one.comms, copy.ids.get(BASIC_IN)!, "start 1: the user's pulsar in connected");
      importedIds = copy.ids;
    } finally {
      one.comms.close();
    }
    await stopNpm(one.run);
    // The first Pulsar goes away, as a Pulsar of an earlier npm start does.
    await first.stop();

    const two = await started(userDir, second);
    try {
      await connected(two.run, two.comms, deployedId(BASIC_IN), "start 2: the deployed pulsar in connected to the second Pulsar");
      const flows = await deployedFlows(two.run);
      assert.equal(flows.find((node) => node.id === DEPLOYED_ENDPOINT)?.serviceUrl, DEPLOYED_SERVICE_URL);
      assert.equal(flows.find((node) => node.id === importedIds.get(BASIC_ENDPOINT))?.serviceUrl, first.httpUrl, "the user's endpoint is left alone");
      const out = two.run.output();
      assert.ok(out.includes(`The examples' endpoint 'local Pulsar' uses \${PULSAR_HTTP_URL} = ${second.httpUrl}.`), out.slice(-3000));
      assert.ok(out.includes(`Your endpoint 'local Pulsar' keeps its Service URL ${first.httpUrl}; this start's Pulsar is ${second.httpUrl}.`), out.slice(-3000));
      assert.notEqual(two.comms.statuses.get(importedIds.get(BASIC_IN)!)?.fill, "green", "the user's pulsar in still points at the first Pulsar");
    } finally {
      two.comms.close();
    }
    await stopNpm(two.run);
  });

  it("flows kept by an earlier npm start (the examples' endpoint on the first Pulsar's URL) are switched to ${PULSAR_HTTP_URL} once", async () => {
    const fake = await FakePulsar.start();
    fakes.push(fake);
    const userDir = fs.mkdtempSync(path.join(os.tmpdir(), "npm-start-kept-"));
    dirs.push(userDir);
    const files = exampleFiles();
    // What npm start wrote before: the first start's Pulsar URL in the examples' endpoint.
    const earlier = exampleFlows(files).map((node) => node.serviceUrl === DEPLOYED_SERVICE_URL ? { ...node, serviceUrl: "http://127.0.0.1:8080" } : node);
    fs.writeFileSync(path.join(userDir, "flows.json"), JSON.stringify(earlier));

    const run = await started(userDir, fake);
    try {
      await connected(run.run, run.comms, deployedId(BASIC_IN), "the deployed pulsar in connected to this start's Pulsar");
      const flows = await deployedFlows(run.run);
      assert.equal(flows.find((node) => node.id === DEPLOYED_ENDPOINT)?.serviceUrl, DEPLOYED_SERVICE_URL);
      assert.match(run.run.output(), /pointed at http:\/\/127\.0\.0\.1:8080, the Pulsar of an earlier start; it now uses \$\{PULSAR_HTTP_URL\}/);
    } finally {
      run.comms.close();
    }
    await stopNpm(run.run);
  });
});
