/**
 * Integration on Pulsar 4.2 (shared instance): pulsar-out's "One session per partition" puts each
 * key on the partition Pulsar's own routing gives it. The same keys go to one 4-partition topic
 * once through one session on the base topic (Pulsar's WebSocket producer routes) and once with
 * `sessionPerPartition` (the node routes), with both hashing schemes; a pulsar-in reads the
 * partition of every message from its message id, so the proof does not rest on what the
 * producing node says. The keys include ones whose Java hashCode is negative (where masking the
 * sign bit and taking an absolute value disagree) and non-ASCII ones (UTF-16 units for
 * JavaStringHash, UTF-8 bytes for Murmur3).
 */
import assert from "node:assert/strict";
import { partitionOf as idPartition } from "../../nodes/lib/protocol/message-id";
import { partitionForKey, type HashingScheme } from "../../nodes/lib/protocol/partition-routing";
import { tally, trackFigures } from "./support/figures";
import "./support/hooks";
import { endpointNode, inNode, outNode, TestFlow, usePulsarAndNodeRed, type AckedMsg, type InMsg } from "./support/flow";
import { createPartitionedTopic, uniqueName, uniqueTopic } from "./support/pulsar-admin";

const NS = "persistent://public/default";
const PARTITIONS = 4;

const KEYS = [
  "hello",
  "key-0",
  "key-1",
  "polygenelubricants", // hashCode Integer.MIN_VALUE
  "Hello, world!", // hashCode -1880044555: masked → partition 1, |h| → 3
  "The quick brown fox jumps over the lazy dog", // hashCode -609428141: masked → 3, |h| → 1
  "Straße",
  "日本",
  "ключ",
  "😀",
  "é",
];

type PartitionedInMsg = InMsg & { pulsar: InMsg["pulsar"] & { partition: number } };
type PartitionedAck = AckedMsg & { pulsar: AckedMsg["pulsar"] & { partition?: number } };

describe("integration 4.2: pulsar-out with one session per partition", function () {
  this.timeout(120_000);
  const shared = usePulsarAndNodeRed("4.2");
  const figures = trackFigures("partitions-out", "4.2");

  for (const scheme of ["JavaStringHash", "Murmur3_32Hash"] as HashingScheme[]) {
    it(`${scheme}: every key lands on the partition Pulsar's own routing gives it; no key round robin`, async () => {
      const pulsar = shared();
      const topic = `${NS}/${uniqueTopic("perpart")}`;
      await createPartitionedTopic(pulsar, topic, PARTITIONS);
      const f = await TestFlow.deploy([
        endpointNode(pulsar),
        ...outNode("one", topic, { hashingScheme: scheme }),
        ...outNode("each", topic, { hashingScheme: scheme, sessionPerPartition: true }),
        ...inNode("sub", topic, { subscription: uniqueName("sub"), initialPosition: "Earliest" }),
      ], { watch: ["one", "each"] });
      await f.waitConnected(["one", "each", "sub"]);

      const viaOne = KEYS.map((key) => f.send("one", { payload: `one:${key}`, key }));
      const viaEach = KEYS.map((key) => f.send("each", { payload: `each:${key}`, key }));
      const unkeyed = Array.from({ length: 2 * PARTITIONS }, (_, i) => f.send("each", { payload: `rr:${i}` }));
      const outcomes = await f.waitOutcomes([...viaOne, ...viaEach, ...unkeyed], 30_000);
      assert.ok(outcomes.every((o) => o.ok), JSON.stringify(outcomes.filter((o) => !o.ok).map((o) => o.error?.message)));

      const total = 2 * KEYS.length + unkeyed.length;
      // Exclusive subscription on the base topic: Pulsar's multi-topic consumer, the partition from each message id.
      const got = (await f.waitReceived("sub-out", total, 30_000)) as PartitionedInMsg[];
      const partitionOf = new Map(got.map((m) => [String(m.payload), m.pulsar.partition]));
      const landed = KEYS.map((key) => ({ key, one: partitionOf.get(`one:${key}`), each: partitionOf.get(`each:${key}`) }));
      console.log(`      ${scheme}: ${landed.map((l) => `${JSON.stringify(l.key)}→${l.one}/${l.each}`).join(" ")}`);
      for (const l of landed) {
        assert.equal(l.each, l.one, `${l.key}: one session put it on partition ${l.one}, one session per partition on ${l.each}`);
        assert.equal(l.one, partitionForKey(l.key, PARTITIONS, scheme), `${l.key}: Pulsar's choice is the computed one`);
      }
      assert.ok(new Set(landed.map((l) => l.one)).size >= 3, "the keys spread over the partitions");

      // What the node reports is where the message went.
      const acked = f.received("each-acked") as unknown as PartitionedAck[];
      assert.equal(acked.length, KEYS.length + unkeyed.length);
      for (const m of acked) {
        assert.equal(m.pulsar.topic, topic, "msg.pulsar.topic is the base name");
        assert.equal(m.pulsar.partition, partitionOf.get(String(m.payload)), `${String(m.payload)}: msg.pulsar.partition`);
      }
      // Pulsar answers a producer on a partition's own name with ids without the partition; the
      // node puts it in, so msg.pulsar.messageId is the id a consumer of the topic sees, as through one session.
      const consumedId = new Map(got.map((m) => [String(m.payload), m.pulsar.messageId]));
      for (const m of [...acked, ...(f.received("one-acked") as unknown as PartitionedAck[])]) {
        assert.equal(m.pulsar.messageId, consumedId.get(String(m.payload)), `${String(m.payload)}: the acked id is the consumed id`);
      }
      console.log(`      acked ids' partition field: ${[...new Set(acked.map((m) => idPartition(m.pulsar.messageId)))].join(",")}`);
      const spread = Array.from({ length: PARTITIONS }, (_, k) => [...partitionOf].filter(([p, part]) => p.startsWith("rr:") && part === k).length);
      assert.deepEqual(spread, Array(PARTITIONS).fill(2), "messages without a key go round robin");
      const sent = [...KEYS.flatMap((key) => [`one:${key}`, `each:${key}`]), ...unkeyed.map((_, i) => `rr:${i}`)];
      const figuresOf = tally(sent, got.map((m) => String(m.payload)));
      assert.deepEqual(figuresOf.missing, [], "nothing lost");
      figures.report(figuresOf);
    });
  }
});
