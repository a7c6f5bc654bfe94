/**
 * Integration on Pulsar 4.2 (shared instance): pulsar-out's `splitArrays`. An array msg.payload is
 * published as one Pulsar message per element; a pulsar-in reads them back, so the proof of order,
 * key and properties rests on what Pulsar stored, not on what the producing node says. Also with
 * one session per partition, where a key puts every element on its partition, in order.
 */
import assert from "node:assert/strict";
import { partitionForKey } from "../../nodes/lib/protocol/partition-routing";
import { tally, trackFigures } from "./support/figures";
import "./support/hooks";
import { endpointNode, inNode, outNode, TestFlow, usePulsarAndNodeRed, type InMsg } from "./support/flow";
import { createPartitionedTopic, uniqueName, uniqueTopic } from "./support/pulsar-admin";

const NS = "persistent://public/default";
const N = 500;

type PartitionedInMsg = InMsg & { key?: string; properties?: Record<string, string>; pulsar: InMsg["pulsar"] & { partition?: number } };
type ArrayAck = { payload: unknown; pulsar: { messageIds: (string | null)[]; topic: string } };

describe("integration 4.2: pulsar-out with splitArrays", function () {
  this.timeout(120_000);
  const shared = usePulsarAndNodeRed("4.2");
  const figures = trackFigures("arrays-out", "4.2");

  it(`an array of ${N} is ${N} messages, read back in order with the msg's key and properties on each; ids in element order`, async () => {
    const pulsar = shared();
    const topic = `${NS}/${uniqueTopic("arrays")}`;
    const f = await TestFlow.deploy([
      endpointNode(pulsar),
      ...outNode("bulk", topic, { splitArrays: true }),
      ...inNode("sub", topic, { subscription: uniqueName("sub"), initialPosition: "Earliest" }),
    ], { watch: ["bulk"] });
    await f.waitConnected(["bulk", "sub"]);
    const elements = Array.from({ length: N }, (_, i) => (i % 2 === 0 ? `e${i}` : { i }));
    const [outcome] = await f.waitOutcomes([f.send("bulk", { payload: elements, key: "plc-7", properties: { site: "north", batch: 1 } })], 30_000);
    assert.ok(outcome.ok, outcome.error?.message);

    const got = (await f.waitReceived("sub-out", N, 30_000)) as PartitionedInMsg[];
    const expected = elements.map((e) => (typeof e === "string" ? e : JSON.stringify(e)));
    const read = got.map((m) => (typeof m.payload === "string" ? m.payload : JSON.stringify(m.payload)));
    assert.deepEqual(read, expected, "in element order");
    for (const m of got) {
      assert.equal(m.key, "plc-7");
      assert.deepEqual(m.properties, { site: "north", batch: "1" });
    }
    const [acked] = f.received("bulk-acked") as unknown as ArrayAck[];
    assert.equal(f.received("bulk-acked").length, 1, "the msg goes on once");
    assert.deepEqual(acked.pulsar.messageIds, got.map((m) => m.pulsar.messageId), "msg.pulsar.messageIds are the ids consumers see, in element order");
    figures.report(tally(expected, read));
  });

  it("with one session per partition a keyed array lands on the key's partition, in order; an unkeyed one round robin", async () => {
    const pulsar = shared();
    const topic = `${NS}/${uniqueTopic("arrays-parts")}`;
    await createPartitionedTopic(pulsar, topic, 4);
    const f = await TestFlow.deploy([
      endpointNode(pulsar),
      ...outNode("bulk", topic, { splitArrays: true, sessionPerPartition: true }),
      ...inNode("sub", topic, { subscription: uniqueName("sub"), initialPosition: "Earliest" }),
    ], { watch: ["bulk"] });
    await f.waitConnected(["bulk", "sub"]);
    const keyed = Array.from({ length: 100 }, (_, i) => `k${i}`);
    const unkeyed = Array.from({ length: 8 }, (_, i) => `rr${i}`);
    const outcomes = await f.waitOutcomes([f.send("bulk", { payload: keyed, key: "device-3" }), f.send("bulk", { payload: unkeyed })], 30_000);
    assert.ok(outcomes.every((o) => o.ok), JSON.stringify(outcomes.map((o) => o.error?.message)));
    const got = (await f.waitReceived("sub-out", keyed.length + unkeyed.length, 30_000)) as PartitionedInMsg[];
    const partition = partitionForKey("device-3", 4, "JavaStringHash");
    const keyedGot = got.filter((m) => String(m.payload).startsWith("k"));
    assert.ok(keyedGot.every((m) => m.pulsar.partition === partition), `every keyed element on partition ${partition}`);
    assert.deepEqual(keyedGot.map((m) => m.payload), keyed, "in element order");
    const spread = [0, 1, 2, 3].map((k) => got.filter((m) => String(m.payload).startsWith("rr") && m.pulsar.partition === k).length);
    assert.deepEqual(spread, [2, 2, 2, 2], "round robin without a key");
    figures.report(tally([...keyed, ...unkeyed], got.map((m) => String(m.payload))));
  });
});
