/**
 * The Pulsar sidebar's runtime routes (nodes/lib/sidebar-api.ts), through Node-RED's admin app as
 * the editor calls them, against a loopback server posing as Pulsar's admin API: the topic list
 * with partitioned topics once and their stats, the subscriptions this Node-RED's pulsar-in nodes
 * hold, polls bounded per endpoint, peek (topic newest, subscription next) as pulsar-in emits,
 * actions on the paths Pulsar expects, a Pulsar that is down, and no answer carrying the token.
 */
import assert from "node:assert/strict";
import type { NodeAPI } from "node-red";
import { registerSidebarApi } from "../../nodes/lib/sidebar-api";
import { freePort } from "../support/net";
import { allNodes, endpoint, flow, helper, useLoopbackAdmin } from "./setup";

const TOKEN = "sidebar-token-7c6b5a";
const BASE = "/admin/v2/persistent/public/default";
const sidebarPlugin = (RED: NodeAPI): void => registerSidebarApi(RED);

interface Seen {
  method: string;
  path: string;
  authorization?: string;
  body: string;
}

function topicStats(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    msgRateIn: 2.5,
    msgRateOut: 1.25,
    storageSize: 2048,
    publishers: [{ producerName: "standalone-0-1", address: "/127.0.0.1:5555", msgRateIn: 2.5, connectedSince: "2026-12-07T01:00:00Z" }],
    subscriptions: {
      billing: { type: "Shared", msgBacklog: 7, unackedMessages: 1, msgRateOut: 1, consumers: [{ consumerName: "nr-orders", address: "/127.0.0.1:6000", unackedMessages: 1 }] },
      audit: { type: "Exclusive", msgBacklog: 3, unackedMessages: 0, consumers: [] },
    },
    ...extra,
  };
}

describe("Pulsar sidebar routes", function () {
  let seen: Seen[] = [];
  beforeEach(() => {
    seen = [];
  });
  const pulsarUrl = useLoopbackAdmin((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const path = req.url ?? "";
      // The pulsar-in's WebSocket sessions knock here too: only admin calls are recorded.
      if (!path.startsWith("/admin/")) {
        res.writeHead(404).end();
        return;
      }
      seen.push({ method: req.method ?? "", path, authorization: req.headers.authorization, body: Buffer.concat(chunks).toString("utf8") });
      const json = (status: number, body: unknown): void => {
        res.writeHead(status, { "Content-Type": "application/json" });
        res.end(JSON.stringify(body));
      };
      if (req.headers.authorization !== `Bearer ${TOKEN}`) return json(401, { reason: `rejected ${req.headers.authorization ?? ""}` });
      const message = (payload: string, id: string, time: string): void => {
        res.writeHead(200, {
          "Content-Type": "application/octet-stream",
          "X-Pulsar-Message-ID": id,
          "X-Pulsar-publish-time": time,
          "X-Pulsar-PROPERTY": JSON.stringify({ source: "test" }),
          "X-Pulsar-partition-key": "k1",
        });
        res.end(payload);
      };
      if (req.method === "GET") {
        if (path === BASE) return json(200, [`persistent://public/default/orders`, `persistent://public/default/parted-partition-0`, `persistent://public/default/parted-partition-1`, `persistent://public/default/<b>x</b>\u0007`]);
        if (path === `${BASE}/partitioned`) return json(200, ["persistent://public/default/parted"]);
        if (path === `${BASE}/orders/stats`) return json(200, topicStats());
        if (path === `${BASE}/parted/partitioned-stats`) return json(200, topicStats({ msgRateIn: 10, subscriptions: {}, publishers: [] }));
        if (path === `${BASE}/orders/partitions`) return json(200, { partitions: 0 });
        if (path === `${BASE}/parted/partitions`) return json(200, { partitions: 2 });
        if (path === `${BASE}/echo/partitions`) return json(500, { reason: `internal error for ${req.headers.authorization}` });
        const examine = /^\/admin\/v2\/persistent\/public\/default\/(orders|parted-partition-\d)\/examinemessage\?initialPosition=latest&messagePosition=(\d+)$/.exec(path);
        if (examine) {
          const n = Number(examine[2]);
          if (n > 2) return json(412, { reason: "no message" });
          const p = examine[1].endsWith("1") ? 1 : 0;
          return message(`{"n":${n},"p":${p}}`, `5:${10 - n}:${p}`, `2026-12-07T01:0${p}:0${9 - n}Z`);
        }
        const position = /^\/admin\/v2\/persistent\/public\/default\/orders\/subscription\/billing\/position\/(\d+)$/.exec(path);
        if (position) return Number(position[1]) > 1 ? json(404, { reason: "Message not found" }) : message("plain text", "5:1:-1", "2026-12-07T01:00:00Z");
        if (path === `${BASE}/schemas/public/default/orders/schema` || path.startsWith("/admin/v2/schemas/")) return json(404, { reason: "no schema" });
      }
      if (req.method === "POST" && /\/subscription\/billing\/(skip_all|resetcursor\/\d+)$/.test(path)) return res.writeHead(204).end();
      if ((req.method === "PUT" || req.method === "DELETE") && /\/(fresh|orders)(\/partitions)?$/.test(path)) return res.writeHead(204).end();
      json(404, { reason: "not found" });
    });
  });

  /** The endpoint (token stored), and a pulsar-in of this Node-RED on `orders` / `billing` (its sessions fail here: no WebSocket). */
  async function deploy(serviceUrl = pulsarUrl()): Promise<void> {
    await helper.load([...allNodes, sidebarPlugin], flow(
      endpoint(serviceUrl, { authType: "token", reconnectMin: 5, reconnectMax: 60 }),
      { id: "in", type: "pulsar-in", name: "orders in", endpoint: "ep", topic: "orders", mode: "subscription", subscription: "billing", subscriptionType: "Shared", consumerName: "nr-orders", wires: [[]] },
    ), { ep: { token: TOKEN } });
  }

  type TopicsAnswer = { ok: boolean; error?: string; namespace: string; more: number; topics: { name: string; partitions: number; msgRateIn: number; backlog: number; storageSize: number; subscriptions: { name: string; backlog: number; consumerCount: number; nodes: { id: string; name: string }[]; consumers: { local: boolean }[] }[]; producers: { name: string }[] }[] };

  async function topics(): Promise<{ text: string; json: TopicsAnswer }> {
    const res = await helper.request().get("/pulsar-sidebar/endpoints/ep/topics").expect(200);
    return { text: res.text, json: res.body as TopicsAnswer };
  }

  it("lists the deployed endpoints by id, name and namespace, without their URL's secrets or token", async () => {
    await deploy();
    const res = await helper.request().get("/pulsar-sidebar/endpoints").expect(200);
    assert.deepEqual(res.body, { endpoints: [{ id: "ep", name: "test", namespace: "public/default", host: new URL(pulsarUrl()).host }] });
  });

  it("lists the topics once each (a partitioned one with its partition count) with the numbers of their stats", async () => {
    await deploy();
    const { text, json } = await topics();
    assert.equal(json.ok, true, text);
    assert.deepEqual(json.topics.map((t) => [t.name, t.partitions]), [
      ["persistent://public/default/<b>x</b>\u0007", 0],
      ["persistent://public/default/orders", 0],
      ["persistent://public/default/parted", 2],
    ]);
    const orders = json.topics[1];
    assert.equal(orders.msgRateIn, 2.5);
    assert.equal(orders.storageSize, 2048);
    assert.equal(orders.backlog, 10, "the subscriptions' backlogs summed");
    assert.deepEqual(orders.producers.map((p) => p.name), ["standalone-0-1"]);
    assert.equal(json.topics[2].msgRateIn, 10, "partitioned-stats for the partitioned topic");
    assert.ok(seen.some((s) => s.path === `${BASE}/parted/partitioned-stats`));
    assert.ok(seen.every((s) => s.authorization === `Bearer ${TOKEN}`));
    assert.ok(!text.includes(TOKEN));
  });

  it("marks the subscription a deployed pulsar-in of this Node-RED holds, and its consumer by name", async () => {
    await deploy();
    const orders = (await topics()).json.topics.find((t) => t.name.endsWith("/orders"))!;
    const billing = orders.subscriptions.find((s) => s.name === "billing")!;
    assert.deepEqual(billing.nodes, [{ id: "in", name: "orders in" }]);
    assert.equal(billing.consumerCount, 1);
    assert.deepEqual(billing.consumers.map((c) => c.local), [true]);
    assert.deepEqual(orders.subscriptions.find((s) => s.name === "audit")!.nodes, []);
  });

  it("polls Pulsar at most once per endpoint within a few seconds, whatever the number of editors", async () => {
    await deploy();
    await Promise.all([topics(), topics(), topics()]);
    await topics();
    assert.equal(seen.filter((s) => s.path === BASE).length, 1);
  });

  it("a Pulsar that is down is an answer that says so, not an HTTP error or a stack trace", async () => {
    await deploy(`http://127.0.0.1:${await freePort()}`);
    const { json } = await topics();
    assert.equal(json.ok, false);
    assert.match(json.error!, /unreachable \(ECONNREFUSED\)/);
    assert.doesNotMatch(json.error!, /\n\s+at /);
  });

  it("an endpoint that is not deployed is refused by name, and nothing is sent", async () => {
    await deploy();
    const res = await helper.request().get("/pulsar-sidebar/endpoints/nope/topics").expect(200);
    assert.equal(res.body.ok, false);
    assert.match(res.body.error, /not deployed/);
    assert.deepEqual(seen, []);
  });

  it("peeks the newest messages of a topic (a partitioned one across its partitions, newest first) as pulsar-in emits them", async () => {
    await deploy();
    const res = await helper.request().post("/pulsar-sidebar/endpoints/ep/peek").send({ topic: "parted", count: 3, format: "auto" }).expect(200);
    assert.equal(res.body.ok, true, res.text);
    const msgs = (res.body.messages as { msg: string; format: string }[]).map((m) => JSON.parse(m.msg) as { payload: unknown; key: string; properties: Record<string, string>; pulsar: { publishTime: string; messageId: string } });
    assert.deepEqual(msgs.map((m) => m.payload), [{ n: 1, p: 1 }, { n: 2, p: 1 }, { n: 1, p: 0 }]);
    assert.equal(msgs[0].key, "k1");
    assert.deepEqual(msgs[0].properties, { source: "test" });
    assert.equal(msgs[0].pulsar.messageId, "5:9:1");
    const utf8 = await helper.request().post("/pulsar-sidebar/endpoints/ep/peek").send({ topic: "orders", count: 1, format: "utf8" }).expect(200);
    assert.equal(JSON.parse((utf8.body.messages as { msg: string }[])[0].msg).payload, '{"n":1,"p":0}');
  });

  it("peeks the next messages of a subscription; fewer than asked when the backlog ends", async () => {
    await deploy();
    const res = await helper.request().post("/pulsar-sidebar/endpoints/ep/peek").send({ topic: "orders", subscription: "billing", count: 5 }).expect(200);
    assert.equal(res.body.ok, true, res.text);
    assert.equal(res.body.messages.length, 1);
    const msg = JSON.parse(res.body.messages[0].msg) as { payload: string; pulsar: { subscription: string } };
    assert.equal(msg.payload, "plain text");
    assert.equal(msg.pulsar.subscription, "billing");
  });

  it("actions go to the paths Pulsar expects; an unknown action, a bad time or a name with a slash is refused before anything is sent", async () => {
    await deploy();
    const act = async (body: Record<string, unknown>): Promise<{ ok: boolean; error?: string }> => (await helper.request().post("/pulsar-sidebar/endpoints/ep/action").send(body).expect(200)).body as { ok: boolean; error?: string };
    assert.deepEqual(await act({ action: "skip-all", topic: "orders", subscription: "billing" }), { ok: true });
    assert.deepEqual(await act({ action: "reset-cursor", topic: "orders", subscription: "billing", time: 1765000000000 }), { ok: true });
    assert.deepEqual(await act({ action: "create-topic", topic: "fresh", partitions: 0 }), { ok: true });
    assert.deepEqual(await act({ action: "delete-topic", topic: "orders" }), { ok: true });
    assert.deepEqual(seen.filter((s) => s.method !== "GET").map((s) => `${s.method} ${s.path}`), [
      `POST ${BASE}/orders/subscription/billing/skip_all`,
      `POST ${BASE}/orders/subscription/billing/resetcursor/1765000000000`,
      `PUT ${BASE}/fresh`,
      `DELETE ${BASE}/orders`,
    ]);
    seen = [];
    assert.match((await act({ action: "explode", topic: "orders" })).error!, /Unknown action "explode"/);
    assert.match((await act({ action: "reset-cursor", topic: "orders", subscription: "billing", time: "soon" })).error!, /not a time/);
    assert.equal((await act({ action: "skip-all", topic: "orders", subscription: "a/../b" })).ok, false);
    assert.equal((await act({ action: "delete-topic", topic: "../tenants" })).ok, false);
    assert.deepEqual(seen.filter((s) => s.method !== "GET"), []);
  });

  it("accepts JSON bodies only: a form post is refused with 415", async () => {
    await deploy();
    for (const route of ["peek", "action"]) {
      await helper.request().post(`/pulsar-sidebar/endpoints/ep/${route}`).type("form").send({ action: "skip-all", topic: "orders", subscription: "billing" }).expect(415);
    }
    assert.deepEqual(seen, []);
  });

  it("an error answer that echoes the token never carries it to the editor", async () => {
    await deploy();
    const res = await helper.request().post("/pulsar-sidebar/endpoints/ep/action").send({ action: "delete-topic", topic: "echo" }).expect(200);
    assert.equal(res.body.ok, false);
    assert.ok(!res.text.includes(TOKEN), res.text);
  });
});
