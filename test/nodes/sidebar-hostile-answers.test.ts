/**
 * The Pulsar sidebar routes against hostile answers: a config error, non-JSON and absurd numbers,
 * deeply nested payloads, a server echoing the token. Each is an answer, never a crash or the token.
 */
import assert from "node:assert/strict";
import type http from "node:http";
import type { NodeAPI } from "node-red";
import { registerSidebarApi } from "../../nodes/lib/sidebar-api";
import { allNodes, endpoint, flow, helper, useLoopbackAdmin } from "./setup";

const TOKEN = "sidebar-token-abcdef-987654";
const BASE = "/admin/v2/persistent/public/default";

type Handler = (req: http.IncomingMessage, res: http.ServerResponse, path: string) => void;

describe("Pulsar sidebar routes: hostile answers survived", function () {
  this.timeout(30000);
  let handler: Handler = (_req, res) => res.writeHead(404).end();
  const pulsarUrl = useLoopbackAdmin((req, res) => {
    const path = req.url ?? "";
    if (!path.startsWith("/admin/")) return void res.writeHead(404).end();
    handler(req, res, path);
  });
  const raw = (res: http.ServerResponse, status: number, body: string | Buffer, headers: Record<string, string> = {}): void => {
    res.writeHead(status, { "Content-Type": "application/json", ...headers });
    res.end(body);
  };

  async function deploy(extra: Record<string, unknown> = {}): Promise<void> {
    await helper.load([...allNodes, (RED: NodeAPI) => registerSidebarApi(RED)], flow(endpoint(pulsarUrl(), { authType: "token", ...extra })), { ep: { token: TOKEN } });
  }

  it("an endpoint deployed with a config error: topics / peek / action answer a clear error", async () => {
    handler = (_req, res) => raw(res, 404, "{}");
    await deploy({ serviceUrl: "ftp://nope" });
    const list = await helper.request().get("/pulsar-sidebar/endpoints").expect(200);
    console.log("      endpoints:", JSON.stringify(list.body));
    const topics = await helper.request().get("/pulsar-sidebar/endpoints/ep/topics").expect(200);
    const peek = await helper.request().post("/pulsar-sidebar/endpoints/ep/peek").send({ topic: "x" }).expect(200);
    const action = await helper.request().post("/pulsar-sidebar/endpoints/ep/action").send({ action: "delete-topic", topic: "x" }).expect(200);
    console.log("      topics:", topics.body.error, "| peek:", peek.body.error, "| action:", action.body.error);
    for (const r of [topics, peek, action]) {
      assert.equal(r.body.ok, false);
      assert.doesNotMatch(String(r.body.error), /Cannot read properties/);
    }
  });

  it("non-JSON listing, Infinity / NaN-like numbers, wrong types, deeply nested stats: an answer, no crash", async () => {
    handler = (_req, res, path) => {
      if (path === BASE) return raw(res, 200, '["persistent://public/default/a","persistent://public/default/b", 7, null, {"x":1}]');
      if (path === `${BASE}/partitioned`) return raw(res, 200, "<html>not json</html>");
      if (path === `${BASE}/a/stats`) return raw(res, 200, '{"msgRateIn":1e999,"msgRateOut":"5","storageSize":-1e999,"subscriptions":{"s":{"msgBacklog":1e999,"consumers":{"0":1}}},"publishers":"x"}');
      if (path === `${BASE}/b/stats`) return raw(res, 200, "[".repeat(200000) + "]".repeat(200000));
      raw(res, 404, "{}");
    };
    await deploy();
    const r = await helper.request().get("/pulsar-sidebar/endpoints/ep/topics").expect(200);
    console.log("      answer:", r.text.slice(0, 300));
    assert.ok(typeof r.body.ok === "boolean");
  });

  it("peek: a deeply nested JSON payload, a huge property header, a bad publish time: an answer, no crash", async () => {
    handler = (_req, res, path) => {
      if (path.endsWith("/partitions")) return raw(res, 200, '{"partitions":0}');
      if (path.includes("examinemessage")) {
        return raw(res, 200, "[".repeat(500000) + "]".repeat(500000), { "X-Pulsar-Message-ID": "1:1:-1", "X-Pulsar-publish-time": "garbage", "X-Pulsar-PROPERTY": "{" + '"a":'.repeat(1) + '"' + "x".repeat(8000) + '"}' });
      }
      raw(res, 404, "{}");
    };
    await deploy();
    for (const format of ["auto", "json", "buffer", "schema"]) {
      const r = await helper.request().post("/pulsar-sidebar/endpoints/ep/peek").send({ topic: "deep", count: 2, format }).expect(200);
      console.log(`      ${format}: ok=${r.body.ok} ${String(r.body.error ?? "").slice(0, 120)} (${r.text.length} chars)`);
      assert.ok(typeof r.body.ok === "boolean");
    }
  });

  it("the token never reaches an answer: a 401 that echoes it, a reason that embeds it, a stats answer that names it", async () => {
    handler = (req, res, path) => {
      const auth = req.headers.authorization ?? "";
      if (path === BASE) return raw(res, 200, JSON.stringify([`persistent://public/default/${TOKEN}`]));
      if (path === `${BASE}/partitioned`) return raw(res, 200, "[]");
      if (path.endsWith("/stats")) return raw(res, 200, JSON.stringify({ publishers: [{ producerName: auth, address: TOKEN }], subscriptions: { [TOKEN]: { type: auth } } }));
      raw(res, 401, JSON.stringify({ reason: `refused ${auth}` }));
    };
    await deploy();
    const topics = await helper.request().get("/pulsar-sidebar/endpoints/ep/topics").expect(200);
    const peek = await helper.request().post("/pulsar-sidebar/endpoints/ep/peek").send({ topic: "x", subscription: "s" }).expect(200);
    const action = await helper.request().post("/pulsar-sidebar/endpoints/ep/action").send({ action: "skip-all", topic: "x", subscription: "s" }).expect(200);
    for (const r of [topics, peek, action]) assert.ok(!r.text.includes(TOKEN), r.text.slice(0, 300));
    console.log("      topics:", topics.text.slice(0, 200));
    console.log("      action:", action.text);
  });
});
