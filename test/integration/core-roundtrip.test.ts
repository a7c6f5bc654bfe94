/**
 * Integration on Pulsar 4.2 (shared instance): payloads, properties and keys round-trip through
 * real Node-RED flows (pulsar-out → Pulsar → pulsar-in), on every kind of topic the nodes accept:
 * v2 persistent (short and tenant/namespace/topic names), non-persistent, a partitioned topic
 * with keys, and the clear refusal of a v1 URL (endpoint Cluster set) on 4.2.
 */
import assert from "node:assert/strict";
import { tally, trackFigures } from "./support/figures";
import "./support/hooks";
import { endpointNode, inNode, outNode, seqs, TestFlow, usePulsarAndNodeRed } from "./support/flow";
import { createPartitionedTopic, partitionedStats, topicStats, uniqueName, uniqueTopic, waitBacklog } from "./support/pulsar-admin";
import { sleep } from "../support/wait";

describe("integration 4.2: round trip and topic kinds", function () {
  this.timeout(60_000);
  const pulsar = usePulsarAndNodeRed("4.2");
  const figures = trackFigures("topics", "4.2");

  it("round-trips string, Buffer (all 256 byte values), JSON, empty and number payloads with properties and keys", async () => {
    const topic = uniqueTopic("payloads");
    const full = `persistent://public/default/${topic}`;
    const f = await TestFlow.deploy([
      endpointNode(pulsar()),
      ...outNode("out", topic),
      ...inNode("inAuto", topic, { subscription: "auto", initialPosition: "Earliest" }),
      ...inNode("inBytes", topic, { subscription: "bytes", initialPosition: "Earliest", payloadFormat: "buffer" }),
    ], { watch: ["out"] });

    const all256 = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const cases: { input: Record<string, unknown>; bytes: Buffer; auto: unknown; key?: string; properties: Record<string, string> }[] = [
      {
        input: { payload: "grüße, 世界 ✓ 😀", key: "k-string", properties: { seq: "0", unicode: "ä€😀", empty: "" } },
        bytes: Buffer.from("grüße, 世界 ✓ 😀", "utf8"),
        auto: "grüße, 世界 ✓ 😀",
        key: "k-string",
        properties: { seq: "0", unicode: "ä€😀", empty: "" },
      },
      {
        input: { payload: all256, key: "k-bytes", properties: { seq: "1", n: 5, flag: true, skipped: null } },
        bytes: all256,
        auto: all256, // not valid UTF-8: auto keeps the Buffer
        key: "k-bytes",
        properties: { seq: "1", n: "5", flag: "true" },
      },
      {
        input: { payload: { temp: 21.5, tags: ["a", "b"], nested: { ok: true } }, properties: { seq: "2" } },
        bytes: Buffer.from('{"temp":21.5,"tags":["a","b"],"nested":{"ok":true}}'),
        auto: { temp: 21.5, tags: ["a", "b"], nested: { ok: true } },
        properties: { seq: "2" },
      },
      { input: { payload: [1, "two", null], properties: { seq: "3" } }, bytes: Buffer.from('[1,"two",null]'), auto: [1, "two", null], properties: { seq: "3" } },
      { input: { payload: "", key: "k-empty", properties: { seq: "4" } }, bytes: Buffer.alloc(0), auto: "", key: "k-empty", properties: { seq: "4" } },
      { input: { payload: 42, key: 7, properties: { seq: "5" } }, bytes: Buffer.from("42"), auto: "42", key: "7", properties: { seq: "5" } },
    ];

    await f.waitConnected(["out", "inAuto", "inBytes"]);
    const ids = cases.map((c) => f.send("out", c.input));
    const outcomes = await f.waitOutcomes(ids, 20_000);
    assert.deepEqual(outcomes.map((o) => o.error?.message), cases.map(() => undefined), "every input completes with done()");
    const acked = f.received("out-acked");
    assert.equal(acked.length, cases.length);
    for (const m of acked) assert.equal(m.pulsar.topic, full);

    const auto = await f.waitReceived("inAuto-out", cases.length, 20_000);
    const bytes = await f.waitReceived("inBytes-out", cases.length, 20_000);
    assert.deepEqual(seqs(auto), ["0", "1", "2", "3", "4", "5"], "in publish order");
    assert.deepEqual(seqs(bytes), ["0", "1", "2", "3", "4", "5"]);
    cases.forEach((c, i) => {
      const a = auto[i];
      const b = bytes[i];
      assert.deepEqual(a.payload, c.auto, `auto payload of seq ${i}`);
      assert.ok(Buffer.isBuffer(b.payload), `buffer format gives a Buffer (seq ${i})`);
      assert.ok((b.payload as Buffer).equals(c.bytes), `exact bytes of seq ${i}`);
      assert.deepEqual(a.properties, c.properties, `properties of seq ${i}`);
      assert.equal(a.key, c.key, `msg.key of seq ${i}`);
      assert.equal(a.pulsar.key, c.key);
      assert.equal(a.topic, full);
      assert.equal(a.pulsar.topic, full);
      assert.equal(a.pulsar.subscription, "auto");
      assert.equal(a.pulsar.redeliveryCount, 0);
      assert.equal(a.pulsar.messageId, acked[i].pulsar.messageId, "consumer and producer see the same message id");
      assert.equal(b.pulsar.messageId, acked[i].pulsar.messageId);
      assert.ok(a.pulsar.publishTime && Math.abs(Date.parse(a.pulsar.publishTime) - Date.now()) < 120_000, `publishTime ${a.pulsar.publishTime}`);
    });

    await waitBacklog(pulsar(), full, "auto", 0);
    await waitBacklog(pulsar(), full, "bytes", 0);
    // Two subscriptions: each gets every message once; their figures add up.
    const perSub = [auto, bytes].map((msgs) => tally(ids, seqs(msgs).map((s) => ids[Number(s)])));
    figures.report({ sent: ids.length, received: perSub[0].received + perSub[1].received, duplicates: perSub[0].duplicates + perSub[1].duplicates, lost: perSub[0].lost + perSub[1].lost });
  });

  it("v2 persistent topic named tenant/namespace/topic and persistent://… on both nodes", async () => {
    const topic = uniqueTopic("v2");
    const full = `persistent://public/default/${topic}`;
    const sub = uniqueName("sub");
    const f = await TestFlow.deploy([
      endpointNode(pulsar()),
      ...outNode("out", `public/default/${topic}`),
      ...inNode("in", full, { subscription: sub }),
    ], { watch: ["out"] });
    await f.waitConnected(["out", "in"]);
    const ids = Array.from({ length: 20 }, (_, i) => f.send("out", { payload: `m${i}`, properties: { seq: String(i) } }));
    assert.ok((await f.waitOutcomes(ids, 20_000)).every((o) => o.ok));
    const got = await f.waitReceived("in-out", 20, 20_000);
    assert.deepEqual(got.map((m) => m.payload), ids.map((_, i) => `m${i}`));
    await waitBacklog(pulsar(), full, sub, 0);
    const stats = await topicStats(pulsar(), full);
    assert.equal(stats.msgInCounter, 20, "Pulsar stored exactly 20 messages");
    figures.report(tally(ids, seqs(got).map((s) => ids[Number(s)])));
  });

  it("non-persistent topic: a connected consumer gets every message", async () => {
    const topic = uniqueTopic("np");
    const full = `non-persistent://public/default/${topic}`;
    const sub = uniqueName("sub");
    const f = await TestFlow.deploy([endpointNode(pulsar()), ...outNode("out", full), ...inNode("in", full, { subscription: sub })], { watch: ["out"] });
    await f.waitConnected(["out", "in"]);
    const stats = await topicStats(pulsar(), full);
    assert.equal(stats.subscriptions[sub]?.consumers.length, 1, "the subscription exists on the non-persistent topic");
    const ids = Array.from({ length: 30 }, (_, i) => f.send("out", { payload: `np${i}`, properties: { seq: String(i) } }));
    const outcomes = await f.waitOutcomes(ids, 20_000);
    assert.ok(outcomes.every((o) => o.ok), JSON.stringify(outcomes.filter((o) => !o.ok).map((o) => o.error)));
    for (const m of f.received("out-acked")) assert.equal(m.pulsar.topic, full);
    const got = await f.waitReceived("in-out", 30, 20_000);
    assert.equal(got[0].topic, full);
    assert.deepEqual(got.map((m) => m.payload), ids.map((_, i) => `np${i}`));
    figures.report(tally(ids, seqs(got).map((s) => ids[Number(s)])));
  });

  it("partitioned topic (3 partitions) with keys: spread over partitions, every message once, per-key order kept", async () => {
    const topic = uniqueTopic("parts");
    const full = `persistent://public/default/${topic}`;
    await createPartitionedTopic(pulsar(), full, 3);
    const sub = uniqueName("sub");
    const f = await TestFlow.deploy([
      endpointNode(pulsar()),
      ...outNode("out", topic, { messageRoutingMode: "RoundRobinPartition" }),
      ...inNode("in", topic, { subscription: sub, initialPosition: "Earliest" }),
    ], { watch: ["out"] });
    await f.waitConnected(["out", "in"]);
    const keys = Array.from({ length: 8 }, (_, k) => `key-${k}`);
    const n = 80;
    const ids = Array.from({ length: n }, (_, i) => f.send("out", { payload: `p${i}`, key: keys[i % keys.length], properties: { seq: String(i) } }));
    const outcomes = await f.waitOutcomes(ids, 30_000);
    assert.ok(outcomes.every((o) => o.ok), JSON.stringify(outcomes.filter((o) => !o.ok).map((o) => o.error)));
    const got = await f.waitReceived("in-out", n, 30_000);
    await sleep(300);
    const counts = tally(ids, seqs(got).map((s) => ids[Number(s)]));
    assert.equal(counts.lost, 0);
    assert.equal(counts.duplicates, 0);
    for (const key of keys) {
      const order = got.filter((m) => m.key === key).map((m) => Number(m.properties.seq));
      assert.deepEqual(order, [...order].sort((a, b) => a - b), `order of ${key}`);
      assert.equal(order.length, n / keys.length);
    }
    const stats = await partitionedStats(pulsar(), full);
    const perPartition = Object.values(stats.partitions).map((p) => p.msgInCounter ?? 0);
    assert.equal(perPartition.length, 3);
    assert.equal(perPartition.reduce((a, b) => a + b, 0), n, `messages per partition ${perPartition}`);
    assert.ok(perPartition.filter((c) => c > 0).length >= 2, `keys spread over partitions: ${perPartition}`);
    await waitBacklog(pulsar(), full, sub, 0, { partitioned: true });
    figures.report(counts);
  });

  it("v1 URL (endpoint Cluster set) on 4.2: red 404 status that says to clear Cluster, log line with HTTP 404", async function () {
    if (pulsar().line !== "4.2") {
      // Only with an external Pulsar (PULSAR_WS_URL) of the other line; say so in the output.
      console.log(`      skipped: needs Pulsar 4.2, the external Pulsar is ${pulsar().line}`);
      this.skip();
    }
    const topic = uniqueTopic("v1on42");
    const f = await TestFlow.deploy([
      endpointNode(pulsar(), { cluster: "standalone" }),
      ...outNode("out", topic, { closeTimeout: 0.5 }),
      ...inNode("in", topic, { subscription: uniqueName("sub") }),
    ]);
    for (const id of ["out", "in"]) {
      const status = await f.waitStatus(id, /\(404\)/, 15_000);
      assert.equal(status.fill, "red");
      assert.equal(status.shape, "ring");
      assert.match(status.text ?? "", /v1.*clear Cluster/i, "the status names the cause and the fix");
    }
    await sleep(300);
    for (const id of ["out", "in"]) {
      const lines = f.logsOf(id);
      assert.ok(lines.some((l) => /HTTP 404/.test(l) && l.includes("/ws/")), `log of ${id}: ${lines.join(" | ")}`);
      console.log(`      ${id} logged: ${lines.find((l) => /404/.test(l))}`);
    }
    const res = await pulsar().admin("GET", `/admin/v2/persistent/public/default/${topic}/stats`);
    assert.equal(res.status, 404, "nothing was created on Pulsar");
    figures.report({ sent: 0, received: 0, duplicates: 0, lost: 0 });
  });
});
