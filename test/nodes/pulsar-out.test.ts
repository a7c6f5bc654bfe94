import assert from "node:assert/strict";
import type { Node, NodeMessage } from "node-red";
import { partitionForKey } from "../../nodes/lib/protocol/partition-routing";
import { FakePulsar } from "../fake/fake-pulsar";
import { allNodes, collect, doneWatchers, endpoint, flow, helper, inject, outcomes, sink, type FlowNode } from "./setup";
import { sleep, until } from "../support/wait";

type OutMsg = NodeMessage & { pulsar: { messageId: string; topic: string } };
type StatusSpy = { args: { fill?: string; shape?: string; text?: string }[][] };

describe("pulsar-out node", function () {
  let fake: FakePulsar;

  beforeEach(async () => {
    fake = await FakePulsar.start();
  });

  afterEach(async () => {
    await helper.unload();
    await fake.stop();
  });

  before((done) => {
    helper.startServer(done);
  });

  after((done) => {
    helper.stopServer(done);
  });

  function out(extra: Record<string, unknown> = {}): FlowNode {
    return { id: "out", type: "pulsar-out", endpoint: "ep", topic: "t1", wires: [["acked"]], ...extra };
  }

  async function load(nodes: FlowNode[], credentials: Record<string, unknown> = {}): Promise<{ node: Node; acked: ReturnType<typeof collect>; tracker: ReturnType<typeof outcomes> }> {
    await helper.load(allNodes, flow(...nodes, sink("acked"), ...doneWatchers("out")), credentials);
    const node = helper.getNode("out");
    return { node, acked: collect(helper.getNode("acked")), tracker: outcomes() };
  }

  const statusTexts = (node: Node): string[] => (node.status as unknown as StatusSpy).args.map((a) => a[0]?.text ?? "");

  it("deploys with only the documented flow-JSON properties and publishes with defaults", async () => {
    await helper.load(
      allNodes,
      flow(
        { id: "ep", type: "pulsar-ws-endpoint", name: "", serviceUrl: fake.httpUrl, cluster: "", tenant: "public", namespace: "default", tls: "" },
        { id: "out", type: "pulsar-out", name: "", endpoint: "ep", topic: "spec9", wires: [["acked"]] },
        sink("acked"),
        ...doneWatchers("out"),
      ),
    );
    const node = helper.getNode("out");
    const tracker = outcomes();
    const acked = collect(helper.getNode("acked"));
    const id = inject(node, { payload: "hello" });
    const [outcome] = await tracker.waitFor([id]);
    assert.equal(outcome.ok, true);
    const [msg] = (await acked.waitFor(1)) as OutMsg[];
    assert.equal(msg.pulsar.topic, "persistent://public/default/spec9");
    const stored = fake.messages("persistent://public/default/spec9");
    assert.equal(stored.length, 1);
    assert.equal(msg.pulsar.messageId, stored[0].messageId);
    assert.equal(stored[0].payload.toString(), "hello");
  });

  it("sends the acked msg on only when its output is wired, and follows a rewire that keeps it running", async () => {
    const nodes = (wires: string[][]): FlowNode[] => flow(endpoint(fake.wsUrl), out({ wires }), sink("acked"), ...doneWatchers("out"));
    await helper.load(allNodes, nodes([[]]));
    const node = helper.getNode("out");
    const acked = collect(helper.getNode("acked"));
    const [unwired] = await outcomes().waitFor([inject(node, { payload: "a" })]);
    assert.equal(unwired.ok, true);
    assert.equal((unwired.msg as OutMsg).pulsar.messageId, fake.messages("t1")[0].messageId, "done() carries the acked msg");
    await sleep(50);
    assert.equal(acked.msgs.length, 0);

    // What the runtime does on a deploy that only changes this node's wires (Flow.start, diff.rewired).
    (node as Node & { updateWires(wires: string[][]): void }).updateWires([["acked"]]);
    await outcomes().waitFor([inject(node, { payload: "b" })]);
    const [msg] = (await acked.waitFor(1)) as OutMsg[];
    assert.equal(msg.payload, "b");
    assert.equal(msg.pulsar.messageId, fake.messages("t1")[1].messageId);
  });

  it("maps payload, properties, key and msg.pulsar options to the produce frame", async () => {
    const { node, tracker } = await load([endpoint(fake.wsUrl), out()]);
    const ids = [
      inject(node, { payload: Buffer.from([0, 1, 255]), key: "k1", properties: { a: "x", n: 5, b: true, skip: null } }),
      inject(node, { payload: { json: [1, 2] } }),
      inject(node, { payload: 42 }),
      inject(node, { payload: "", pulsar: { eventTime: new Date("2026-01-02T03:04:05.006Z"), deliverAfterMs: 10 } }),
    ];
    const results = await tracker.waitFor(ids);
    assert.ok(results.every((r) => r.ok));
    const stored = fake.messages("t1");
    assert.deepEqual(stored.map((m) => m.payload), [Buffer.from([0, 1, 255]), Buffer.from('{"json":[1,2]}'), Buffer.from("42"), Buffer.alloc(0)]);
    assert.deepEqual(stored[0].properties, { a: "x", n: "5", b: "true" });
    assert.equal(stored[0].key, "k1");
    assert.equal(stored[3].eventTime, "2026-01-02T03:04:05.006Z");
    assert.ok(stored[3].deliverAt !== undefined);
  });

  it("publishes a property named __proto__ like any other (as JSON.parse makes it)", async () => {
    const frames: string[] = [];
    fake.on("frame", (f: { text: string; role: string }) => {
      if (f.role === "producer") frames.push(f.text);
    });
    const { node, tracker } = await load([endpoint(fake.wsUrl), out()]);
    const properties = JSON.parse('{"a":"1","__proto__":"str"}') as Record<string, unknown>;
    const [r] = await tracker.waitFor([inject(node, { payload: "x", properties })]);
    assert.equal(r.ok, true);
    const sent = JSON.parse(frames.at(-1)!) as { properties: Record<string, string> };
    assert.deepEqual(Object.entries(sent.properties), [["a", "1"], ["__proto__", "str"]]);
  });

  it("refuses bad input with done(err) naming the problem, sends nothing, and keeps working", async () => {
    const { node, tracker } = await load([endpoint(fake.wsUrl), out()]);
    await until(() => fake.openConnections({ role: "producer" }).length === 1);
    let frames = 0;
    fake.on("frame", () => frames++);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const bad = [
      inject(node, { payload: undefined }),
      inject(node, { payload: null }),
      inject(node, { payload: NaN }),
      inject(node, { payload: cyclic }),
      inject(node, { payload: "x", properties: { nested: { a: 1 } } }),
      inject(node, { payload: "x", key: { a: 1 } }),
      inject(node, { payload: "x", pulsar: { eventTime: "not a time" } }),
    ];
    const results = await tracker.waitFor(bad);
    assert.ok(results.every((r) => !r.ok));
    const messages = results.map((r) => r.error!.message);
    assert.match(messages[0], /payload/);
    assert.match(messages[4], /nested/);
    assert.match(messages[6], /eventTime/);
    assert.equal(frames, 0, "nothing may be sent for bad input");
    const good = inject(node, { payload: "still works" });
    assert.equal((await tracker.waitFor([good]))[0].ok, true);
    assert.equal(fake.messages("t1").length, 1);
  });

  it("reports send-error acks with the server's result and message, so Catch sees them", async () => {
    const { node, tracker, acked } = await load([endpoint(fake.wsUrl), out()]);
    fake.failNextSends(1, "send-error:8", "Producer send queue is full");
    const [failed, next] = [inject(node, { payload: "a" }), inject(node, { payload: "b" })];
    const [r1, r2] = await tracker.waitFor([failed, next]);
    assert.equal(r1.ok, false);
    assert.match(r1.error!.message, /send-error:8/);
    assert.match(r1.error!.message, /Producer send queue is full/);
    assert.equal(r2.ok, true);
    await acked.waitFor(1);
    assert.equal(acked.msgs.length, 1, "a failed message is not sent on");
  });

  it("pipelines up to maxInFlight frames and completes each input once, in order", async () => {
    const { node, tracker, acked } = await load([endpoint(fake.wsUrl), out({ maxInFlight: 10 })]);
    await until(() => fake.openConnections({ role: "producer" }).length === 1);
    fake.holdAcks();
    const ids = Array.from({ length: 50 }, (_, i) => inject(node, { payload: `m${i}` }));
    await until(() => fake.messages("t1").length === 10);
    await sleep(50);
    assert.equal(fake.messages("t1").length, 10, "no more than maxInFlight frames before acks");
    fake.releaseAcks();
    const results = await tracker.waitFor(ids);
    assert.ok(results.every((r) => r.ok));
    assert.deepEqual(fake.messages("t1").map((m) => m.payload.toString()), ids.map((_, i) => `m${i}`));
    await acked.waitFor(50);
  });

  it("resends unacked frames in order after a drop, so every input completes and none is lost", async () => {
    const { node, tracker } = await load([endpoint(fake.wsUrl), out({ maxInFlight: 20 })]);
    await until(() => fake.openConnections({ role: "producer" }).length === 1);
    fake.holdAcks();
    const ids = Array.from({ length: 30 }, (_, i) => inject(node, { payload: `m${i}` }));
    await until(() => fake.messages("t1").length === 20);
    fake.dropConnections({ role: "producer", terminate: true });
    fake.releaseAcks();
    const results = await tracker.waitFor(ids, 10000);
    assert.ok(results.every((r) => r.ok), JSON.stringify(results.filter((r) => !r.ok).map((r) => r.error)));
    const payloads = fake.messages("t1").map((m) => m.payload.toString());
    for (let i = 0; i < 30; i++) assert.ok(payloads.includes(`m${i}`), `m${i} lost`);
    // After the reconnect the resent frames come first, in their original order.
    const afterDrop = payloads.slice(20);
    assert.deepEqual(afterDrop, Array.from({ length: 30 }, (_, i) => `m${i}`));
    assert.ok(fake.handshakes({ role: "producer" }).length >= 2);
  });

  it("buffers while offline, refuses the newest with done(err) when full, and delivers the rest on reconnect", async () => {
    fake.refuseNext(503, "Failed to create producer: topic terminated", 1000);
    const { node, tracker } = await load([endpoint(fake.wsUrl), out({ bufferMessages: 5 })]);
    await until(() => statusTexts(node).some((t) => t.includes("unavailable")), 3000, "the 503 status");
    const ids = Array.from({ length: 7 }, (_, i) => inject(node, { payload: `m${i}` }));
    const refused = await tracker.waitFor(ids.slice(5));
    assert.ok(refused.every((r) => !r.ok && /buffer full/i.test(r.error!.message)), JSON.stringify(refused.map((r) => r.error)));
    await until(() => statusTexts(node).some((t) => t.includes("buffering 5")), 3000, "the buffering status");
    fake.clearFaults();
    const delivered = await tracker.waitFor(ids.slice(0, 5), 5000);
    assert.ok(delivered.every((r) => r.ok));
    assert.deepEqual(fake.messages("t1").map((m) => m.payload.toString()), ["m0", "m1", "m2", "m3", "m4"]);
  });

  it("refuses a frame over the endpoint's frame limit with both sizes, and sends nothing", async () => {
    const { node, tracker } = await load([endpoint(fake.wsUrl, { maxFrameSize: 2048 }), out()]);
    const id = inject(node, { payload: Buffer.alloc(2000) });
    const [r] = await tracker.waitFor([id]);
    assert.equal(r.ok, false);
    assert.match(r.error!.message, /2048/);
    assert.match(r.error!.message, /\d{4} bytes/);
    assert.equal(fake.messages("t1").length, 0);
  });

  for (const [option, label, value] of [["producerIdleTimeout", "Close idle after", "abc"], ["closeTimeout", "Close timeout", "soon"], ["closeTimeout", "Close timeout", "-1"]] as const) {
    it(`refuses ${option} = "${value}" at deploy, naming the field (${label}), instead of running with a made-up time`, async () => {
      const { node, tracker } = await load([endpoint(fake.wsUrl), out({ topic: "", [option]: value })]);
      const errors = (node.error as unknown as { args: unknown[][] }).args.map((a) => String(a[0]));
      assert.ok(errors.some((e) => e.includes(label) && e.includes(value)), `an error naming ${label}: ${errors.join(" | ")}`);
      assert.ok(statusTexts(node).includes("configuration error"), statusTexts(node).join(" | "));
      const [r] = await tracker.waitFor([inject(node, { payload: "x", topic: "t1" })]);
      assert.equal(r.ok, false, "input is refused while the configuration is wrong");
      assert.equal(fake.messages("t1").length, 0);
    });
  }

  it("fails a message over the server's frame limit (1009) with both sizes, learns the limit, and sends the rest", async () => {
    await fake.stop();
    fake = await FakePulsar.start({ maxTextFrameSize: 262144 });
    const { node, tracker } = await load([endpoint(fake.wsUrl, { maxFrameSize: 16 * 1024 * 1024 }), out()]);
    const big = inject(node, { payload: Buffer.alloc(200 * 1024) }); // 273 KB as base64
    const behind = [inject(node, { payload: "a" }), inject(node, { payload: "b" })];
    const [rBig, ...rest] = await tracker.waitFor([big, ...behind]);
    assert.equal(rBig.ok, false);
    assert.match(rBig.error!.message, /273\d{3} bytes/);
    assert.match(rBig.error!.message, /262144/);
    assert.match(rBig.error!.message, /webSocketMaxTextFrameSize/);
    assert.ok(rest.every((r) => r.ok), "the queue behind it is acked");
    assert.deepEqual(fake.messages("t1").map((m) => m.payload.toString()), ["a", "b"]);
    const connections = fake.handshakes().length;
    const [again] = await tracker.waitFor([inject(node, { payload: Buffer.alloc(200 * 1024) })]);
    assert.equal(again.ok, false);
    assert.match(again.error!.message, /262144/);
    assert.equal(fake.handshakes().length, connections, "refused before sending: no new session");
  });

  it("fails a frame that the same refusal close follows three times in a row, and resends the others", async () => {
    fake.on("frame", (f: { text: string }) => {
      if (f.text.includes(Buffer.from("poison").toString("base64"))) fake.dropConnections({ code: 1011, reason: "Internal error" });
    });
    const { node, tracker } = await load([endpoint(fake.wsUrl), out()]);
    const poison = inject(node, { payload: "poison" });
    const fine = inject(node, { payload: "fine" });
    const [rPoison, rFine] = await tracker.waitFor([poison, fine], 10_000);
    assert.equal(rPoison.ok, false);
    assert.match(rPoison.error!.message, /closed the session 3 times in a row right after this message \(close 1011: Internal error\)/);
    assert.equal(rFine.ok, true, "resent after each close and acked");
    assert.ok(fake.messages("t1").some((m) => m.payload.toString() === "fine"));
  });

  it("fails a frame larger than any acked when the connection drops behind it three times (a reset instead of 1009)", async () => {
    fake.on("frame", (f: { text: string }) => {
      if (f.text.length > 100_000) fake.dropConnections({ terminate: true });
    });
    const { node, tracker } = await load([endpoint(fake.wsUrl), out()]);
    assert.ok((await tracker.waitFor([inject(node, { payload: "small first" })]))[0].ok);
    const big = inject(node, { payload: Buffer.alloc(120_000) });
    const after = inject(node, { payload: "after" });
    const [rBig, rAfter] = await tracker.waitFor([big, after], 10_000);
    assert.equal(rBig.ok, false);
    assert.match(rBig.error!.message, /dropped 3 times in a row right after this message .* larger than any the server has accepted/);
    assert.equal(rAfter.ok, true);
  });

  it("never blames a frame of the usual size for drops, however many in a row", async () => {
    const { node, tracker } = await load([endpoint(fake.wsUrl), out()]);
    assert.ok((await tracker.waitFor([inject(node, { payload: "m0" })]))[0].ok);
    fake.holdAcks();
    const id = inject(node, { payload: "m1" });
    for (let i = 0; i < 5; i++) {
      await until(() => fake.openConnections({ role: "producer" }).length === 1 && fake.messages("t1").length >= 2 + i, 5000, `resend ${i}`);
      fake.dropConnections({ terminate: true });
    }
    fake.releaseAcks();
    const [r] = await tracker.waitFor([id], 10_000);
    assert.equal(r.ok, true, r.error?.message);
  });

  it("takes the topic from msg.topic only when its own is blank; at Max producers a message waits for a slot", async () => {
    const { node, tracker } = await load([endpoint(fake.wsUrl), out({ topic: "", maxProducers: 2, bufferMessages: 1 })]);
    const [a, b] = [inject(node, { topic: "dyn-a", payload: "1" }), inject(node, { topic: "other/ns/dyn-b", payload: "2" })];
    assert.ok((await tracker.waitFor([a, b])).every((r) => r.ok));
    assert.equal(fake.messages("dyn-a").length, 1);
    assert.equal(fake.messages("persistent://other/ns/dyn-b").length, 1);
    fake.holdAcks();
    const [busyA, busyB] = [inject(node, { topic: "dyn-a", payload: "3" }), inject(node, { topic: "other/ns/dyn-b", payload: "4" })];
    await until(() => fake.messages("dyn-a").length === 2 && fake.messages("persistent://other/ns/dyn-b").length === 2);
    // Both producers are busy: the third topic waits (the wait is bounded by bufferMessages = 1)…
    const third = inject(node, { topic: "dyn-c", payload: "5" });
    const fourth = inject(node, { topic: "dyn-d", payload: "6" });
    const [r4] = await tracker.waitFor([fourth]);
    assert.equal(r4.ok, false);
    assert.match(r4.error!.message, /All 2 producers are busy and 1 messages already wait/);
    await sleep(100);
    assert.equal(tracker.byId.has(third), false, "the waiting message is neither failed nor sent");
    assert.equal(fake.messages("dyn-c").length, 0);
    // …and goes out once a producer has nothing in flight: the least recently used idle one is closed.
    fake.releaseAcks();
    const results = await tracker.waitFor([busyA, busyB, third]);
    assert.ok(results.every((r) => r.ok), JSON.stringify(results.map((r) => r.error?.message)));
    assert.equal(fake.messages("dyn-c").length, 1);
    const noTopic = inject(node, { payload: "x" });
    assert.match((await tracker.waitFor([noTopic]))[0].error!.message, /topic/i);
  });

  it("lets its configured topic win over msg.topic", async () => {
    const { node, tracker } = await load([endpoint(fake.wsUrl), out({ topic: "fixed" })]);
    const id = inject(node, { topic: "elsewhere", payload: "x" });
    assert.equal((await tracker.waitFor([id]))[0].ok, true);
    assert.equal(fake.messages("fixed").length, 1);
    assert.equal(fake.messages("elsewhere").length, 0);
  });

  it("sends the token only as a Bearer header, never offers permessage-deflate, and never logs or shows the token", async () => {
    const token = "eyJhbGciOiJIUzI1NiJ9.c2VjcmV0LXJvbGU.s3cr3t-signature";
    await fake.stop();
    fake = await FakePulsar.start({ auth: { token } });
    fake.refuseNext(401, "Failed to authenticate", 1, { role: "producer" });
    const logSpy = helper.log();
    const { node, tracker } = await load([endpoint(fake.wsUrl), out()], { ep: { token } });
    const id = inject(node, { payload: "x" });
    assert.equal((await tracker.waitFor([id], 5000))[0].ok, true);
    const conn = fake.openConnections({ role: "producer" })[0];
    assert.equal(conn.headers.authorization, `Bearer ${token}`);
    assert.equal(conn.headers["sec-websocket-extensions"], undefined);
    assert.ok(!conn.url.includes(token));
    const everything = JSON.stringify(logSpy.args) + JSON.stringify((node.status as unknown as StatusSpy).args);
    assert.ok(everything.includes("401") || statusTexts(node).some((t) => t.includes("401")), "the 401 was reported");
    assert.ok(!everything.includes("s3cr3t"), "the token must never reach a log line or a status");
  });

  it("does not storm on 401: retries at the slowest backoff", async () => {
    fake.refuseNext(401, "Failed to authenticate", 1000);
    const { node } = await load([endpoint(fake.wsUrl, { reconnectMin: 0.01, reconnectMax: 0.6 }), out()]);
    await sleep(1000);
    const attempts = fake.handshakes({ role: "producer" }).length;
    // Slowest backoff is 0.3–0.6 s: at most 4 attempts in a second (normal backoff from 10 ms would make ~8+).
    assert.ok(attempts >= 2 && attempts <= 4, `attempts: ${attempts}`);
    assert.ok(statusTexts(node).some((t) => t.startsWith("pulsar.status.unauthorized") || t.includes("unauthorized")));
  });

  it("does not retry a 400 (bad option) and fails queued and new input with the server's message", async () => {
    fake.refuseNext(400, "Invalid query params: No enum constant CompressionType.FOO", 1000);
    const { node, tracker } = await load([endpoint(fake.wsUrl), out()]);
    await until(() => statusTexts(node).some((t) => t.includes("bad-request") || t.includes("bad request")), 3000, "bad request status");
    await sleep(300);
    assert.equal(fake.handshakes({ role: "producer" }).length, 1);
    const id = inject(node, { payload: "x" });
    const [r] = await tracker.waitFor([id]);
    assert.equal(r.ok, false);
    assert.match(r.error!.message, /400/);
    assert.match(r.error!.message, /CompressionType/);
  });

  it("waits with a yellow status on 409 and connects once the name is free", async () => {
    fake.refuseNext(409, "Failed to create producer: Producer with name 'p' is already connected", 3);
    const { node, tracker } = await load([endpoint(fake.wsUrl), out({ producerName: "p" })]);
    const id = inject(node, { payload: "x" });
    assert.equal((await tracker.waitFor([id], 5000))[0].ok, true);
    const spy = node.status as unknown as StatusSpy;
    assert.ok(spy.args.some((a) => a[0]?.fill === "yellow" && /409/.test(a[0]?.text ?? "")));
    assert.equal(fake.openConnections({ role: "producer" })[0].query.producerName, "p");
  });

  // What each refused upgrade shows and how it is retried (docs/pulsar-websocket.md, "Handshake status codes").
  for (const [status, text, fill, retried] of [
    [400, "bad request (400)", "red", false],
    [401, "unauthorized (401)", "red", true],
    [403, "forbidden (403)", "red", true],
    [404, "topic not found (404)", "red", true],
    [409, "waiting: subscription or producer busy (409)", "yellow", true],
    [429, "too many requests (429)", "yellow", true],
    [500, "server error (500)", "red", true],
    [503, "unavailable (503)", "red", true],
    [504, "server error (504)", "red", true],
  ] as const) {
    it(`shows "${text}" for a ${status} upgrade and ${retried ? "retries" : "does not retry"}`, async () => {
      fake.refuseNext(status, `Failed to create producer: refused with ${status}`, 1000);
      const { node } = await load([endpoint(fake.wsUrl, { reconnectMin: 0.01, reconnectMax: 0.05 }), out()]);
      await until(() => (node.status as unknown as StatusSpy).args.find((a) => a[0]?.text?.startsWith(text)), 3000, `status ${text}`);
      const shown = (node.status as unknown as StatusSpy).args.find((a) => a[0]?.text?.startsWith(text))![0];
      assert.equal(shown.fill, fill);
      assert.equal(shown.shape, "ring");
      await sleep(300);
      const attempts = fake.handshakes({ role: "producer" }).length;
      if (retried) assert.ok(attempts >= 2, `${status}: ${attempts} attempts`);
      else assert.equal(attempts, 1);
    });
  }

  it("says the v1 endpoint is missing when a cluster is set and Pulsar answers 404", async () => {
    const { node } = await load([endpoint(fake.wsUrl, { cluster: "standalone" }), out()]);
    await until(() => statusTexts(node).some((t) => t.startsWith("no v1 endpoint (404)")), 3000, "the v1 hint");
  });

  it("waits for slow acks without resending or failing anything", async () => {
    const { node, tracker } = await load([endpoint(fake.wsUrl), out()]);
    fake.setAckDelay(300);
    const ids = Array.from({ length: 5 }, (_, i) => inject(node, { payload: `slow${i}` }));
    const results = await tracker.waitFor(ids, 5000);
    assert.ok(results.every((r) => r.ok));
    assert.equal(fake.messages("t1").length, 5, "no resend while acks are merely slow");
    assert.equal(fake.handshakes({ role: "producer" }).length, 1);
  });

  it("closes in bounded time with frames in flight, failing each with done(err)", async () => {
    const { node, tracker } = await load([endpoint(fake.wsUrl), out({ closeTimeout: 0.3 })]);
    await until(() => fake.openConnections({ role: "producer" }).length === 1);
    fake.holdAcks();
    const ids = Array.from({ length: 20 }, (_, i) => inject(node, { payload: `m${i}` }));
    await until(() => fake.messages("t1").length === 20);
    const errorSpy = node.error as unknown as { args: [Error, NodeMessage][] };
    const started = Date.now();
    // clearFlows stops the flow like a redeploy does (unload would first remove the spies).
    await helper.clearFlows();
    const took = Date.now() - started;
    assert.ok(took < 2000, `close took ${took} ms`);
    // Catch nodes stop with the flow, so read done(err) where it lands: node.error(err, msg).
    const errorCalls = errorSpy.args;
    const failed = errorCalls.filter(([err, msg]) => /closed before Pulsar acknowledged/.test(String(err)) && ids.includes(msg?._msgid ?? ""));
    assert.equal(failed.length, 20, `${errorCalls.length} error calls: ${errorCalls.slice(0, 3).map((c) => `${String(c[0])} ${JSON.stringify(c[1])}`).join("\n")}`);
    assert.equal(tracker.byId.size, 0, "nothing completed twice or succeeded");
    await until(() => fake.openConnections({ role: "producer" }).length === 0, 2000, "the socket to close");
  });

  it("warns once, with the count, about messages failed at close (a Full deploy closes the Catch nodes too)", async () => {
    const { node } = await load([endpoint(fake.wsUrl), out({ closeTimeout: 0.2 })]);
    await until(() => fake.openConnections({ role: "producer" }).length === 1);
    fake.holdAcks();
    for (let i = 0; i < 7; i++) inject(node, { payload: `m${i}` });
    await until(() => fake.messages("t1").length === 7);
    fake.dropConnections({ terminate: true }); // and 3 more wait in the offline buffer
    await until(() => fake.openConnections({ role: "producer" }).length === 0);
    for (let i = 7; i < 10; i++) inject(node, { payload: `m${i}` });
    const warnSpy = node.warn as unknown as { args: unknown[][] };
    await helper.clearFlows();
    const warnings = warnSpy.args.map((a) => String(a[0])).filter((w) => /closed with/.test(w));
    assert.deepEqual(warnings, ["closed with 10 messages not acknowledged by Pulsar within the close timeout (0.2 s); they may or may not have been stored, and each ended in done(err)"]);
  });

  it("detects a half-open connection with the pong deadline and resends after reconnect", async () => {
    const { node, tracker } = await load([endpoint(fake.wsUrl, { pingInterval: 0.05, pongTimeout: 0.1 }), out()]);
    await until(() => fake.openConnections({ role: "producer" }).length === 1);
    await until(() => fake.openConnections({ role: "producer" })[0].pingsReceived >= 2, 2000, "pings");
    fake.freeze({ role: "producer" });
    const id = inject(node, { payload: "through the freeze" });
    await sleep(400);
    fake.unfreeze();
    assert.equal((await tracker.waitFor([id], 5000))[0].ok, true);
    assert.ok(fake.handshakes({ role: "producer" }).length >= 2, "a new session replaced the frozen one");
  });

  it("reports a malformed server frame with node.error and keeps publishing", async () => {
    const { node, tracker } = await load([endpoint(fake.wsUrl), out()]);
    await until(() => fake.openConnections({ role: "producer" }).length === 1);
    fake.sendRaw({ role: "producer" }, "this is not json");
    fake.sendRaw({ role: "producer" }, '{"result":"ok","messageId":"CAcQAzAA","context":"999999"}');
    fake.sendRaw({ role: "producer" }, '{"type":"AUTH_CHALLENGE"}');
    const id = inject(node, { payload: "x" });
    assert.equal((await tracker.waitFor([id]))[0].ok, true);
    const errors = (node.error as unknown as { args: unknown[][] }).args.map((a) => String(a[0]));
    assert.ok(errors.some((e) => /malformed|bad-frame/.test(e)), errors.join("\n"));
    assert.ok(errors.some((e) => /did not send|unknown-ack/.test(e)), errors.join("\n"));
    assert.equal(errors.length, 2, "unknown frame types are ignored silently");
  });

  it("logs the first of a flood of bad acks and then a count, not one line each", async () => {
    const { node, tracker } = await load([endpoint(fake.wsUrl), out()]);
    await until(() => fake.openConnections({ role: "producer" }).length === 1);
    for (let i = 0; i < 1500; i++) fake.sendRaw({ role: "producer" }, `{"result":"ok","messageId":"CAcQAzAA","context":"${900000 + i}"}`);
    const id = inject(node, { payload: "x" });
    assert.equal((await tracker.waitFor([id]))[0].ok, true);
    const errorSpy = node.error as unknown as { args: unknown[][] };
    await until(() => errorSpy.args.length >= 1);
    await sleep(100);
    assert.equal(errorSpy.args.length, 1, "one line while the flood lasts");
    await helper.clearFlows();
    const lines = errorSpy.args.map((a) => String(a[0]));
    assert.equal(lines.length, 2, lines.join("\n"));
    assert.match(lines[1], /^1499 more like this in the last 60 s, the latest: .*901499/);
  });

  it("uses the legacy v1 URL with the endpoint's cluster (Pulsar ≤ 4.0)", async () => {
    await fake.stop();
    fake = await FakePulsar.start({ v1: true });
    const { node, tracker } = await load([endpoint(fake.wsUrl, { cluster: "standalone", tenant: "sample", namespace: "ns1" }), out({ topic: "my-topic" })]);
    const id = inject(node, { payload: "Hello World" });
    assert.equal((await tracker.waitFor([id]))[0].ok, true);
    assert.equal(fake.openConnections({ role: "producer" })[0].path, "/ws/producer/persistent/sample/standalone/ns1/my-topic");
  });

  describe("one session per partition (sessionPerPartition)", () => {
    type PartMsg = NodeMessage & { pulsar: { messageId: string; topic: string; partition?: number } };
    const partitionPayloads = (base: string, n: number): string[][] =>
      Array.from({ length: n }, (_, k) => fake.messages(`${base}-partition-${k}`).map((m) => m.payload.toString()));
    const producerTopics = (): string[] => fake.openConnections({ role: "producer" }).map((c) => c.path.split("/").pop()!).sort();

    it("opens a session per partition of its topic, puts each key where Pulsar would, and calls done() only on the ack", async () => {
      fake.setPartitions("t1", 3);
      const { node, tracker, acked } = await load([endpoint(fake.wsUrl), out({ sessionPerPartition: true })]);
      await until(() => producerTopics().length === 3, 5000, "three producer sessions");
      assert.deepEqual(producerTopics(), ["t1-partition-0", "t1-partition-1", "t1-partition-2"]);
      fake.holdAcks();
      const keys = ["hello", "Hello, world!", "polygenelubricants", "日本", "ключ", "😀"];
      const keyed = keys.map((key) => inject(node, { payload: `k:${key}`, key }));
      const plain = Array.from({ length: 6 }, (_, i) => inject(node, { payload: `rr:${i}` }));
      await until(() => partitionPayloads("t1", 3).flat().length === 12, 5000, "all twelve stored");
      await sleep(50);
      assert.equal(tracker.byId.size, 0, "no done() before the acks");
      fake.releaseAcks();
      const results = await tracker.waitFor([...keyed, ...plain]);
      assert.ok(results.every((r) => r.ok), JSON.stringify(results.map((r) => r.error?.message)));
      const stored = partitionPayloads("t1", 3);
      keys.forEach((key) => assert.ok(stored[partitionForKey(key, 3, "JavaStringHash")].includes(`k:${key}`), `${key}`));
      assert.deepEqual(stored.map((p) => p.filter((x) => x.startsWith("rr:")).length), [2, 2, 2], "round robin without a key");
      assert.deepEqual(fake.messages("t1"), [], "nothing through the base topic");
      const msgs = (await acked.waitFor(12)) as PartMsg[];
      for (const m of msgs) {
        assert.equal(m.pulsar.topic, "persistent://public/default/t1", "the topic the user sent to");
        assert.ok(stored[m.pulsar.partition!].includes(String(m.payload)), "msg.pulsar.partition is where it went");
      }
    });

    it("status: one topic through four sessions says so; a first lookup that holds messages shows them buffered", async () => {
      fake.holdPartitionLookups();
      fake.setPartitions("t1", 4);
      const { node, tracker } = await load([endpoint(fake.wsUrl), out({ sessionPerPartition: true })]);
      const held = inject(node, { payload: "waits for the lookup" });
      await until(() => statusTexts(node).some((t) => /buffering 1/.test(t)), 3000, `a buffering status: ${statusTexts(node).join(" | ")}`);
      fake.releasePartitionLookups();
      await tracker.waitFor([held]);
      await until(() => statusTexts(node).at(-1) === "connected (4 sessions)", 3000, `the sessions status: ${statusTexts(node).join(" | ")}`);
    });

    it("routes by the producer's hashingScheme (Murmur3_32Hash)", async () => {
      fake.setPartitions("t1", 5);
      const { node, tracker } = await load([endpoint(fake.wsUrl), out({ sessionPerPartition: true, hashingScheme: "Murmur3_32Hash" })]);
      const keys = ["hello", "Hello, world!", "a", "日本"];
      await tracker.waitFor(keys.map((key) => inject(node, { payload: key, key })));
      const stored = partitionPayloads("t1", 5);
      keys.forEach((key) => assert.ok(stored[partitionForKey(key, 5, "Murmur3_32Hash")].includes(key), key));
    });

    it("keeps one session when the topic is not partitioned", async () => {
      const { node, tracker, acked } = await load([endpoint(fake.wsUrl), out({ sessionPerPartition: true })]);
      assert.equal((await tracker.waitFor([inject(node, { payload: "x", key: "k" })]))[0].ok, true);
      assert.deepEqual(producerTopics(), ["t1"]);
      const [msg] = (await acked.waitFor(1)) as PartMsg[];
      assert.equal(msg.pulsar.partition, undefined);
      assert.equal(fake.messages("t1").length, 1);
    });

    it("splits the offline buffer across the partition sessions", async () => {
      fake.setPartitions("t1", 2);
      fake.refuseNext(503, "Failed to create producer: not ready", 1000);
      const { node, tracker } = await load([endpoint(fake.wsUrl), out({ sessionPerPartition: true, bufferMessages: 4 })]);
      await until(() => fake.handshakes({ role: "producer" }).length >= 2, 3000, "both partition sessions trying");
      // Keys of partition 0 of 2: two fit its half of the buffer, the third does not.
      const keys = ["k0", "k1", "k2", "k3", "k4", "k5", "k6"].filter((k) => partitionForKey(k, 2, "JavaStringHash") === 0).slice(0, 3);
      assert.equal(keys.length, 3);
      const ids = keys.map((key) => inject(node, { payload: key, key }));
      const [refused] = await tracker.waitFor(ids.slice(2));
      assert.equal(refused.ok, false);
      assert.match(refused.error!.message, /buffer full .*limits 2 \//i);
      fake.clearFaults();
      const delivered = await tracker.waitFor(ids.slice(0, 2), 5000);
      assert.ok(delivered.every((r) => r.ok));
      assert.deepEqual(partitionPayloads("t1", 2)[0], keys.slice(0, 2));
    });

    it("resends what a cut partition session had in flight after it reconnects: nothing lost", async () => {
      fake.setPartitions("t1", 2);
      const { node, tracker } = await load([endpoint(fake.wsUrl), out({ sessionPerPartition: true })]);
      await until(() => producerTopics().length === 2, 5000, "two producer sessions");
      fake.holdAcks();
      const ids = Array.from({ length: 20 }, (_, i) => inject(node, { payload: `m${i}` }));
      await until(() => partitionPayloads("t1", 2).flat().length === 20, 5000, "all twenty stored");
      fake.dropConnections({ role: "producer", topic: "t1-partition-1", terminate: true });
      fake.releaseAcks();
      const results = await tracker.waitFor(ids, 10000);
      assert.ok(results.every((r) => r.ok), JSON.stringify(results.filter((r) => !r.ok).map((r) => r.error)));
      const stored = partitionPayloads("t1", 2);
      for (let i = 0; i < 20; i++) assert.ok(stored.flat().includes(`m${i}`), `m${i} lost`);
      assert.ok(stored[1].length > 10, "partition 1 got its frames again");
      assert.ok(fake.handshakes({ role: "producer", topic: "t1-partition-1" }).length >= 2, "partition 1 reconnected");
      assert.equal(fake.handshakes({ role: "producer", topic: "t1-partition-0" }).length, 1, "partition 0 was not touched");
    });

    it("msg.topic: looks the partitions up on first use, once, and sends what waited in order", async () => {
      fake.setPartitions("dyn", 2);
      const { node, tracker } = await load([endpoint(fake.wsUrl), out({ topic: "", sessionPerPartition: true })]);
      const ids = Array.from({ length: 6 }, (_, i) => inject(node, { topic: "dyn", payload: `m${i}`, key: "same" }));
      const results = await tracker.waitFor(ids);
      assert.ok(results.every((r) => r.ok));
      assert.equal(fake.partitionLookups, 1);
      assert.deepEqual(partitionPayloads("dyn", 2)[partitionForKey("same", 2, "JavaStringHash")], ids.map((_, i) => `m${i}`));
    });

    it("holds a topic's messages while its lookup is slow, and fails them with done(err) when the node closes", async () => {
      fake.setPartitions("dyn", 2);
      fake.holdPartitionLookups();
      const { node, tracker } = await load([endpoint(fake.wsUrl), out({ topic: "", sessionPerPartition: true, closeTimeout: 0.2 })]);
      const ids = Array.from({ length: 3 }, (_, i) => inject(node, { topic: "dyn", payload: `m${i}` }));
      await until(() => fake.partitionLookups === 1, 3000, "the lookup asked");
      await sleep(100);
      assert.equal(tracker.byId.size, 0, "waiting: neither sent nor failed");
      assert.equal(fake.openConnections({ role: "producer" }).length, 0);
      const errorSpy = node.error as unknown as { args: [Error, NodeMessage][] };
      const warnSpy = node.warn as unknown as { args: unknown[][] };
      // clearFlows stops the flow like a redeploy does; the Catch nodes close too, so read done(err) in node.error.
      await helper.clearFlows();
      const failed = errorSpy.args.filter(([err, msg]) => /closed before Pulsar acknowledged/.test(String(err)) && ids.includes(msg?._msgid ?? ""));
      assert.equal(failed.length, 3);
      assert.ok(warnSpy.args.some((a) => /closed with 3 messages not acknowledged/.test(String(a[0]))));
      fake.releasePartitionLookups();
      await sleep(50);
      assert.equal(fake.openConnections({ role: "producer" }).length, 0, "a late answer opens nothing");
    });

    it("a failed lookup: warns once naming the topic and the reason, and produces through one session on the topic", async () => {
      fake.setPartitions("dyn", 2);
      fake.refusePartitionLookups({ status: 403, reason: "Don't have permission to administrate resources on this tenant" });
      const { node, tracker, acked } = await load([endpoint(fake.wsUrl), out({ topic: "", sessionPerPartition: true })]);
      const first = await tracker.waitFor([inject(node, { topic: "dyn", payload: "a", key: "k" })]);
      const second = await tracker.waitFor([inject(node, { topic: "dyn", payload: "b" })]);
      assert.ok([...first, ...second].every((r) => r.ok));
      assert.deepEqual(fake.messages("dyn").map((m) => m.payload.toString()), ["a", "b"]);
      assert.deepEqual(partitionPayloads("dyn", 2), [[], []]);
      const warnings = (node.warn as unknown as { args: unknown[][] }).args.map((a) => String(a[0])).filter((w) => /partitions/.test(w));
      assert.equal(warnings.length, 1, warnings.join("\n"));
      assert.match(warnings[0], /persistent:\/\/public\/default\/dyn/);
      assert.match(warnings[0], /403 Don't have permission/);
      const msgs = (await acked.waitFor(2)) as PartMsg[];
      assert.ok(msgs.every((m) => m.pulsar.partition === undefined && m.pulsar.topic === "persistent://public/default/dyn"));
    });
  });
});
