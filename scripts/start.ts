/**
 * `npm start`: Pulsar standalone (from Maven Central, through the harness) + Node-RED with this
 * package and the example flows deployed + an MQTT broker for the MQTT example. Prints the editor
 * URL; Ctrl-C (SIGINT), SIGTERM or SIGHUP stops everything within about 10 s.
 *
 *   npm start                                  Pulsar 4.2 on 127.0.0.1:8080, Node-RED on 1880, MQTT on 1883
 *                                              (a free port instead of each one that is taken)
 *   PULSAR_PORT=18080 NODE_RED_PORT=11880 MQTT_PORT=11883 npm start   these ports, or an error if taken
 *   PULSAR_HTTP_URL=http://host:8080 npm start  use an existing Pulsar instead of starting one
 *   NODE_RED_USER_DIR=/tmp/nr npm start         another Node-RED user directory (default .node-red/)
 *   npm start -- --reset                       rewrite the deployed flows from examples/ (edits are lost)
 *
 * scripts/npm-start.js (what `npm start` runs) builds first when the sources are newer than dist/,
 * then loads this file in the same process, so npm's signals reach it directly.
 *
 * Node-RED's user directory is `.node-red/` in the project (gitignored); the package is linked
 * into its node_modules, so a rebuild (`npm run build`) and a restart pick up changes.
 */
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { startPulsar, type PulsarInstance } from "../harness/pulsar";
import { DEPLOYED_SERVICE_URL, DEPLOYED_SUBSCRIPTION_SUFFIX, exampleFlows, examplesEndpointId, followCurrentPulsar, type ExampleFile, type FlowNode } from "./start/flows";
import { checkRequireEsm } from "./start/node-version";
import { descendants, killAll } from "./start/processes";

const ROOT = path.resolve(__dirname, "..", "..");
const USER_DIR = path.resolve(process.env.NODE_RED_USER_DIR || path.join(ROOT, ".node-red"));
const EXAMPLES_DIR = path.join(ROOT, "examples");
const PACKAGE_NAME = "@pulsar-ws/node-red-pulsar";
/** A graceful stop that takes longer than this ends with SIGKILL to everything npm start began. */
const STOP_DEADLINE_MS = 10_000;
/** Node-RED normally stops in 2-3 s; past this it is killed so that Pulsar's stop still fits. */
const NODE_RED_STOP_MS = 5_000;
/** Pulsar normally stops in 2-3 s (see stopInOrder for why it is bounded). */
const PULSAR_STOP_MS = 4_000;

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * The port named by the first of `names` that is set (which must then be free), else `fallback`
 * when it is free, else a free one.
 */
async function choosePort(names: string[], fallback: number, what: string): Promise<number> {
  for (const name of names) {
    const value = process.env[name];
    if (!value) continue;
    const port = Number(value);
    if (!Number.isInteger(port) || port <= 0 || port > 65535) throw new Error(`${name}=${value} is not a port number`);
    if (!(await portIsFree(port))) throw new Error(`${name}=${port}: that port is in use on 127.0.0.1 (${what})`);
    return port;
  }
  if (await portIsFree(fallback)) return fallback;
  const port = await freePort();
  console.log(`${what}: port ${fallback} is taken, using ${port} (set ${names[0]} to choose)`);
  return port;
}

function readExamples(): ExampleFile[] {
  if (!fs.existsSync(EXAMPLES_DIR)) return [];
  return fs.readdirSync(EXAMPLES_DIR).filter((f) => f.endsWith(".json")).sort().map((file) => ({
    name: path.basename(file, ".json"),
    nodes: JSON.parse(fs.readFileSync(path.join(EXAMPLES_DIR, file), "utf8")) as FlowNode[],
  }));
}

function prepareUserDir(serviceUrl: string, uiPort: number, reset: boolean): void {
  fs.mkdirSync(path.join(USER_DIR, "node_modules", "@pulsar-ws"), { recursive: true });
  const link = path.join(USER_DIR, "node_modules", PACKAGE_NAME);
  if (!fs.existsSync(link)) fs.symlinkSync(ROOT, link, "dir");
  fs.writeFileSync(
    path.join(USER_DIR, "settings.js"),
    `// Written by npm start (scripts/start.ts) on every start.\nmodule.exports = ${JSON.stringify(
      { uiHost: "127.0.0.1", uiPort, flowFile: "flows.json", credentialSecret: "npm-start-dev-only", logging: { console: { level: "info" } } },
      null,
      2,
    )};\n`,
  );
  const flowFile = path.join(USER_DIR, "flows.json");
  const examples = readExamples();
  if (reset || !fs.existsSync(flowFile)) {
    fs.writeFileSync(flowFile, JSON.stringify(exampleFlows(examples), null, 2));
    console.log(`Deployed the example flows from examples/ (${flowFile}): one endpoint, subscriptions ending in ` +
      `${DEPLOYED_SUBSCRIPTION_SUFFIX}, so an example imported again (Import > Examples) runs beside them. ` +
      `Their endpoint uses ${DEPLOYED_SERVICE_URL} = ${serviceUrl}, the Pulsar of each start.`);
    return;
  }
  console.log(`Keeping your flows in ${flowFile} (npm start -- --reset brings back the examples).`);
  let kept: unknown;
  try {
    kept = JSON.parse(fs.readFileSync(flowFile, "utf8"));
  } catch (err) {
    console.log(`Could not read ${flowFile} (${(err as Error).message}); Node-RED will say more.`);
    return;
  }
  if (!Array.isArray(kept)) return;
  const { changed, notes } = followCurrentPulsar(kept as FlowNode[], examplesEndpointId(examples), serviceUrl);
  if (changed) fs.writeFileSync(flowFile, JSON.stringify(changed, null, 2));
  for (const note of notes) console.log(note);
}

function startNodeRed(uiPort: number, env: NodeJS.ProcessEnv): ChildProcess {
  const red = require.resolve("node-red/red.js", { paths: [ROOT] });
  return spawn(process.execPath, [red, "--userDir", USER_DIR, "--settings", path.join(USER_DIR, "settings.js")], {
    stdio: "inherit",
    env: { ...process.env, ...env, PORT: String(uiPort) },
  });
}

function waitForExit(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once("exit", () => resolve()));
}

/** What a stop has to take down; filled in as the parts come up. */
interface Running {
  pulsar?: PulsarInstance;
  nodeRed?: ChildProcess;
  stopBroker?: () => Promise<void>;
}

/** Resolves after `ms`, or earlier when `child` exits; says whether it exited. */
function exitWithin(child: ChildProcess, ms: number): Promise<boolean> {
  return Promise.race([waitForExit(child).then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), ms))]);
}

/**
 * Handlers go in before anything starts, so a signal during start-up stops what is already up.
 * Node-RED stops first, while Pulsar still answers, so its nodes close cleanly instead of waiting
 * on a broker that is going away (the JVM has a process group of its own, so a terminal's Ctrl-C
 * does not reach it directly); then the MQTT broker, then Pulsar. Past STOP_DEADLINE_MS whatever
 * is left of the process tree gets SIGKILL. process.exit() then also kills (through the harness's
 * exit hook) any JVM the harness still tracks, e.g. a Pulsar still starting or a class-data dump.
 */
function stopOnSignals(running: Running): (reason: string, code: number) => void {
  let stopping = false;
  const stopInOrder = async (): Promise<void> => {
    const nodeRed = running.nodeRed;
    if (nodeRed) {
      nodeRed.kill("SIGINT");
      if (!(await exitWithin(nodeRed, NODE_RED_STOP_MS))) nodeRed.kill("SIGKILL");
    }
    await running.stopBroker?.();
    const pulsar = running.pulsar;
    if (pulsar) {
      // A broker stopped while it is still loading the topics Node-RED just connected to sometimes
      // hangs in its shutdown for 10 s and more. Its data is a temp dir that stop() deletes anyway,
      // so past a short bound it is killed instead.
      const stopped = pulsar.stop();
      const inTime = await Promise.race([stopped.then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), PULSAR_STOP_MS))]);
      if (!inTime) {
        console.log(`Pulsar did not stop within ${PULSAR_STOP_MS / 1000} s: killing it (its data is a temp dir, discarded either way).`);
        await pulsar.kill();
        await stopped;
      }
    }
  };
  const stop = (reason: string, code: number): void => {
    if (stopping) return;
    stopping = true;
    const began = Date.now();
    console.log(`\n${reason}: stopping Node-RED, the MQTT broker and Pulsar...`);
    const deadline = setTimeout(() => {
      console.error(`Still running after ${STOP_DEADLINE_MS / 1000} s: killing what is left.`);
      killAll(descendants(process.pid));
      process.exit(code || 1);
    }, STOP_DEADLINE_MS);
    stopInOrder().catch((err: unknown) => console.error(err)).finally(() => {
      clearTimeout(deadline);
      console.log(`Stopped in ${((Date.now() - began) / 1000).toFixed(1)} s.`);
      killAll(descendants(process.pid));
      process.exit(code);
    });
  };
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(signal, () => stop(signal, 0));
  // npm forwards only SIGINT and SIGTERM; on SIGHUP (or SIGKILL) npm dies and leaves this process to
  // init. Noticing the new parent stops everything all the same.
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) stop(`parent process ${parent} (npm) is gone`, 0);
  }, 1_000).unref();
  return stop;
}

async function main(): Promise<void> {
  const reset = process.argv.includes("--reset");
  const running: Running = {};
  const stop = stopOnSignals(running);
  let serviceUrl = process.env.PULSAR_HTTP_URL;
  if (!serviceUrl) {
    const webPort = await choosePort(["PULSAR_PORT"], 8080, "Pulsar");
    console.log(`Starting Pulsar standalone 4.2 on 127.0.0.1:${webPort}...`);
    // The broker's own shutdown wait (the harness's 10 s) bounded lower, to fit PULSAR_STOP_MS.
    running.pulsar = await startPulsar({ line: "4.2", webPort, extraConfig: { brokerShutdownTimeoutMs: "3000" } });
    serviceUrl = running.pulsar.httpUrl;
    console.log(`Pulsar ${running.pulsar.version} ready in ${(running.pulsar.readyInMs / 1000).toFixed(1)} s at ${serviceUrl} ` +
      `(log: ${running.pulsar.logFile})`);
  }
  const uiPort = await choosePort(["NODE_RED_PORT", "PORT"], 1880, "Node-RED");
  const mqttPort = await choosePort(["MQTT_PORT"], 1883, "MQTT broker");
  prepareUserDir(serviceUrl, uiPort, reset);
  running.stopBroker = await startMqttBroker(mqttPort);
  running.nodeRed = startNodeRed(uiPort, { MQTT_PORT: String(mqttPort), PULSAR_HTTP_URL: serviceUrl });
  running.nodeRed.on("exit", (code) => stop("Node-RED exited", code ?? 0));
  console.log(`\nNode-RED editor: http://127.0.0.1:${uiPort}/   (started in ${process.uptime().toFixed(1)} s; ` +
    "Ctrl-C stops Node-RED, the MQTT broker and Pulsar)\n");
}

interface MqttBroker {
  handle: (socket: net.Socket) => void;
  close: (cb: () => void) => void;
}

/** The MQTT bridge example needs a broker; aedes (a devDependency) serves one on loopback. */
async function startMqttBroker(port: number): Promise<() => Promise<void>> {
  const nodeCheck = checkRequireEsm(process.version);
  if (!nodeCheck.ok) {
    console.log(nodeCheck.message);
    return async () => undefined;
  }
  let Aedes: { createBroker(): Promise<MqttBroker> };
  try {
    // aedes is ESM-only; the check above made sure this Node can require() it.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    ({ Aedes } = require("aedes") as { Aedes: typeof Aedes });
  } catch (err) {
    console.log(`aedes could not be loaded (${(err as Error).message}): run npm ci; the MQTT example will show 'disconnected'.`);
    return async () => undefined;
  }
  const broker = await Aedes.createBroker();
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
    broker.handle(socket);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", resolve);
  });
  console.log(`MQTT broker (aedes) on 127.0.0.1:${port}`);
  // server.close() waits for every connection to end; Node-RED's MQTT client may still hold one.
  return () => new Promise((resolve) => {
    server.close(() => broker.close(() => resolve()));
    for (const socket of sockets) socket.destroy();
  });
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
