/** Broker configuration: free loopback ports and the standalone.conf the harness writes. */
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import { authConfig, tlsConfig } from "./auth";
import { LOOPBACK } from "./paths";
import type { PulsarTokens, StartOptions } from "./types";

export interface Ports {
  web: number;
  broker: number;
  bookie: number;
  webTls?: number;
}

export async function freeLoopbackPorts(count: number): Promise<number[]> {
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

export function standaloneConfig(ports: Ports, opts: StartOptions, tokens: PulsarTokens | undefined): Record<string, string> {
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

/** Writes a Java properties file (standalone.conf, websocket.conf). */
export function writeConfig(file: string, config: Record<string, string>): void {
  const lines = Object.entries(config).map(([key, value]) => `${key}=${value}`);
  fs.writeFileSync(file, `# Written by the test harness (harness/lib/config.ts)\n${lines.join("\n")}\n`);
}
