/**
 * pulsar-in with several topics and control messages, against the fake (WebSocket sessions plus
 * the admin REST calls pulsar-in makes). Every control message must end in done() or done(err).
 */
import assert from "node:assert/strict";
import type { Node, NodeMessage } from "node-red";
import type { FakePulsar } from "../fake/fake-pulsar";
import { allNodes, collect, doneWatchers, endpoint, flow, helper, inject, outcomes, sink, type FlowNode, type OutcomeTracker, useFakePulsar } from "./setup";
import { sleep, until } from "../support/wait";

type InMsg = NodeMessage & { payload: unknown; topic: string; properties: Record<string, string>; pulsar: { messageId: string; topic: string; partition: number } };
type StatusSpy = { args: { fill?: string; shape?: string; text?: string }[][] };
const NS = "persistent://public/default";

describe("pulsar-in node: several topics and control messages", function () {
  this.timeout(20000);
  const currentFake = useFakePulsar();
  let fake: FakePulsar;
  beforeEach(() => {
    fake = currentFake();
  });

  function consumer(extra: Record<string, unknown> = {}): FlowNode {
    return { id: "in", type: "pulsar-in", endpoint: "ep", topic: "t1", mode: "subscription", subscription: "sub1", initialPosition: "Earliest", wires: [["out"]], ...extra };
  }

  async function load(nodes: FlowNode[]): Promise<{ node: Node; out: ReturnType<typeof collect>; tracker: OutcomeTracker }> {
    await helper.load(allNodes, flow(...nodes, sink("out"), ...doneWatchers("in")));
    return { node: helper.getNode("in"), out: collect(helper.getNode("out")), tracker: outcomes() };
  }

  const statusTexts = (node: Node): string[] => (node.status as unknown as StatusSpy).args.map((a) => a[0]?.text ?? "");
  const consumers = (topic: string): number => fake.openConnections({ role: "consumer", topic }).length;

  async function control(node: Node, tracker: OutcomeTracker, msg: Record<string, unknown>): Promise<{ ok: boolean; error?: string }> {
    const [o] = await tracker.waitFor([inject(node, msg)], 10000);
    return { ok: o.ok, error: o.error?.message };
  }

  it("a topic list: one session per topic, msg.topic per message, manual acks to the topic's session, one unacked count", async () => {
    const { node, out } = await load([endpoint(fake.wsUrl), consumer({ topic: " t1 ,\n t2\n", ackMode: "manual" })]);
    await until(() => consumers("t1") === 1 && consumers("t2") === 1, 3000, "two sessions");
    fake.publish("t1", { payload: "a" });
    fake.publish("t2", { payload: "b" });
    const msgs = (await out.waitFor(2)) as InMsg[];
    assert.deepEqual(msgs.map((m) => m.topic).sort(), [`${NS}/t1`, `${NS}/t2`]);
    assert.ok(msgs.every((m) => m.pulsar.partition === -1));
    await until(() => statusTexts(node).some((t) => t === "2 unacked"), 3000, "one count over both topics");
    for (const m of msgs) node.receive(m);
    await until(() => fake.subscriptionState("t1", "sub1")?.backlog === 0 && fake.subscriptionState("t2", "sub1")?.backlog === 0, 3000, "both acked");
    await until(() => statusTexts(node).at(-1) === "connected (2 topics)", 3000, "connected (2 topics)");
  });

  it("subscribe during a reconnect: done() once the new session is open; the reconnecting one comes back", async () => {
    const { node, out, tracker } = await load([endpoint(fake.wsUrl), consumer()]);
    await until(() => consumers("t1") === 1, 3000, "t1 open");
    fake.refuseNext(503, "broker starting", 3, { topic: "t1" });
    fake.dropConnections({ topic: "t1" });
    await until(() => consumers("t1") === 0, 3000, "t1 down");
    const result = await control(node, tracker, { action: "subscribe", topic: "t2" });
    assert.ok(result.ok, result.error);
    assert.equal(consumers("t2"), 1);
    await until(() => consumers("t1") === 1, 5000, "t1 back");
    fake.publish("t1", { payload: "a" });
    fake.publish("t2", { payload: "b" });
    const msgs = (await out.waitFor(2)) as InMsg[];
    assert.deepEqual(msgs.map((m) => m.topic).sort(), [`${NS}/t1`, `${NS}/t2`]);
    const list = await control(node, tracker, { action: "getSubscriptions" });
    assert.ok(list.ok);
    assert.deepEqual((out.msgs.at(-1) as InMsg).payload, [`${NS}/t1`, `${NS}/t2`]);
  });

  it("subscribe refused by Pulsar ends in done(err) with the status, and the topic is dropped again", async () => {
    const { node, tracker } = await load([endpoint(fake.wsUrl), consumer()]);
    await until(() => consumers("t1") === 1, 3000, "t1 open");
    fake.refuseNext(403, "not authorized", 1, { topic: "t9" });
    const result = await control(node, tracker, { action: "subscribe", topic: ["t9"] });
    assert.ok(!result.ok);
    assert.match(result.error!, /HTTP 403/);
    const list = await control(node, tracker, { action: "getSubscriptions" });
    assert.ok(list.ok);
    const missing = await control(node, tracker, { action: "subscribe" });
    assert.match(missing.error!, /needs msg\.topic/);
  });

  it("unsubscribe with messages unacked: the session goes, the subscription keeps them, an ack for them says why it cannot go", async () => {
    const { node, out, tracker } = await load([endpoint(fake.wsUrl), consumer({ topic: "t1,t2", ackMode: "manual" })]);
    await until(() => consumers("t1") === 1 && consumers("t2") === 1, 3000, "two sessions");
    for (let i = 0; i < 3; i++) fake.publish("t1", { payload: `m${i}` });
    const msgs = (await out.waitFor(3)) as InMsg[];
    await until(() => statusTexts(node).some((t) => t === "3 unacked"), 3000, "3 unacked");
    const result = await control(node, tracker, { action: "unsubscribe", topic: "t1" });
    assert.ok(result.ok, result.error);
    assert.equal(consumers("t1"), 0);
    assert.deepEqual(fake.subscriptionState("t1", "sub1"), { type: "Exclusive", backlog: 3, unacked: 0, consumers: 0 });
    await until(() => statusTexts(node).at(-1) === "connected", 3000, "unacked count gone with the session");
    const wiredBack: Record<string, unknown> = { ...msgs[0] };
    delete wiredBack._msgid;
    const late = await control(node, tracker, wiredBack);
    assert.ok(!late.ok);
    assert.match(late.error!, /No session consumes persistent:\/\/public\/default\/t1/);
    // Subscribed again, Pulsar redelivers the three.
    assert.ok((await control(node, tracker, { action: "subscribe", topic: "t1" })).ok);
    const again = (await out.waitFor(6)).slice(3) as InMsg[];
    assert.deepEqual(again.map((m) => m.payload), ["m0", "m1", "m2"]);
    const all = await control(node, tracker, { action: "unsubscribe" });
    assert.ok(all.ok);
    assert.equal(consumers("t1") + consumers("t2"), 0);
    await until(() => statusTexts(node).at(-1) === "no topics: waiting for subscribe", 3000, "no topics");
  });

  it("seek in pull mode: the sessions close, the cursor moves, the new session gets a fresh window from the position", async () => {
    const { node, out, tracker } = await load([endpoint(fake.wsUrl), consumer({ pullMode: true, pullWindow: 2, ackMode: "manual" })]);
    for (let i = 0; i < 3; i++) fake.publish("t1", { payload: `m${i}` });
    await sleep(30);
    const cut = Date.now();
    await sleep(5);
    for (let i = 3; i < 5; i++) fake.publish("t1", { payload: `m${i}` });
    const first = (await out.waitFor(2)) as InMsg[];
    await sleep(100);
    assert.equal(out.msgs.length, 2, "the pull window");
    for (const m of first) node.receive(m);
    await out.waitFor(4);
    const before = fake.handshakes({ role: "consumer" }).length;
    const result = await control(node, tracker, { action: "seek", position: "earliest" });
    assert.ok(result.ok, result.error);
    assert.equal(fake.handshakes({ role: "consumer" }).length, before + 1, "a new session after the seek");
    const replay = (await out.waitFor(6)).slice(4) as InMsg[];
    assert.deepEqual(replay.map((m) => m.payload), ["m0", "m1"], "from the start again, two at a time");
    await sleep(100);
    assert.equal(out.msgs.length, 6);
    // A time (epoch ms as a numeric string): the first message published at or after it comes next.
    assert.ok((await control(node, tracker, { action: "seek", position: String(cut) })).ok);
    const fromTime = (await out.waitFor(8)).slice(6) as InMsg[];
    assert.deepEqual(fromTime.map((m) => m.payload), ["m3", "m4"]);
    const bad = await control(node, tracker, { action: "seek", position: { when: "soon" } });
    assert.match(bad.error!, /msg\.position/);
    const none = await control(node, tracker, { action: "seek", position: "latest", topic: "t7" });
    assert.match(none.error!, /none of the topics/);
  });

  it("deleteSubscription: stops consuming and deletes the subscription; a missing one ends in done(err) with 404", async () => {
    const { node, tracker } = await load([endpoint(fake.wsUrl), consumer({ topic: "t1" })]);
    await until(() => consumers("t1") === 1, 3000, "t1 open");
    const result = await control(node, tracker, { action: "deleteSubscription" });
    assert.ok(result.ok, result.error);
    assert.equal(consumers("t1"), 0);
    assert.equal(fake.subscriptionState("t1", "sub1"), undefined, "gone on the broker");
    const missing = await control(node, tracker, { action: "deleteSubscription", topic: "t1" });
    assert.ok(!missing.ok);
    assert.match(missing.error!, /HTTP 404/);
  });

  it("disconnect / connect keep the topic list; the cap refuses subscribe beyond maxTopics", async () => {
    const { node, tracker } = await load([endpoint(fake.wsUrl), consumer({ topic: "t1,t2", maxTopics: 2 })]);
    await until(() => consumers("t1") === 1 && consumers("t2") === 1, 3000, "two sessions");
    assert.ok((await control(node, tracker, { action: "disconnect" })).ok);
    assert.equal(consumers("t1") + consumers("t2"), 0);
    await until(() => statusTexts(node).at(-1) === "disconnected (msg.action)", 3000, "stopped status");
    assert.ok((await control(node, tracker, { action: "connect" })).ok);
    assert.equal(consumers("t1") + consumers("t2"), 2);
    const capped = await control(node, tracker, { action: "subscribe", topic: "t3" });
    assert.ok(!capped.ok);
    assert.match(capped.error!, /at most 2/);
    assert.equal(consumers("t3"), 0);
  });

  it("a pattern: only matching topics, discovery picks up topics created later, a subscribed topic outside the pattern stays", async () => {
    fake.createTopic("sensor-a");
    fake.createTopic("other");
    const { node, tracker } = await load([endpoint(fake.wsUrl), consumer({ topic: "", topicPattern: "sensor-.*", patternDiscoverySeconds: 1 })]);
    await until(() => consumers("sensor-a") === 1, 3000, "sensor-a consumed");
    assert.equal(consumers("other"), 0);
    fake.createTopic("sensor-b");
    await until(() => consumers("sensor-b") === 1, 4000, "sensor-b found by the next discovery");
    await until(() => statusTexts(node).at(-1) === "connected (2 topics)", 3000, "2 topics");
    // A topic subscribed by the flow stays, though the pattern does not match it.
    assert.ok((await control(node, tracker, { action: "subscribe", topic: "other" })).ok);
    await sleep(1500);
    assert.equal(consumers("other"), 1, "not dropped by the next discovery");
  });

  it("a topicPattern that is not a regular expression is a configuration error", async () => {
    const { node } = await load([endpoint(fake.wsUrl), consumer({ topicPattern: "sensor-(" })]);
    await until(() => statusTexts(node).includes("configuration error"), 3000, "config error");
  });
});
