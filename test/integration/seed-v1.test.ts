/**
 * Integration on Pulsar 4.0 (shared instance): the examples of Pulsar's WebSocket API documentation where Pulsar
 * still serves them (v1 URLs on the harness's sample/standalone/ns1 namespace), first with a raw
 * `ws` client as in its Node.js example, then through our nodes with an endpoint whose
 * cluster is `standalone`; v1 topics with consumer and reader; and v2 URLs on 4.0.
 */
import assert from "node:assert/strict";
import WebSocket from "ws";
import { tally, trackFigures } from "./support/figures";
import "./support/hooks";
import { endpointNode, inNode, outNode, seqs, TestFlow, usePulsarAndNodeRed } from "./support/flow";
import { topicStats, uniqueName, uniqueTopic, waitBacklog } from "./support/pulsar-admin";
import { waitUntil } from "../support/wait";

const START_TIMEOUT_MS = 240_000;
const SEED_FRAME = '{"payload":"SGVsbG8gV29ybGQ=","properties":{"key1":"value1","key2":"value2"},"context":"1"}';

interface Frame {
  result?: string;
  messageId?: string;
  context?: string;
  payload?: string;
  properties?: Record<string, string>;
}

/** A raw client as in the Node.js example of Pulsar's WebSocket API documentation: opens, keeps every frame it gets. */
async function rawClient(url: string): Promise<{ ws: WebSocket; frames: Frame[] }> {
  const ws = new WebSocket(url);
  const frames: Frame[] = [];
  ws.on("message", (data) => frames.push(JSON.parse(data.toString()) as Frame));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no upgrade for ${url} within 15 s`)), 15_000);
    ws.once("open", () => {
      clearTimeout(timer);
      resolve();
    });
    ws.once("unexpected-response", (_req, res) => reject(new Error(`${url}: HTTP ${res.statusCode}`)));
    ws.once("error", reject);
  });
  return { ws, frames };
}

describe("integration 4.0: the v1 examples of Pulsar's WebSocket docs, v1 topics, v2 on 4.0", function () {
  this.timeout(60_000);
  const pulsar = usePulsarAndNodeRed("4.0", START_TIMEOUT_MS);
  let port: string;

  before(function () {
    if (pulsar().line !== "4.0") {
      // Only with an external Pulsar (PULSAR_WS_URL) of the other line; say so in the output.
      console.log(`      skipped: needs Pulsar 4.0, the external Pulsar is ${pulsar().line}`);
      this.skip();
    }
    port = new URL(pulsar().wsUrl).port;
  });

  const figures = trackFigures("seed & v1", "4.0");
  const SEED_TOPIC = "persistent://sample/standalone/ns1/my-topic";

  it("the docs' raw ws producer and consumer on ws://localhost:PORT/ws/{producer,consumer}/persistent/sample/standalone/ns1/my-topic", async () => {
    const sub = uniqueName("seed-raw");
    const consumer = await rawClient(`ws://localhost:${port}/ws/consumer/persistent/sample/standalone/ns1/my-topic/${sub}`);
    const producer = await rawClient(`ws://localhost:${port}/ws/producer/persistent/sample/standalone/ns1/my-topic`);
    try {
      producer.ws.send(SEED_FRAME);
      await waitUntil("the producer ack", () => producer.frames.length > 0, 15_000);
      const ack = producer.frames[0];
      assert.equal(ack.result, "ok", JSON.stringify(ack));
      assert.equal(ack.context, "1");
      assert.match(ack.messageId ?? "", /^[A-Za-z0-9+/]+=*$/);
      await waitUntil("the consumer's message", () => consumer.frames.length > 0, 15_000);
      const msg = consumer.frames[0];
      assert.equal(msg.payload, "SGVsbG8gV29ybGQ=");
      assert.equal(Buffer.from(msg.payload ?? "", "base64").toString(), "Hello World");
      assert.deepEqual(msg.properties, { key1: "value1", key2: "value2" });
      assert.equal(msg.messageId, ack.messageId);
      consumer.ws.send(JSON.stringify({ messageId: msg.messageId })); // the docs' ack frame
      await waitBacklog(pulsar(), SEED_TOPIC, sub, 0);
      figures.report({ sent: 1, received: consumer.frames.length, duplicates: consumer.frames.length - 1, lost: 0 });
    } finally {
      producer.ws.close();
      consumer.ws.close();
    }
  });

  it("the same through the nodes: endpoint cluster standalone, tenant sample, namespace ns1, topic my-topic", async () => {
    const sub = uniqueName("seed-nodes");
    const f = await TestFlow.deploy([
      endpointNode(pulsar(), { cluster: "standalone", tenant: "sample", namespace: "ns1" }),
      ...outNode("out", "my-topic"),
      ...inNode("in", "my-topic", { subscription: sub }),
    ], { watch: ["out"] });
    await f.waitConnected(["out", "in"]);
    const id = f.send("out", { payload: "Hello World", properties: { key1: "value1", key2: "value2" } });
    const [outcome] = await f.waitOutcomes([id], 15_000);
    assert.equal(outcome.ok, true, outcome.error?.message);
    const [msg] = await f.waitReceived("in-out", 1, 15_000);
    assert.equal(msg.payload, "Hello World");
    assert.deepEqual(msg.properties, { key1: "value1", key2: "value2" });
    assert.equal(msg.pulsar.messageId, f.received("out-acked")[0].pulsar.messageId);
    // Pulsar names a v1 topic with its cluster; msg.topic and msg.pulsar.topic say the same.
    assert.equal(msg.topic, "persistent://sample/standalone/ns1/my-topic");
    assert.equal(f.received("out-acked")[0].pulsar.topic, "persistent://sample/standalone/ns1/my-topic");
    await waitBacklog(pulsar(), SEED_TOPIC, sub, 0);
    figures.report({ sent: 1, received: f.received("in-out").length, duplicates: f.received("in-out").length - 1, lost: 0 });
  });

  it("v1 topics with a cluster: Buffer, keys and properties to a consumer and a reader", async () => {
    const topic = uniqueTopic("v1");
    const full = `persistent://sample/standalone/ns1/${topic}`;
    const sub = uniqueName("sub");
    const f = await TestFlow.deploy([
      endpointNode(pulsar(), { cluster: "standalone", tenant: "sample", namespace: "ns1" }),
      ...outNode("out", topic),
      ...inNode("in", `sample/ns1/${topic}`, { subscription: sub, payloadFormat: "buffer" }),
      ...inNode("rdr", `persistent://sample/ns1/${topic}`, { mode: "reader", subscription: "", startMessageId: "earliest" }),
    ], { watch: ["out"] });
    await f.waitConnected(["out", "in", "rdr"]);
    const n = 20;
    const payload = (i: number): Buffer => Buffer.from([i, 0, 255, 128, i * 7 % 256]);
    const ids = Array.from({ length: n }, (_, i) => f.send("out", { payload: payload(i), key: `k${i % 3}`, properties: { seq: String(i), v: "1" } }));
    const outcomes = await f.waitOutcomes(ids, 20_000);
    assert.ok(outcomes.every((o) => o.ok), JSON.stringify(outcomes.filter((o) => !o.ok).map((o) => o.error)));
    const got = await f.waitReceived("in-out", n, 20_000);
    const read = await f.waitReceived("rdr-out", n, 20_000);
    got.forEach((m, i) => {
      assert.ok((m.payload as Buffer).equals(payload(i)), `bytes of m${i}`);
      assert.equal(m.key, `k${i % 3}`);
      assert.deepEqual(m.properties, { seq: String(i), v: "1" });
    });
    assert.deepEqual(seqs(read), seqs(got));
    await waitBacklog(pulsar(), full, sub, 0);
    const stats = await topicStats(pulsar(), full);
    assert.equal(stats.msgInCounter, n, "Pulsar stored the messages on the v1 topic");
    const a = tally(ids, seqs(got).map((s) => ids[Number(s)]));
    const b = tally(ids, seqs(read).map((s) => ids[Number(s)]));
    figures.report({ sent: n, received: a.received + b.received, duplicates: a.duplicates + b.duplicates, lost: a.lost + b.lost });
  });

  it("v2 URLs on 4.0 (cluster empty): round trip and backlog 0", async () => {
    const topic = uniqueTopic("v2on40");
    const full = `persistent://public/default/${topic}`;
    const sub = uniqueName("sub");
    const f = await TestFlow.deploy([endpointNode(pulsar()), ...outNode("out", topic), ...inNode("in", topic, { subscription: sub, initialPosition: "Earliest" })], { watch: ["out"] });
    await f.waitConnected(["out", "in"]);
    const ids = Array.from({ length: 20 }, (_, i) => f.send("out", { payload: { i }, properties: { seq: String(i) } }));
    assert.ok((await f.waitOutcomes(ids, 20_000)).every((o) => o.ok));
    const got = await f.waitReceived("in-out", 20, 20_000);
    assert.deepEqual(got.map((m) => m.payload), ids.map((_, i) => ({ i })));
    assert.equal(got[0].topic, full);
    await waitBacklog(pulsar(), full, sub, 0);
    figures.report(tally(ids, seqs(got).map((s) => ids[Number(s)])));
  });
});
