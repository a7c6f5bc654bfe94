/**
 * Security on a real Pulsar with token authentication, authorization and TLS (certificates made by
 * the test with openssl), through the real Node-RED runtime and the core tls-config node:
 *
 * - Token: only in Node-RED credentials; never in a log line (the whole run's log is searched at
 *   the end), never in a node status, never in GET /flows or the credentials API, never in the
 *   URL unless the endpoint's "token as query parameter" option is on (the proxy sees every URL).
 * - TLS: wss:// works with the CA given through a tls-config node; without it (or with the wrong
 *   CA) the connection is refused with a clear certificate status; mutual TLS with a client
 *   certificate works (Pulsar's TLS authentication provider takes the role from the certificate).
 * - Auth: 401 and 403 give clear statuses; at the slowest backoff (the default 60 s) each node
 *   makes at most a few attempts a minute (counted at the proxy over a full minute).
 */
import assert from "node:assert/strict";
import type { NodeMessage } from "node-red";
import type { PulsarInstance } from "../../harness/pulsar";
import { makeCerts, removeCerts, type TestCerts } from "./support/certs";
import { recordFigure } from "./support/figures";
import { logContains, registerSecret, secretOccurrences } from "./support/log-capture";
import { adminGet, flow, helper, inject, nodesWithTls, Outcomes, startNodeRed, stopNodeRed, watchers, type FlowNode } from "./support/nr";
import { sleep, until } from "../support/wait";
import { startOwnPulsar, stopPlainPulsar } from "./support/pulsar";
import { TcpProxy } from "./support/proxy";

const OBSERVE_MS = 61_000;
const TLS_AUTH = "org.apache.pulsar.broker.authentication.AuthenticationProviderTls";
const TOKEN_AUTH = "org.apache.pulsar.broker.authentication.AuthenticationProviderToken";
/** A well-formed JWT signed with a key Pulsar does not know. */
const BAD_TOKEN = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGxvd2VkLXJvbGUifQ.bm90LXRoZS1yaWdodC1zaWduYXR1cmUtYXQtYWxsLXJlYWxseQ";

describe("faults: security — token, TLS, 401/403 (real Pulsar with auth and TLS)", function () {
  this.timeout(300_000);
  let pulsar: PulsarInstance;
  let proxy: TcpProxy;
  let certs: TestCerts | undefined;
  let outcomes: Outcomes;
  let loadedAt = 0;
  const received = new Map<string, string[]>();
  const roundTripIds: string[] = [];

  const path = (role: "producer" | "consumer", topic: string, sub?: string): string => `/ws/v2/${role}/persistent/public/default/${topic}${sub ? `/${sub}` : ""}`;
  const attempts = (p: string): number => proxy.connections.filter((c) => c.path === p).length;

  before(async function () {
    // The plain instance is not needed any more: one JVM at a time on 2 cores.
    await stopPlainPulsar();
    certs = makeCerts("allowed-role");
    pulsar = await startOwnPulsar({
      auth: true,
      tls: { certFile: certs.serverCert, keyFile: certs.serverKey, caFile: certs.caCert, requireClientCert: false },
      extraConfig: { authenticationProviders: `${TOKEN_AUTH},${TLS_AUTH}` },
    });
    const tokens = pulsar.tokens!;
    for (const t of [tokens.admin, tokens.allowed, tokens.forbidden, BAD_TOKEN]) registerSecret(t);
    proxy = await TcpProxy.start(Number(new URL(pulsar.httpUrl).port));
    await startNodeRed();

    const fast = { reconnectMin: 0.05, reconnectMax: 1 };
    const ep = (id: string, serviceUrl: string, extra: Record<string, unknown> = {}): FlowNode => ({ id, type: "pulsar-ws-endpoint", name: `endpoint ${id}`, serviceUrl, tenant: "public", namespace: "default", ...extra });
    const out = (id: string, endpoint: string, topic: string): FlowNode => ({ id, type: "pulsar-out", endpoint, topic, wires: [] });
    const consumer = (id: string, endpoint: string, topic: string): FlowNode => ({ id, type: "pulsar-in", endpoint, topic, mode: "subscription", subscription: `${id}-sub`, initialPosition: "Earliest", payloadFormat: "utf8", wires: [["got"]] });
    const tls = (id: string, extra: Record<string, unknown>): FlowNode => ({ id, type: "tls-config", name: `tls ${id}`, cert: "", key: "", ca: "", verifyservercert: true, ...extra });
    const nodes: FlowNode[] = [
      // Token in the Authorization header (the default), through the proxy so every URL is seen.
      ep("ep-tok", proxy.wsUrl, fast), out("out-tok", "ep-tok", "sec-tok"), consumer("in-tok", "ep-tok", "sec-tok"),
      // Token as a query parameter (the user's explicit choice).
      ep("ep-q", proxy.wsUrl, { ...fast, tokenInQuery: true }), out("out-q", "ep-q", "sec-q"),
      // 401 (no token; a token with a wrong signature) and 403, with the default backoff (1 s … 60 s).
      ep("ep-none", proxy.wsUrl), out("out-401", "ep-none", "sec-401"), consumer("in-401", "ep-none", "sec-401"),
      ep("ep-badtok", proxy.wsUrl), out("out-401b", "ep-badtok", "sec-401b"),
      ep("ep-forb", proxy.wsUrl), out("out-403", "ep-forb", "sec-403"), consumer("in-403", "ep-forb", "sec-403"),
      // TLS
      tls("tls-ca", { ca: certs.caCert }),
      tls("tls-noca", {}),
      tls("tls-otherca", { ca: certs.otherCaCert }),
      tls("tls-mtls", { ca: certs.caCert, cert: certs.clientCert, key: certs.clientKey }),
      ep("ep-tls", pulsar.wssUrl!, { ...fast, tls: "tls-ca" }), out("out-tls", "ep-tls", "sec-tls"), consumer("in-tls", "ep-tls", "sec-tls"),
      ep("ep-tls-noca", pulsar.wssUrl!, { ...fast, tls: "tls-noca" }), out("out-noca", "ep-tls-noca", "sec-noca"),
      ep("ep-tls-none", pulsar.wssUrl!, fast), out("out-notls", "ep-tls-none", "sec-notls"),
      ep("ep-tls-other", pulsar.wssUrl!, { ...fast, tls: "tls-otherca" }), out("out-otherca", "ep-tls-other", "sec-otherca"),
      ep("ep-mtls", pulsar.wssUrl!, { ...fast, tls: "tls-mtls" }), out("out-mtls", "ep-mtls", "sec-mtls"), consumer("in-mtls", "ep-mtls", "sec-mtls"),
      ep("ep-tls-anon", pulsar.wssUrl!, { ...fast, tls: "tls-ca" }), out("out-tls-401", "ep-tls-anon", "sec-tls-401"),
      { id: "got", type: "helper" },
    ];
    const pulsarIds = nodes.filter((n) => n.type === "pulsar-out" || n.type === "pulsar-in").map((n) => n.id);
    const credentials = {
      "ep-tok": { token: tokens.allowed },
      "ep-q": { token: tokens.allowed },
      "ep-badtok": { token: BAD_TOKEN },
      "ep-forb": { token: tokens.forbidden },
      "ep-tls": { token: tokens.allowed },
      "ep-tls-noca": { token: tokens.allowed },
      "ep-tls-none": { token: tokens.allowed },
      "ep-tls-other": { token: tokens.allowed },
    };
    loadedAt = Date.now();
    await helper.load(nodesWithTls, flow(...nodes, ...watchers(pulsarIds)), credentials);
    outcomes = new Outcomes();
    helper.getNode("got").on("input", (msg: NodeMessage & { topic?: string }) => {
      const list = received.get(String(msg.topic)) ?? [];
      list.push(String(msg.payload));
      received.set(String(msg.topic), list);
    });
  });

  after(async function () {
    await helper.unload();
    await stopNodeRed();
    await proxy?.stop();
    await pulsar?.stop();
    removeCerts(certs);
  });

  const roundTrip = async (outId: string, topic: string, consumerToo: boolean): Promise<void> => {
    const ids = [0, 1, 2].map((i) => inject(helper.getNode(outId), { payload: `${outId} ${i}` }));
    roundTripIds.push(...ids);
    const pending = await outcomes.waitAll(ids, 30_000);
    assert.deepEqual(pending, [], `${outId}: no done()`);
    assert.ok(ids.every((id) => outcomes.ok.has(id)), `${outId}: ${JSON.stringify(ids.map((id) => outcomes.failed.get(id)))}`);
    if (consumerToo) await until(() => (received.get(`persistent://public/default/${topic}`) ?? []).length >= 3, 30_000, `${topic} consumed`);
  };

  it("token in the Authorization header: works, and the token is never in the URL", async function () {
    await roundTrip("out-tok", "sec-tok", true);
    const urls = proxy.connections.filter((c) => c.path.includes("/sec-tok"));
    assert.ok(urls.length >= 2);
    for (const c of urls) assert.ok(!c.target.includes(pulsar.tokens!.allowed) && !/[?&]token=/.test(c.target), "no token in a header-mode URL");
  });

  it("token as a query parameter only when the user chose it; logged URLs carry no query at all", async function () {
    await roundTrip("out-q", "sec-q", false);
    const urls = proxy.connections.filter((c) => c.path.includes("/sec-q"));
    assert.ok(urls.some((c) => c.target.includes(`token=${encodeURIComponent(pulsar.tokens!.allowed)}`)), "query-mode URL carries the token");
    assert.ok(logContains("/sec-q?…"), "the log names the query-mode URL without its query");
    assert.equal(secretOccurrences().occurrences, 0, "a token reached the log");
  });

  it("TLS: wss:// with the CA from a tls-config node works; mutual TLS with a client certificate works", async function () {
    await roundTrip("out-tls", "sec-tls", true);
    await roundTrip("out-mtls", "sec-mtls", true);
  });

  it("TLS: without the CA, with no tls-config or with the wrong CA the connection is refused with a certificate status", async function () {
    for (const id of ["out-noca", "out-notls", "out-otherca"]) {
      await until(() => outcomes.statusTexts(id).some((t) => /^certificate error \((UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_GET_ISSUER_CERT_LOCALLY)\)/.test(t)), 15_000, `${id}: certificate status (${outcomes.statusTexts(id).join(" | ")})`);
    }
    // Without a client certificate and without a token the same TLS endpoint says 401: so the
    // mTLS success above was the certificate authenticating.
    await until(() => outcomes.statusTexts("out-tls-401").some((t) => t.startsWith("unauthorized (401)")), 15_000, "out-tls-401: 401 status");
  });

  it("401 and 403 give clear statuses, retried at the slowest backoff", async function () {
    const expectations: [string, RegExp][] = [
      ["out-401", /^unauthorized \(401\), retry in (\d+)s/],
      ["in-401", /^unauthorized \(401\), retry in (\d+)s/],
      ["out-401b", /^unauthorized \(401\), retry in (\d+)s/],
      ["out-403", /^forbidden \(403\), retry in (\d+)s/],
      ["in-403", /^forbidden \(403\), retry in (\d+)s/],
    ];
    for (const [id, re] of expectations) {
      const text = await until(() => outcomes.statusTexts(id).find((t) => re.test(t)), 15_000, `${id}: ${re} (${outcomes.statusTexts(id).join(" | ")})`);
      const seconds = Number(re.exec(text)![1]);
      assert.ok(seconds >= 30 && seconds <= 60, `${id}: retry in ${seconds}s is not the slowest backoff`);
      assert.ok(outcomes.statuses.filter((s) => s.source === id && re.test(s.text)).every((s) => s.fill === "red"));
    }
    // A message for a refused producer waits (it is not lost): the status says so.
    inject(helper.getNode("out-403"), { payload: "waits" });
    await until(() => outcomes.statusTexts("out-403").some((t) => /forbidden \(403\).*buffering 1/.test(t)), 5000, "buffering status");
  });

  it("the token is never in a status, GET /flows, the credentials API or the saved/exported flow configuration", async function () {
    const tokens = pulsar.tokens!;
    const secrets = [tokens.admin, tokens.allowed, tokens.forbidden, BAD_TOKEN];
    const statuses = JSON.stringify(outcomes.statuses);
    const flowsV1 = await adminGet("/flows");
    const flowsV2 = await adminGet("/flows", { "Node-RED-API-Version": "v2" });
    const creds = await adminGet("/credentials/pulsar-ws-endpoint/ep-tok");
    assert.equal(flowsV1.status, 200, flowsV1.body.slice(0, 200));
    assert.ok(flowsV1.body.includes("ep-tok") && flowsV2.body.includes("ep-tok"), "GET /flows lists the endpoint");
    assert.equal(creds.status, 200);
    // Password credentials come back only as has_<name> flags (the OAuth2 client secret is one too).
    assert.deepEqual(JSON.parse(creds.body), { has_token: true, has_oauth2ClientSecret: false }, "the editor only learns whether each secret is set");
    // The active flow configuration: what Node-RED saves to flows.json and what an export contains.
    const nodeConfig = JSON.stringify((helper as unknown as { _redNodes: { getFlows(): unknown } })._redNodes.getFlows());
    for (const s of secrets) {
      assert.ok(!statuses.includes(s), "token in a status");
      assert.ok(!flowsV1.body.includes(s) && !flowsV2.body.includes(s), "token in GET /flows");
      assert.ok(!creds.body.includes(s), "token in the credentials API");
      assert.ok(!nodeConfig.includes(s), "token in the flow configuration");
    }
    assert.equal(secretOccurrences().occurrences, 0, "a token reached the log");
  });

  it("makes at most a few attempts a minute per refused node (counted at the proxy over a minute)", async function () {
    const left = loadedAt + OBSERVE_MS - Date.now();
    if (left > 0) await sleep(left);
    const counted: [string, string][] = [
      ["out-401", path("producer", "sec-401")],
      ["in-401", path("consumer", "sec-401", "in-401-sub")],
      ["out-401b", path("producer", "sec-401b")],
      ["out-403", path("producer", "sec-403")],
      ["in-403", path("consumer", "sec-403", "in-403-sub")],
    ];
    const perNode = counted.map(([id, p]) => [id, attempts(p)] as const);
    const statuses = proxy.connections.filter((c) => counted.some(([, p]) => p === c.path)).map((c) => c.status);
    const observed = (Date.now() - loadedAt) / 1000;
    const ok = roundTripIds.filter((id) => outcomes.ok.has(id)).length;
    recordFigure({
      scenario: "security: token, TLS, 401/403 (real Pulsar with auth + TLS)",
      faults: counted.length + 4,
      offered: roundTripIds.length,
      completed: ok,
      failed: roundTripIds.filter((id) => outcomes.failed.has(id)).length,
      lost: roundTripIds.length - ok,
      duplicates: 0,
      seconds: observed,
      notes: `round trips with the token in the header, in the query (chosen), over wss:// with the CA, over mutual TLS: all acked; no CA / no tls-config / wrong CA → "certificate error (…)"; TLS without cert or token → 401; refused nodes' attempts in ${observed.toFixed(0)} s at the default 60 s backoff: ${perNode.map(([id, n]) => `${id} ${n}`).join(", ")} (answers ${[...new Set(statuses)].join("/")}); token in log/status/GET /flows/credentials API/flow config/header-mode URL: 0`,
    });
    for (const [id, n] of perNode) {
      assert.ok(n >= 1 && n <= 3, `${id}: ${n} attempts in ${observed.toFixed(0)} s`);
    }
    assert.ok(statuses.every((s) => s === 401 || s === 403), `answers: ${statuses.join(",")}`);
  });
});
