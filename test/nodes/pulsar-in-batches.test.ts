/**
 * pulsar-in batches (batchSize > 1) against the fake Pulsar: size and timeout flushes, one batch
 * per topic, auto ack after emit, manual ack / nack of a batch msg and of single ids, pause,
 * close with a batch pending, readers, Catch for what cannot be decoded, and bad values.
 */
import assert from "node:assert/strict";
import type { Node, NodeMessage } from "node-red";
import type { FakePulsar } from "../fake/fake-pulsar";
import { allNodes, collect, doneWatchers, endpoint, flow, helper, inject, outcomes, sink, type FlowNode, useFakePulsar } from "./setup";
import { sleep, until } from "../support/wait";

interface MsgInfo { messageId: string; topic: string; key?: string; properties: Record<string, string>; redeliveryCount: number; publishTime?: string; subscription?: string }
type BatchMsg = NodeMessage & { payload: unknown[]; topic: string; pulsar: { topic: string; subscription?: string; messageIds: string[]; messages: MsgInfo[]; messageId?: string } };
type Spy = { args: unknown[][] };

describe("pulsar-in batches", function () {
  const currentFake = useFakePulsar();
  let fake: FakePulsar;
  beforeEach(() => {
    fake = currentFake();
  });

  function consumer(extra: Record<string, unknown> = {}): FlowNode {
    return { id: "in", type: "pulsar-in", endpoint: "ep", topic: "t1", mode: "subscription", subscription: "sub1", initialPosition: "Earliest", batchSize: 3, batchTimeoutMs: 60000, wires: [["out"]], ...extra };
  }

  async function load(extra: Record<string, unknown> = {}): Promise<{ node: Node; out: ReturnType<typeof collect>; caught: ReturnType<typeof collect> }> {
    await helper.load(allNodes, flow(endpoint(fake.wsUrl), consumer(extra), sink("out"), ...doneWatchers("in")));
    return { node: helper.getNode("in"), out: collect(helper.getNode("out")), caught: collect(helper.getNode("caught")) };
  }

  const connected = (role: "consumer" | "reader" = "consumer"): Promise<unknown> => until(() => fake.openConnections({ role }).length > 0, 3000, `a ${role} connection`);
  const backlog = (topic = "t1"): number | undefined => fake.subscriptionState(topic, "sub1")?.backlog;
  const payloads = (msgs: NodeMessage[]): unknown[] => msgs.flatMap((m) => (m as BatchMsg).payload);
  /** A msg as a flow would send it back (a fresh _msgid, so its outcome can be told apart). */
  const back = (m: NodeMessage, extra: Record<string, unknown> = {}): Record<string, unknown> => {
    const copy: Record<string, unknown> = { ...m, ...extra };
    delete copy._msgid;
    return copy;
  };

  it("emits batchSize messages as one msg: payload array, per-message metadata, topic; auto-acks them all after it went on", async () => {
    const { out } = await load();
    await connected();
    const stored = [0, 1, 2, 3].map((i) => fake.publish("t1", { payload: `{"n":${i}}`, key: `k${i}`, properties: { i: String(i) } }));
    const [batch] = (await out.waitFor(1)) as BatchMsg[];
    assert.deepEqual(batch.payload, [{ n: 0 }, { n: 1 }, { n: 2 }]);
    assert.equal(batch.topic, "persistent://public/default/t1");
    assert.equal(batch.pulsar.topic, batch.topic);
    assert.equal(batch.pulsar.subscription, "sub1");
    assert.equal(batch.pulsar.messageId, undefined, "a batch msg has no single id");
    assert.deepEqual(batch.pulsar.messageIds, stored.slice(0, 3).map((s) => s.messageId));
    assert.deepEqual(batch.pulsar.messages.map((m) => [m.messageId, m.key, m.properties.i, m.redeliveryCount, m.topic]), stored.slice(0, 3).map((s, i) => [s.messageId, `k${i}`, String(i), 0, batch.topic]));
    assert.ok(batch.pulsar.messages.every((m) => typeof m.publishTime === "string"));
    await until(() => backlog() === 1, 3000, "the three acked, the fourth waiting in a partial batch");
    await sleep(100);
    assert.equal(out.msgs.length, 1, "a partial batch waits for its timeout");
    assert.equal(fake.subscriptionState("t1", "sub1")?.unacked, 1);
  });

  it("emits what arrived within batchTimeoutMs of the batch's first message", async () => {
    const { out } = await load({ batchSize: 100, batchTimeoutMs: 200 });
    await connected();
    for (let i = 0; i < 5; i++) fake.publish("t1", { payload: `m${i}` });
    await until(() => payloads(out.msgs).length === 5, 3000, "all five emitted");
    assert.ok(out.msgs.every((m) => (m as BatchMsg).payload.length < 100), "flushed by the timeout, not the size");
    assert.deepEqual(payloads(out.msgs), ["m0", "m1", "m2", "m3", "m4"]);
    await until(() => backlog() === 0, 3000, "all acked");
  });

  it("keeps one batch per topic: a msg never mixes topics", async () => {
    const { out } = await load({ topic: "t1,t2", batchSize: 2 });
    await until(() => fake.openConnections({ role: "consumer" }).length === 2, 3000, "two sessions");
    fake.publish("t1", { payload: "a1" });
    fake.publish("t2", { payload: "b1" });
    fake.publish("t1", { payload: "a2" });
    fake.publish("t2", { payload: "b2" });
    const msgs = (await out.waitFor(2)) as BatchMsg[];
    const byTopic = Object.fromEntries(msgs.map((m) => [m.topic, m.payload]));
    assert.deepEqual(byTopic, { "persistent://public/default/t1": ["a1", "a2"], "persistent://public/default/t2": ["b1", "b2"] });
    for (const m of msgs) assert.ok(m.pulsar.messages.every((p) => p.topic === m.topic));
    await until(() => backlog("t1") === 0 && backlog("t2") === 0, 3000, "both acked");
  });

  it("manual ack: the batch msg sent back acks all its messages; msg.ack === false nacks all", async () => {
    const { node, out } = await load({ ackMode: "manual", batchSize: 2, negativeAckRedeliveryDelay: 50 });
    await connected();
    for (let i = 0; i < 4; i++) fake.publish("t1", { payload: `m${i}` });
    const [first, second] = (await out.waitFor(2)) as BatchMsg[];
    assert.equal(fake.subscriptionState("t1", "sub1")?.unacked, 4, "nothing acked by itself");
    const tracker = outcomes();
    const ackId = inject(node, back(first));
    const [acked] = await tracker.waitFor([ackId]);
    assert.ok(acked.ok, acked.error?.message);
    await until(() => backlog() === 2, 3000, "the first batch acked");
    const nackId = inject(node, back(second, { ack: false }));
    assert.ok((await tracker.waitFor([nackId]))[0].ok);
    const [again] = ((await out.waitFor(3)).slice(2)) as BatchMsg[];
    assert.deepEqual(again.payload, ["m2", "m3"]);
    assert.deepEqual(again.pulsar.messages.map((m) => m.redeliveryCount), [1, 1]);
    inject(node, back(again));
    await until(() => backlog() === 0, 3000, "backlog 0");
  });

  it("manual ack: a msg with one of the batch's ids acks (or nacks) that one only", async () => {
    const { node, out } = await load({ ackMode: "manual", batchSize: 3, batchTimeoutMs: 200, negativeAckRedeliveryDelay: 50 });
    await connected();
    for (let i = 0; i < 3; i++) fake.publish("t1", { payload: `m${i}` });
    const [batch] = (await out.waitFor(1)) as BatchMsg[];
    const tracker = outcomes();
    const one = inject(node, { topic: batch.topic, pulsar: batch.pulsar.messages[0] });
    assert.ok((await tracker.waitFor([one]))[0].ok);
    await until(() => backlog() === 2, 3000, "one acked");
    const nack = inject(node, { topic: batch.topic, pulsar: batch.pulsar.messages[2], ack: false });
    assert.ok((await tracker.waitFor([nack]))[0].ok);
    // m2 is redelivered alone: a partial batch, emitted at its timeout.
    const [redelivered] = ((await out.waitFor(2)).slice(1)) as BatchMsg[];
    assert.deepEqual(redelivered.payload, ["m2"]);
    assert.equal(redelivered.pulsar.messages[0].redeliveryCount, 1);
    const bad = [inject(node, { topic: batch.topic, pulsar: { messageIds: [] } }), inject(node, { topic: batch.topic, pulsar: { messageIds: ["x", 3] } })];
    for (const r of await tracker.waitFor(bad)) assert.match(r.error!.message, /messageIds/);
  });

  it("pause emits a partial batch at once (nothing sits unseen); resume goes on batching", async () => {
    const { node, out } = await load({ batchSize: 5 });
    await connected();
    fake.publish("t1", { payload: "a" });
    fake.publish("t1", { payload: "b" });
    await until(() => fake.subscriptionState("t1", "sub1")?.unacked === 2, 3000, "two delivered");
    await sleep(50);
    assert.equal(out.msgs.length, 0);
    node.receive({ action: "pause" } as NodeMessage);
    const [partial] = (await out.waitFor(1)) as BatchMsg[];
    assert.deepEqual(partial.payload, ["a", "b"]);
    await until(() => backlog() === 0, 3000, "acked after emit");
    node.receive({ action: "resume" } as NodeMessage);
    for (let i = 0; i < 5; i++) fake.publish("t1", { payload: `c${i}` });
    const [, full] = (await out.waitFor(2)) as BatchMsg[];
    assert.deepEqual(full.payload, ["c0", "c1", "c2", "c3", "c4"]);
  });

  it("close with a batch pending: nothing emitted after close, nothing acked (Pulsar redelivers), no timer fires", async () => {
    const { out } = await load({ batchSize: 10, batchTimeoutMs: 300 });
    await connected();
    fake.publish("t1", { payload: "a" });
    await until(() => fake.subscriptionState("t1", "sub1")?.unacked === 1, 3000, "delivered");
    const emitted = out.msgs.length;
    await helper.clearFlows();
    await sleep(500);
    assert.equal(out.msgs.length, emitted);
    assert.equal(emitted, 0);
    assert.equal(backlog(), 1, "not acked: redelivered to the next consumer");
  });

  it("reader mode: batches too, nothing to ack", async () => {
    for (let i = 0; i < 4; i++) fake.publish("t1", { payload: `m${i}` });
    const { out } = await load({ mode: "reader", subscription: "", startMessageId: "earliest", batchSize: 2 });
    const msgs = (await out.waitFor(2)) as BatchMsg[];
    assert.deepEqual(msgs.map((m) => m.payload), [["m0", "m1"], ["m2", "m3"]]);
    assert.equal(msgs[0].pulsar.subscription, undefined);
    assert.equal(msgs[0].pulsar.messageIds.length, 2);
  });

  it("a message that cannot be decoded goes to Catch alone, at once; the batch holds the others", async () => {
    const { out, caught } = await load({ payloadFormat: "json", batchSize: 2 });
    await connected();
    fake.publish("t1", { payload: "[1]" });
    fake.publish("t1", { payload: "not json" });
    fake.publish("t1", { payload: "[2]" });
    const [bad] = (await caught.waitFor(1)) as (NodeMessage & { payload: unknown; error: { message: string }; pulsar: { messageId: string } })[];
    assert.match(bad.error.message, /not valid JSON/);
    assert.equal(Buffer.from(bad.payload as string, "base64").toString(), "not json");
    assert.ok(bad.pulsar.messageId);
    const [batch] = (await out.waitFor(1)) as BatchMsg[];
    assert.deepEqual(batch.payload, [[1], [2]]);
    await until(() => backlog() === 0, 3000, "all three acked");
  });

  for (const size of [undefined, 1, "1", ""]) {
    it(`batchSize ${JSON.stringify(size)}: one msg per Pulsar message, as without batches`, async () => {
      const { out } = await load({ batchSize: size, batchTimeoutMs: undefined });
      await connected();
      fake.publish("t1", { payload: "a" });
      fake.publish("t1", { payload: "b" });
      const msgs = (await out.waitFor(2)) as (NodeMessage & { payload: unknown; pulsar: { messageId?: string; messageIds?: string[] } })[];
      assert.deepEqual(msgs.map((m) => m.payload), ["a", "b"]);
      assert.ok(msgs.every((m) => typeof m.pulsar.messageId === "string" && m.pulsar.messageIds === undefined));
    });
  }

  // The error names the field as the dialog labels it.
  const labels = { batchSize: "Batch size", batchTimeoutMs: "Batch timeout" };
  for (const [option, value] of [["batchSize", 0], ["batchSize", -1], ["batchSize", "x"], ["batchSize", 1e9], ["batchSize", 2.5], ["batchTimeoutMs", 0], ["batchTimeoutMs", -1], ["batchTimeoutMs", "soon"], ["batchTimeoutMs", 1e9]] as const) {
    it(`refuses ${option} = ${JSON.stringify(value)} at deploy, naming the field`, async () => {
      const { node } = await load({ [option]: value });
      const errors = node.error as unknown as Spy;
      await until(() => errors.args.length > 0, 2000, "a config error");
      assert.ok(String(errors.args[0][0]).startsWith(`${labels[option]} "${value}"`), String(errors.args[0][0]));
      await sleep(50);
      assert.equal(fake.handshakes().length, 0, "nothing connects");
    });
  }
});

describe("pulsar-in batches: windows, reconnects and manual acks", function () {
  const currentFake = useFakePulsar();
  let fake: FakePulsar;
  beforeEach(() => {
    fake = currentFake();
  });

  function consumer(extra: Record<string, unknown> = {}): FlowNode {
    return { id: "in", type: "pulsar-in", endpoint: "ep", topic: "t1", mode: "subscription", subscription: "sub1", initialPosition: "Earliest", batchSize: 5, batchTimeoutMs: 60000, wires: [["out"]], ...extra };
  }
  async function load(extra: Record<string, unknown> = {}): Promise<{ node: Node; out: ReturnType<typeof collect> }> {
    await helper.load(allNodes, flow(endpoint(fake.wsUrl), consumer(extra), sink("out"), ...doneWatchers("in")));
    return { node: helper.getNode("in"), out: collect(helper.getNode("out")) };
  }
  const connected = (): Promise<unknown> => until(() => fake.openConnections({ role: "consumer" }).length > 0, 3000, "a consumer connection");

  it("auto ack, pull mode, batchSize above pullWindow: batches of the window's size go out without waiting for the timeout", async () => {
    const { node, out } = await load({ pullMode: true, pullWindow: 3 });
    await connected();
    for (let i = 0; i < 6; i++) fake.publish("t1", { payload: `m${i}` });
    const batches = (await out.waitFor(2, 3000)) as BatchMsg[];
    assert.deepEqual(batches.map((b) => b.payload), [["m0", "m1", "m2"], ["m3", "m4", "m5"]]);
    const warned = (node.warn as unknown as Spy).args.map((a) => String(a[0])).filter((w) => /Batch size/.test(w));
    assert.equal(warned.length, 1, JSON.stringify(warned));
    assert.match(warned[0], /\b5\b.*\b3\b/);
  });

  it("auto ack, push mode, batchSize above receiverQueueSize: batches of the window's size go out without waiting for the timeout", async () => {
    const { node, out } = await load({ receiverQueueSize: 3 });
    await connected();
    for (let i = 0; i < 6; i++) fake.publish("t1", { payload: `m${i}` });
    const batches = (await out.waitFor(2, 3000)) as BatchMsg[];
    assert.deepEqual(batches.map((b) => b.payload), [["m0", "m1", "m2"], ["m3", "m4", "m5"]]);
    const warned = (node.warn as unknown as Spy).args.map((a) => String(a[0])).filter((w) => /Batch size/.test(w));
    assert.equal(warned.length, 1, JSON.stringify(warned));
  });

  it("a socket drop with a batch pending: the batch msg holds each message once", async () => {
    const { out } = await load({ batchTimeoutMs: 1500 });
    await connected();
    fake.publish("t1", { payload: "a" });
    fake.publish("t1", { payload: "b" });
    await until(() => fake.subscriptionState("t1", "sub1")?.unacked === 2, 3000, "two delivered");
    const before = fake.handshakes({ role: "consumer" }).length;
    fake.dropConnections({ role: "consumer" });
    await until(() => fake.handshakes({ role: "consumer" }).length > before && fake.openConnections({ role: "consumer" }).length > 0, 3000, "reconnected");
    const [batch] = (await out.waitFor(1, 4000)) as BatchMsg[];
    assert.equal(new Set(batch.pulsar.messageIds).size, batch.pulsar.messageIds.length, "no id twice in one batch");
  });

  it("manual ack: messageIds repeating one id 1000 times acks it once (Pulsar's push window stays receiverQueueSize)", async () => {
    const { node, out } = await load({ ackMode: "manual", batchSize: 2, batchTimeoutMs: 100, receiverQueueSize: 3 });
    await connected();
    fake.publish("t1", { payload: "a" });
    fake.publish("t1", { payload: "b" });
    const [batch] = (await out.waitFor(1)) as BatchMsg[];
    const tracker = outcomes();
    const id = inject(node, { topic: batch.topic, pulsar: { messageIds: Array.from({ length: 1000 }, () => batch.pulsar.messageIds[0]) } });
    const [r] = await tracker.waitFor([id]);
    assert.ok(r.ok, r.error?.message);
    for (let i = 0; i < 30; i++) fake.publish("t1", { payload: `x${i}` });
    await until(() => (fake.subscriptionState("t1", "sub1")?.unacked ?? 0) >= 3, 3000, "window refilled");
    await new Promise((r2) => setTimeout(r2, 300));
    const unacked = fake.subscriptionState("t1", "sub1")?.unacked;
    assert.ok((unacked ?? 0) <= 3, `the window is 3, ${unacked} unacked delivered`);
  });

  it("manual ack: more messageIds than any batch holds is refused, nothing sent", async function () {
    this.timeout(60000);
    const { node, out } = await load({ ackMode: "manual", batchSize: 2 });
    await connected();
    fake.publish("t1", { payload: "a" });
    fake.publish("t1", { payload: "b" });
    const [batch] = (await out.waitFor(1)) as BatchMsg[];
    const tracker = outcomes();
    const ids = Array.from({ length: 1_000_000 }, (_, i) => Buffer.from(`forged-${i}`).toString("base64"));
    const id = inject(node, { topic: batch.topic, pulsar: { messageIds: ids } });
    const [r] = await tracker.waitFor([id], 50000);
    assert.equal(r.ok, false, "refused: more ids than any batch can hold");
    assert.match(r.error?.message ?? "", /messageIds/);
    assert.equal(fake.subscriptionState("t1", "sub1")?.backlog, 2, "nothing acked");
  });

  it("reader: a socket drop with a batch pending loses nothing and emits nothing twice", async () => {
    const { out } = await load({ mode: "reader", subscription: "", startMessageId: "earliest", batchSize: 10, batchTimeoutMs: 1500 });
    await until(() => fake.openConnections({ role: "reader" }).length > 0, 3000, "reader");
    fake.publish("t1", { payload: "a" });
    fake.publish("t1", { payload: "b" });
    await new Promise((r) => setTimeout(r, 200));
    const before = fake.handshakes({ role: "reader" }).length;
    fake.dropConnections({ role: "reader" });
    await until(() => fake.handshakes({ role: "reader" }).length > before && fake.openConnections({ role: "reader" }).length > 0, 3000, "reconnected");
    fake.publish("t1", { payload: "c" });
    await until(() => out.msgs.flatMap((m) => (m as BatchMsg).payload).length >= 3, 5000, "three");
    await new Promise((r) => setTimeout(r, 1700));
    const all = out.msgs.flatMap((m) => (m as BatchMsg).payload);
    assert.deepEqual(all, ["a", "b", "c"]);
  });

  it("a batch msg split into parts (as Node-RED's split node does: each part a clone with msg.pulsar kept): acking one part acks only that part's message", async () => {
    const { node, out } = await load({ ackMode: "manual", batchSize: 3 });
    await connected();
    for (let i = 0; i < 3; i++) fake.publish("t1", { payload: `m${i}` });
    const [batch] = (await out.waitFor(1)) as BatchMsg[];
    const part0 = { ...JSON.parse(JSON.stringify(batch)), payload: batch.payload[0], parts: { id: "p", index: 0, count: 3, type: "array", len: 1 } } as Record<string, unknown>;
    delete part0._msgid;
    const tracker = outcomes();
    const id = inject(node, part0);
    await tracker.waitFor([id]);
    await new Promise((r) => setTimeout(r, 300));
    const backlog = fake.subscriptionState("t1", "sub1")?.backlog;
    assert.equal(backlog, 2, "parts 1 and 2 not processed yet: must stay unacked");
  });

  // Not with a session per partition: the fake writes ids without their partition index, so an id
  // from a dropped socket has no partition to route by (real Pulsar's have one).
  for (const [label, extra, partitions] of [["Shared, 3 sessions", { subscriptionType: "Shared", sessions: 3 }, 0]] as const) {
    it(`${label}: a batch mixing lanes, acked manually after every socket dropped, acks every message on the right cursor`, async () => {
      if (partitions) fake.setPartitions("t1", partitions);
      const { node, out } = await load({ ackMode: "manual", batchSize: 6, batchTimeoutMs: 500, ...extra });
      const topics = partitions ? ["t1-partition-0", "t1-partition-1"] : ["t1"];
      await until(() => fake.openConnections({ role: "consumer" }).length === (partitions || 3), 3000, "sessions");
      for (let i = 0; i < 6; i++) fake.publish(topics[i % topics.length], { payload: `m${i}` });
      const [batch] = (await out.waitFor(1)) as BatchMsg[];
      assert.equal(batch.payload.length, 6);
      // ids from an earlier socket: routed by partition / to any open lane
      const before = fake.handshakes({ role: "consumer" }).length;
      fake.dropConnections({ role: "consumer" });
      await until(() => fake.handshakes({ role: "consumer" }).length >= before + (partitions || 3) && fake.openConnections({ role: "consumer" }).length === (partitions || 3), 3000, "reconnected");
      const tracker = outcomes();
      const copy: Record<string, unknown> = { ...batch };
      delete copy._msgid;
      const id = inject(node, copy);
      const [r] = await tracker.waitFor([id]);
      assert.ok(r.ok, r.error?.message);
      await until(() => topics.every((t) => fake.subscriptionState(t, "sub1")?.backlog === 0), 3000, `backlogs ${topics.map((t) => fake.subscriptionState(t, "sub1")?.backlog).join(",")}`);
    });
  }
});
