/**
 * Integration on real Pulsar 4.2 for the endpoint's ways in (issue: cloud and corporate networks):
 * - a Pulsar with token authentication validating the RS256 public key of an OIDC issuer run by
 *   this test (loopback HTTP, keys made here with node:crypto): produce and consume with
 *   `oauth2`; tokens that expire after 30 s while the flow keeps producing across reconnects
 *   forced every few seconds (0 lost, one token request per expiry, never a burst); a wrong
 *   secret gives a clear status and no retry storm;
 * - an HTTP CONNECT proxy run by this test: traffic goes through it when configured, around it for
 *   a no_proxy host, and a proxy that answers 407 gives a clear status;
 * - two service URLs, the first a closed port; then the second Pulsar stopped and one started on
 *   the first URL: the nodes follow.
 */
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { type PulsarInstance, startPulsar } from "../../harness/pulsar";
import { tally, trackFigures } from "./support/figures";
import "./support/hooks";
import { endpointNode, helper, inNode, outNode, seqs, TestFlow, useOwnPulsarAndNodeRed, type FlowNode } from "./support/flow";
import { uniqueName, uniqueTopic, waitBacklog } from "./support/pulsar-admin";
import type { allNodes } from "../nodes/setup";
import { ConnectProxy } from "../support/connect-proxy";
import { freePort } from "../support/net";
import { OidcIssuer } from "../support/oidc-issuer";
import { sleep } from "../support/wait";

const START_TIMEOUT_MS = 240_000;
const SECRET = "integration-client-secret-51d2";
const LIFETIME_S = 30;
/** Core's `http proxy` config node, loaded as the runtime loads it. */
const httpProxyNode = createRequire(__filename)("@node-red/nodes/core/network/06-httpproxy.js") as (typeof allNodes)[number];

describe("integration 4.2 with OAuth2 (RS256 issuer), a CONNECT proxy", function () {
  this.timeout(180_000);
  let issuer: OidcIssuer;
  let proxy: ConnectProxy;

  before(async function () {
    issuer = await OidcIssuer.start({ clients: { app: { secret: SECRET, subject: "allowed-role" } }, lifetimeSeconds: LIFETIME_S });
    proxy = await ConnectProxy.start();
  });

  after(async function () {
    this.timeout(60_000);
    await proxy?.stop();
    await issuer?.stop();
  });

  // After the issuer's before hook: Pulsar checks tokens with the issuer's key.
  const pulsar = useOwnPulsarAndNodeRed(() => ({ line: "4.2", auth: true, tokenPublicKey: { publicKey: issuer.keys.publicKey, sign: (subject: string) => issuer.sign(subject) } }), START_TIMEOUT_MS);
  const figures = trackFigures("connect", "4.2 oauth2");
  const pulsarHost = (): string => new URL(pulsar().httpUrl).host;

  const oauth = (extra: Record<string, unknown> = {}): FlowNode =>
    endpointNode(pulsar(), { authType: "oauth2", oauth2IssuerUrl: issuer.url, oauth2ClientId: "app", oauth2Audience: "urn:pulsar:it", ...extra });
  const proxyNode = (): FlowNode => ({ id: "px", type: "http proxy", name: "test proxy", url: proxy.url, noproxy: [] });

  it("oauth2: produces and consumes with the issuer's token; one token request for every session", async () => {
    const topic = uniqueTopic("oauth2");
    const sub = uniqueName("sub");
    const before = issuer.granted.length;
    const f = await TestFlow.deploy([oauth(), ...outNode("out", topic), ...inNode("in", topic, { subscription: sub })], {
      watch: ["out"],
      credentials: { ep: { oauth2ClientSecret: SECRET } },
    });
    await f.waitConnected(["out", "in"], 30_000);
    const ids = await f.produceNumbered(20);
    const got = await f.waitReceived("in-out", 20, 20_000);
    await waitBacklog(pulsar(), `persistent://public/default/${topic}`, sub, 0);
    const t = tally(ids.map((_, i) => String(i)), seqs(got));
    figures.report(t);
    assert.equal(t.lost, 0);
    assert.equal(issuer.granted.length - before, 1, "both sessions used one token");
    assert.equal(issuer.granted.at(-1)?.form.audience, "urn:pulsar:it");
    const seen = [...f.logLines(), ...["out", "in"].flatMap((id) => f.statuses(id).map((s) => JSON.stringify(s)))].join("\n");
    assert.ok(!seen.includes(SECRET), "the secret appeared in a log line or a status");
  });

  it(`oauth2: ${LIFETIME_S} s tokens, reconnects forced through the proxy every 6 s for 75 s: 0 lost, one request per expiry`, async function () {
    this.timeout(240_000);
    const topic = uniqueTopic("oauth2-expiry");
    const sub = uniqueName("sub");
    const f = await TestFlow.deploy([oauth({ proxy: "px" }), proxyNode(), ...outNode("out", topic), ...inNode("in", topic, { subscription: sub })], {
      watch: ["out"],
      credentials: { ep: { oauth2ClientSecret: SECRET } },
      modules: [httpProxyNode],
    });
    await f.waitConnected(["out", "in"], 30_000);
    const firstGrant = issuer.granted.length;
    const started = Date.now();
    const ids: string[] = [];
    let n = 0;
    let cuts = 0;
    let nextCut = started + 6000;
    while (Date.now() - started < 75_000) {
      ids.push(f.send("out", { payload: `m${n}`, properties: { seq: String(n) } }));
      n++;
      if (Date.now() >= nextCut) {
        cuts += proxy.cutAll() > 0 ? 1 : 0;
        nextCut += 6000;
      }
      await sleep(50);
    }
    const outcomes = await f.waitOutcomes(ids, 60_000);
    assert.ok(outcomes.every((o) => o.ok), JSON.stringify(outcomes.filter((o) => !o.ok).map((o) => o.error)));
    const got = await f.waitReceived("in-out", n, 60_000).catch(() => f.received("in-out"));
    const t = tally(ids.map((_, i) => String(i)), seqs(got));
    figures.report(t);
    assert.equal(t.lost, 0, `lost: ${t.missing.slice(0, 10).join(",")}`);
    assert.ok(cuts >= 10, `only ${cuts} forced reconnects`);
    assert.ok(proxy.opened(pulsarHost()).length >= 2 * cuts, "the sessions went through the proxy");

    const grants = issuer.granted.slice(firstGrant - 1); // the token in use when the loop began, and its renewals
    const elapsed = (Date.now() - started) / 1000;
    // One token lasts 30 s and is renewed in its last fifth: at most one request per 24 s of running.
    assert.ok(grants.length - 1 >= 2, `expected renewals in ${elapsed} s, got ${grants.length - 1}`);
    assert.ok(grants.length - 1 <= Math.ceil(elapsed / (LIFETIME_S * 0.8)), `too many token requests: ${grants.length - 1} in ${elapsed} s`);
    for (let i = 1; i < grants.length; i++) {
      assert.ok(grants[i].at - grants[i - 1].at >= LIFETIME_S * 0.8 * 1000 - 1000, `a burst: requests ${grants[i].at - grants[i - 1].at} ms apart`);
    }
    console.log(`      expiry: ${n} messages, ${cuts} forced reconnects, ${grants.length - 1} token renewals in ${Math.round(elapsed)} s, ${t.duplicates} duplicates`);
  });

  it("oauth2: a wrong secret shows the issuer's refusal and does not storm the issuer", async () => {
    const topic = uniqueTopic("oauth2-wrong");
    const before = issuer.requests.length;
    const f = await TestFlow.deploy([oauth(), ...outNode("out", topic), ...inNode("in", topic, { subscription: uniqueName("sub") })], {
      credentials: { ep: { oauth2ClientSecret: "not-the-secret-0a9b" } },
    });
    await f.waitStatus("out", /^OAuth2 refused \(401\): invalid_client/, 15_000);
    await f.waitStatus("in", /^OAuth2 refused \(401\): invalid_client/, 15_000);
    await sleep(5000); // reconnectMax is 1 s here: without the hold, two sessions would ask ~10 times
    assert.equal(issuer.requests.length - before, 1, "one refused request for both sessions");
    assert.ok(f.logsOf("out").some((l) => /invalid_client: client authentication failed/.test(l)), f.logsOf("out").join("\n"));
    const seen = [...f.logLines(), ...["out", "in"].flatMap((id) => f.statuses(id).map((s) => JSON.stringify(s)))].join("\n");
    assert.ok(!seen.includes("not-the-secret-0a9b"));
    figures.report({ sent: 0, received: 0, duplicates: 0, lost: 0 });
  });

  it("proxy from the environment: through it, around it for a no_proxy host", async () => {
    const saved = { http_proxy: process.env.http_proxy, no_proxy: process.env.no_proxy };
    const topic = uniqueTopic("env-proxy");
    try {
      process.env.http_proxy = proxy.url;
      delete process.env.no_proxy;
      const before = proxy.opened(pulsarHost()).length;
      let f = await TestFlow.deploy([oauth(), ...outNode("out", topic)], { watch: ["out"], credentials: { ep: { oauth2ClientSecret: SECRET } } });
      await f.waitConnected(["out"], 30_000);
      const first = await f.produceNumbered(5);
      assert.ok(proxy.opened(pulsarHost()).length > before, "through the proxy");
      await helper.unload();
      process.env.no_proxy = "127.0.0.1";
      const through = proxy.tunnels.length;
      f = await TestFlow.deploy([oauth(), ...outNode("out", topic)], { watch: ["out"], credentials: { ep: { oauth2ClientSecret: SECRET } } });
      await f.waitConnected(["out"], 30_000);
      const second = await f.produceNumbered(5, 5);
      assert.equal(proxy.tunnels.length, through, "no tunnel for a no_proxy host (issuer and Pulsar on 127.0.0.1)");
      figures.report({ sent: first.length + second.length, received: first.length + second.length, duplicates: 0, lost: 0 });
    } finally {
      if (saved.http_proxy === undefined) delete process.env.http_proxy;
      else process.env.http_proxy = saved.http_proxy;
      if (saved.no_proxy === undefined) delete process.env.no_proxy;
      else process.env.no_proxy = saved.no_proxy;
    }
  });

  it("a proxy that wants credentials (407) gives a clear status; with them the flow works", async () => {
    const topic = uniqueTopic("proxy-407");
    proxy.credentials = "nr:proxy-pw";
    try {
      let f = await TestFlow.deploy([oauth({ proxy: "px" }), proxyNode(), ...outNode("out", topic)], {
        credentials: { ep: { oauth2ClientSecret: SECRET } },
        modules: [httpProxyNode],
      });
      // The token request goes through the proxy too: it is the first to be refused.
      await f.waitStatus("out", /^proxy refused \(407\)/, 15_000);
      assert.equal(proxy.tunnels.at(-1)?.status, 407, "the proxy refused the tunnel");
      await helper.unload();
      f = await TestFlow.deploy([oauth({ proxy: "px" }), proxyNode(), ...outNode("out", topic)], {
        watch: ["out"],
        credentials: { ep: { oauth2ClientSecret: SECRET }, px: { username: "nr", password: "proxy-pw" } },
        modules: [httpProxyNode],
      });
      await f.waitConnected(["out"], 30_000);
      const ids = await f.produceNumbered(5);
      figures.report({ sent: ids.length, received: ids.length, duplicates: 0, lost: 0 });
      assert.ok(!f.logLines().join("\n").includes("proxy-pw"));
    } finally {
      proxy.credentials = undefined;
    }
  });
});

describe("integration 4.2: two service URLs, failover both ways", function () {
  this.timeout(420_000);
  let first: PulsarInstance | undefined;
  let firstPort = 0;

  before(async function () {
    firstPort = await freePort();
  });

  after(async function () {
    this.timeout(120_000);
    await first?.stop();
  });

  // The second service URL's Pulsar; the first is started on firstPort halfway through the case.
  const second = useOwnPulsarAndNodeRed({ line: "4.2" }, START_TIMEOUT_MS);
  const figures = trackFigures("connect", "4.2 failover");

  it("the first URL a closed port: the second is used; the second stopped and the first started: the nodes follow", async function () {
    this.timeout(400_000);
    const topic = uniqueTopic("failover");
    const sub = uniqueName("sub");
    const ep = endpointNode(second(), { serviceUrl: `http://127.0.0.1:${firstPort}, ${second().httpUrl}` });
    const f = await TestFlow.deploy([ep, ...outNode("out", topic), ...inNode("in", topic, { subscription: sub, initialPosition: "Earliest" })], { watch: ["out"] });
    const secondHost = new URL(second().httpUrl).host;
    await f.waitStatus("out", new RegExp(`^connected, via ${secondHost.replace(/\./g, "\\.")}`), 30_000);
    await f.waitStatus("in", new RegExp(`^connected, via ${secondHost.replace(/\./g, "\\.")}`), 30_000);
    const onSecond = await f.produceNumbered(20);
    await f.waitReceived("in-out", 20, 20_000);

    await second().stop();
    first = await startPulsar({ line: "4.2", webPort: firstPort });
    await f.waitStatus("out", new RegExp(`^connected, via 127\\.0\\.0\\.1:${firstPort}`), 120_000);
    await f.waitStatus("in", new RegExp(`^connected, via 127\\.0\\.0\\.1:${firstPort}`), 120_000);
    const onFirst = await f.produceNumbered(20, 20);
    const got = await f.waitReceived("in-out", 40, 30_000);
    const t = tally([...onSecond, ...onFirst].map((_, i) => String(i)), seqs(got));
    figures.report(t);
    assert.equal(t.lost, 0, `lost ${t.missing.join(",")}`);
  });
});
