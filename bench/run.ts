/**
 * `npm run bench [-- --quick] [--runs N] [--server a|b] [--only produce,consume,latency,memory,consume-sessions,produce-partitions,produce-encrypted] [--out FILE]`
 *
 * Runs the throughput, latency and memory scenarios against (a) the ack server and (b) real Pulsar, and the session scenarios
 * (several sessions: consume-sessions, produce-partitions) against real Pulsar only, the cost of
 * end-to-end encryption (produce-encrypted) against the ack server only, each client
 * beside its baselines in the same run, prints a table and writes test-output/bench/<date>-<mode>.json.
 * Progress goes to stderr, the table to stdout. Figures only: nothing here passes or fails.
 * Profiling: `npm run build && node --cpu-prof --cpu-prof-dir=test-output/profiles dist/bench/run.js --quick --server a --only produce`.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { BenchRuntime } from "./node-red/runtime";
import { PROFILES, type Profile } from "./profile";
import { renderTable, writeResults, type ResultRow } from "./results";
import { consumeScenario } from "./scenarios/consume";
import { consumeSessionsScenario } from "./scenarios/consume-sessions";
import type { ScenarioContext } from "./scenarios/context";
import { latencyScenario } from "./scenarios/latency";
import { memoryScenario } from "./scenarios/memory";
import { produceScenario } from "./scenarios/produce";
import { produceEncryptedScenario } from "./scenarios/produce-encrypted";
import { producePartitionsScenario } from "./scenarios/produce-partitions";
import { watchServerProcess } from "./server-cpu";
import { startAckServer, startPulsarServer, type BenchServer, type ServerId } from "./servers";

const SCENARIOS = ["produce", "consume", "latency", "memory", "consume-sessions", "produce-partitions", "produce-encrypted"] as const;
type Scenario = (typeof SCENARIOS)[number];
/** The session scenarios need partitioned topics and the admin API: real Pulsar only. */
const PULSAR_ONLY: Scenario[] = ["consume-sessions", "produce-partitions"];
/** A client CPU figure: the ack server costs nothing per frame, so only (a) tells it cleanly. */
const ACK_SERVER_ONLY: Scenario[] = ["produce-encrypted"];

interface Options {
  profile: Profile;
  servers: ServerId[];
  scenarios: Scenario[];
  out: string;
}

const USAGE = `usage: node dist/bench/run.js [--quick] [--runs N] [--server a|b] [--only ${SCENARIOS.join(",")}] [--out FILE]`;

function parseArgs(argv: string[]): Options {
  let profile = PROFILES.full;
  let runs: number | undefined;
  let servers: ServerId[] = ["a", "b"];
  let scenarios: Scenario[] = [...SCENARIOS];
  let out: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${arg} needs a value\n${USAGE}`);
      return v;
    };
    if (arg === "--quick") profile = PROFILES.quick;
    else if (arg === "--runs") runs = Number(value());
    else if (arg === "--server") servers = value().split(",") as ServerId[];
    else if (arg === "--only") scenarios = value().split(",") as Scenario[];
    else if (arg === "--out") out = value();
    else throw new Error(`unknown argument ${arg}\n${USAGE}`);
  }
  if (runs !== undefined && !(Number.isInteger(runs) && runs >= 1)) throw new Error(`--runs must be a positive integer\n${USAGE}`);
  if (!servers.every((s) => s === "a" || s === "b")) throw new Error(`--server takes a, b or a,b\n${USAGE}`);
  if (!scenarios.every((s) => SCENARIOS.includes(s))) throw new Error(`--only takes ${SCENARIOS.join(",")}\n${USAGE}`);
  const runsOverride = runs === undefined ? {} : { runs, memory: { ...profile.memory, runs } };
  const date = new Date().toISOString().slice(0, 10);
  return {
    profile: { ...profile, ...runsOverride },
    servers,
    scenarios,
    // An ignored folder: figures worth keeping are copied into docs/benchmarks.md.
    out: out ?? path.join(__dirname, "..", "..", "test-output", "bench", `${date}-${profile.name}.json`),
  };
}

function packageVersion(name: string): string {
  return (JSON.parse(fs.readFileSync(require.resolve(`${name}/package.json`), "utf8")) as { version: string }).version;
}

function machine(): Record<string, string | number> {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model ?? "unknown",
    cores: os.availableParallelism(),
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()}`,
    node: process.version,
    nodeRed: packageVersion("node-red"),
    ws: packageVersion("ws"),
  };
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const { profile } = options;
  const started = Date.now();
  const log = (line: string): void => console.error(`[${((Date.now() - started) / 1000).toFixed(0).padStart(3)} s] ${line}`);
  const wants = (s: Scenario): boolean => options.scenarios.includes(s);
  const throughServers = options.scenarios.some((s) => s !== "memory");
  const stamp = Date.now().toString(36);
  let names = 0;

  const servers: BenchServer[] = [];
  const rows: ResultRow[] = [];
  try {
    // Pulsar takes 30-60 s to start; the memory runs need no server, so they fill that time.
    const pulsar = throughServers && options.servers.includes("b") ? startPulsarServer() : undefined;
    pulsar?.catch(() => undefined); // awaited below; this only keeps the rejection handled meanwhile
    if (pulsar) log("starting Pulsar (b) in the background");
    if (wants("memory")) rows.push(...(await memoryScenario(profile, log)));
    if (!throughServers) return;

    if (options.servers.includes("a")) servers.push(await startAckServer());
    // No measurement while a JVM starts next to it: it takes both cores for a while.
    if (pulsar) {
      servers.push(await pulsar);
      log(`Pulsar ready: ${servers[servers.length - 1].label} at ${servers[servers.length - 1].wsUrl}`);
    }
    const runtime = await BenchRuntime.start();
    try {
      for (const id of options.servers) {
        const server = servers.find((s) => s.id === id)!;
        watchServerProcess(server.pid);
        const ctx: ScenarioContext = { runtime, profile, server, log, unique: (prefix) => `bench-${prefix}-${stamp}-${++names}` };
        if (wants("produce")) for (const bytes of profile.produce.sizes) rows.push(...(await produceScenario(ctx, bytes)));
        if (wants("consume")) rows.push(...(await consumeScenario(ctx)));
        if (wants("latency") && profile.latency.servers.includes(id)) rows.push(...(await latencyScenario(ctx)));
        if (id === "b" && ACK_SERVER_ONLY.some(wants)) log(`${ACK_SERVER_ONLY.filter(wants).join(", ")}: skipped on server b (a client CPU figure, told cleanly by the ack server only)`);
        if (id === "a" && wants("produce-encrypted")) for (const bytes of profile.produce.sizes) rows.push(...(await produceEncryptedScenario(ctx, bytes)));
        const pulsarOnly = PULSAR_ONLY.filter(wants);
        if (id === "a" && pulsarOnly.length > 0) log(`${pulsarOnly.join(", ")}: skipped on server a (the ack server has no partitioned topics and no admin API)`);
        if (id === "a") continue;
        if (wants("consume-sessions")) rows.push(...(await consumeSessionsScenario(ctx)));
        if (wants("produce-partitions")) rows.push(...(await producePartitionsScenario(ctx)));
      }
    } finally {
      await runtime.stop();
    }
  } finally {
    await Promise.allSettled(servers.map((s) => s.stop()));
    if (rows.length > 0) report(options, rows, servers, started);
  }
}

function report(options: Options, rows: ResultRow[], servers: BenchServer[], started: number): void {
  const durationS = Math.round((Date.now() - started) / 1000);
  const info = machine();
  const serverLabels = Object.fromEntries(servers.map((s) => [s.id, s.label]));
  console.log(`\nnode-red-pulsar benchmark, ${options.profile.name} (${options.profile.runs} runs each), ${durationS} s`);
  console.log(`machine: ${info.cpu}, ${info.cores} cores, ${info.memoryGiB} GiB, ${info.os}; Node ${info.node}, Node-RED ${info.nodeRed}, ws ${info.ws}`);
  for (const s of servers) console.log(`server ${s.id}: ${s.label}`);
  console.log(`\n${renderTable(rows)}\n`);
  writeResults(options.out, {
    date: new Date().toISOString(),
    command: `node dist/bench/run.js ${process.argv.slice(2).join(" ")}`.trim(),
    mode: options.profile.name,
    machine: info,
    servers: serverLabels,
    durationS,
    rows,
  });
  console.log(`results: ${path.relative(process.cwd(), options.out)}`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : err);
    process.exit(1);
  },
);
