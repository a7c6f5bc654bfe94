/**
 * pulsar-in's pattern discovery where it meets failures and control messages: a lookup that
 * fails for one discovered topic, names the topic parser refuses or a list would split, and
 * control messages that race a discovery run. Nothing here may reject unhandled (the test
 * process fails on it, as Node-RED would exit), and what a control message reported done stays
 * done.
 */
import assert from "node:assert/strict";
import type { Node, NodeMessage } from "node-red";
import type { FakePulsar } from "../fake/fake-pulsar";
import { allNodes, collect, doneWatchers, endpoint, flow, helper, inject, outcomes, sink, type OutcomeTracker, useFakePulsar } from "./setup";
import { sleep, until } from "../support/wait";

type InMsg = NodeMessage & { payload: unknown; topic: string; pulsar: { messageId: string } };
type Spy = { args: unknown[][] };
const NS = "persistent://public/default";

describe("pulsar-in node: pattern discovery against failures and control messages", function () {
  this.timeout(20000);
  const currentFake = useFakePulsar();
  let fake: FakePulsar;
  beforeEach(() => {
    fake = currentFake();
  });

  async function load(node: Record<string, unknown>): Promise<{ node: Node; out: ReturnType<typeof collect>; tracker: OutcomeTracker }> {
    await helper.load(allNodes, flow(endpoint(fake.wsUrl), { id: "in", type: "pulsar-in", endpoint: "ep", wires: [["out"]], ...node }, sink("out"), ...doneWatchers("in")));
    return { node: helper.getNode("in"), out: collect(helper.getNode("out")), tracker: outcomes() };
  }

  const warnings = (node: Node): string[] => (node.warn as unknown as Spy).args.map((a) => String(a[0]));
  const consumers = (topic: string, role: "consumer" | "reader" = "consumer"): number => fake.openConnections({ role, topic }).length;

  async function control(node: Node, tracker: OutcomeTracker, msg: Record<string, unknown>): Promise<{ ok: boolean; error?: string }> {
    const [o] = await tracker.waitFor([inject(node, msg)], 10000);
    return { ok: o.ok, error: o.error?.message };
  }

  it("a reader starting at a time over a pattern: a partitioned topic gets a reader per partition, each from its own start", async () => {
    fake.setPartitions("sensor-p", 2);
    for (const t of ["sensor-a", "sensor-p-partition-0", "sensor-p-partition-1"]) fake.publish(t, { payload: `old ${t}` });
    await sleep(20);
    const start = new Date().toISOString();
    await sleep(20);
    for (const t of ["sensor-a", "sensor-p-partition-0", "sensor-p-partition-1"]) fake.publish(t, { payload: `new ${t}` });
    const { out } = await load({ mode: "reader", topic: "", topicPattern: "sensor-.*", startMessageId: start, patternDiscoverySeconds: 1 });
    const msgs = (await out.waitFor(3)) as InMsg[];
    assert.deepEqual(msgs.map((m) => String(m.payload)).sort(), ["new sensor-a", "new sensor-p-partition-0", "new sensor-p-partition-1"]);
    assert.deepEqual(msgs.map((m) => m.topic).sort(), [`${NS}/sensor-a`, `${NS}/sensor-p`, `${NS}/sensor-p`], "a partition's messages under the topic's name");
    assert.equal(consumers("sensor-p-partition-0", "reader") + consumers("sensor-p-partition-1", "reader"), 2);
  });

  it("a failed start lookup for a discovered topic warns naming the topic and the reason, and is tried again the next period", async () => {
    fake.createTopic("sensor-a");
    fake.refuseMessageIdLookups({ status: 500, reason: "metadata store unavailable" });
    const { node, out } = await load({ mode: "reader", topic: "", topicPattern: "sensor-.*", startMessageId: "2020-01-01T00:00:00Z", patternDiscoverySeconds: 1 });
    await until(() => warnings(node).find((w) => w.includes(`${NS}/sensor-a`) && /metadata store unavailable/.test(w)), 4000, "the warning");
    assert.equal(consumers("sensor-a", "reader"), 0);
    fake.refuseMessageIdLookups(undefined);
    await until(() => consumers("sensor-a", "reader") === 1, 4000, "sensor-a read after the next discovery");
    fake.publish("sensor-a", { payload: "x" });
    await out.waitFor(1);
  });

  it("discovered names are taken one by one: a comma is part of the name; a name the parser refuses is skipped with a warning", async () => {
    fake.createTopic("orders,eu");
    fake.createTopic("bad\u0007name");
    fake.createTopic("plain");
    const { node, tracker } = await load({ topic: "", topicPattern: ".*", subscription: "s", patternDiscoverySeconds: 1 });
    await until(() => consumers("orders,eu") === 1 && consumers("plain") === 1, 4000, "orders,eu and plain consumed");
    await until(() => warnings(node).some((w) => w.includes("bad") && /control characters/.test(w)), 3000, "a warning for the refused name");
    assert.equal(consumers("orders"), 0);
    assert.equal(consumers("eu"), 0);
    const names = new Set(fake.handshakes({ role: "consumer" }).map((h) => h.topic));
    await sleep(1300); // another discovery period: nothing churns
    assert.equal(fake.handshakes({ role: "consumer" }).length, names.size, "no session opened again");
    assert.ok((await control(node, tracker, { action: "getSubscriptions" })).ok);
  });

  it("unsubscribe (all) while a discovery run is adding a topic: once done(), nothing subscribes again", async () => {
    fake.createTopic("sensor-a");
    const { node, tracker } = await load({ topic: "", topicPattern: "sensor-.*", subscription: "s", subscriptionType: "Exclusive", sessions: 2, patternDiscoverySeconds: 1 });
    await until(() => consumers("sensor-a") === 1, 4000, "sensor-a consumed");
    fake.holdPartitionLookups();
    fake.createTopic("sensor-b");
    // The next run finds sensor-b and waits for its partition lookup.
    await until(() => fake.partitionLookupTopics.includes(`${NS}/sensor-b`), 4000, "discovery looking sensor-b up");
    // The unsubscribe waits for the discovery run in progress, then undoes what it added.
    const result = control(node, tracker, { action: "unsubscribe" });
    await sleep(100);
    fake.releasePartitionLookups();
    const outcome = await result;
    assert.ok(outcome.ok, outcome.error);
    await sleep(300);
    assert.equal(consumers("sensor-a") + consumers("sensor-b"), 0, "no session after the unsubscribe");
    await sleep(1200); // the next period: discovery stays off until connect
    assert.equal(consumers("sensor-a") + consumers("sensor-b"), 0, "not subscribed again by discovery");
  });

  it("seek by message id over several topics needs msg.topic naming one of them", async () => {
    const { node, out, tracker } = await load({ topic: "t1,t2", subscription: "s", initialPosition: "Earliest", ackMode: "manual" });
    await until(() => consumers("t1") === 1 && consumers("t2") === 1, 3000, "two sessions");
    fake.publish("t1", { payload: "a" });
    const [m] = (await out.waitFor(1)) as InMsg[];
    const ambiguous = await control(node, tracker, { action: "seek", position: m.pulsar.messageId });
    assert.ok(!ambiguous.ok);
    assert.match(ambiguous.error!, /msg\.topic/);
    const named = await control(node, tracker, { action: "seek", position: m.pulsar.messageId, topic: "t1" });
    assert.ok(named.ok, named.error);
  });
});
