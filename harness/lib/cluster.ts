/**
 * A Pulsar cluster on loopback from the same jars as the standalone: ZooKeeper (from the broker's
 * dependencies) as the metadata and configuration store, the cluster metadata initialised
 * (PulsarClusterMetadataSetup), one bookie (BookKeeper's own server Main), two brokers
 * (PulsarBrokerStarter) with the WebSocket service on, and Pulsar's separate WebSocket proxy service
 * in front of both brokers. Each part is its own JVM in its own process group, killed with the Node
 * process like every harness JVM.
 *
 * Heap sizes are chosen for a 2-core, 24 GiB machine running the cluster next to Node-RED and other
 * work (harness/README.md lists them with the measured resident sizes).
 */
import type { ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import WebSocket from "ws";
import { archiveFor, classDataSharing, type ClassDataSharing } from "./cds";
import { resolveClasspath } from "./classpath";
import { freeLoopbackPorts, writeConfig } from "./config";
import { DEFAULT_LOG_DIR, LOOPBACK } from "./paths";
import { adminRequest } from "./probes";
import { errorText, jvmArgs, sleep, spawnJava, STOP_GRACE_MS, tailFile, waitForExit } from "./process";
import { brokerReady, pollUntil } from "./readiness";
import { PULSAR_VERSIONS, type AdminResponse, type PulsarLine } from "./types";
import { startWebSocketProxy, type WebSocketProxy } from "./websocket-proxy";

/** The heap of each JVM: the later -Xms/-Xmx/-XX:MaxDirectMemorySize win over jvmArgs()' defaults. */
export const CLUSTER_JVM_MEMORY = {
  zookeeper: ["-Xms32m", "-Xmx128m", "-XX:MaxDirectMemorySize=64m"],
  setup: ["-Xms32m", "-Xmx256m"],
  bookie: ["-Xms64m", "-Xmx256m", "-XX:MaxDirectMemorySize=256m"],
  broker: ["-Xms128m", "-Xmx512m", "-XX:MaxDirectMemorySize=512m"],
} as const;

/**
 * The ZooKeeper session of a broker: how long a SIGKILLed broker's topics stay owned by it before
 * another broker may take them (Pulsar's default is 30 s).
 */
export const CLUSTER_SESSION_TIMEOUT_MS = 10_000;
const DEFAULT_START_TIMEOUT_MS = 240_000;
export const CLUSTER_NAME = "cluster-a";
const READY_TOPIC = "__harness_cluster_ready";

export interface ClusterOptions {
  line?: PulsarLine;
  /** Extra broker.conf keys for both brokers (they win over the harness's own). */
  brokerConfig?: Record<string, string>;
  logDir?: string;
  /** How long the whole start may take (default 240000). */
  startTimeoutMs?: number;
}

/** One JVM of the cluster: spawned from a fixed command line, killed, restarted on the same ports and data. */
class ClusterJvm {
  private child: ChildProcess | undefined;
  private spawnError: Error | undefined;

  constructor(
    readonly name: string,
    private readonly args: () => string[],
    private readonly classpath: string,
    private readonly cwd: string,
    readonly logFile: string,
    private readonly onExit: () => void = () => undefined,
  ) {}

  get pid(): number | undefined {
    return this.running ? this.child?.pid : undefined;
  }

  get running(): boolean {
    const child = this.child;
    return !!child && child.exitCode === null && child.signalCode === null;
  }

  spawn(): void {
    this.spawnError = undefined;
    const child = spawnJava(this.args(), this.classpath, this.cwd, this.logFile);
    child.on("error", (err) => (this.spawnError = new Error(`cannot run java: ${err.message}`)));
    child.once("exit", this.onExit);
    this.child = child;
  }

  assertAlive(): void {
    if (this.spawnError) throw this.spawnError;
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`${this.name} exited (code ${child?.exitCode}, signal ${child?.signalCode})`);
    }
  }

  /** Resolves with the exit code (one-shot JVMs such as the metadata setup). */
  exited(timeoutMs: number): Promise<number | null> {
    const child = this.child;
    if (!child) return Promise.resolve(null);
    return waitForExit(child, timeoutMs).then((gone) => (gone ? child.exitCode : null));
  }

  async kill(): Promise<void> {
    const child = this.child;
    if (!child) return;
    child.kill("SIGKILL");
    await waitForExit(child, STOP_GRACE_MS);
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    child.kill("SIGTERM");
    if (!(await waitForExit(child, STOP_GRACE_MS))) await this.kill();
  }

  rssMiB(): number | undefined {
    return rssMiB(this.pid);
  }

  logTail(): string {
    return `${this.name} log: ${this.logFile}\n--- last 40 log lines ---\n${tailFile(this.logFile, 40)}`;
  }
}

/** A broker of the cluster: its URLs, and kill / restart / stop of its JVM. */
export interface ClusterBroker {
  /** "broker-1" or "broker-2". */
  name: string;
  httpUrl: string;
  /** ws://…: the broker's own WebSocket service. */
  wsUrl: string;
  brokerUrl: string;
  /** The broker id Pulsar uses (lookup answers, unload destinations): 127.0.0.1:<web port>. */
  brokerId: string;
  logFile: string;
  running: boolean;
  pid: number | undefined;
  /** Time its last start or restart took until ready, in ms. */
  readyInMs: number;
  admin(method: string, path: string, body?: unknown): Promise<AdminResponse>;
  /** SIGKILL; restart() brings it back on the same ports. */
  kill(): Promise<void>;
  /** Graceful stop (SIGTERM: the broker closes its topics and releases their ownership first). */
  stop(): Promise<void>;
  /** Starts it again (stopping it first if running) and waits until it is ready. */
  restart(): Promise<void>;
}

export interface JvmMemory {
  name: string;
  pid: number | undefined;
  rssMiB: number | undefined;
  heap: string;
}

export interface PulsarCluster {
  clusterName: string;
  line: PulsarLine;
  version: string;
  brokers: [ClusterBroker, ClusterBroker];
  proxy: WebSocketProxy;
  /** zk:127.0.0.1:<port> */
  metadataStoreUrl: string;
  /** From the call until every way in produced and consumed, in ms. */
  startedInMs: number;
  /** An admin call on the first running broker (any broker serves the whole cluster's admin API). */
  admin(method: string, path: string, body?: unknown): Promise<AdminResponse>;
  /** The broker that owns a public/default topic now (a lookup: it assigns an owner when there is none). */
  ownerOf(topic: string): Promise<ClusterBroker>;
  /** Resident memory of every JVM now. */
  memory(): JvmMemory[];
  /** "start N s; memory: zookeeper 80 MiB, …" */
  summary(): string;
  stop(): Promise<void>;
}

let clusterCounter = 0;
/** Clusters this process started and has not stopped (stopAllPulsar stops them). */
export const runningClusters = new Set<PulsarCluster>();

function tcpAnswer(port: number, send: string, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, LOOPBACK);
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => socket.destroy(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    socket.on("connect", () => socket.write(send));
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("end", () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString("utf8"));
    });
    socket.on("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

/**
 * Produces one message and consumes it (a fresh subscription from the earliest position, acked)
 * through a WebSocket base URL: the readiness check of each way in.
 */
export function webSocketRoundTrip(wsBase: string, timeoutMs = 15_000): Promise<void> {
  const topic = `persistent/public/default/${READY_TOPIC}`;
  const text = `ready-${process.pid}-${Date.now()}-${Math.random()}`;
  const payload = Buffer.from(text).toString("base64");
  return new Promise((resolve, reject) => {
    const sockets: WebSocket[] = [];
    const timer = setTimeout(() => finish(new Error(`no round trip within ${timeoutMs} ms`)), timeoutMs);
    const finish = (err?: Error): void => {
      clearTimeout(timer);
      for (const ws of sockets) ws.terminate();
      if (err) reject(err);
      else resolve();
    };
    const open = (url: string): WebSocket => {
      const ws = new WebSocket(url, { handshakeTimeout: timeoutMs, perMessageDeflate: false });
      ws.on("unexpected-response", (_req, res) => finish(new Error(`${url.replace(wsBase, "")} answered ${res.statusCode}`)));
      ws.on("error", (err) => finish(err));
      sockets.push(ws);
      return ws;
    };
    const consumer = open(`${wsBase}/ws/v2/consumer/${topic}/ready-${Date.now()}?subscriptionInitialPosition=Earliest`);
    consumer.on("message", (data) => {
      const frame = JSON.parse(data.toString()) as { messageId: string; payload: string };
      consumer.send(JSON.stringify({ messageId: frame.messageId }));
      if (frame.payload === payload) finish();
    });
    consumer.once("open", () => {
      const producer = open(`${wsBase}/ws/v2/producer/${topic}`);
      producer.once("open", () => producer.send(JSON.stringify({ payload })));
      producer.on("message", (data) => {
        const ack = JSON.parse(data.toString()) as { result?: string; errorMsg?: string };
        if (ack.result !== "ok") finish(new Error(`publish answered ${ack.result}: ${ack.errorMsg}`));
      });
    });
  });
}

/** Starts the whole cluster and resolves once a topic can be produced and consumed through each way in. */
export async function startPulsarCluster(opts: ClusterOptions = {}): Promise<PulsarCluster> {
  const began = Date.now();
  const line = opts.line ?? "4.2";
  const version = PULSAR_VERSIONS[line];
  const classpath = await resolveClasspath(version);
  const deadline = began + (opts.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS);
  const [zkPort, bookiePort, web1, bin1, web2, bin2] = await freeLoopbackPorts(6);
  const baseDir = fs.mkdtempSync(path.join(os.tmpdir(), "pulsar-cluster-"));
  const logDir = path.resolve(opts.logDir ?? DEFAULT_LOG_DIR);
  fs.mkdirSync(logDir, { recursive: true });
  const stamp = `${new Date().toISOString().replace(/[:.]/g, "-")}-${process.pid}-${++clusterCounter}`;
  const logFile = (name: string): string => path.join(logDir, `cluster-${version}-${stamp}-${name}.log`);
  const dir = (name: string): string => {
    const d = path.join(baseDir, name);
    fs.mkdirSync(d, { recursive: true });
    return d;
  };
  const metadataStoreUrl = `zk:${LOOPBACK}:${zkPort}`;
  const archive = (): string[] => {
    const file = archiveFor(version);
    return file ? [`-XX:SharedArchiveFile=${file}`] : [];
  };
  const jvms: ClusterJvm[] = [];
  const stopEverything = async (): Promise<void> => {
    // Brokers first (they close their topics against a live bookie and ZooKeeper), ZooKeeper last.
    for (const jvm of [...jvms].reverse()) await jvm.stop();
  };

  // ZooKeeper: tickTime 1000 lets sessions as short as 2 s; the brokers ask for CLUSTER_SESSION_TIMEOUT_MS.
  const zkDir = dir("zookeeper");
  const zkConfig = path.join(zkDir, "zoo.cfg");
  writeConfig(zkConfig, {
    tickTime: "1000", dataDir: path.join(zkDir, "data"), clientPort: String(zkPort), clientPortAddress: LOOPBACK,
    maxClientCnxns: "0", "admin.enableServer": "false", "4lw.commands.whitelist": "ruok,srvr",
    autopurge: "false", forceSync: "no",
  });
  const zookeeper = new ClusterJvm("zookeeper", () => [...jvmArgs(), ...CLUSTER_JVM_MEMORY.zookeeper, ...archive(),
    "-Dzookeeper.admin.enableServer=false", "org.apache.zookeeper.server.ZooKeeperServerMain", zkConfig], classpath, zkDir, logFile("zookeeper"));

  const brokerConfig = (web: number, bin: number): Record<string, string> => ({
    clusterName: CLUSTER_NAME,
    metadataStoreUrl,
    configurationMetadataStoreUrl: metadataStoreUrl,
    metadataStoreSessionTimeoutMillis: String(CLUSTER_SESSION_TIMEOUT_MS),
    bindAddress: LOOPBACK,
    advertisedAddress: LOOPBACK,
    webServicePort: String(web),
    brokerServicePort: String(bin),
    webSocketServiceEnabled: "true",
    functionsWorkerEnabled: "false",
    managedLedgerDefaultEnsembleSize: "1",
    managedLedgerDefaultWriteQuorum: "1",
    managedLedgerDefaultAckQuorum: "1",
    brokerDeleteInactiveTopicsEnabled: "false",
    // Readers from earliest check what a topic holds after the faults: acks must not trim it.
    defaultRetentionTimeInMinutes: "-1",
    defaultRetentionSizeInMB: "-1",
    // Topics move when a test moves them (kill, unload, restart), not when the load shedder decides.
    loadBalancerSheddingEnabled: "false",
    brokerShutdownTimeoutMs: "10000",
    allowAutoTopicCreation: "true",
    ...opts.brokerConfig,
  });

  const bookieDir = dir("bookie");
  const bookieConfig = path.join(bookieDir, "bookkeeper.conf");
  writeConfig(bookieConfig, {
    metadataServiceUri: `zk+null://${LOOPBACK}:${zkPort}/ledgers`,
    bookiePort: String(bookiePort),
    advertisedAddress: LOOPBACK,
    allowLoopback: "true",
    journalDirectories: path.join(bookieDir, "journal"),
    ledgerDirectories: path.join(bookieDir, "ledgers"),
    httpServerEnabled: "false",
    journalSyncData: "false",
    journalMaxGroupWaitMSec: "1",
    dbStorage_writeCacheMaxSizeMb: "32",
    dbStorage_readAheadCacheMaxSizeMb: "16",
    dbStorage_rocksDB_blockCacheSize: String(16 * 1024 * 1024),
    diskUsageThreshold: "0.999",
    diskUsageWarnThreshold: "0.998",
    zkTimeout: String(CLUSTER_SESSION_TIMEOUT_MS),
  });
  const bookie = new ClusterJvm("bookie", () => [...jvmArgs(), ...CLUSTER_JVM_MEMORY.bookie, ...archive(),
    "org.apache.bookkeeper.server.Main", "--conf", bookieConfig], classpath, bookieDir, logFile("bookie"));

  const brokers: ManagedBroker[] = [[web1, bin1], [web2, bin2]].map(([web, bin], i) => {
    const name = `broker-${i + 1}`;
    const brokerDir = dir(name);
    const configFile = path.join(brokerDir, "broker.conf");
    writeConfig(configFile, brokerConfig(web, bin));
    return new ManagedBroker(name, web, bin, classpath, brokerDir, configFile, logFile(name), version, deadline);
  });

  let proxy: WebSocketProxy | undefined;
  try {
    jvms.push(zookeeper);
    zookeeper.spawn();
    await pollUntil("ZooKeeper answering ruok", async () => {
      const answer = await tcpAnswer(zkPort, "ruok", 2_000);
      if (answer !== "imok") throw new Error(`ruok answered "${answer}"`);
    }, deadline, () => zookeeper.assertAlive(), timeoutText);

    // Cluster, tenant public, namespaces public/default and pulsar/system, BookKeeper's metadata.
    const setup = new ClusterJvm("cluster metadata setup", () => [...jvmArgs(), ...CLUSTER_JVM_MEMORY.setup, ...archive(),
      "org.apache.pulsar.PulsarClusterMetadataSetup", "--cluster", CLUSTER_NAME,
      "--metadata-store", metadataStoreUrl, "--configuration-metadata-store", metadataStoreUrl,
      "--web-service-url", `http://${LOOPBACK}:${web1},${LOOPBACK}:${web2}`,
      "--broker-service-url", `pulsar://${LOOPBACK}:${bin1},${LOOPBACK}:${bin2}`,
      "--default-namespace-bundle-number", "4"], classpath, dir("setup"), logFile("setup"));
    setup.spawn();
    const code = await setup.exited(Math.max(1_000, deadline - Date.now()));
    if (code !== 0) throw new Error(`PulsarClusterMetadataSetup ended with ${code}\n${setup.logTail()}`);

    jvms.push(bookie);
    bookie.spawn();
    jvms.push(...brokers.map((b) => b.jvm));
    // One broker first: it builds the class-data archive when there is none yet, which the others then map.
    await brokers[0].start(() => bookie.assertAlive());
    await brokers[1].start(() => bookie.assertAlive());

    proxy = await startWebSocketProxy({
      line, version, tokens: undefined,
      httpUrl: `http://${LOOPBACK}:${web1},${LOOPBACK}:${web2}`,
      brokerUrl: `pulsar://${LOOPBACK}:${bin1},${LOOPBACK}:${bin2}`,
    }, { logDir, extraConfig: { clusterName: CLUSTER_NAME }, startTimeoutMs: Math.max(1_000, deadline - Date.now()) });

    for (const [name, wsUrl] of [[brokers[0].name, brokers[0].wsUrl], [brokers[1].name, brokers[1].wsUrl], ["websocket proxy", proxy.wsUrl]]) {
      await pollUntil(`a message produced and consumed through ${name}`, () => webSocketRoundTrip(wsUrl), deadline,
        () => undefined, timeoutText);
    }
  } catch (err) {
    await proxy?.stop();
    await stopEverything();
    fs.rmSync(baseDir, { recursive: true, force: true });
    const tails = [zookeeper, bookie, ...brokers.map((b) => b.jvm)].filter((j) => fs.existsSync(j.logFile)).map((j) => j.logTail());
    throw new Error(`Pulsar cluster not started: ${errorText(err)}\n${tails.join("\n")}`, { cause: err });
  }
  const theProxy = proxy;
  const heapOf = (flags: readonly string[]): string => flags.filter((f) => f.startsWith("-Xmx") || f.startsWith("-XX:MaxDirect")).join(" ");

  const cluster: PulsarCluster = {
    clusterName: CLUSTER_NAME,
    line,
    version,
    brokers: [brokers[0], brokers[1]],
    proxy: theProxy,
    metadataStoreUrl,
    startedInMs: Date.now() - began,
    admin(method, urlPath, body) {
      const broker = brokers.find((b) => b.running) ?? brokers[0];
      return broker.admin(method, urlPath, body);
    },
    async ownerOf(topic) {
      const start = (brokers.find((b) => b.running) ?? brokers[0]).httpUrl;
      const answer = await lookup(`${start}/lookup/v2/topic/persistent/public/default/${encodeURIComponent(topic)}`);
      const owner = brokers.find((b) => b.brokerUrl === answer.brokerUrl);
      if (!owner) throw new Error(`lookup of ${topic} named ${answer.brokerUrl}, not a broker of this cluster`);
      return owner;
    },
    memory() {
      return [
        { name: "zookeeper", pid: zookeeper.pid, rssMiB: zookeeper.rssMiB(), heap: heapOf(CLUSTER_JVM_MEMORY.zookeeper) },
        { name: "bookie", pid: bookie.pid, rssMiB: bookie.rssMiB(), heap: heapOf(CLUSTER_JVM_MEMORY.bookie) },
        ...brokers.map((b) => ({ name: b.name, pid: b.pid, rssMiB: b.jvm.rssMiB(), heap: heapOf(CLUSTER_JVM_MEMORY.broker) })),
        { name: "websocket proxy", pid: theProxy.pid, rssMiB: rssMiB(theProxy.pid), heap: "-Xmx256m" },
      ];
    },
    summary() {
      const mem = cluster.memory();
      const total = mem.reduce((n, m) => n + (m.rssMiB ?? 0), 0);
      return `Pulsar ${version} cluster (ZooKeeper, 1 bookie, 2 brokers, WebSocket proxy) ready in ${(cluster.startedInMs / 1000).toFixed(1)} s; ` +
        `RSS: ${mem.map((m) => `${m.name} ${m.rssMiB ?? "?"} MiB`).join(", ")}; total ${total} MiB`;
    },
    async stop() {
      runningClusters.delete(cluster);
      await theProxy.stop();
      await stopEverything();
      fs.rmSync(baseDir, { recursive: true, force: true });
    },
  };
  runningClusters.add(cluster);
  return cluster;
}

/** Resident set size of a process in MiB, from /proc (undefined when it is gone or not on Linux). */
export function rssMiB(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const kb = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
    return kb === undefined ? undefined : Math.round(Number(kb) / 1024);
  } catch {
    return undefined;
  }
}

/**
 * A topic lookup, following the redirects brokers answer with: a broker that neither owns the
 * topic's bundle nor leads the cluster sends the lookup to the leader, which assigns an owner and
 * sends it there (307 with Location).
 */
function lookup(url: string, hops = 5): Promise<{ brokerUrl: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers: { Accept: "application/json" }, timeout: 30_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => {
        const body = Buffer.concat(chunks).toString("utf8");
        const location = res.headers.location;
        if ((res.statusCode === 307 || res.statusCode === 302) && location && hops > 0) {
          resolve(lookup(new URL(location, url).toString(), hops - 1));
        } else if (res.statusCode === 200) {
          resolve(JSON.parse(body) as { brokerUrl: string });
        } else {
          reject(new Error(`lookup ${url}: ${res.statusCode} ${body}`));
        }
      });
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error(`lookup ${url} timed out`)));
    req.on("error", reject);
  });
}

function timeoutText(what: string, reason: string): string {
  return `timed out waiting for ${what}; last check: ${reason}`;
}

class ManagedBroker implements ClusterBroker {
  readonly httpUrl: string;
  readonly wsUrl: string;
  readonly brokerUrl: string;
  readonly brokerId: string;
  readonly jvm: ClusterJvm;
  readyInMs = 0;
  private sharing: ClassDataSharing | undefined;

  constructor(
    readonly name: string,
    web: number,
    bin: number,
    classpath: string,
    cwd: string,
    configFile: string,
    readonly logFile: string,
    version: string,
    private readonly firstDeadline: number,
  ) {
    this.httpUrl = `http://${LOOPBACK}:${web}`;
    this.wsUrl = `ws://${LOOPBACK}:${web}`;
    this.brokerUrl = `pulsar://${LOOPBACK}:${bin}`;
    this.brokerId = `${LOOPBACK}:${web}`;
    this.jvm = new ClusterJvm(name, () => {
      // A broker cold-started without an archive lists its classes, and the archive is built from them.
      this.sharing = classDataSharing(version, classpath);
      return [...jvmArgs(), ...CLUSTER_JVM_MEMORY.broker, ...this.sharing.jvmArgs, "org.apache.pulsar.PulsarBrokerStarter", "-c", configFile];
    }, classpath, cwd, logFile, () => this.sharing?.finish());
  }

  get running(): boolean {
    return this.jvm.running;
  }

  get pid(): number | undefined {
    return this.jvm.pid;
  }

  admin(method: string, urlPath: string, body?: unknown): Promise<AdminResponse> {
    return adminRequest(this.httpUrl, undefined, method, urlPath, body);
  }

  async start(assertOthers: () => void = () => undefined, deadline = this.firstDeadline): Promise<void> {
    const began = Date.now();
    this.jvm.spawn();
    try {
      await pollUntil(`${this.name} ready`, () => brokerReady({ line: "4.2", httpUrl: this.httpUrl, wsUrl: this.wsUrl, admin: (m, p, b) => this.admin(m, p, b) }),
        deadline, () => {
          this.jvm.assertAlive();
          assertOthers();
        }, timeoutText);
      await pollUntil(`a round trip through ${this.name}'s WebSocket service`, () => webSocketRoundTrip(this.wsUrl), deadline,
        () => this.jvm.assertAlive(), timeoutText);
    } catch (err) {
      throw new Error(`${errorText(err)}\n${this.jvm.logTail()}`, { cause: err });
    }
    this.sharing?.ready();
    this.readyInMs = Date.now() - began;
  }

  kill(): Promise<void> {
    return this.jvm.kill();
  }

  stop(): Promise<void> {
    return this.jvm.stop();
  }

  async restart(): Promise<void> {
    await this.jvm.stop();
    fs.appendFileSync(this.logFile, `\n----- harness: restart at ${new Date().toISOString()} -----\n`);
    await sleep(100);
    await this.start(() => undefined, Date.now() + DEFAULT_START_TIMEOUT_MS);
  }
}
