/**
 * pulsar-in with several sessions per topic (`sessions`), on the fake Pulsar: a Shared or
 * Key_Shared subscription opened N times as one stream (one unacked count, manual acks to the
 * session the message came from, pull window split, pause over all), and the cases that get one
 * session with a warning (Exclusive on a non-partitioned topic, readers). Partitioned topics
 * (one session per partition) run against real Pulsar in test/integration/consumer-sessions.test.ts.
 */
import assert from "node:assert/strict";
import type { Node, NodeMessage } from "node-red";
import type { FakePulsar } from "../fake/fake-pulsar";
import { framesTo } from "../unit/session/fixture";
import { allNodes, collect, endpoint, flow, helper, sink, useFakePulsar, type FlowNode } from "./setup";
import { sleep, until } from "../support/wait";

type InMsg = NodeMessage & { payload: unknown; topic: string; key?: string; pulsar: { messageId: string } };
type Spy = { args: unknown[][] };

describe("pulsar-in node: several sessions per topic", function () {
  const currentFake = useFakePulsar();
  let fake: FakePulsar;
  beforeEach(() => {
    fake = currentFake();
  });

  function consumer(extra: Record<string, unknown>): FlowNode {
    return { id: "in", type: "pulsar-in", endpoint: "ep", topic: "t1", mode: "subscription", subscription: "sub1", initialPosition: "Earliest", wires: [["out"]], ...extra };
  }

  async function load(...nodes: FlowNode[]): Promise<{ node: Node; out: ReturnType<typeof collect> }> {
    await helper.load(allNodes, flow(endpoint(fake.wsUrl), ...nodes, sink("out")));
    return { node: helper.getNode("in"), out: collect(helper.getNode("out")) };
  }

  const consumers = (topic = "t1"): number => fake.openConnections({ role: "consumer", topic }).length;
  const statusTexts = (node: Node): string[] => (node.status as unknown as Spy).args.map((a) => (a[0] as { text?: string })?.text ?? "");
  const warnings = (node: Node): string[] => (node.warn as unknown as Spy).args.map((a) => String(a[0]));

  it("Shared, 3 sessions: three consumers on the subscription, one stream, one unacked count, every manual ack lands", async () => {
    const frames = framesTo(fake, "consumer");
    const { node, out } = await load(consumer({ subscriptionType: "Shared", sessions: 3, ackMode: "manual" }));
    await until(() => consumers() === 3, 3000, "three consumer sessions");
    assert.ok(fake.openConnections({ role: "consumer" }).every((c) => c.subscription === "sub1" && c.query.subscriptionType === "Shared"));
    await until(() => statusTexts(node).some((t) => t === "connected (3 sessions)"), 3000, "status names the sessions");
    for (let i = 0; i < 30; i++) fake.publish("t1", { payload: `m${i}` });
    const msgs = (await out.waitFor(30)) as InMsg[];
    assert.deepEqual(msgs.map((m) => m.payload).sort(), Array.from({ length: 30 }, (_, i) => `m${i}`).sort(), "each message once");
    assert.ok(msgs.every((m) => m.topic === "persistent://public/default/t1"));
    await until(() => statusTexts(node).some((t) => t.includes("30 unacked")), 3000, "one unacked count over the sessions");
    for (const m of msgs) node.receive(m);
    await until(() => fake.subscriptionState("t1", "sub1")?.backlog === 0, 3000, "every ack reached the session that delivered it");
    assert.equal(fake.subscriptionState("t1", "sub1")?.unacked, 0);
    const ackedOn = new Set(frames.filter((f) => f.frame.messageId !== undefined && f.frame.type === undefined).map((f) => f.connection));
    assert.ok(ackedOn.size >= 2, `the messages came over several sessions and were acked there (${ackedOn.size})`);
  });

  it("Key_Shared, 4 sessions: each key arrives in order", async () => {
    const { out } = await load(consumer({ subscriptionType: "Key_Shared", sessions: 4 }));
    await until(() => consumers() === 4, 3000, "four consumer sessions");
    const keys = ["a", "b", "c", "d", "e", "f"];
    for (let i = 0; i < 60; i++) fake.publish("t1", { payload: String(i), key: keys[i % keys.length] });
    const msgs = (await out.waitFor(60)) as InMsg[];
    for (const key of keys) {
      const seq = msgs.filter((m) => m.key === key).map((m) => Number(m.payload));
      assert.deepEqual(seq, [...seq].sort((x, y) => x - y), `key ${key} in order`);
      assert.equal(seq.length, 10);
    }
    await until(() => fake.subscriptionState("t1", "sub1")?.backlog === 0, 3000, "all auto-acked");
  });

  it("pull mode: the pull window is split over the sessions, and pause holds all of them", async () => {
    const permits = framesTo(fake, "consumer");
    const { node, out } = await load(consumer({ subscriptionType: "Shared", sessions: 3, pullMode: true, pullWindow: 10, ackMode: "manual" }));
    await until(() => consumers() === 3, 3000, "three consumer sessions");
    await until(() => new Set(permits.filter((f) => f.frame.type === "permit").map((f) => f.connection)).size === 3, 3000, "a window for each session");
    assert.deepEqual(permits.filter((f) => f.frame.type === "permit").map((f) => f.frame.permitMessages), [4, 4, 4], "ceil(10 / 3) each");
    node.receive({ action: "pause" } as NodeMessage);
    for (let i = 0; i < 20; i++) fake.publish("t1", { payload: `m${i}` });
    const first = await out.waitFor(12);
    for (const m of first) node.receive(m);
    await sleep(150);
    assert.equal(out.msgs.length, 12, "paused: no session asks for more");
    node.receive({ action: "resume" } as NodeMessage);
    const all = await out.waitFor(20);
    for (const m of all.slice(12)) node.receive(m);
    await until(() => fake.subscriptionState("t1", "sub1")?.backlog === 0, 3000, "all acked");
  });

  it("Exclusive on a topic that is not partitioned: one session, and a warning that says why", async () => {
    const { node } = await load(consumer({ subscriptionType: "Exclusive", sessions: 4 }));
    await until(() => consumers() === 1, 3000, "one consumer session");
    await until(() => warnings(node).some((w) => /not partitioned/.test(w) && w.includes("persistent://public/default/t1")), 3000, "the warning");
    await sleep(100);
    assert.equal(consumers(), 1);
  });

  it("Exclusive, one session per partition: a partition added later gets a session of its own and is consumed", async () => {
    fake.setPartitions("t1", 2);
    const { node, out } = await load(consumer({ subscriptionType: "Exclusive", sessions: 4, patternDiscoverySeconds: 1 }));
    await until(() => consumers("t1-partition-0") === 1 && consumers("t1-partition-1") === 1, 3000, "a session per partition");
    fake.publish("t1-partition-1", { payload: "on p1" });
    await out.waitFor(1);
    fake.setPartitions("t1", 3);
    await until(() => consumers("t1-partition-2") === 1, 5000, "a session for the added partition");
    assert.equal(consumers("t1-partition-0"), 1, "the others carry on");
    fake.publish("t1-partition-2", { payload: "on p2" });
    const msgs = (await out.waitFor(2)) as InMsg[];
    assert.deepEqual(msgs.map((m) => [m.payload, m.topic]), [["on p1", "persistent://public/default/t1"], ["on p2", "persistent://public/default/t1"]]);
    await until(() => statusTexts(node).at(-1) === "connected (3 sessions)", 3000, `status: ${statusTexts(node).at(-1)}`);
  });

  it("a reader reads through one session, with a warning", async () => {
    const { node } = await load({ id: "in", type: "pulsar-in", endpoint: "ep", topic: "t1", mode: "reader", startMessageId: "earliest", sessions: 3, wires: [["out"]] });
    await until(() => fake.openConnections({ role: "reader" }).length === 1, 3000, "one reader");
    assert.ok(warnings(node).some((w) => /reader/.test(w)));
    await sleep(100);
    assert.equal(fake.openConnections({ role: "reader" }).length, 1);
  });

  for (const bad of [0, 17, "two"]) {
    it(`refuses sessions = ${JSON.stringify(bad)} at deploy, naming the field as the dialog does`, async () => {
      const { node } = await load(consumer({ subscriptionType: "Shared", sessions: bad }));
      const errors = node.error as unknown as Spy;
      await until(() => errors.args.length > 0, 2000, "a config error");
      assert.match(String(errors.args[0][0]), /^Sessions "/);
      await sleep(100);
      assert.equal(consumers(), 0);
    });
  }
});
