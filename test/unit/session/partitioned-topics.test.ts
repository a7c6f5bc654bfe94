/**
 * PartitionedTopics over a real ProducerPool and real ProducerSessions against the fake Pulsar
 * (each `-partition-K` topic is an ordinary topic there), with a lookup the test answers by hand
 * and the manual clock for the refresh period.
 */
import assert from "node:assert/strict";
import { PulsarError } from "../../../nodes/lib/protocol/errors";
import { partitionForKey } from "../../../nodes/lib/protocol/partition-routing";
import { prepareFrame, type ProduceInput } from "../../../nodes/lib/protocol/produce";
import { parseTopic, type TopicName } from "../../../nodes/lib/protocol/topics";
import { PartitionedTopics, type PartitionedTopicsOptions } from "../../../nodes/lib/session/partitioned-topics";
import { until } from "../../support/wait";
import { poolOn, sessionBed } from "./fixture";

const topic = (name: string): TopicName => parseTopic(name, { tenant: "public", namespace: "default" });
const REFRESH_MS = 60_000;

interface Lookup {
  topic: string;
  resolve: (n: number) => void;
  reject: (err: unknown) => void;
}

type Calls = { payload: unknown; err?: PulsarError; messageId?: string; partition?: number }[];

describe("session/partitioned-topics", () => {
  const bed = sessionBed();

  function setup(extra: Partial<PartitionedTopicsOptions> = {}) {
    const created: string[] = [];
    const lookups: Lookup[] = [];
    const failures: string[] = [];
    const pool = poolOn(bed, created, 100, { maxSessions: 10 });
    const parts = new PartitionedTopics({
      pool,
      lookup: (t) => new Promise<number>((resolve, reject) => lookups.push({ topic: t.local, resolve, reject })),
      hashingScheme: "JavaStringHash",
      refreshMs: REFRESH_MS,
      bufferMessages: 100,
      bufferBytes: 1 << 20,
      lookupFailed: (t, err) => failures.push(`${t.local}: ${(err as Error).message}`),
      onChange: () => undefined,
      clock: bed.clock,
      ...extra,
    });
    bed.closeAfter(pool, (p) => {
      parts.close();
      return p.closeAll(0);
    });
    const send = (name: string, input: ProduceInput, calls: Calls = []): Calls => {
      parts.send(topic(name), prepareFrame(input), (err, messageId, partition) => calls.push({ payload: input.payload, err, messageId, partition }));
      return calls;
    };
    return { pool, parts, created, lookups, failures, send };
  }

  const settled = (calls: Calls, n = 1): boolean => calls.length === n;
  const stored = (local: string): string[] => bed.fake.messages(`persistent://public/default/${local}`).map((m) => m.payload.toString());

  it("routes a key to the partition Pulsar would choose and spreads messages without a key round robin", async () => {
    const { created, lookups, send } = setup();
    const keys = ["hello", "Hello, world!", "polygenelubricants", "日本", "😀", "ключ"];
    const calls: Calls = [];
    for (const key of keys) send("orders", { payload: `k:${key}`, key }, calls);
    for (let i = 0; i < 8; i++) send("orders", { payload: `rr:${i}` }, calls);
    assert.deepEqual(lookups.map((l) => l.topic), ["orders"], "one lookup for the topic");
    assert.equal(calls.length, 0, "waiting for the lookup");
    lookups[0].resolve(4);
    await until(() => settled(calls, keys.length + 8), 10_000, "every ack");
    assert.ok(calls.every((c) => c.err === undefined));
    keys.forEach((key) => {
      const k = partitionForKey(key, 4, "JavaStringHash");
      assert.equal(calls.find((c) => c.payload === `k:${key}`)?.partition, k, key);
      assert.ok(stored(`orders-partition-${k}`).includes(`k:${key}`), `${key} stored on partition ${k}`);
    });
    const rr = [0, 1, 2, 3].map((k) => stored(`orders-partition-${k}`).filter((p) => p.startsWith("rr:")).length);
    assert.deepEqual(rr, [2, 2, 2, 2], "round robin");
    assert.deepEqual(stored("orders"), [], "nothing on the base topic");
    assert.deepEqual([...created].sort(), ["orders-partition-0", "orders-partition-1", "orders-partition-2", "orders-partition-3"]);
  });

  it("takes partitions in turn for messages without a key; keyed messages do not move the turn", async () => {
    bed.clock.jitter = () => 0; // the round robin starts at partition 0
    const { lookups, send } = setup();
    const calls: Calls = [];
    for (const [i, key] of [undefined, undefined, "hello", undefined, undefined, undefined].entries()) send("turns", { payload: String(i), key }, calls);
    lookups[0].resolve(3);
    await until(() => settled(calls, 6), 10_000, "every ack");
    const partitionOf = (payload: string): number | undefined => calls.find((c) => c.payload === payload)?.partition;
    assert.deepEqual(["0", "1", "3", "4", "5"].map(partitionOf), [0, 1, 2, 0, 1]);
    assert.equal(partitionOf("2"), partitionForKey("hello", 3, "JavaStringHash"));
  });

  it("calls back only on the broker's ack, and keeps arrival order for messages that waited", async () => {
    const { lookups, send } = setup();
    bed.fake.holdAcks();
    const calls: Calls = [];
    for (let i = 0; i < 5; i++) send("ordered", { payload: `m${i}`, key: "same" }, calls);
    lookups[0].resolve(3);
    const k = partitionForKey("same", 3, "JavaStringHash");
    await until(() => stored(`ordered-partition-${k}`).length === 5, 10_000, "all five stored");
    assert.equal(calls.length, 0, "no callback before the acks");
    bed.fake.releaseAcks();
    await until(() => settled(calls, 5), 10_000, "the acks");
    assert.deepEqual(stored(`ordered-partition-${k}`), ["m0", "m1", "m2", "m3", "m4"]);
  });

  it("a topic that is not partitioned goes through one session on its name", async () => {
    const { created, lookups, send } = setup();
    const calls = send("plain", { payload: "x", key: "k" });
    lookups[0].resolve(0);
    await until(() => settled(calls), 10_000, "the ack");
    assert.equal(calls[0].partition, undefined);
    assert.deepEqual(created, ["plain"]);
    assert.deepEqual(stored("plain"), ["x"]);
  });

  it("a failed lookup: told once, one session on the base topic, retried after refreshMs and then per partition", async () => {
    const { created, lookups, failures, send } = setup();
    const first = send("flaky", { payload: "a", key: "hello" });
    lookups[0].reject(new Error("HTTP 403 not authorized"));
    await until(() => settled(first), 10_000, "the first ack");
    const second = send("flaky", { payload: "b", key: "hello" });
    await until(() => settled(second), 10_000, "the second ack");
    assert.deepEqual(failures, ["flaky: HTTP 403 not authorized"]);
    assert.deepEqual(stored("flaky"), ["a", "b"], "through the base topic, Pulsar routes");
    assert.equal(lookups.length, 1, "not retried before refreshMs");

    bed.clock.advance(REFRESH_MS);
    const third = send("flaky", { payload: "c", key: "hello" });
    assert.equal(lookups.length, 2, "retried in the background");
    await until(() => settled(third), 10_000, "sent without waiting for the retry");
    assert.deepEqual(stored("flaky"), ["a", "b", "c"]);
    lookups[1].reject(new Error("still refused"));
    await Promise.resolve();
    assert.equal(failures.length, 1, "not told again");

    bed.clock.advance(REFRESH_MS);
    send("flaky", { payload: "d" });
    lookups[2].resolve(2);
    await until(() => lookups.length === 3, 10_000, "the third lookup");
    await new Promise((r) => setImmediate(r));
    const fifth = send("flaky", { payload: "e", key: "hello" });
    await until(() => settled(fifth), 10_000, "the ack through a partition");
    assert.equal(fifth[0].partition, partitionForKey("hello", 2, "JavaStringHash"));
    assert.ok(created.includes(`flaky-partition-${fifth[0].partition}`));
  });

  it("looks the count up again at most every refreshMs, without holding sends back, and uses added partitions", async () => {
    const { lookups, send } = setup();
    const calls: Calls = [];
    send("growing", { payload: "0" }, calls);
    lookups[0].resolve(2);
    await until(() => settled(calls, 1), 10_000, "first ack");
    for (let i = 1; i < 5; i++) send("growing", { payload: String(i) }, calls);
    assert.equal(lookups.length, 1, "cached");
    bed.clock.advance(REFRESH_MS);
    send("growing", { payload: "5" }, calls);
    assert.equal(lookups.length, 2, "refresh started");
    await until(() => settled(calls, 6), 10_000, "sent on the known count meanwhile");
    assert.ok(calls.every((c) => c.partition !== undefined && c.partition < 2));
    lookups[1].resolve(4);
    await new Promise((r) => setImmediate(r));
    for (let i = 6; i < 14; i++) send("growing", { payload: String(i) }, calls);
    await until(() => settled(calls, 14), 10_000, "acks on four partitions");
    assert.deepEqual(new Set(calls.slice(6).map((c) => c.partition)), new Set([0, 1, 2, 3]));
  });

  it("when partitions are added, the sessions opened before get the new, smaller share of the buffer", async () => {
    const { pool, lookups, send } = setup({ bufferMessages: 4 });
    const first = send("grow", { payload: "0", key: "polygenelubricants" }); // partition 0 of 2 and of 4
    lookups[0].resolve(2);
    await until(() => settled(first), 10_000, "first ack");
    bed.clock.advance(REFRESH_MS);
    const second = send("grow", { payload: "1", key: "polygenelubricants" });
    lookups[1].resolve(4);
    await until(() => settled(second), 10_000, "second ack");
    const session = pool.existing(topic("grow-partition-0"))!;
    bed.fake.dropConnections({ topic: "grow-partition-0" });
    await until(() => session.state.state !== "open", 10_000, "partition 0 offline");
    const calls: Calls = [];
    send("grow", { payload: "2", key: "polygenelubricants" }, calls);
    send("grow", { payload: "3", key: "polygenelubricants" }, calls);
    assert.deepEqual(calls.map((c) => [c.payload, c.err?.code, c.err?.details.maxMessages]), [["3", "buffer-full", 1]], "a quarter of 4, not the half it opened with");
  });

  it("pins the partition sessions of the node's own topic (the base session only while the count is unknown)", async () => {
    const { pool, parts, lookups, send } = setup();
    parts.pin(topic("own"));
    lookups[0].reject(new Error("unreachable"));
    await until(() => pool.existing(topic("own")) !== undefined, 10_000, "the base session pinned");
    bed.clock.advance(REFRESH_MS);
    send("own", { payload: "x" });
    lookups[1].resolve(3);
    await until(() => pool.size === 4, 10_000, "three partition sessions beside it");
    assert.ok([0, 1, 2].every((k) => pool.existing(topic(`own-partition-${k}`)) !== undefined));
  });

  it("bounds the messages waiting for a lookup, and fails them when closed", () => {
    const { parts, send } = setup({ bufferMessages: 2 });
    const calls: Calls = [];
    for (let i = 0; i < 3; i++) send("slow", { payload: String(i) }, calls);
    assert.equal(parts.waitingCount, 2);
    assert.deepEqual(calls.map((c) => c.err?.code), ["partitions-lookup-busy"]);
    parts.close();
    assert.deepEqual(calls.map((c) => c.err?.code), ["partitions-lookup-busy", "closed-before-ack", "closed-before-ack"]);
    assert.equal(parts.waitingCount, 0);
    assert.equal(send("slow", { payload: "late" })[0].err?.code, "closing");
  });
});
