/** A Pulsar standalone the harness runs: start, stop, kill and restart of its JVM. */
import type { ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { newTokens, rs256Tokens } from "./auth";
import { classDataSharing, type ClassDataSharing } from "./cds";
import { resolveClasspath } from "./classpath";
import { freeLoopbackPorts, standaloneConfig, writeConfig, type Ports } from "./config";
import { DEFAULT_LOG_DIR, LOOPBACK } from "./paths";
import { adminRequest } from "./probes";
import { errorText, jvmArgs, spawnJava, STOP_GRACE_MS, tailFile, waitForExit } from "./process";
import { brokerReady, pollUntil, prepareNamespaces, READY_TOPIC_PATH, webSocketReady } from "./readiness";
import { PULSAR_VERSIONS, type AdminResponse, type PulsarInstance, type PulsarLine, type PulsarTokens, type StartOptions } from "./types";

const DEFAULT_START_TIMEOUT_MS = 180_000;
const LOG_TAIL_LINES = 60;

interface Layout {
  dataDir: string;
  ownsDataDir: boolean;
  configFile: string;
  logFile: string;
}

let instanceCounter = 0;
/** Every instance this process started and has not stopped (stopAllPulsar stops them). */
export const managedInstances = new Set<ManagedPulsar>();

export class ManagedPulsar implements PulsarInstance {
  readonly httpUrl: string;
  readonly wsUrl: string;
  readonly httpsUrl?: string;
  readonly wssUrl?: string;
  readonly brokerUrl: string;
  readonly logFile: string;
  readyInMs = 0;
  private child: ChildProcess | undefined;
  private sharing: ClassDataSharing | undefined;
  private spawnError: Error | undefined;
  private stopped = false;

  constructor(
    readonly line: PulsarLine,
    readonly version: string,
    readonly tokens: PulsarTokens | undefined,
    /** The resolved classpath, also used by a WebSocket proxy started in front of this instance. */
    readonly classpath: string,
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
      this.sharing?.ready();
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
    const sharing = classDataSharing(this.version, this.classpath);
    this.sharing = sharing;
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
    // The working directory is the data dir because standalone looks for a ZooKeeper dir relative to it.
    const child = spawnJava(args, this.classpath, dataDir, logFile);
    this.spawnError = undefined;
    child.on("error", (err) => {
      this.spawnError = new Error(`cannot run java: ${err.message}`);
    });
    child.once("exit", () => sharing.finish());
    this.child = child;
  }

  private async waitUntilReady(deadline: number): Promise<void> {
    const assertAlive = (): void => {
      const child = this.child;
      if (this.spawnError) throw this.spawnError;
      if (!child || child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`Pulsar ${this.version} exited during start-up (code ${child?.exitCode}, signal ${child?.signalCode})`);
      }
    };
    const timeoutMessage = (what: string, reason: string): string =>
      `Pulsar ${this.version} not ready within ${this.startTimeoutMs / 1000} s: waiting for ${what}; last check: ${reason}`;
    await pollUntil("broker ready and public/default listed", () => brokerReady(this), deadline, assertAlive, timeoutMessage);
    await prepareNamespaces(this);
    await pollUntil(`WebSocket producer upgrade on ${READY_TOPIC_PATH}`, () => webSocketReady(this.wsUrl, this.tokens),
      deadline, assertAlive, timeoutMessage);
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

/** Starts a Pulsar standalone and resolves once it is fully usable (see waitUntilReady). */
export async function startPulsar(opts: StartOptions = {}): Promise<PulsarInstance> {
  const line = opts.line ?? "4.2";
  const version = PULSAR_VERSIONS[line];
  const classpath = await resolveClasspath(version);
  const [web, broker, bookie, webTls] = await freeLoopbackPorts(opts.tls ? 4 : 3);
  const ports: Ports = { web: opts.webPort ?? web, broker, bookie, webTls: opts.tls ? webTls : undefined };
  const tokens = opts.auth ? (opts.tokenPublicKey ? rs256Tokens(opts.tokenPublicKey) : newTokens()) : undefined;
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
