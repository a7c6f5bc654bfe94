/** The harness's public types and the Pulsar versions each line maps to. */
import type { KeyObject } from "node:crypto";

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
  /**
   * With `auth`: Pulsar validates tokens with this RS256 public key (`tokenPublicKey`) instead of
   * a fresh HS256 secret key, e.g. the key of a test's OAuth2 issuer. `sign` makes the harness's
   * own role tokens (the broker's internal client is the admin role), with that issuer's key.
   */
  tokenPublicKey?: { publicKey: KeyObject; sign(subject: string): string };
  /** webSocketSessionIdleTimeoutMillis (server default 300000). */
  idleTimeoutMs?: number;
  /** webSocketMaxTextFrameSize (server default 1048576). */
  maxTextFrameSize?: number;
  /** Also serve HTTPS/WSS on webServicePortTls with these PEM files. */
  tls?: { certFile: string; keyFile: string; caFile: string; requireClientCert?: boolean };
  /** Keep data here (a restart on the same data works). Default: a fresh temp dir, removed by stop(). */
  dataDir?: string;
  /** Extra standalone.conf keys (e.g. `{ webSocketMaxTextFrameSize: "65536" }`); they win over the harness's own. */
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
  /** HS256 (the default): the secret key, base64. */
  secretKeyBase64?: string;
  /** RS256 (`tokenPublicKey`): the public key, X.509 DER as base64. */
  publicKeyBase64?: string;
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
