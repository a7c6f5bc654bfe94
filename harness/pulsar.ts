/**
 * Real-Pulsar test harness: runs an Apache Pulsar standalone (broker, one bookie and RocksDB metadata
 * in one JVM, WebSocket service on) from jars that Maven resolves with harness/pulsar/pom.xml.
 * Everything binds 127.0.0.1 on free ports. Recipe: shared docs, pulsar-websocket-protocol.md §8.
 */
import { ChildProcess, spawn } from "node:child_process";
import { createHash, createHmac, randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as http from "node:http";
import * as https from "node:https";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import WebSocket from "ws";

export type PulsarLine = "4.2" | "4.0";

/**
 * The 4.0 line defaults to 4.0.7, not 4.0.8: the Maven Central reachable here lacks
 * jetcd-core-shaded and pulsar-opentelemetry 4.0.8, so 4.0.7 is the newest 4.0.x that resolves.
 */
export const PULSAR_VERSIONS: Record<PulsarLine, string> = {
  "4.2": process.env.PULSAR_VERSION_42 || "4.2.4",
  "4.0": process.env.PULSAR_VERSION_40 || "4.0.7",
};

export interface StartOptions {
  line?: PulsarLine;
  /** Token authentication + authorization, with tokens for admin / allowed-role / forbidden-role. */
  auth?: boolean;
  /** webSocketSessionIdleTimeoutMillis (server default 300000). */
  idleTimeoutMs?: number;
  /** webSocketMaxTextFrameSize (server default 1048576). */
  maxTextFrameSize?: number;
  /** Also serve HTTPS/WSS on webServicePortTls with these PEM files. */
  tls?: { certFile: string; keyFile: string; caFile: string; requireClientCert?: boolean };
  /** Keep data here (a restart on the same data works). Default: a fresh temp dir, removed by stop(). */
  dataDir?: string;
  /** Extra standalone.conf keys; they win over the harness's own. */
  extraConfig?: Record<string, string>;
  /** Where the broker log goes. Default: test-output/pulsar/ in the project. */
  logDir?: string;
  /** How long to wait for readiness (default 180000). */
  startTimeoutMs?: number;
  /**
   * Serve HTTP/WebSocket on this port instead of a free one: `npm start` asks for 8080, the port
   * the example flows name, so they run unchanged.
   */
  webPort?: number;
}

export interface PulsarTokens {
  admin: string;
  allowed: string;
  forbidden: string;
  secretKeyBase64: string;
}

export interface AdminResponse {
  status: number;
  body: string;
  json<T = unknown>(): T;
}

export interface PulsarInstance {
  line: PulsarLine;
  version: string;
  httpUrl: string;
  wsUrl: string;
  httpsUrl?: string;
  wssUrl?: string;
  brokerUrl: string;
  tokens?: PulsarTokens;
  logFile: string;
  /** Time the last start or restart took until fully ready, in ms (0 for an external Pulsar). */
  readyInMs: number;
  admin(method: string, path: string, body?: unknown): Promise<AdminResponse>;
  /** Graceful stop (SIGTERM, then SIGKILL after a bound). Final: the instance cannot restart after it. */
  stop(): Promise<void>;
  /** SIGKILL; data is kept and restart() brings the instance back. */
  kill(): Promise<void>;
  /** Start again on the same ports and data dir (stopping first if running); waits until ready. */
  restart(): Promise<void>;
}

const ROOT = findProjectRoot();
const MAVEN_DIR = path.join(ROOT, "harness", "pulsar");
const WORK_DIR = path.join(MAVEN_DIR, "work");
const LOG4J_CONFIG = path.join(MAVEN_DIR, "log4j2.xml");
const DEFAULT_LOG_DIR = path.join(ROOT, "test-output", "pulsar");

const LOOPBACK = "127.0.0.1";
const DEFAULT_START_TIMEOUT_MS = 180_000;
const STOP_GRACE_MS = 20_000;
const LOG_TAIL_LINES = 60;
const READY_TOPIC_PATH = "/ws/v2/producer/persistent/public/default/__harness_ready";
const ROLES = { admin: "admin", allowed: "allowed-role", forbidden: "forbidden-role" } as const;

/** Walks up from this file (harness/ or dist/harness/) to the directory holding harness/pulsar/pom.xml. */
function findProjectRoot(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, "harness", "pulsar", "pom.xml"))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`harness/pulsar/pom.xml not found above ${__dirname}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Classpath (Maven)
// ---------------------------------------------------------------------------------------------

const classpaths = new Map<string, Promise<string>>();

/**
 * Resolves the standalone's classpath with Maven once per version and caches it under
 * harness/pulsar/work/, keyed by version and pom hash, so a pom change re-resolves.
 */
export function resolveClasspath(version: string): Promise<string> {
  let pending = classpaths.get(version);
  if (!pending) {
    pending = resolveClasspathUncached(version);
    classpaths.set(version, pending);
    pending.catch(() => classpaths.delete(version));
  }
  return pending;
}

/** Names what is cached per Pulsar version under work/; a pom change makes a new key. */
function cacheKey(version: string): string {
  if (!/^[0-9A-Za-z.-]+$/.test(version)) throw new Error(`invalid Pulsar version "${version}"`);
  const pomHash = createHash("sha256").update(fs.readFileSync(path.join(MAVEN_DIR, "pom.xml"))).digest("hex");
  return `${version}-${pomHash.slice(0, 12)}`;
}

async function resolveClasspathUncached(version: string): Promise<string> {
  const cacheFile = path.join(WORK_DIR, `classpath-${cacheKey(version)}.txt`);
  const cached = readClasspathFile(cacheFile);
  if (cached) return cached;

  fs.mkdirSync(WORK_DIR, { recursive: true });
  // Written under a temporary name and renamed, so a concurrent reader never sees half a file.
  const tmpFile = `${cacheFile}.${process.pid}.tmp`;
  const mvnLog = path.join(WORK_DIR, `mvn-${version}.log`);
  const args = ["-B", "-q", "dependency:build-classpath", `-Dmdep.outputFile=${tmpFile}`, `-Dpulsar.version=${version}`];
  const code = await runToLog("mvn", args, MAVEN_DIR, mvnLog);
  if (code !== 0) {
    throw new Error(`mvn ${args.join(" ")} failed (exit ${code}); log: ${mvnLog}\n${tailFile(mvnLog, 30)}`);
  }
  fs.renameSync(tmpFile, cacheFile);
  const classpath = readClasspathFile(cacheFile);
  if (!classpath) throw new Error(`Maven wrote an unusable classpath to ${cacheFile}`);
  return classpath;
}

/** The cached classpath, or undefined when missing or when a jar vanished from ~/.m2 since. */
function readClasspathFile(file: string): string | undefined {
  if (!fs.existsSync(file)) return undefined;
  const classpath = fs.readFileSync(file, "utf8").trim();
  const jars = classpath.split(path.delimiter);
  return classpath && jars.every((jar) => fs.existsSync(jar)) ? classpath : undefined;
}

function runToLog(command: string, args: string[], cwd: string, logFile: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const fd = fs.openSync(logFile, "w");
    const child = spawn(command, args, { cwd, stdio: ["ignore", fd, fd] });
    fs.closeSync(fd);
    child.once("error", (err) => reject(new Error(`cannot run ${command}: ${err.message}`)));
    child.once("exit", (code) => resolve(code ?? 1));
  });
}

// ---------------------------------------------------------------------------------------------
// Tokens
// ---------------------------------------------------------------------------------------------

/** An HS256 JWT with the given subject, as Pulsar's AuthenticationProviderToken accepts it. */
export function signHs256Token(subject: string, secretKeyBase64: string): string {
  const encode = (value: object): string => Buffer.from(JSON.stringify(value)).toString("base64url");
  const unsigned = `${encode({ alg: "HS256", typ: "JWT" })}.${encode({ sub: subject })}`;
  const signature = createHmac("sha256", Buffer.from(secretKeyBase64, "base64")).update(unsigned).digest("base64url");
  return `${unsigned}.${signature}`;
}

function newTokens(): PulsarTokens {
  const secretKeyBase64 = randomBytes(32).toString("base64");
  return {
    admin: signHs256Token(ROLES.admin, secretKeyBase64),
    allowed: signHs256Token(ROLES.allowed, secretKeyBase64),
    forbidden: signHs256Token(ROLES.forbidden, secretKeyBase64),
    secretKeyBase64,
  };
}

// ---------------------------------------------------------------------------------------------
// HTTP and WebSocket probes
// ---------------------------------------------------------------------------------------------

function httpRequest(
  url: string,
  method: string,
  headers: Record<string, string>,
  body: string | undefined,
  timeoutMs: number,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const client = url.startsWith("https:") ? https : http;
    const req = client.request(url, { method, headers, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error(`${method} ${url} timed out after ${timeoutMs} ms`)));
    req.on("error", reject);
    req.end(body);
  });
}

function adminRequest(
  baseUrl: string,
  token: string | undefined,
  method: string,
  urlPath: string,
  body?: unknown,
  timeoutMs = 30_000,
): Promise<AdminResponse> {
  const headers: Record<string, string> = { Accept: "application/json" };
  if (token) headers.Authorization = `Bearer ${token}`;
  const payload = body === undefined ? undefined : JSON.stringify(body);
  if (payload !== undefined) headers["Content-Type"] = "application/json";
  return httpRequest(baseUrl + urlPath, method, headers, payload, timeoutMs).then((res) => ({
    status: res.status,
    body: res.body,
    json<T = unknown>(): T {
      return JSON.parse(res.body) as T;
    },
  }));
}

/**
 * Opens a WebSocket and closes it again: resolves 101 when the upgrade succeeds, or the HTTP status
 * the server answered instead (401, 403, 404, ...). Rejects on network errors and on timeout.
 */
export function wsHandshakeStatus(url: string, headers: Record<string, string> = {}, timeoutMs = 15_000): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers, handshakeTimeout: timeoutMs });
    ws.once("open", () => {
      ws.close();
      resolve(101);
    });
    ws.once("unexpected-response", (req, res) => {
      req.destroy();
      resolve(res.statusCode ?? 0);
    });
    // Kept for the socket's whole life: an 'error' without a listener would crash the process.
    ws.on("error", reject);
  });
}

// ---------------------------------------------------------------------------------------------
// Child process bookkeeping: no JVM may outlive the Node process
// ---------------------------------------------------------------------------------------------

const liveChildren = new Set<ChildProcess>();
let exitHooksInstalled = false;

function trackChild(child: ChildProcess): void {
  liveChildren.add(child);
  child.once("exit", () => liveChildren.delete(child));
  installExitHooks();
}

function killAllChildren(): void {
  for (const child of liveChildren) child.kill("SIGKILL");
}

function installExitHooks(): void {
  if (exitHooksInstalled) return;
  exitHooksInstalled = true;
  process.on("exit", killAllChildren);
  // Node dies on these signals without emitting 'exit'. When nobody else listens, keep that default
  // but take the JVMs down first; when the host listens (e.g. the CLI's graceful stop), leave it to the host.
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    const onSignal = (): void => {
      if (process.listenerCount(signal) > 1) return;
      killAllChildren();
      process.removeListener(signal, onSignal);
      process.kill(process.pid, signal);
    };
    process.on(signal, onSignal);
  }
}

function waitForExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Configuration
// ---------------------------------------------------------------------------------------------

interface Ports {
  web: number;
  broker: number;
  bookie: number;
  webTls?: number;
}

async function freeLoopbackPorts(count: number): Promise<number[]> {
  // All servers stay open until every port is known, so the ports are distinct.
  const servers = await Promise.all(
    Array.from({ length: count }, () => new Promise<net.Server>((resolve, reject) => {
      const server = net.createServer();
      server.once("error", reject);
      server.listen(0, LOOPBACK, () => resolve(server));
    })),
  );
  const ports = servers.map((server) => (server.address() as net.AddressInfo).port);
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}

/** The loopback interface's name ("lo" on Linux, "lo0" on macOS): the bookie binds only there. */
function loopbackInterface(): string {
  for (const [name, addresses] of Object.entries(os.networkInterfaces())) {
    if (addresses?.some((address) => address.internal && address.address === LOOPBACK)) return name;
  }
  return "lo";
}

function standaloneConfig(ports: Ports, opts: StartOptions, tokens: PulsarTokens | undefined): Record<string, string> {
  const config: Record<string, string> = {
    clusterName: "standalone",
    metadataStoreUrl: "", // empty: RocksDB under --metadata-dir (PIP-117 mode, no ZooKeeper)
    bindAddress: LOOPBACK,
    // The WebSocket service's internal client connects to the advertised address.
    advertisedAddress: LOOPBACK,
    webServicePort: String(ports.web),
    brokerServicePort: String(ports.broker),
    webSocketServiceEnabled: "true",
    managedLedgerDefaultEnsembleSize: "1",
    managedLedgerDefaultWriteQuorum: "1",
    managedLedgerDefaultAckQuorum: "1",
    // Topics without producers or subscriptions would otherwise vanish between tests after 60 s.
    brokerDeleteInactiveTopicsEnabled: "false",
    loadManagerClassName: "org.apache.pulsar.broker.loadbalance.NoopLoadManager",
    loadBalancerEnabled: "false",
    brokerShutdownTimeoutMs: "10000",
    // The same file is the bookie's configuration. Without allowEphemeralPorts the bookie ignores
    // --bookkeeper-port and listens on a random port on 0.0.0.0; listeningInterface keeps it on loopback.
    allowLoopback: "true",
    allowEphemeralPorts: "true",
    listeningInterface: loopbackInterface(),
    journalSyncData: "false",
    journalMaxGroupWaitMSec: "1",
    dbStorage_writeCacheMaxSizeMb: "16",
    dbStorage_readAheadCacheMaxSizeMb: "16",
    dbStorage_rocksDB_blockCacheSize: String(16 * 1024 * 1024),
    // A nearly full disk must not flip the bookie to read-only in the middle of a test run.
    diskUsageThreshold: "0.999",
    diskUsageWarnThreshold: "0.998",
  };
  if (opts.idleTimeoutMs !== undefined) config.webSocketSessionIdleTimeoutMillis = String(opts.idleTimeoutMs);
  if (opts.maxTextFrameSize !== undefined) config.webSocketMaxTextFrameSize = String(opts.maxTextFrameSize);
  if (tokens) Object.assign(config, authConfig(tokens));
  if (opts.tls && ports.webTls !== undefined) Object.assign(config, tlsConfig(opts.tls, ports.webTls));
  return { ...config, ...opts.extraConfig };
}

function authConfig(tokens: PulsarTokens): Record<string, string> {
  return {
    authenticationEnabled: "true",
    authorizationEnabled: "true",
    authenticationProviders: "org.apache.pulsar.broker.authentication.AuthenticationProviderToken",
    tokenSecretKey: `data:;base64,${tokens.secretKeyBase64}`,
    superUserRoles: ROLES.admin,
    // Used by the broker's own admin client and by the embedded WebSocket service's Pulsar client.
    brokerClientAuthenticationPlugin: "org.apache.pulsar.client.impl.auth.AuthenticationToken",
    brokerClientAuthenticationParameters: `token:${tokens.admin}`,
  };
}

function tlsConfig(tls: NonNullable<StartOptions["tls"]>, port: number): Record<string, string> {
  return {
    webServicePortTls: String(port),
    tlsCertificateFilePath: tls.certFile,
    tlsKeyFilePath: tls.keyFile,
    tlsTrustCertsFilePath: tls.caFile,
    tlsRequireTrustedClientCertOnConnect: String(tls.requireClientCert ?? false),
  };
}

/** JVM flags of bin/pulsar that matter here, with a heap sized for tests rather than production. */
function jvmArgs(): string[] {
  const opens = [
    "java.base/java.io", "java.base/java.util.zip", "java.base/java.nio", "java.base/jdk.internal.misc",
    "java.base/jdk.internal.platform", "java.management/sun.management", "jdk.management/com.sun.management.internal",
  ];
  return [
    "-Xms256m", "-Xmx1g", "-XX:MaxDirectMemorySize=1g", "-XX:+ExitOnOutOfMemoryError",
    "-Djava.net.preferIPv4Stack=true",
    ...opens.flatMap((pkg) => ["--add-opens", `${pkg}=ALL-UNNAMED`]),
    "--enable-native-access=ALL-UNNAMED",
    "-Dio.netty.tryReflectionSetAccessible=true",
    "-Dorg.apache.pulsar.shade.io.netty.tryReflectionSetAccessible=true",
    "-Dpulsar.allocator.exit_on_oom=true",
    `-Dlog4j.configurationFile=${LOG4J_CONFIG}`,
    "-Dlog4j2.is.webapp=false",
    // The standalone's own shutdown hook flushes log4j; log4j's hook would close it too early.
    "-Dlog4j.shutdownHookEnabled=false",
    // Marks harness JVMs, so a stray one can be found with `pgrep -f pulsar.harness.owner`.
    `-Dpulsar.harness.owner=${process.pid}`,
  ];
}

interface ClassDataSharing {
  jvmArgs: string[];
  /** Called when the JVM has exited; `clean` is false when it was killed by a signal. */
  finish(clean: boolean): void;
}

let archiveCounter = 0;

/**
 * Application class data sharing halves the start-up (measured about 7 s instead of 12 s until
 * ready). The first JVM of a version records the classes it loaded into an archive when it exits;
 * later JVMs map that archive. A JVM that finds the archive stale (other JDK, jars changed in ~/.m2)
 * warns in the log and starts without it; deleting harness/pulsar/work/ rebuilds everything.
 */
function classDataSharing(version: string): ClassDataSharing {
  const archive = path.join(WORK_DIR, `cds-${cacheKey(version)}.jsa`);
  if (fs.existsSync(archive)) return { jvmArgs: [`-XX:SharedArchiveFile=${archive}`], finish: () => undefined };
  removeOrphanedArchives(archive);
  // Dumped under a private name and renamed only after a clean exit: a JVM killed while dumping
  // leaves a broken file, and two JVMs dumping at once must not write the same file.
  const pending = `${archive}.${process.pid}-${++archiveCounter}.tmp`;
  return {
    jvmArgs: [`-XX:ArchiveClassesAtExit=${pending}`],
    finish(clean) {
      if (!fs.existsSync(pending)) return;
      if (clean) fs.renameSync(pending, archive);
      else fs.rmSync(pending, { force: true });
    },
  };
}

/** Pending archives (about 100 MB each) of harness processes that died before renaming them. */
function removeOrphanedArchives(archive: string): void {
  const prefix = `${path.basename(archive)}.`;
  for (const name of fs.existsSync(WORK_DIR) ? fs.readdirSync(WORK_DIR) : []) {
    const owner = name.startsWith(prefix) && name.endsWith(".tmp") ? Number.parseInt(name.slice(prefix.length), 10) : NaN;
    if (Number.isInteger(owner) && !processAlive(owner)) fs.rmSync(path.join(WORK_DIR, name), { force: true });
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

function tailFile(file: string, lines: number): string {
  try {
    return fs.readFileSync(file, "utf8").split("\n").slice(-lines - 1).join("\n");
  } catch {
    return "(no log)";
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

// ---------------------------------------------------------------------------------------------
// Managed instance
// ---------------------------------------------------------------------------------------------

interface Layout {
  dataDir: string;
  ownsDataDir: boolean;
  configFile: string;
  logFile: string;
}

let instanceCounter = 0;
const managedInstances = new Set<ManagedPulsar>();

class ManagedPulsar implements PulsarInstance {
  readonly httpUrl: string;
  readonly wsUrl: string;
  readonly httpsUrl?: string;
  readonly wssUrl?: string;
  readonly brokerUrl: string;
  readonly logFile: string;
  readyInMs = 0;
  private child: ChildProcess | undefined;
  private spawnError: Error | undefined;
  private stopped = false;

  constructor(
    readonly line: PulsarLine,
    readonly version: string,
    readonly tokens: PulsarTokens | undefined,
    private readonly classpath: string,
    private readonly ports: Ports,
    private readonly layout: Layout,
    private readonly startTimeoutMs: number,
  ) {
    this.httpUrl = `http://${LOOPBACK}:${ports.web}`;
    this.wsUrl = `ws://${LOOPBACK}:${ports.web}`;
    if (ports.webTls !== undefined) {
      this.httpsUrl = `https://${LOOPBACK}:${ports.webTls}`;
      this.wssUrl = `wss://${LOOPBACK}:${ports.webTls}`;
    }
    this.brokerUrl = `pulsar://${LOOPBACK}:${ports.broker}`;
    this.logFile = layout.logFile;
  }

  admin(method: string, urlPath: string, body?: unknown): Promise<AdminResponse> {
    return adminRequest(this.httpUrl, this.tokens?.admin, method, urlPath, body);
  }

  /** Spawns the JVM and waits until the broker, the default namespaces and the WebSocket service work. */
  async start(): Promise<void> {
    const began = Date.now();
    this.spawnJvm();
    try {
      await this.waitUntilReady(began + this.startTimeoutMs);
    } catch (err) {
      await this.kill();
      throw new Error(`${errorText(err)}\nPulsar ${this.version} log: ${this.logFile}\n` +
        `--- last ${LOG_TAIL_LINES} log lines ---\n${tailFile(this.logFile, LOG_TAIL_LINES)}`, { cause: err });
    }
    this.readyInMs = Date.now() - began;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    managedInstances.delete(this);
    await this.terminate();
    if (this.layout.ownsDataDir) fs.rmSync(this.layout.dataDir, { recursive: true, force: true });
  }

  async kill(): Promise<void> {
    const child = this.child;
    if (!child) return;
    child.kill("SIGKILL");
    await waitForExit(child, STOP_GRACE_MS);
    this.child = undefined;
  }

  async restart(): Promise<void> {
    if (this.stopped) throw new Error(`Pulsar ${this.version} was stopped; start a new instance instead`);
    await this.terminate();
    fs.appendFileSync(this.logFile, `\n----- harness: restart at ${new Date().toISOString()} -----\n`);
    await this.start();
  }

  private async terminate(): Promise<void> {
    const child = this.child;
    if (!child) return;
    child.kill("SIGTERM");
    if (!(await waitForExit(child, STOP_GRACE_MS))) await this.kill();
    this.child = undefined;
  }

  private spawnJvm(): void {
    const { dataDir, configFile, logFile } = this.layout;
    const java = process.env.JAVA_HOME ? path.join(process.env.JAVA_HOME, "bin", "java") : "java";
    const sharing = classDataSharing(this.version);
    const args = [
      ...jvmArgs(),
      ...sharing.jvmArgs,
      "org.apache.pulsar.PulsarStandaloneStarter",
      "-c", configFile,
      "-nfw", "-nss", // no functions worker, no stream storage: fewer ports, faster start
      "--metadata-dir", path.join(dataDir, "metadata"),
      "--bookkeeper-dir", path.join(dataDir, "bookkeeper"),
      "--bookkeeper-port", String(this.ports.bookie),
      "-a", LOOPBACK,
    ];
    const logFd = fs.openSync(logFile, "a");
    // CLASSPATH instead of -cp keeps the 30 KB classpath out of `ps` output. The working directory
    // is the data dir because standalone looks for a ZooKeeper dir relative to it.
    const child = spawn(java, args, {
      cwd: dataDir,
      env: { ...process.env, CLASSPATH: this.classpath },
      stdio: ["ignore", logFd, logFd],
    });
    fs.closeSync(logFd);
    this.spawnError = undefined;
    child.on("error", (err) => {
      this.spawnError = new Error(`cannot run ${java}: ${err.message}`);
    });
    child.once("exit", (_code, signal) => sharing.finish(signal === null));
    trackChild(child);
    this.child = child;
  }

  private async waitUntilReady(deadline: number): Promise<void> {
    await this.waitFor("broker ready and public/default listed", () => this.brokerReady(), deadline);
    await this.prepareNamespaces();
    await this.waitFor(`WebSocket producer upgrade on ${READY_TOPIC_PATH}`, () => this.webSocketReady(), deadline);
  }

  /** Polls `check` (which throws with a reason while not ready) until it passes, the JVM dies or time runs out. */
  private async waitFor(what: string, check: () => Promise<void>, deadline: number): Promise<void> {
    for (;;) {
      const child = this.child;
      if (this.spawnError) throw this.spawnError;
      if (!child || child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`Pulsar ${this.version} exited during start-up (code ${child?.exitCode}, signal ${child?.signalCode})`);
      }
      const reason = await check().then(() => undefined, errorText);
      if (reason === undefined) return;
      if (Date.now() > deadline) {
        throw new Error(`Pulsar ${this.version} not ready within ${this.startTimeoutMs / 1000} s: waiting for ${what}; last check: ${reason}`);
      }
      await sleep(500);
    }
  }

  /** Short timeouts: 4.0 holds requests while starting, and a held probe must not overrun the deadline. */
  private probe(urlPath: string): Promise<AdminResponse> {
    return adminRequest(this.httpUrl, this.tokens?.admin, "GET", urlPath, undefined, 5_000);
  }

  private async brokerReady(): Promise<void> {
    const ready = await this.probe("/admin/v2/brokers/ready");
    if (ready.status !== 200 || ready.body.trim() !== "ok") throw new Error(`brokers/ready: ${ready.status} ${ready.body}`);
    // Standalone creates public/default only after the broker reports ready.
    const namespaces = await this.probe("/admin/v2/namespaces/public");
    if (namespaces.status !== 200 || !namespaces.json<string[]>().includes("public/default")) {
      throw new Error(`namespaces/public: ${namespaces.status} ${namespaces.body}`);
    }
  }

  private async webSocketReady(): Promise<void> {
    const headers: Record<string, string> = this.tokens ? { Authorization: `Bearer ${this.tokens.admin}` } : {};
    const status = await wsHandshakeStatus(this.wsUrl + READY_TOPIC_PATH, headers, 10_000);
    if (status !== 101) throw new Error(`WebSocket upgrade answered ${status}`);
  }

  /**
   * 4.0 still serves the v1 URLs of the seed document (/ws/producer/persistent/sample/standalone/ns1/...),
   * whose property and namespace standalone no longer creates. With auth, allowed-role may produce
   * and consume on public/default (and on the seed namespace). All of this is idempotent for restarts.
   */
  private async prepareNamespaces(): Promise<void> {
    const namespacePaths = ["/admin/v2/namespaces/public/default"];
    if (this.line === "4.0") {
      await this.expectAdmin("PUT", "/admin/v2/tenants/sample", { allowedClusters: ["standalone"] });
      await this.expectAdmin("PUT", "/admin/namespaces/sample/standalone/ns1"); // v1 API: property/cluster/namespace
      namespacePaths.push("/admin/namespaces/sample/standalone/ns1");
    }
    if (!this.tokens) return;
    for (const namespacePath of namespacePaths) {
      await this.expectAdmin("POST", `${namespacePath}/permissions/${ROLES.allowed}`, ["produce", "consume"]);
    }
  }

  /** An admin call that must succeed; 409 (already exists) counts as success. */
  private async expectAdmin(method: string, urlPath: string, body?: unknown): Promise<void> {
    const res = await this.admin(method, urlPath, body);
    if (res.status >= 300 && res.status !== 409) throw new Error(`${method} ${urlPath}: ${res.status} ${res.body}`);
  }
}

function prepareLayout(opts: StartOptions, version: string): Layout {
  const ownsDataDir = !opts.dataDir;
  const dataDir = opts.dataDir ? path.resolve(opts.dataDir) : fs.mkdtempSync(path.join(os.tmpdir(), "pulsar-harness-"));
  fs.mkdirSync(dataDir, { recursive: true });
  const logDir = path.resolve(opts.logDir ?? DEFAULT_LOG_DIR);
  fs.mkdirSync(logDir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  const name = `pulsar-${version}${opts.auth ? "-auth" : ""}-${stamp}-${process.pid}-${++instanceCounter}.log`;
  return { dataDir, ownsDataDir, configFile: path.join(dataDir, "standalone.conf"), logFile: path.join(logDir, name) };
}

function writeConfig(file: string, config: Record<string, string>): void {
  const lines = Object.entries(config).map(([key, value]) => `${key}=${value}`);
  fs.writeFileSync(file, `# Written by harness/pulsar.ts\n${lines.join("\n")}\n`);
}

/** Starts a Pulsar standalone and resolves once it is fully usable (see waitUntilReady). */
export async function startPulsar(opts: StartOptions = {}): Promise<PulsarInstance> {
  const line = opts.line ?? "4.2";
  const version = PULSAR_VERSIONS[line];
  const classpath = await resolveClasspath(version);
  const [web, broker, bookie, webTls] = await freeLoopbackPorts(opts.tls ? 4 : 3);
  const ports: Ports = { web: opts.webPort ?? web, broker, bookie, webTls: opts.tls ? webTls : undefined };
  const tokens = opts.auth ? newTokens() : undefined;
  const layout = prepareLayout(opts, version);
  writeConfig(layout.configFile, standaloneConfig(ports, opts, tokens));

  const instance = new ManagedPulsar(line, version, tokens, classpath, ports, layout,
    opts.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS);
  managedInstances.add(instance);
  try {
    await instance.start();
  } catch (err) {
    managedInstances.delete(instance);
    throw err;
  }
  return instance;
}

// ---------------------------------------------------------------------------------------------
// External Pulsar, shared instances
// ---------------------------------------------------------------------------------------------

/**
 * An instance object for an existing Pulsar when PULSAR_WS_URL is set (e.g. ws://host:8080).
 * PULSAR_HTTP_URL (default: derived from PULSAR_WS_URL), PULSAR_BROKER_URL (default: port 6650 on
 * the same host), PULSAR_LINE (default 4.2) and PULSAR_ADMIN_TOKEN (sent by admin()) are optional.
 */
export function externalPulsar(): PulsarInstance | undefined {
  const wsUrl = process.env.PULSAR_WS_URL?.replace(/\/+$/, "");
  if (!wsUrl) return undefined;
  const httpUrl = (process.env.PULSAR_HTTP_URL || wsUrl.replace(/^ws/, "http")).replace(/\/+$/, "");
  const line: PulsarLine = process.env.PULSAR_LINE === "4.0" ? "4.0" : "4.2";
  const adminToken = process.env.PULSAR_ADMIN_TOKEN || undefined;
  const notManaged = (): Promise<void> => Promise.reject(new Error(`Pulsar at ${wsUrl} is not managed by the harness`));
  return {
    line,
    version: "external",
    httpUrl,
    wsUrl,
    brokerUrl: process.env.PULSAR_BROKER_URL || `pulsar://${new URL(wsUrl).hostname}:6650`,
    logFile: "(external Pulsar: no log)",
    readyInMs: 0,
    admin: (method, urlPath, body) => adminRequest(httpUrl, adminToken, method, urlPath, body),
    stop: notManaged,
    kill: notManaged,
    restart: notManaged,
  };
}

const shared = new Map<PulsarLine, Promise<PulsarInstance>>();

/**
 * One plain instance per line per process, started on first use. With PULSAR_WS_URL set, every
 * line gets the external Pulsar. A failed start stays failed for the process (no 180 s retry per suite).
 */
export function sharedPulsar(line: PulsarLine): Promise<PulsarInstance> {
  const external = externalPulsar();
  if (external) return Promise.resolve(external);
  let instance = shared.get(line);
  if (!instance) {
    instance = startPulsar({ line });
    shared.set(line, instance);
  }
  return instance;
}

/** Stops every instance this process started (shared or not) and forgets the shared ones. */
export async function stopAllPulsar(): Promise<void> {
  const starting = [...shared.values()];
  shared.clear();
  await Promise.allSettled(starting); // a start still under way registers its instance first
  await Promise.all([...managedInstances].map((instance) => instance.stop()));
}
