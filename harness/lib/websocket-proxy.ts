/**
 * Pulsar's separate WebSocket proxy service (`bin/pulsar websocket`, main class
 * WebSocketServiceStarter, in the pulsar-websocket jar the broker's classpath already holds) in front
 * of a running Pulsar: the deployment where the WebSocket API is its own tier and talks to the
 * broker over the binary protocol. Its own settings (frame size limit, idle timeout) then apply,
 * not the broker's. Authentication on the proxy is off; with a token-auth broker, the proxy's
 * client uses the admin token.
 */
import type { ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { archiveFor } from "./cds";
import { resolveClasspath } from "./classpath";
import { freeLoopbackPorts, writeConfig } from "./config";
import { DEFAULT_LOG_DIR, LOOPBACK } from "./paths";
import { errorText, jvmArgs, spawnJava, tailFile, terminate } from "./process";
import { pollUntil, READY_TOPIC_PATH, webSocketReady } from "./readiness";
import { PULSAR_VERSIONS, type PulsarInstance } from "./types";

export interface WebSocketProxyOptions {
  /** webSocketMaxTextFrameSize of the proxy (its default 1048576). */
  maxTextFrameSize?: number;
  /** webSocketSessionIdleTimeoutMillis of the proxy (its default 300000). */
  idleTimeoutMs?: number;
  /** Extra websocket.conf keys; they win over the harness's own. */
  extraConfig?: Record<string, string>;
  /** Where the proxy log goes. Default: test-output/pulsar/ in the project. */
  logDir?: string;
  /** How long to wait for the proxy to accept a producer (default 120000). */
  startTimeoutMs?: number;
}

export interface WebSocketProxy {
  /** ws://127.0.0.1:<port>: the same /ws/v2/… paths as the broker's embedded service. */
  wsUrl: string;
  /** http://127.0.0.1:<port>: the proxy's own REST (/admin/v2/proxy-stats/…), not the broker's admin API. */
  httpUrl: string;
  logFile: string;
  readyInMs: number;
  /** The proxy JVM's process id (for memory figures). */
  pid: number | undefined;
  stop(): Promise<void>;
}

/**
 * What the proxy needs of what it fronts: the jars' version, and the broker URLs its client uses. A
 * cluster passes multi-host URLs (`pulsar://127.0.0.1:6650,127.0.0.1:6651`), which the client tries in turn.
 */
export type ProxyTarget = Pick<PulsarInstance, "line" | "version" | "httpUrl" | "brokerUrl" | "tokens">;

const DEFAULT_START_TIMEOUT_MS = 120_000;
let proxyCounter = 0;
/** Proxies this process started and has not stopped (stopAllPulsar stops them). */
export const runningProxies = new Set<WebSocketProxy>();

/** Starts a WebSocket proxy in front of `pulsar` on a free loopback port; resolves once it serves a producer. */
export async function startWebSocketProxy(pulsar: ProxyTarget, opts: WebSocketProxyOptions = {}): Promise<WebSocketProxy> {
  // An external Pulsar reports version "external": its line's version supplies the jars.
  const version = /^\d/.test(pulsar.version) ? pulsar.version : PULSAR_VERSIONS[pulsar.line];
  const classpath = await resolveClasspath(version);
  const [port] = await freeLoopbackPorts(1);
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), "pulsar-ws-proxy-"));
  const configFile = path.join(workDir, "websocket.conf");
  const config: Record<string, string> = {
    clusterName: "standalone",
    // With the broker's URLs given, the proxy needs no metadata store (the standalone's RocksDB
    // store cannot be shared with a second process anyway).
    serviceUrl: pulsar.httpUrl,
    brokerServiceUrl: pulsar.brokerUrl,
    bindAddress: LOOPBACK,
    webServicePort: String(port),
    authenticationEnabled: "false",
    authorizationEnabled: "false",
    webSocketNumIoThreads: "2",
    numHttpServerThreads: "4",
  };
  if (opts.maxTextFrameSize !== undefined) config.webSocketMaxTextFrameSize = String(opts.maxTextFrameSize);
  if (opts.idleTimeoutMs !== undefined) config.webSocketSessionIdleTimeoutMillis = String(opts.idleTimeoutMs);
  if (pulsar.tokens) {
    config.brokerClientAuthenticationPlugin = "org.apache.pulsar.client.impl.auth.AuthenticationToken";
    config.brokerClientAuthenticationParameters = `token:${pulsar.tokens.admin}`;
  }
  writeConfig(configFile, { ...config, ...opts.extraConfig });

  const logDir = path.resolve(opts.logDir ?? DEFAULT_LOG_DIR);
  fs.mkdirSync(logDir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  const logFile = path.join(logDir, `websocket-proxy-${version}-${stamp}-${process.pid}-${++proxyCounter}.log`);
  // The broker's class-data archive, when there is one, covers most of the proxy's classes too.
  const archive = archiveFor(version);
  const args = [
    ...jvmArgs(), "-Xms64m", "-Xmx256m", // the later heap flags win: a proxy needs far less than a broker
    ...(archive ? [`-XX:SharedArchiveFile=${archive}`] : []),
    "org.apache.pulsar.websocket.service.WebSocketServiceStarter", configFile,
  ];
  const began = Date.now();
  const child = spawnJava(args, classpath, workDir, logFile);
  let spawnError: Error | undefined;
  child.on("error", (err) => (spawnError = new Error(`cannot run java: ${err.message}`)));

  const proxy: WebSocketProxy = {
    wsUrl: `ws://${LOOPBACK}:${port}`,
    httpUrl: `http://${LOOPBACK}:${port}`,
    logFile,
    readyInMs: 0,
    pid: child.pid,
    async stop() {
      runningProxies.delete(proxy);
      await terminate(child);
      fs.rmSync(workDir, { recursive: true, force: true });
    },
  };
  runningProxies.add(proxy);
  const startTimeoutMs = opts.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS;
  try {
    await pollUntil(`a producer upgrade on ${READY_TOPIC_PATH} through the proxy`,
      () => webSocketReady(proxy.wsUrl, undefined), began + startTimeoutMs, () => assertRunning(child, spawnError),
      (what, reason) => `WebSocket proxy not ready within ${startTimeoutMs / 1000} s: waiting for ${what}; last check: ${reason}`);
  } catch (err) {
    await proxy.stop();
    throw new Error(`${errorText(err)}\nWebSocket proxy log: ${logFile}\n--- last 60 log lines ---\n${tailFile(logFile, 60)}`, { cause: err });
  }
  proxy.readyInMs = Date.now() - began;
  return proxy;
}

function assertRunning(child: ChildProcess, spawnError: Error | undefined): void {
  if (spawnError) throw spawnError;
  if (child.exitCode !== null || child.signalCode !== null) {
    throw new Error(`the WebSocket proxy exited during start-up (code ${child.exitCode}, signal ${child.signalCode})`);
  }
}
