/** An external Pulsar named by environment variables, and instances shared by the suites of one process. */
import { runningClusters } from "./cluster";
import { managedInstances, startPulsar } from "./instance";
import { adminRequest } from "./probes";
import { runningProxies } from "./websocket-proxy";
import type { PulsarInstance, PulsarLine } from "./types";

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

/**
 * Stops every instance this process started (shared or not) and forgets the shared ones; WebSocket
 * proxies first, since they stand in front of the instances.
 */
export async function stopAllPulsar(): Promise<void> {
  const starting = [...shared.values()];
  shared.clear();
  await Promise.allSettled(starting); // a start still under way registers its instance first
  await Promise.all([...runningProxies].map((proxy) => proxy.stop()));
  await Promise.all([...runningClusters].map((cluster) => cluster.stop()));
  await Promise.all([...managedInstances].map((instance) => instance.stop()));
}
