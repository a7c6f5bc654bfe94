/**
 * The endpoint's ways in under faults, on real Pulsar 4.2 through the real Node-RED runtime:
 *
 * - Token expiry: Pulsar validates the RS256 key of an OIDC issuer run by this test, whose tokens
 *   last 30 s; two producers keep producing for 70 s while every connection is cut every 7 s
 *   (a TCP proxy in front of Pulsar). Every input must end in done(), a reader from earliest must
 *   find every acked message, and the issuer must see one new request per expiry, never a burst.
 *   The client secret and the access tokens must never reach a log line, a status, GET /flows
 *   or the credentials API.
 * - Failover: two service URLs, the first a closed port; a producer and a consumer run on the
 *   second, which is then stopped while the first starts. Nothing may be lost, and the consumer
 *   must get every acked message.
 */
import assert from "node:assert/strict";
import type { Node, NodeMessage } from "node-red";
import type { PulsarInstance } from "../../harness/pulsar";
import { freePort } from "../support/net";
import { OidcIssuer } from "../support/oidc-issuer";
import { sleep, until } from "../support/wait";
import { recordFigure } from "./support/figures";
import { registerSecret } from "./support/log-capture";
import { adminGet, flow, helper, idsOf, inject, nodesWithTls, Outcomes, startNodeRed, stopNodeRed, unspy, watchers, type FlowNode } from "./support/nr";
import { TcpProxy } from "./support/proxy";
import { plainPulsar, readAll, startOwnPulsar, stopPlainPulsar } from "./support/pulsar";

const SECRET = "fault-suite-client-secret-7e21";
const LIFETIME_S = 30;
const EXPIRY_RUN_MS = Number(process.env.FAULTS_EXPIRY_MS ?? 70_000);
const CUT_EVERY_MS = 7000;
const RATE_PER_S = 100;

function endpoint(id: string, serviceUrl: string, extra: Record<string, unknown> = {}): FlowNode {
  return { id, type: "pulsar-ws-endpoint", name: `endpoint ${id}`, serviceUrl, tenant: "public", namespace: "default", reconnectMin: 0.05, reconnectMax: 1, pingInterval: 2, pongTimeout: 3, ...extra };
}

/** Sends `ids` round-robin into `outs` at `perSecond`, running `tick` on the way; resolves when all are sent. */
async function produceSteadily(outs: Node[], ids: string[], perSecond: number, tick: (sent: number) => void): Promise<void> {
  const started = Date.now();
  for (let sent = 0; sent < ids.length; ) {
    const due = Math.min(ids.length, Math.floor(((Date.now() - started) / 1000) * perSecond) + 1);
    for (; sent < due; sent++) inject(outs[sent % outs.length], { payload: ids[sent] }, ids[sent]);
    tick(sent);
    await sleep(20);
  }
}

describe("faults: OAuth2 token expiry and service URL failover (real Pulsar)", function () {
  this.timeout(600_000);

  before(async function () {
    await startNodeRed();
  });

  after(async function () {
    await helper.unload();
    await stopNodeRed();
  });

  it(`token expiry: ${LIFETIME_S} s tokens, every connection cut every ${CUT_EVERY_MS / 1000} s for ${EXPIRY_RUN_MS / 1000} s`, async function () {
    // One JVM at a time on 2 cores: this case needs its own Pulsar (the issuer's key).
    await stopPlainPulsar();
    registerSecret(SECRET);
    const issuer = await OidcIssuer.start({ clients: { app: { secret: SECRET, subject: "allowed-role" } }, lifetimeSeconds: LIFETIME_S });
    let pulsar: PulsarInstance | undefined;
    let proxy: TcpProxy | undefined;
    try {
      pulsar = await startOwnPulsar({ auth: true, tokenPublicKey: { publicKey: issuer.keys.publicKey, sign: (s) => issuer.sign(s) } });
      proxy = await TcpProxy.start(Number(new URL(pulsar.httpUrl).port));
      const topic = `expiry-${Date.now()}`;
      const nodes: FlowNode[] = [
        endpoint("ep-oauth", proxy.wsUrl, { authType: "oauth2", oauth2IssuerUrl: issuer.url, oauth2ClientId: "app", oauth2Audience: "urn:pulsar:faults" }),
        { id: "out-a", type: "pulsar-out", endpoint: "ep-oauth", topic, wires: [] },
        { id: "out-b", type: "pulsar-out", endpoint: "ep-oauth", topic, wires: [] },
      ];
      await helper.load(nodesWithTls, flow(...nodes, ...watchers(["out-a", "out-b"])), { "ep-oauth": { oauth2ClientSecret: SECRET } });
      unspy(idsOf(nodes));
      const outcomes = new Outcomes();
      const outs = [helper.getNode("out-a"), helper.getNode("out-b")];
      const ids = Array.from({ length: Math.round((EXPIRY_RUN_MS / 1000) * RATE_PER_S) }, (_, i) => `${topic}#${i}`);
      const started = Date.now();
      let cuts = 0;
      let nextCut = started + CUT_EVERY_MS;
      await produceSteadily(outs, ids, RATE_PER_S, () => {
        if (Date.now() < nextCut) return;
        nextCut += CUT_EVERY_MS;
        const open = proxy!.open((c) => c.status === 101);
        for (const c of open) proxy!.cut(c.id);
        if (open.length) cuts++;
      });
      const unsettled = await outcomes.waitAll(ids, 120_000);
      const seconds = (Date.now() - started) / 1000;
      const acked = ids.filter((id) => outcomes.ok.has(id));
      const read = await readAll(pulsar.wsUrl, topic, acked, { timeoutMs: 120_000, headers: { Authorization: `Bearer ${pulsar.tokens!.admin}` } });
      const missing = acked.filter((id) => !read.copies.has(id));
      const grants = issuer.granted;
      for (const g of grants) if (g.token) registerSecret(g.token);
      const gaps = grants.slice(1).map((g, i) => g.at - grants[i].at);
      const refused401 = proxy.connections.filter((c) => c.status === 401).length;

      const flowsV1 = await adminGet("/flows");
      const creds = await adminGet("/credentials/pulsar-ws-endpoint/ep-oauth");
      const exposed = [flowsV1.body, creds.body, JSON.stringify(outcomes.statuses)].some((text) => text.includes(SECRET) || grants.some((g) => g.token && text.includes(g.token)));

      recordFigure({
        scenario: "OAuth2 token expiry, reconnects forced",
        faults: cuts,
        offered: ids.length,
        completed: outcomes.settled,
        failed: outcomes.failed.size,
        lost: unsettled.length + missing.length,
        duplicates: read.total - read.copies.size,
        seconds,
        notes: `${LIFETIME_S} s tokens; every connection cut every ${CUT_EVERY_MS / 1000} s (${cuts} times); ${grants.length} token requests in ${seconds.toFixed(0)} s (closest two ${Math.min(...gaps) / 1000} s apart); 401 at reconnect: ${refused401}; secret/tokens in GET /flows, credentials API, statuses: ${exposed ? "FOUND" : "0"}`,
      });
      assert.equal(flowsV1.status, 200);
      assert.equal(unsettled.length, 0, `inputs without done: ${unsettled.slice(0, 5).join(", ")}`);
      assert.equal(outcomes.failed.size, 0, JSON.stringify([...outcomes.failed.values()].slice(0, 3)));
      assert.equal(missing.length, 0, `acked but not in the topic: ${missing.slice(0, 5).join(", ")}`);
      assert.ok(cuts >= Math.floor(EXPIRY_RUN_MS / CUT_EVERY_MS) - 1, `only ${cuts} cuts`);
      assert.ok(grants.length >= 2 && grants.length <= Math.ceil(seconds / (LIFETIME_S * 0.8)) + 1, `${grants.length} token requests in ${seconds} s`);
      assert.ok(Math.min(...gaps) >= LIFETIME_S * 0.8 * 1000 - 1000, `a burst of token requests: ${gaps.join(", ")} ms apart`);
      assert.equal(refused401, 0, "a reconnect sent an expired token");
      assert.ok(!exposed, "the secret or an access token was exposed");
    } finally {
      await helper.unload();
      await proxy?.stop();
      await pulsar?.stop();
      await issuer.stop();
    }
  });

  it("failover: two service URLs, the first a closed port; the second stopped and the first started", async function () {
    const pulsar = await plainPulsar();
    const pulsarPort = Number(new URL(pulsar.httpUrl).port);
    const firstPort = await freePort();
    const second = await TcpProxy.start(pulsarPort);
    let first: TcpProxy | undefined;
    try {
      const topic = `failover-${Date.now()}`;
      const nodes: FlowNode[] = [
        endpoint("ep-two", `ws://127.0.0.1:${firstPort}, ${second.wsUrl}`),
        { id: "out-f", type: "pulsar-out", endpoint: "ep-two", topic, wires: [] },
        { id: "in-f", type: "pulsar-in", endpoint: "ep-two", topic, mode: "subscription", subscription: "failover-sub", subscriptionType: "Exclusive", initialPosition: "Earliest", ackMode: "auto", payloadFormat: "utf8", wires: [["got-f"]] },
        { id: "got-f", type: "helper" },
      ];
      await helper.load(nodesWithTls, flow(...nodes, ...watchers(["out-f"])));
      unspy(idsOf(nodes));
      const outcomes = new Outcomes();
      const consumed = new Map<string, number>();
      helper.getNode("got-f").on("input", (msg: NodeMessage) => consumed.set(String(msg.payload), (consumed.get(String(msg.payload)) ?? 0) + 1));
      const ids = Array.from({ length: 3000 }, (_, i) => `${topic}#${i}`);
      const started = Date.now();
      let switched: Promise<void> | undefined;
      let switchedAt = 0;
      await produceSteadily([helper.getNode("out-f")], ids, 150, (sent) => {
        if (switched || sent < ids.length / 3) return;
        switchedAt = Date.now();
        switched = second.stop().then(async () => {
          first = await TcpProxy.start(pulsarPort, "127.0.0.1", firstPort);
        });
      });
      await switched;
      const unsettled = await outcomes.waitAll(ids, 120_000);
      const acked = ids.filter((id) => outcomes.ok.has(id));
      await until(() => acked.every((id) => consumed.has(id)), 60_000, "the consumer to get every acked message").catch(() => undefined);
      const seconds = (Date.now() - started) / 1000;
      const read = await readAll(pulsar.wsUrl, topic, acked, { timeoutMs: 120_000 });
      const missingInTopic = acked.filter((id) => !read.copies.has(id));
      const missingAtConsumer = acked.filter((id) => !consumed.has(id));
      const onFirst = first?.connections.filter((c) => c.status === 101).length ?? 0;
      const viaFirst = outcomes.statusTexts("out-f").some((t) => t.includes(`via 127.0.0.1:${firstPort}`));
      recordFigure({
        scenario: "service URL failover (first closed, then second stopped)",
        faults: 2,
        offered: ids.length,
        completed: outcomes.settled,
        failed: outcomes.failed.size,
        lost: unsettled.length + missingInTopic.length + missingAtConsumer.length,
        duplicates: read.total - read.copies.size,
        seconds,
        notes: `second URL stopped after ${((switchedAt - started) / 1000).toFixed(1)} s; sessions on the first afterwards: ${onFirst}; status named it: ${viaFirst}; consumer got ${consumed.size} distinct`,
      });
      assert.equal(unsettled.length, 0);
      assert.equal(missingInTopic.length, 0, `acked but not in the topic: ${missingInTopic.slice(0, 5).join(", ")}`);
      assert.equal(missingAtConsumer.length, 0, `acked but not consumed: ${missingAtConsumer.slice(0, 5).join(", ")}`);
      assert.ok(onFirst >= 2, "producer and consumer moved to the first URL");
      assert.ok(viaFirst, JSON.stringify(outcomes.statusTexts("out-f").slice(-5)));
    } finally {
      await helper.unload();
      await first?.stop();
      await second.stop().catch(() => undefined);
    }
  });
});
