/**
 * When a standalone is usable: the broker reports ready, public/default exists, the namespaces the
 * tests rely on are prepared, and a WebSocket producer upgrade succeeds.
 */
import { ROLES } from "./auth";
import { adminRequest, wsHandshakeStatus } from "./probes";
import { errorText, sleep } from "./process";
import type { AdminResponse, PulsarLine, PulsarTokens } from "./types";

export const READY_TOPIC_PATH = "/ws/v2/producer/persistent/public/default/__harness_ready";

/** What the readiness checks need to know of an instance. */
export interface ReadinessTarget {
  line: PulsarLine;
  httpUrl: string;
  wsUrl: string;
  tokens?: PulsarTokens;
  admin(method: string, path: string, body?: unknown): Promise<AdminResponse>;
}

/**
 * Polls `check` (which throws with a reason while not ready) until it passes. `assertAlive` throws
 * when waiting is pointless (the process died); `timeoutMessage` words the error at the deadline.
 */
export async function pollUntil(
  what: string,
  check: () => Promise<void>,
  deadline: number,
  assertAlive: () => void,
  timeoutMessage: (what: string, reason: string) => string,
): Promise<void> {
  for (;;) {
    assertAlive();
    const reason = await check().then(() => undefined, errorText);
    if (reason === undefined) return;
    if (Date.now() > deadline) throw new Error(timeoutMessage(what, reason));
    await sleep(500);
  }
}

/** Short timeouts: 4.0 holds requests while starting, and a held probe must not overrun the deadline. */
function probe(target: ReadinessTarget, urlPath: string): Promise<AdminResponse> {
  return adminRequest(target.httpUrl, target.tokens?.admin, "GET", urlPath, undefined, 5_000);
}

export async function brokerReady(target: ReadinessTarget): Promise<void> {
  const ready = await probe(target, "/admin/v2/brokers/ready");
  if (ready.status !== 200 || ready.body.trim() !== "ok") throw new Error(`brokers/ready: ${ready.status} ${ready.body}`);
  // Standalone creates public/default only after the broker reports ready.
  const namespaces = await probe(target, "/admin/v2/namespaces/public");
  if (namespaces.status !== 200 || !namespaces.json<string[]>().includes("public/default")) {
    throw new Error(`namespaces/public: ${namespaces.status} ${namespaces.body}`);
  }
}

/** A producer upgrade on a fixed topic: the WebSocket service answers 101 once its client works. */
export async function webSocketReady(wsUrl: string, tokens: PulsarTokens | undefined): Promise<void> {
  const headers: Record<string, string> = tokens ? { Authorization: `Bearer ${tokens.admin}` } : {};
  const status = await wsHandshakeStatus(wsUrl + READY_TOPIC_PATH, headers, 10_000);
  if (status !== 101) throw new Error(`WebSocket upgrade answered ${status}`);
}

/**
 * 4.0 still serves the v1 URLs of Pulsar's WebSocket API documentation (/ws/producer/persistent/sample/standalone/ns1/...),
 * whose property and namespace standalone no longer creates. With auth, allowed-role may produce
 * and consume on public/default (and on sample/standalone/ns1). All of this is idempotent for restarts.
 */
export async function prepareNamespaces(target: ReadinessTarget): Promise<void> {
  const namespacePaths = ["/admin/v2/namespaces/public/default"];
  if (target.line === "4.0") {
    await expectAdmin(target, "PUT", "/admin/v2/tenants/sample", { allowedClusters: ["standalone"] });
    await expectAdmin(target, "PUT", "/admin/namespaces/sample/standalone/ns1"); // v1 API: property/cluster/namespace
    namespacePaths.push("/admin/namespaces/sample/standalone/ns1");
  }
  if (!target.tokens) return;
  for (const namespacePath of namespacePaths) {
    await expectAdmin(target, "POST", `${namespacePath}/permissions/${ROLES.allowed}`, ["produce", "consume"]);
  }
}

/** An admin call that must succeed; 409 (already exists) counts as success. */
async function expectAdmin(target: ReadinessTarget, method: string, urlPath: string, body?: unknown): Promise<void> {
  const res = await target.admin(method, urlPath, body);
  if (res.status >= 300 && res.status !== 409) throw new Error(`${method} ${urlPath}: ${res.status} ${res.body}`);
}
