/**
 * `npm start`: Pulsar standalone (from Maven Central, through the harness) + Node-RED with this
 * package and the example flows deployed. Prints the editor URL; Ctrl-C stops both.
 *
 *   npm start                         Pulsar 4.2 on 127.0.0.1:8080 (a free port if 8080 is taken)
 *   PULSAR_HTTP_URL=http://h:8080 npm start   use an existing Pulsar instead
 *   npm start -- --reset              rewrite the deployed flows from examples/ (edits are lost)
 *   PORT=1881 npm start               another editor port (default 1880, or a free one)
 *
 * Node-RED's user directory is `.node-red/` in the project (gitignored); the package is linked
 * into its node_modules, so a rebuild (`npm run build`) and a restart pick up changes.
 */
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { startPulsar, type PulsarInstance } from "../harness/pulsar";

const ROOT = path.resolve(__dirname, "..", "..");
const USER_DIR = path.join(ROOT, ".node-red");
const EXAMPLES_DIR = path.join(ROOT, "examples");
const EXAMPLE_SERVICE_URL = "http://localhost:8080";
const PACKAGE_NAME = "@pulsar-ws/node-red-pulsar";

type FlowNode = Record<string, unknown> & { id: string; type: string; z?: string };

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

async function pickPort(preferred: number): Promise<number | undefined> {
  return (await portIsFree(preferred)) ? preferred : undefined;
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

/** Each example file becomes its own tab; the endpoint points at the Pulsar we started. */
function exampleFlows(serviceUrl: string): FlowNode[] {
  if (!fs.existsSync(EXAMPLES_DIR)) return [];
  const flows: FlowNode[] = [];
  for (const file of fs.readdirSync(EXAMPLES_DIR).filter((f) => f.endsWith(".json")).sort()) {
    const nodes = JSON.parse(fs.readFileSync(path.join(EXAMPLES_DIR, file), "utf8")) as FlowNode[];
    const tabId = `example-${flows.length}`;
    const hasTab = nodes.some((n) => n.type === "tab");
    if (!hasTab) flows.push({ id: tabId, type: "tab", label: path.basename(file, ".json") });
    for (const node of nodes) {
      const copy = { ...node };
      if (!hasTab && copy.type !== "tab" && copy.z === undefined && !isConfigNode(copy)) copy.z = tabId;
      if (copy.type === "pulsar-ws-endpoint" && copy.serviceUrl === EXAMPLE_SERVICE_URL) copy.serviceUrl = serviceUrl;
      flows.push(copy);
    }
  }
  return flows;
}

function isConfigNode(node: FlowNode): boolean {
  return !("wires" in node) && !("x" in node);
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
  if (reset || !fs.existsSync(flowFile)) {
    fs.writeFileSync(flowFile, JSON.stringify(exampleFlows(serviceUrl), null, 2));
    console.log(`Deployed the example flows from examples/ (${flowFile}).`);
  } else {
    console.log(`Keeping your flows in ${flowFile} (npm start -- --reset brings back the examples).`);
  }
}

function startNodeRed(uiPort: number, env: NodeJS.ProcessEnv): ChildProcess {
  const red = require.resolve("node-red/red.js", { paths: [ROOT] });
  return spawn(process.execPath, [red, "--userDir", USER_DIR, "--settings", path.join(USER_DIR, "settings.js")], {
    stdio: "inherit",
    env: { ...process.env, ...env, PORT: String(uiPort) },
  });
}

async function main(): Promise<void> {
  const reset = process.argv.includes("--reset");
  let pulsar: PulsarInstance | undefined;
  let serviceUrl = process.env.PULSAR_HTTP_URL;
  if (!serviceUrl) {
    const webPort = await pickPort(8080);
    console.log(`Starting Pulsar standalone 4.2 on 127.0.0.1:${webPort ?? "a free port (8080 is taken)"} (first run downloads it with Maven)...`);
    pulsar = await startPulsar({ line: "4.2", webPort });
    serviceUrl = pulsar.httpUrl;
    console.log(`Pulsar ${pulsar.version} ready in ${(pulsar.readyInMs / 1000).toFixed(1)} s at ${serviceUrl} (log: ${pulsar.logFile})`);
  }
  const uiPort = Number(process.env.PORT) || (await pickPort(1880)) || (await freePort());
  const mqttPort = Number(process.env.MQTT_PORT) || (await pickPort(1883)) || (await freePort());
  prepareUserDir(serviceUrl, uiPort, reset);
  const stopBroker = await startMqttBroker(mqttPort);
  const nodeRed = startNodeRed(uiPort, { MQTT_PORT: String(mqttPort), PULSAR_HTTP_URL: serviceUrl });
  console.log(`\nNode-RED editor: http://127.0.0.1:${uiPort}/   (Ctrl-C stops Node-RED and Pulsar)\n`);

  let stopping = false;
  const stop = async (code: number): Promise<void> => {
    if (stopping) return;
    stopping = true;
    nodeRed.kill("SIGINT");
    await new Promise((r) => nodeRed.once("exit", r));
    await stopBroker();
    if (pulsar) await pulsar.stop();
    process.exit(code);
  };
  process.on("SIGINT", () => void stop(0));
  process.on("SIGTERM", () => void stop(0));
  nodeRed.on("exit", (code) => void stop(code ?? 0));
}

interface MqttBroker {
  handle: (socket: net.Socket) => void;
  close: (cb: () => void) => void;
}

/** The MQTT bridge examples need a broker; aedes (a devDependency) serves one on loopback. */
async function startMqttBroker(port: number): Promise<() => Promise<void>> {
  let Aedes: { createBroker(): Promise<MqttBroker> };
  try {
    // aedes is ESM-only; Node ≥ 20.19 loads it with require().
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    ({ Aedes } = require("aedes") as { Aedes: typeof Aedes });
  } catch {
    console.log("aedes is not installed: the MQTT examples will show 'disconnected'.");
    return async () => undefined;
  }
  const broker = await Aedes.createBroker();
  const server = net.createServer(broker.handle);
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  console.log(`MQTT broker (aedes) on 127.0.0.1:${port}`);
  return () => new Promise((resolve) => server.close(() => broker.close(() => resolve())));
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
