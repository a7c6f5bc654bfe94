/**
 * The endpoint's ways of reaching Pulsar, through Node-RED against the fake: OAuth2 client
 * credentials (test issuer), a token renewed after Pulsar refuses it, a wrong secret (clear
 * status, no storm, no secret anywhere), a service URL list with failover and the status naming
 * the server, and proxies (a core http proxy node with credentials or a 407, the environment
 * with no_proxy).
 */
import assert from "node:assert/strict";
import type { Node } from "node-red";
import fs from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { FakePulsar } from "../fake/fake-pulsar";
import { ConnectProxy } from "../support/connect-proxy";
import { freePort } from "../support/net";
import { OidcIssuer } from "../support/oidc-issuer";
import { sleep } from "../support/wait";
import { allNodes, doneWatchers, endpoint, flow, helper, inject, outcomes, sink, until, type FlowNode } from "./setup";

type StatusSpy = { args: { fill?: string; text?: string }[][] };
const statusTexts = (node: Node): string[] => (node.status as unknown as StatusSpy).args.map((a) => a[0]?.text ?? "");
const SECRET = "client-secret-3f9a";
/** Node-RED core's `http proxy` config node, loaded as the runtime loads it. */
const httpProxyNode = createRequire(__filename)("@node-red/nodes/core/network/06-httpproxy.js") as (typeof allNodes)[number];

describe("endpoint: oauth2, proxy, several service URLs", function () {
  this.timeout(20_000);
  let fake: FakePulsar;
  let issuer: OidcIssuer;

  before((done) => {
    helper.startServer(done);
  });
  after((done) => {
    helper.stopServer(done);
  });
  beforeEach(async () => {
    fake = await FakePulsar.start();
    issuer = await OidcIssuer.start({ clients: { app: { secret: SECRET, subject: "allowed-role" } } });
  });
  afterEach(async () => {
    await helper.unload();
    await fake.stop();
    await issuer.stop();
  });

  const out = (): FlowNode => ({ id: "out", type: "pulsar-out", endpoint: "ep", topic: "t1", wires: [["acked"]] });
  const oauth = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
    authType: "oauth2",
    oauth2IssuerUrl: issuer.url,
    oauth2ClientId: "app",
    oauth2Audience: "urn:pulsar:test",
    ...extra,
  });

  async function load(ep: FlowNode, credentials: Record<string, unknown> = {}, extraNodes: FlowNode[] = [], nodes: unknown[] = allNodes): Promise<{ node: Node; tracker: ReturnType<typeof outcomes> }> {
    await helper.load(nodes as typeof allNodes, flow(ep, out(), sink("acked"), ...extraNodes, ...doneWatchers("out")), credentials);
    return { node: helper.getNode("out"), tracker: outcomes() };
  }

  async function sendOk(node: Node, tracker: ReturnType<typeof outcomes>, n = 1): Promise<void> {
    const ids = Array.from({ length: n }, (_, i) => inject(node, { payload: `m${i}` }));
    const results = await tracker.waitFor(ids, 10_000);
    assert.ok(results.every((r) => r.ok), JSON.stringify(results.map((r) => r.error)));
  }

  it("oauth2: every session connects with the issuer's token; one request for all of them", async () => {
    const { node, tracker } = await load(endpoint(fake.wsUrl, oauth()), { ep: { oauth2ClientSecret: SECRET } });
    await sendOk(node, tracker, 3);
    const [conn] = fake.handshakes({ role: "producer" });
    const token = /^Bearer (.+)$/.exec(String(conn.headers.authorization))?.[1];
    assert.ok(token && token.split(".").length === 3, String(conn.headers.authorization));
    assert.equal(issuer.granted.length, 1);
    assert.deepEqual(issuer.granted[0].form.audience, "urn:pulsar:test");
    fake.dropConnections();
    await until(() => fake.openConnections({ role: "producer" }).length === 1 && fake.handshakes({ role: "producer" }).length === 2, 10_000, "the reconnect");
    assert.equal(fake.handshakes({ role: "producer" })[1].headers.authorization, `Bearer ${token}`, "a valid token is reused");
    assert.equal(issuer.granted.length, 1);
  });

  it("oauth2: a token Pulsar refuses (401) is renewed for the next attempt", async () => {
    let refused = 0;
    fake.handshakeHook = () => (refused++ === 0 ? { status: 401, body: "Authentication required" } : undefined);
    const { node, tracker } = await load(endpoint(fake.wsUrl, oauth()), { ep: { oauth2ClientSecret: SECRET } });
    await sendOk(node, tracker);
    assert.equal(issuer.granted.length, 2, "one token before the 401, one after");
    const [first, second] = fake.handshakes({ role: "producer" }).map((h) => h.headers.authorization);
    assert.notEqual(first, second);
  });

  it("oauth2: a wrong secret shows the issuer's reason, is held (no storm) and appears nowhere", async () => {
    const { node } = await load(endpoint(fake.wsUrl, oauth()), { ep: { oauth2ClientSecret: "wrong-secret-7c1e" } });
    const logSpy = helper.log(); // the helper's spy of this flow's log (load replaces it)
    await until(() => statusTexts(node).some((t) => t.startsWith("OAuth2 refused (401): invalid_client")), 5000, "the refusal status", {
      detail: () => statusTexts(node).join(" | "),
    });
    await sleep(1500); // reconnectMax is 0.2 s here: a client without the hold would ask ~8 times
    assert.equal(issuer.requests.length, 1, "one request, the refusal is held");
    assert.equal(fake.handshakes().length, 0, "nothing was sent to Pulsar");
    const logged = JSON.stringify(logSpy.args);
    assert.match(logged, /client authentication failed/);
    // GET /flows is checked in the integration test (test/integration/connect.test.ts), on a full runtime.
    const everything = logged + JSON.stringify((node.status as unknown as StatusSpy).args);
    assert.ok(!everything.includes("wrong-secret-7c1e"), "the secret must never reach a log line or a status");
  });

  it("a stored token with a zero-width space: a config error naming the problem at deploy, never the token, nothing sent", async () => {
    const { node, tracker } = await load(endpoint(fake.wsUrl), { ep: { token: "s3cr3t-tok\u200ben" } });
    const errors = (node.error as unknown as { args: unknown[][] }).args.map((a) => String(a[0]));
    assert.ok(errors.some((e) => /U\+200B/.test(e)), errors.join(" | "));
    assert.ok(statusTexts(node).includes("configuration error"), statusTexts(node).join(" | "));
    const [r] = await tracker.waitFor([inject(node, { payload: "x" })]);
    assert.equal(r.ok, false);
    assert.ok(!JSON.stringify(errors).includes("s3cr3t") && !String(r.error?.message).includes("s3cr3t"));
    assert.equal(fake.handshakes().length, 0);
  });

  it("a ${ENV} token with a line break: Node-RED substitutes it at deploy, so a config error naming the problem, no crash", async () => {
    process.env.PULSAR_TEST_BAD_TOKEN = "s3cr3t-part\nsecond-line";
    try {
      const { node, tracker } = await load(endpoint(fake.wsUrl), { ep: { token: "${PULSAR_TEST_BAD_TOKEN}" } });
      const errors = (node.error as unknown as { args: unknown[][] }).args.map((a) => String(a[0]));
      assert.ok(errors.some((e) => /line break/.test(e)), errors.join(" | "));
      assert.ok(statusTexts(node).includes("configuration error"), statusTexts(node).join(" | "));
      const [r] = await tracker.waitFor([inject(node, { payload: "x" })]);
      assert.equal(r.ok, false);
      assert.equal(fake.handshakes().length, 0);
      assert.ok(!JSON.stringify(helper.log().args).includes("s3cr3t") && !errors.join().includes("s3cr3t"));
    } finally {
      delete process.env.PULSAR_TEST_BAD_TOKEN;
    }
  });

  it("a token file with a line break inside: status 'token not usable', nothing sent, the message kept; fixed file: sent", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pulsar-token-"));
    const file = path.join(dir, "token");
    try {
      fs.writeFileSync(file, "s3cr3t-part\nsecond-line\n");
      const { node, tracker } = await load(endpoint(fake.wsUrl), { ep: { token: pathToFileURL(file).href } });
      const id = inject(node, { payload: "x" });
      await until(() => statusTexts(node).some((t) => t.startsWith("token not usable: it contains a line break")), 5000, "the status", { detail: () => statusTexts(node).join(" | ") });
      assert.equal(fake.handshakes().length, 0);
      const everything = JSON.stringify(helper.log().args) + JSON.stringify((node.status as unknown as StatusSpy).args);
      assert.ok(!everything.includes("s3cr3t"), "the token must never reach a log line or a status");
      fs.writeFileSync(file, "good-token\n");
      const [r] = await tracker.waitFor([id], 10_000);
      assert.ok(r.ok, String(r.error?.message));
      assert.equal(fake.handshakes({ role: "producer" })[0].headers.authorization, "Bearer good-token");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("several service URLs: the first closed, the second used and named in the status; then back to the first", async () => {
    const closedPort = await freePort();
    const list = `http://127.0.0.1:${closedPort}, ${fake.httpUrl}`;
    const { node, tracker } = await load(endpoint(list));
    await sendOk(node, tracker);
    await until(() => statusTexts(node).some((t) => t === `connected, via 127.0.0.1:${fake.port}`), 5000, "the status naming the server", {
      detail: () => statusTexts(node).join(" | "),
    });
    const first = await FakePulsar.start({ port: closedPort });
    try {
      await fake.stop();
      await until(() => first.openConnections({ role: "producer" }).length === 1, 10_000, "the session on the first URL");
      await sendOk(node, tracker);
      assert.equal(first.messages("persistent://public/default/t1").length, 1);
      await until(() => statusTexts(node).at(-1) === `connected, via 127.0.0.1:${closedPort}`, 5000, "the status naming the first server");
    } finally {
      await first.stop();
      fake = await FakePulsar.start();
    }
  });

  it("several service URLs: pulsar-in's status names the server too (its sessions' state, not a generic open one)", async () => {
    const list = `http://127.0.0.1:${await freePort()}, ${fake.httpUrl}`;
    await helper.load(allNodes, flow(endpoint(list), { id: "in", type: "pulsar-in", endpoint: "ep", topic: "t1", subscription: "s1", wires: [[]] }));
    const node = helper.getNode("in");
    await until(() => statusTexts(node).at(-1) === `connected, via 127.0.0.1:${fake.port}`, 5000, "the status naming the server", {
      detail: () => statusTexts(node).join(" | "),
    });
  });

  it("a core http proxy node: sessions tunnel through it with its credentials; a 407 shows proxy refused", async () => {
    const proxy = await ConnectProxy.start("user:pw");
    try {
      const proxyNode = { id: "px", type: "http proxy", name: "corp", url: proxy.url, noproxy: [] };
      const nodes = [...allNodes, httpProxyNode];
      const { node, tracker } = await load(endpoint(fake.wsUrl, { proxy: "px" }), { px: { username: "user", password: "pw" } }, [proxyNode], nodes);
      await sendOk(node, tracker);
      assert.equal(proxy.opened(`127.0.0.1:${fake.port}`).length, 1);
      await helper.unload();

      const loaded = await load(endpoint(fake.wsUrl, { proxy: "px" }), { px: { username: "user", password: "nope" } }, [proxyNode], nodes);
      await until(() => statusTexts(loaded.node).some((t) => t.startsWith("proxy refused (407)")), 5000, "the 407 status", {
        detail: () => statusTexts(loaded.node).join(" | "),
      });
      assert.equal(fake.handshakes().length, 1, "only the first flow reached Pulsar");
    } finally {
      await proxy.stop();
    }
  });

  it("no proxy node: http_proxy from the environment is used, and no_proxy hosts go around it", async () => {
    const proxy = await ConnectProxy.start();
    const saved = { http_proxy: process.env.http_proxy, no_proxy: process.env.no_proxy };
    try {
      process.env.http_proxy = proxy.url;
      delete process.env.no_proxy;
      let loaded = await load(endpoint(fake.wsUrl));
      await sendOk(loaded.node, loaded.tracker);
      assert.equal(proxy.opened().length, 1, "through the proxy");
      await helper.unload();
      process.env.no_proxy = "localhost,127.0.0.1";
      loaded = await load(endpoint(fake.wsUrl));
      await sendOk(loaded.node, loaded.tracker);
      assert.equal(proxy.opened().length, 1, "around it for a no_proxy host");
    } finally {
      if (saved.http_proxy === undefined) delete process.env.http_proxy;
      else process.env.http_proxy = saved.http_proxy;
      if (saved.no_proxy === undefined) delete process.env.no_proxy;
      else process.env.no_proxy = saved.no_proxy;
      await proxy.stop();
    }
  });

  it("a token file (file:///…) is read again at every reconnect: a rotated token is used", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pulsar-token-node-"));
    const file = path.join(dir, "token");
    try {
      fs.writeFileSync(file, "token-one\n");
      const { node, tracker } = await load(endpoint(fake.wsUrl), { ep: { token: pathToFileURL(file).href } });
      await sendOk(node, tracker);
      fs.writeFileSync(file, "token-two\n");
      fake.dropConnections();
      await until(() => fake.handshakes({ role: "producer" }).length === 2, 10_000, "the reconnect");
      await sendOk(node, tracker);
      assert.deepEqual(fake.handshakes({ role: "producer" }).map((h) => h.headers.authorization), ["Bearer token-one", "Bearer token-two"]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a ${ENV} token resolves as Node-RED resolves settings, at every connect", async () => {
    process.env.PULSAR_NODE_TEST_TOKEN = "env-token-1";
    try {
      const { node, tracker } = await load(endpoint(fake.wsUrl), { ep: { token: "${PULSAR_NODE_TEST_TOKEN}" } });
      await sendOk(node, tracker);
      assert.equal(fake.handshakes({ role: "producer" })[0].headers.authorization, "Bearer env-token-1");
    } finally {
      delete process.env.PULSAR_NODE_TEST_TOKEN;
    }
  });
});
