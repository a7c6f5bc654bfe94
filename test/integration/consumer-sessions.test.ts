/**
 * Integration on real Pulsar 4.2: pulsar-in with several sessions per topic. A Shared
 * subscription opened four times (Pulsar's stats show four consumers, every message arrives,
 * manual acks empty the backlog), Key_Shared with four sessions (each key in order), and
 * Exclusive on a 3-partition topic (one session per partition: msg.topic the base name,
 * msg.pulsar.partition from the id, manual acks by id reach each partition's cursor).
 */
import assert from "node:assert/strict";
import WebSocket from "ws";
import { tally, trackFigures } from "./support/figures";
import "./support/hooks";
import { endpointNode, inNode, outNode, TestFlow, usePulsarAndNodeRed, wiredBack, type InMsg } from "./support/flow";
import { createPartitionedTopic, topicAdminPath, topicStats, uniqueName, uniqueTopic, waitBacklog, waitConsumers } from "./support/pulsar-admin";

const NS = "persistent://public/default";

type PartitionedInMsg = InMsg & { pulsar: InMsg["pulsar"] & { partition: number } };

/** `payload` through a raw producer session; resolves to Pulsar's message id once acked. */
function publishOnce(url: string, payload: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.once("error", reject);
    ws.once("open", () => ws.send(JSON.stringify({ payload: Buffer.from(payload).toString("base64"), context: "1" })));
    ws.once("message", (data) => {
      const ack = JSON.parse(String(data)) as { result?: string; messageId?: string };
      ws.close();
      if (ack.result === "ok" && ack.messageId) resolve(ack.messageId);
      else reject(new Error(`not acked: ${String(data)}`));
    });
  });
}

describe("integration 4.2: several sessions per topic in pulsar-in", function () {
  this.timeout(90_000);
  const shared = usePulsarAndNodeRed("4.2");
  const figures = trackFigures("consumer-sessions", "4.2");

  it("Shared, 4 sessions: four consumers on the broker, every message once, manual acks from any session empty the backlog", async () => {
    const pulsar = shared();
    const topic = `${NS}/${uniqueTopic("shared4")}`;
    const sub = uniqueName("sub");
    const f = await TestFlow.deploy([
      endpointNode(pulsar),
      ...outNode("out", topic),
      ...inNode("in", topic, { subscription: sub, subscriptionType: "Shared", sessions: 4, ackMode: "manual", initialPosition: "Earliest" }),
    ], { watch: ["out", "in"] });
    await f.waitConnected(["out", "in"]);
    const stats = await waitConsumers(pulsar, topic, sub, 4);
    assert.equal(new Set(stats.consumers.map((c) => c.consumerName)).size, 4, "four distinct consumers");
    await f.waitStatus("in", /connected \(4 sessions\)/, 10_000);
    const n = 2000;
    const sent = await f.produceNumbered(n);
    const got = await f.waitReceived("in-out", n, 30_000);
    const t = tally(Array.from({ length: n }, (_, i) => `m${i}`), got.map((m) => String(m.payload)));
    figures.report(t);
    assert.equal(sent.length, n);
    assert.deepEqual(t.missing, []);
    assert.equal(t.duplicates, 0);
    const perConsumer = (await topicStats(pulsar, topic)).subscriptions[sub].consumers.map((c) => c.msgOutCounter ?? 0);
    console.log(`      messages out per consumer: ${perConsumer.join(", ")}`);
    assert.ok(perConsumer.filter((x) => x > 0).length >= 2, `spread over several sessions: ${perConsumer}`);
    const acks = got.map((m) => f.send("in", wiredBack(m)));
    const outcomes = await f.waitOutcomes(acks, 20_000);
    assert.ok(outcomes.every((o) => o.ok), "every ack ended in done()");
    await waitBacklog(pulsar, topic, sub, 0, { timeoutMs: 20_000 });
  });

  it("Key_Shared, 4 sessions: every key in order", async () => {
    const pulsar = shared();
    const topic = `${NS}/${uniqueTopic("ks4")}`;
    const sub = uniqueName("sub");
    const f = await TestFlow.deploy([
      endpointNode(pulsar),
      ...outNode("out", topic),
      ...inNode("in", topic, { subscription: sub, subscriptionType: "Key_Shared", sessions: 4, initialPosition: "Earliest" }),
    ], { watch: ["out"] });
    await f.waitConnected(["out", "in"]);
    await waitConsumers(pulsar, topic, sub, 4);
    const keys = Array.from({ length: 16 }, (_, i) => `key-${i}`);
    const n = 1600;
    await f.produceNumbered(n, 0, (i) => ({ key: keys[i % keys.length] }));
    const got = await f.waitReceived("in-out", n, 30_000);
    const order = new Map<string, number[]>();
    for (const m of got) order.set(m.key!, [...(order.get(m.key!) ?? []), Number(m.properties.seq)]);
    for (const [key, seqs] of order) assert.deepEqual(seqs, [...seqs].sort((x, y) => x - y), `${key} in order`);
    assert.equal(order.size, keys.length);
    figures.report(tally(Array.from({ length: n }, (_, i) => `m${i}`), got.map((m) => String(m.payload))));
    await waitBacklog(pulsar, topic, sub, 0, { timeoutMs: 20_000 });
  });

  it("Exclusive, 4 sessions on a 3-partition topic: one session per partition, the base name in msg.topic, acks by id per partition; a partition added later is consumed", async () => {
    const pulsar = shared();
    const topic = `${NS}/${uniqueTopic("part3")}`;
    const sub = uniqueName("sub");
    await createPartitionedTopic(pulsar, topic, 3);
    const f = await TestFlow.deploy([
      endpointNode(pulsar),
      ...outNode("out", topic),
      ...inNode("in", topic, { subscription: sub, subscriptionType: "Exclusive", sessions: 4, ackMode: "manual", initialPosition: "Earliest", patternDiscoverySeconds: 2 }),
    ], { watch: ["out", "in"] });
    await f.waitConnected(["out", "in"]);
    for (let k = 0; k < 3; k++) await waitConsumers(pulsar, `${topic}-partition-${k}`, sub, 1);
    await f.waitStatus("in", /connected \(3 sessions\)/, 10_000);
    const keys = Array.from({ length: 12 }, (_, i) => `key-${i}`);
    const n = 600;
    await f.produceNumbered(n, 0, (i) => ({ key: keys[i % keys.length] }));
    const got = (await f.waitReceived("in-out", n, 30_000)) as PartitionedInMsg[];
    assert.ok(got.every((m) => m.topic === topic), "msg.topic is the partitioned topic's own name");
    const partitions = new Set(got.map((m) => m.pulsar.partition));
    console.log(`      ${got.length} messages from partitions ${[...partitions].sort().join(",")}`);
    assert.ok(partitions.size >= 2 && [...partitions].every((p) => p >= 0 && p < 3), `partitions ${[...partitions]}`);
    const seqsByPartition = new Map<number, number[]>();
    for (const m of got) seqsByPartition.set(m.pulsar.partition, [...(seqsByPartition.get(m.pulsar.partition) ?? []), Number(m.properties.seq)]);
    for (const [p, seqs] of seqsByPartition) assert.deepEqual(seqs, [...seqs].sort((x, y) => x - y), `partition ${p} in order`);
    figures.report(tally(Array.from({ length: n }, (_, i) => `m${i}`), got.map((m) => String(m.payload))));
    const acks = got.map((m) => f.send("in", wiredBack(m)));
    assert.ok((await f.waitOutcomes(acks, 20_000)).every((o) => o.ok));
    await waitBacklog(pulsar, topic, sub, 0, { partitioned: true, timeoutMs: 20_000 });

    // A fourth partition added while the node runs: it gets a session of its own and is consumed.
    const grown = await pulsar.admin("POST", `${topicAdminPath(topic)}/partitions`, 4);
    assert.ok(grown.status === 204 || grown.status === 200, `update partitions: ${grown.status} ${grown.body}`);
    await waitConsumers(pulsar, `${topic}-partition-3`, sub, 1, { timeoutMs: 20_000 });
    await f.waitStatus("in", /connected \(4 sessions\)/, 10_000);
    // Straight to the new partition: a producer of the whole topic takes up to a minute to see it.
    const id = await publishOnce(`${pulsar.wsUrl}/ws/v2/producer/persistent/${topic.slice("persistent://".length)}-partition-3`, "on the 4th partition");
    const [late] = (await f.waitReceived("in-out", n + 1, 20_000)).slice(n) as PartitionedInMsg[];
    console.log(`      after the 4th partition was added: "${String(late.payload)}" from partition ${late.pulsar.partition}`);
    assert.equal(late.payload, "on the 4th partition");
    assert.equal(late.pulsar.partition, 3);
    assert.equal(late.topic, topic);
    assert.ok(id.length > 0);
  });
});
