/**
 * The Pulsar sidebar's runtime routes under heavy or hostile conditions: the poll cache and the
 * polls in flight stay bounded, peek and actions reach only the endpoint's namespace, a peek of a
 * partitioned topic holds `count` payloads (not partitions × count), an absurd partition count is
 * a bad answer, and a reset-cursor without a valid time resets nothing.
 */
import assert from "node:assert/strict";
import type http from "node:http";
import type { NodeAPI } from "node-red";
import { registerSidebarApi } from "../../nodes/lib/sidebar-api";
import { allNodes, endpoint, flow, helper, useLoopbackAdmin } from "./setup";
import { until } from "../support/wait";

const TOKEN = "sidebar-token-1234567890";
const BASE = "/admin/v2/persistent/public/default";

/** The Maps registerSidebarApi creates (its private `polls` is one of them). */
const created: Map<unknown, unknown>[] = [];
/** Requests that reached the sidebar's routes (counted before the route runs). */
let routeHits = 0;
const sidebarPlugin = (RED: NodeAPI): void => {
  RED.httpAdmin.use("/pulsar-sidebar", (_req, _res, next) => {
    routeHits++;
    next();
  });
  const Original = Map;
  (globalThis as { Map: MapConstructor }).Map = class extends Original<unknown, unknown> {
    constructor(entries?: Iterable<readonly [unknown, unknown]> | null) {
      super(entries);
      created.push(this);
    }
  } as MapConstructor;
  try {
    registerSidebarApi(RED);
  } finally {
    (globalThis as { Map: MapConstructor }).Map = Original;
  }
};

type Handler = (req: http.IncomingMessage, res: http.ServerResponse, path: string) => void;

describe("Pulsar sidebar routes: bounded work, scoped reach", function () {
  this.timeout(60000);
  let handler: Handler = (_req, res) => res.writeHead(404).end();
  const seen: string[] = [];
  let open = 0;
  let maxOpen = 0;
  const pulsarUrl = useLoopbackAdmin((req, res) => {
    const path = req.url ?? "";
    if (!path.startsWith("/admin/")) return void res.writeHead(404).end();
    seen.push(`${req.method} ${path}`);
    open++;
    maxOpen = Math.max(maxOpen, open);
    res.on("close", () => open--);
    handler(req, res, path);
  });
  const json = (res: http.ServerResponse, status: number, body: unknown): void => {
    res.writeHead(status, { "Content-Type": "application/json" });
    res.end(typeof body === "string" ? body : JSON.stringify(body));
  };

  beforeEach(() => {
    seen.length = 0;
    created.length = 0;
    open = 0;
    maxOpen = 0;
  });

  async function deploy(extra: Record<string, unknown> = {}): Promise<void> {
    await helper.load([...allNodes, sidebarPlugin], flow(endpoint(pulsarUrl(), { authType: "token", ...extra })), { ep: { token: TOKEN } });
  }

  it("the poll cache does not grow with every endpoint id a client makes up", async () => {
    handler = (_req, res) => json(res, 404, { reason: "nope" });
    await deploy();
    for (let i = 0; i < 500; i++) await helper.request().get(`/pulsar-sidebar/endpoints/made-up-${i}/topics`).expect(200);
    const sizes = created.map((m) => m.size);
    console.log("      maps created by registerSidebarApi and their sizes after 500 made-up ids:", sizes);
    assert.ok(sizes.every((n) => n < 10), `a map holds ${Math.max(...sizes)} entries`);
  });

  it("a slow Pulsar: polls of one endpoint do not pile up (at most STATS_PARALLEL stats calls at a time)", async () => {
    const names = Array.from({ length: 40 }, (_, i) => `persistent://public/default/t${i}`);
    const held: http.ServerResponse[] = [];
    handler = (_req, res, path) => {
      if (path === BASE) return json(res, 200, names);
      if (path === `${BASE}/partitioned`) return json(res, 200, []);
      held.push(res); // stats: Pulsar is slow (answers within the 10 s admin timeout, but late)
    };
    await deploy();
    const realNow = Date.now;
    let offset = 0;
    Date.now = () => realNow() + offset;
    try {
      const pending: Promise<{ body: { ok: boolean; topics: unknown[] } }>[] = [];
      routeHits = 0;
      for (let editorPoll = 0; editorPoll < 5; editorPoll++) {
        pending.push(helper.request().get("/pulsar-sidebar/endpoints/ep/topics").then((r) => r));
        await until(() => routeHits >= editorPoll + 1 || undefined, 5000, "the editor's poll");
        await until(() => held.length >= 4 || undefined, 5000, "stats calls");
        offset += 3100; // the next editor poll, POLL_MS later (the first still in flight)
      }
      // Pulsar answers, late: every editor poll gets the one poll's answer.
      while (held.length > 0 || seen.filter((x) => x.endsWith("/stats")).length < names.length) {
        for (const r of held.splice(0)) json(r, 200, {});
        await new Promise((resolve) => setImmediate(resolve));
      }
      const answers = await Promise.all(pending);
      const listings = seen.filter((x) => x === `GET ${BASE}`).length;
      console.log(`      stats calls in flight at once: ${maxOpen}; namespace listings for 5 editor polls: ${listings}`);
      assert.ok(maxOpen <= 4, `${maxOpen} stats calls in flight for one endpoint`);
      assert.equal(listings, 1);
      for (const a of answers) assert.equal(a.body.topics.length, names.length);
    } finally {
      Date.now = realNow;
      for (const r of held) json(r, 200, {});
    }
  });

  it("peek on a topic of another tenant/namespace than the endpoint's is refused (a read-only user reads any topic the token can)", async () => {
    handler = (_req, res, path) => {
      if (path.endsWith("/partitions")) return json(res, 200, { partitions: 0 });
      res.writeHead(200, { "X-Pulsar-Message-ID": "1:1:-1", "X-Pulsar-publish-time": "2026-12-07T01:00:00Z" });
      res.end("payroll data");
    };
    await deploy();
    const res = await helper.request().post("/pulsar-sidebar/endpoints/ep/peek").send({ topic: "persistent://finance/secret/payroll", count: 1 }).expect(200);
    console.log("      admin calls:", seen);
    assert.equal(res.body.ok, false, `peek answered ${res.text.slice(0, 200)}`);
  });

  it("peek on a partitioned topic: the admin calls and the payloads held are bounded by count, not partitions × count", async () => {
    const partitions = 64;
    const payload = Buffer.alloc(1024 * 1024, 0x61); // 1 MiB messages: Pulsar's default max is 5 MB
    handler = (_req, res, path) => {
      if (path === `${BASE}/big/partitions`) return json(res, 200, { partitions });
      if (path.includes("/examinemessage")) {
        res.writeHead(200, { "X-Pulsar-Message-ID": "1:1:-1", "X-Pulsar-publish-time": "2026-12-07T01:00:00Z" });
        return void res.end(payload);
      }
      json(res, 404, { reason: "not found" });
    };
    await deploy();
    const before = process.memoryUsage();
    let peakRss = before.rss;
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 20);
    try {
      const res = await helper.request().post("/pulsar-sidebar/endpoints/ep/peek").send({ topic: "big", count: 20, format: "utf8" }).expect(200);
      assert.equal(res.body.ok, true, res.text.slice(0, 300));
      assert.equal(res.body.messages.length, 20);
      // The answer says what was left out: 32 of the 64 partitions examined, every payload cut to 64 KiB.
      assert.deepEqual([res.body.partitions, res.body.examined, res.body.cut], [partitions, 32, 20]);
    } finally {
      clearInterval(sampler);
    }
    const examined = seen.filter((s) => s.includes("/examinemessage")).length;
    console.log(`      examinemessage calls for one peek of 20: ${examined}; RSS grew by ${Math.round((peakRss - before.rss) / 1048576)} MiB at peak`);
    assert.ok(examined <= 20 + partitions, `${examined} admin calls for one peek`);
  });

  it("a server answering an absurd partition count does not make the peek build one name per partition", async () => {
    handler = (_req, res, path) => {
      if (path === `${BASE}/huge/partitions`) return json(res, 200, '{"partitions": 3000000}');
      if (path.includes("/examinemessage")) return json(res, 412, { reason: "no message" });
      json(res, 404, { reason: "not found" });
    };
    await deploy();
    const before = process.memoryUsage().heapUsed;
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().heapUsed)), 10);
    const started = process.hrtime.bigint();
    // Three million sequential admin calls would take hours: a bound on the wait, and the answer must be the bad count.
    let error = "";
    const req = helper.request().post("/pulsar-sidebar/endpoints/ep/peek").send({ topic: "huge", count: 1 }).timeout(8000).then(
      (r) => ((error = String(r.body.error)), "answered"),
      (e: Error) => e.message,
    );
    const outcome = await req;
    clearInterval(sampler);
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    const calls = seen.filter((s) => s.includes("/examinemessage")).length;
    console.log(`      peek of 'huge' (3,000,000 partitions claimed): ${outcome} after ${Math.round(ms)} ms; ${calls} examinemessage calls so far; heap +${Math.round((peak - before) / 1048576)} MiB at peak`);
    assert.equal(outcome, "answered");
    assert.match(error, /answered 3000000 partitions .*not a partition count/);
    assert.ok(calls < 1000, `${calls} calls for one peek`);
  });

  it("reset-cursor with no valid time (the editor posts NaN as null when the date field is empty) is refused, not a rewind to the start", async () => {
    handler = (_req, res) => res.writeHead(204).end();
    await deploy();
    // What the editor sends for an empty or incomplete datetime-local field: JSON.stringify({ time: NaN }).
    const body = JSON.parse(JSON.stringify({ action: "reset-cursor", topic: "orders", subscription: "billing", time: new Date("").getTime() })) as Record<string, unknown>;
    const answers = [];
    for (const time of [body.time, "", false, [], "1700000000000", Date.now() + 3 * 24 * 3600 * 1000]) {
      answers.push((await helper.request().post("/pulsar-sidebar/endpoints/ep/action").send({ ...body, time }).expect(200)).body);
    }
    console.log("      answers:", JSON.stringify(answers), "calls:", seen);
    assert.deepEqual(seen.filter((s) => s.startsWith("POST")), [], "nothing may be reset");
    for (const a of answers) assert.match(String(a.error), /is not a time/);
  });
});
