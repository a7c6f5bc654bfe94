/**
 * The pulsar-admin node against a loopback server posing as Pulsar's admin REST API: the
 * operation from the node or msg.operation, the topic and subscription from the node or the msg,
 * the answer as msg.payload (null without a body), every refusal as done(err) with the HTTP status,
 * and the endpoint's token on every call; with OAuth2 and a service URL list, the endpoint's own
 * token client and failover (the one admin client, the same connection as the sessions).
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { AddressInfo } from "node:net";
import type { NodeMessage } from "node-red";
import { freePort } from "../support/net";
import { OidcIssuer } from "../support/oidc-issuer";
import { allNodes, collect, doneWatchers, endpoint, flow, helper, inject, outcomes, sink, type OutcomeTracker } from "./setup";

interface Seen {
  method: string;
  path: string;
  body: string;
  authorization?: string;
}

describe("pulsar-admin node", function () {
  let pulsar: http.Server;
  let url: string;
  let seen: Seen[];

  before(async () => {
    pulsar = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const path = req.url ?? "";
        seen.push({ method: req.method ?? "", path, body: Buffer.concat(chunks).toString(), authorization: req.headers.authorization });
        const json = (status: number, body?: unknown): void => {
          res.writeHead(status, { "Content-Type": "application/json" });
          res.end(body === undefined ? undefined : JSON.stringify(body));
        };
        const T = "/admin/v2/persistent/public/default/orders";
        if (path === `${T}/partitions`) return json(200, { partitions: 0, deleted: false });
        if (path === `${T}/stats`) return json(200, { subscriptions: { billing: { msgBacklog: 7 } } });
        if (path === "/admin/v2/persistent/t1/ns1") return json(200, ["persistent://t1/ns1/a"]);
        // A careless gateway that echoes the Authorization header in its reason.
        if (path === "/admin/v2/persistent/echo/ns") return json(403, { reason: `forbidden for ${req.headers.authorization ?? "nobody"}` });
        if (path === `${T}/subscription/billing/skip_all` && req.method === "POST") return json(204);
        if (path === `${T}/subscription/billing/resetcursor/1767225600000` && req.method === "POST") return json(204);
        if (path.startsWith("/admin/v2/persistent/public/default/missing")) return json(404, { reason: "Topic persistent://public/default/missing not found" });
        json(500, { reason: "not in the script" });
      });
    });
    await new Promise<void>((resolve) => pulsar.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(pulsar.address() as AddressInfo).port}`;
  });

  after(() => new Promise<void>((resolve) => pulsar.close(() => resolve())));

  beforeEach(async () => {
    seen = [];
    await new Promise<void>((resolve) => helper.startServer(resolve));
  });

  afterEach(async () => {
    await helper.unload();
    await new Promise<void>((resolve) => helper.stopServer(resolve));
  });

  async function load(extra: Record<string, unknown>, ep = endpoint(url), credentials: Record<string, unknown> = { ep: { token: "admin-token" } }): Promise<{ out: ReturnType<typeof collect>; tracker: OutcomeTracker; run: (msg: Record<string, unknown>) => Promise<{ ok: boolean; error?: string; payload?: unknown }> }> {
    await helper.load(allNodes, flow(ep, { id: "in", type: "pulsar-admin", endpoint: "ep", operation: "", topic: "", subscription: "", wires: [["out"]], ...extra }, sink("out"), ...doneWatchers("in")), credentials);
    const out = collect(helper.getNode("out"));
    const tracker = outcomes();
    const run = async (msg: Record<string, unknown>): Promise<{ ok: boolean; error?: string; payload?: unknown }> => {
      const id = inject(helper.getNode("in"), msg);
      const [o] = await tracker.waitFor([id]);
      const sent = out.msgs.find((m: NodeMessage) => m._msgid === id) as (NodeMessage & { payload?: unknown }) | undefined;
      return { ok: o.ok, error: o.error?.message, payload: sent?.payload };
    };
    return { out, tracker, run };
  }

  it("the node's operation and topic; the answer as msg.payload; the endpoint's token", async () => {
    const { run } = await load({ operation: "stats", topic: "orders" });
    const r = await run({});
    assert.ok(r.ok, r.error);
    assert.deepEqual(r.payload, { subscriptions: { billing: { msgBacklog: 7 } } });
    assert.deepEqual(seen.map((s) => `${s.method} ${s.path}`), ["GET /admin/v2/persistent/public/default/orders/partitions", "GET /admin/v2/persistent/public/default/orders/stats"]);
    assert.ok(seen.every((s) => s.authorization === "Bearer admin-token"));
  });

  it("msg.operation, msg.topic, msg.subscription, msg.namespace and msg.position when the node leaves them empty; null without a body", async () => {
    const { run } = await load({});
    assert.deepEqual((await run({ operation: "list-topics", namespace: "t1/ns1" })).payload, ["persistent://t1/ns1/a"]);
    const skipped = await run({ operation: "skip-all", topic: "orders", subscription: "billing" });
    assert.ok(skipped.ok, skipped.error);
    assert.equal(skipped.payload, null);
    const reset = await run({ operation: "reset-cursor", topic: "orders", subscription: "billing", position: "2026-01-01T00:00:00Z" });
    assert.ok(reset.ok, reset.error);
  });

  it("every refusal ends in done(err): Pulsar's status and reason, a missing topic, subscription or position, an unknown operation", async () => {
    const { run, out } = await load({});
    const missing = await run({ operation: "stats", topic: "missing" });
    assert.ok(!missing.ok);
    assert.match(missing.error!, /HTTP 404 Topic persistent:\/\/public\/default\/missing not found/);
    assert.match((await run({ operation: "stats" })).error!, /needs a topic/);
    assert.match((await run({ operation: "skip-all", topic: "orders" })).error!, /needs a subscription/);
    assert.match((await run({ operation: "reset-cursor", topic: "orders", subscription: "billing" })).error!, /needs msg\.position/);
    assert.match((await run({ operation: "peek", topic: "orders", subscription: "billing", count: 0 })).error!, /msg\.count/);
    assert.match((await run({ operation: "create-topic", topic: "orders", partitions: -1 })).error!, /msg\.partitions/);
    assert.match((await run({ operation: "explode" })).error!, /Unknown operation "explode"/);
    assert.match((await run({})).error!, /Unknown operation/);
    assert.equal(out.msgs.length, 0, "nothing sent on for a refusal");
  });

  it("OAuth2 and a service URL list: the endpoint's token client (one grant) and failover past a closed port, GET and POST", async () => {
    const issuer = await OidcIssuer.start({ clients: { app: { secret: "admin-secret-51c2", subject: "admin" } } });
    try {
      const closed = `http://127.0.0.1:${await freePort()}`;
      const ep = endpoint(`${closed}, ${url}`, { authType: "oauth2", oauth2IssuerUrl: issuer.url, oauth2ClientId: "app" });
      const { run } = await load({}, ep, { ep: { oauth2ClientSecret: "admin-secret-51c2" } });
      const stats = await run({ operation: "stats", topic: "orders" });
      assert.ok(stats.ok, stats.error);
      const skipped = await run({ operation: "skip-all", topic: "orders", subscription: "billing" });
      assert.ok(skipped.ok, skipped.error);
      assert.equal(issuer.granted.length, 1, "one token for every call: the endpoint's OAuth2 client");
      assert.deepEqual(seen.map((s) => s.authorization), seen.map(() => `Bearer ${issuer.granted[0].token}`));
      assert.deepEqual(seen.map((s) => s.method), ["GET", "GET", "POST"], "after the failover the next calls start on the URL that answered");
    } finally {
      await issuer.stop();
    }
  });

  it("a name that is not one path segment never reaches Pulsar: the error names the field", async () => {
    const { run } = await load({});
    const up = await run({ operation: "list-topics", namespace: "../tenants" });
    assert.ok(!up.ok);
    assert.match(up.error!, /Tenant "\.\." cannot go into an admin request/);
    const dot = await run({ operation: "list-topics", namespace: "public/." });
    assert.match(dot.error!, /Namespace "\."/);
    assert.deepEqual(seen, [], "no request for a name that would move the path");
  });

  it("the bearer actually sent (here read from a token file) never appears in an error, a status or a log", async () => {
    const file = path.join(os.tmpdir(), `pulsar-admin-token-${process.pid}`);
    fs.writeFileSync(file, "file-token-3c4d5e\n");
    try {
      const { run } = await load({}, endpoint(url), { ep: { token: pathToFileURL(file).href } });
      const r = await run({ operation: "list-topics", namespace: "echo/ns" });
      assert.ok(!r.ok);
      assert.equal(seen[0].authorization, "Bearer file-token-3c4d5e");
      assert.match(r.error!, /forbidden for Bearer \*\*\*/);
      const node = helper.getNode("in") as unknown as { status: { args: unknown[][] }; error: { args: unknown[][] }; warn: { args: unknown[][] } };
      const everything = JSON.stringify([r.error, node.status.args, node.error?.args, node.warn?.args]);
      assert.ok(!everything.includes("file-token-3c4d5e"), everything);
    } finally {
      fs.rmSync(file, { force: true });
    }
  });

  it("a configured operation that does not exist is a configuration error", async () => {
    await helper.load(allNodes, flow(endpoint(url), { id: "in", type: "pulsar-admin", endpoint: "ep", operation: "drop-everything", wires: [[]] }));
    const node = helper.getNode("in");
    const texts = (node.status as unknown as { args: { text?: string }[][] }).args.map((a) => a[0]?.text);
    assert.ok(texts.includes("configuration error"), JSON.stringify(texts));
  });
});
