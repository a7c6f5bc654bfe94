import assert from "node:assert/strict";
import type { Node, NodeMessage } from "node-red";
import { partitionForKey } from "../../nodes/lib/protocol/partition-routing";
import { buildCodec } from "../../nodes/lib/protocol/schema-codec";
import { FakePulsar } from "../fake/fake-pulsar";
import { allNodes, collect, doneWatchers, endpoint, flow, helper, inject, outcomes, sink, type FlowNode } from "./setup";
import { sleep, until } from "../support/wait";

type ArrayMsg = NodeMessage & { pulsar: { messageIds: (string | null)[]; topic: string; eventTime?: unknown } };

describe("pulsar-out node: splitArrays", function () {
  let fake: FakePulsar;

  beforeEach(async () => {
    fake = await FakePulsar.start();
  });

  afterEach(async () => {
    await helper.unload();
    await fake.stop();
  });

  before((done) => {
    helper.startServer(done);
  });

  after((done) => {
    helper.stopServer(done);
  });

  function out(extra: Record<string, unknown> = {}): FlowNode {
    return { id: "out", type: "pulsar-out", endpoint: "ep", topic: "t1", splitArrays: true, wires: [["acked"]], ...extra };
  }

  async function load(nodes: FlowNode[]): Promise<{ node: Node; acked: ReturnType<typeof collect>; tracker: ReturnType<typeof outcomes> }> {
    await helper.load(allNodes, flow(...nodes, sink("acked"), ...doneWatchers("out")));
    return { node: helper.getNode("out"), acked: collect(helper.getNode("acked")), tracker: outcomes() };
  }

  const payloads = (topic = "t1"): string[] => fake.messages(topic).map((m) => m.payload.toString());

  it("publishes one message per element in order, each with the msg's key, properties and event time; one done(), ids in element order", async () => {
    const { node, tracker, acked } = await load([endpoint(fake.wsUrl), out({ maxInFlight: 7 })]);
    const elements = Array.from({ length: 50 }, (_, i) => (i % 3 === 0 ? { n: i } : i % 3 === 1 ? `s${i}` : i));
    const [r] = await tracker.waitFor([inject(node, { payload: elements, key: "dev-1", properties: { site: "a", n: 2 }, pulsar: { eventTime: 1_700_000_000_000 } })]);
    assert.equal(r.ok, true, r.error?.message);
    const stored = fake.messages("t1");
    assert.deepEqual(stored.map((m) => m.payload.toString()), elements.map((e) => (typeof e === "object" ? JSON.stringify(e) : String(e))));
    for (const m of stored) {
      assert.equal(m.key, "dev-1");
      assert.deepEqual(m.properties, { site: "a", n: "2" });
      assert.equal(m.eventTime, "2023-11-14T22:13:20.000Z");
    }
    const [msg] = (await acked.waitFor(1)) as ArrayMsg[];
    assert.deepEqual(msg.pulsar.messageIds, stored.map((m) => m.messageId));
    assert.equal(msg.pulsar.topic, "persistent://public/default/t1");
    assert.equal(msg.pulsar.eventTime, 1_700_000_000_000, "msg.pulsar keeps what it had");
    assert.deepEqual(msg.payload, elements, "the msg keeps its array");
    await sleep(50);
    assert.equal(acked.msgs.length, 1, "the msg goes on once");
  });

  it("waits for every element's ack before done()", async () => {
    const { node, tracker } = await load([endpoint(fake.wsUrl), out()]);
    await until(() => fake.openConnections({ role: "producer" }).length === 1);
    fake.holdAcks();
    const id = inject(node, { payload: ["a", "b", "c"] });
    await until(() => fake.messages("t1").length === 3);
    await sleep(50);
    assert.equal(tracker.byId.size, 0, "no done() before the acks");
    fake.releaseAcks();
    const [r] = await tracker.waitFor([id]);
    assert.equal(r.ok, true);
  });

  it("an empty array: done() with messageIds [], nothing published, the msg goes on", async () => {
    const { node, tracker, acked } = await load([endpoint(fake.wsUrl), out()]);
    const [r] = await tracker.waitFor([inject(node, { payload: [] })]);
    assert.equal(r.ok, true);
    const [msg] = (await acked.waitFor(1)) as ArrayMsg[];
    assert.deepEqual(msg.pulsar.messageIds, []);
    assert.equal(fake.messages("t1").length, 0);
  });

  it("a non-array payload publishes as today; without splitArrays an array is one JSON message", async () => {
    const { node, tracker } = await load([endpoint(fake.wsUrl), out(), out({ id: "plain", splitArrays: false, wires: [] })]);
    const plain = helper.getNode("plain");
    const results = await tracker.waitFor([inject(node, { payload: "one" }), inject(node, { payload: { a: 1 } })]);
    assert.ok(results.every((r) => r.ok));
    assert.equal((results[0].msg as NodeMessage & { pulsar: { messageId: string } }).pulsar.messageId, fake.messages("t1")[0].messageId);
    inject(plain, { payload: [1, 2] });
    await until(() => fake.messages("t1").length === 3);
    assert.deepEqual(payloads(), ["one", '{"a":1}', "[1,2]"]);
  });

  it("an element that cannot be converted refuses the whole msg, naming its index; nothing is sent", async () => {
    const { node, tracker } = await load([endpoint(fake.wsUrl), out()]);
    await until(() => fake.openConnections({ role: "producer" }).length === 1);
    let frames = 0;
    fake.on("frame", () => frames++);
    const [undef, fn, badKey] = await tracker.waitFor([
      inject(node, { payload: ["a", "b", undefined, "d"] }),
      inject(node, { payload: ["a", () => 1] }),
      inject(node, { payload: ["a"], key: { no: 1 } }),
    ]);
    assert.equal(undef.ok, false);
    assert.match(undef.error!.message, /msg\.payload\[2\] cannot be published .*msg\.payload is undefined or null/);
    assert.match(fn.error!.message, /msg\.payload\[1\].*of type function/);
    assert.match(badKey.error!.message, /msg\.key must be a string/);
    assert.equal(frames, 0, "nothing may be sent for a refused array");
  });

  it("partial failure: one done(err) naming the failed indexes grouped by reason; the acked ids kept, null where failed", async () => {
    const { node, tracker, acked } = await load([endpoint(fake.wsUrl, { maxFrameSize: 2048 }), out({ maxInFlight: 3 })]);
    await until(() => fake.openConnections({ role: "producer" }).length === 1);
    fake.holdAcks();
    const big = Buffer.alloc(2000);
    const id = inject(node, { payload: ["a", "b", "c", "d", "e", big, "f"] });
    await until(() => fake.messages("t1").length === 3);
    // The next two frames to arrive (elements 3 and 4) are refused by the broker.
    fake.failNextSends(2, "send-error:8", "Producer send queue is full");
    fake.releaseAcks();
    const [r] = await tracker.waitFor([id]);
    assert.equal(r.ok, false);
    assert.match(r.error!.message, /3 of 7 elements failed: \[3, 4\] Pulsar refused the message \(send-error:8\): Producer send queue is full; \[5\] Message too large/);
    const msg = r.msg as ArrayMsg;
    const stored = fake.messages("t1");
    assert.deepEqual(stored.map((m) => m.payload.toString()), ["a", "b", "c", "f"]);
    assert.deepEqual(msg.pulsar.messageIds, [stored[0].messageId, stored[1].messageId, stored[2].messageId, null, null, null, stored[3].messageId]);
    await sleep(50);
    assert.equal(acked.msgs.length, 0, "a failed msg does not go on");
  });

  it("a sparse array without a schema is refused naming the hole", async () => {
    const { node, tracker } = await load([endpoint(fake.wsUrl), out()]);
    const sparse: unknown[] = [];
    sparse[0] = "a";
    sparse[2] = "c";
    const [r] = await tracker.waitFor([inject(node, { payload: sparse })]);
    assert.equal(r.ok, false);
    assert.match(r.error!.message, /msg\.payload\[1\]/);
  });

  it("a Buffer or a typed array payload is one message (not split)", async () => {
    const { node, tracker } = await load([endpoint(fake.wsUrl), out()]);
    const rs = await tracker.waitFor([inject(node, { payload: Buffer.from("abc") }), inject(node, { payload: new Uint8Array([1, 2]) })]);
    assert.ok(rs.every((r) => r.ok));
    await until(() => fake.messages("t1").length === 2);
  });

  it("an array of 100,000 elements (default buffer 10000) is refused whole, nothing sent", async () => {
    const { node, tracker } = await load([endpoint(fake.wsUrl), out()]);
    await until(() => fake.openConnections({ role: "producer" }).length === 1);
    const [r] = await tracker.waitFor([inject(node, { payload: Array.from({ length: 100000 }, (_, i) => i) })], 10000);
    assert.equal(r.ok, false);
    assert.match(r.error!.message, /100000 messages/);
    assert.equal(fake.messages("t1").length, 0);
  });

  it("bufferMessages 0 (no offline buffer): an online array within Max in flight is published", async () => {
    const { node, tracker } = await load([endpoint(fake.wsUrl), out({ bufferMessages: 0 })]);
    await until(() => fake.openConnections({ role: "producer" }).length === 1);
    const [single] = await tracker.waitFor([inject(node, { payload: "one" })]);
    assert.equal(single.ok, true, "a single message goes out with bufferMessages 0");
    const [r] = await tracker.waitFor([inject(node, { payload: ["a", "b"] })]);
    assert.equal(r.ok, true, r.error?.message);
  });

  it("refuses an array larger than its session holds at once (Max in flight + offline buffer) whole, with the sizes, before sending anything", async () => {
    // What its session holds at once: 1 in flight + 5 buffered, and 1000 bytes buffered.
    const { node, tracker } = await load([endpoint(fake.wsUrl), out({ maxInFlight: 1, bufferMessages: 5, bufferBytes: 1000 })]);
    // One acked message first: the session is open on the node's side too (only then does Max in
    // flight count; while connecting, elements only have the buffer).
    const [first] = await tracker.waitFor([inject(node, { payload: "0" })]);
    assert.equal(first.ok, true, first.error?.message);
    const [count, bytes, fits] = await tracker.waitFor([
      inject(node, { payload: ["1", "2", "3", "4", "5", "6", "7"] }),
      inject(node, { payload: ["x".repeat(400), "y".repeat(400), "z".repeat(400)] }),
      inject(node, { payload: ["1", "2", "3", "4", "5", "6"] }),
    ]);
    assert.equal(count.ok, false);
    assert.match(count.error!.message, /more than its session can hold at once \(7 messages, \d+ bytes; limits 6 messages .*1000 bytes/);
    assert.equal(bytes.ok, false);
    assert.match(bytes.error!.message, /\(3 messages, \d+ bytes; limits 6 messages/);
    assert.equal(fits.ok, true, fits.error?.message);
    assert.deepEqual(payloads(), ["0", "1", "2", "3", "4", "5", "6"]);
  });

  it("closing with an array in flight: every element ends, one done(err) naming them, counted in the close warning", async () => {
    const { node, tracker } = await load([endpoint(fake.wsUrl), out({ closeTimeout: 0.3 })]);
    await until(() => fake.openConnections({ role: "producer" }).length === 1);
    fake.holdAcks();
    const id = inject(node, { payload: Array.from({ length: 20 }, (_, i) => `m${i}`) });
    await until(() => fake.messages("t1").length === 20);
    const errorSpy = node.error as unknown as { args: [Error, NodeMessage][] };
    const warnSpy = node.warn as unknown as { args: unknown[][] };
    await helper.clearFlows();
    const failed = errorSpy.args.filter(([, msg]) => msg?._msgid === id);
    assert.equal(failed.length, 1, "one done(err) for the msg");
    assert.match(String(failed[0][0]), /20 of 20 elements failed: \[0–19\] The node closed before Pulsar acknowledged this message/);
    assert.deepEqual((failed[0][1] as ArrayMsg).pulsar.messageIds, Array.from({ length: 20 }, () => null));
    assert.equal(tracker.byId.size, 0, "nothing succeeded");
    assert.ok(warnSpy.args.some((a) => /closed with 20 messages not acknowledged/.test(String(a[0]))));
  });

  describe("with one session per partition", () => {
    const partitionPayloads = (n: number): string[][] => Array.from({ length: n }, (_, k) => payloads(`t1-partition-${k}`));

    it("routes the elements like single messages: round robin without a key, all to the key's partition with one; ids in element order", async () => {
      fake.setPartitions("t1", 3);
      const { node, tracker } = await load([endpoint(fake.wsUrl), out({ sessionPerPartition: true })]);
      await until(() => fake.openConnections({ role: "producer" }).length === 3, 5000, "three producer sessions");
      const [rr, keyed] = await tracker.waitFor([
        inject(node, { payload: Array.from({ length: 12 }, (_, i) => `rr${i}`) }),
        inject(node, { payload: Array.from({ length: 5 }, (_, i) => `k${i}`), key: "device-9" }),
      ]);
      assert.equal(rr.ok, true, rr.error?.message);
      assert.equal(keyed.ok, true, keyed.error?.message);
      const stored = partitionPayloads(3);
      assert.deepEqual(stored.map((p) => p.filter((x) => x.startsWith("rr")).length), [4, 4, 4]);
      const k = partitionForKey("device-9", 3, "JavaStringHash");
      assert.deepEqual(stored[k].filter((x) => x.startsWith("k")), ["k0", "k1", "k2", "k3", "k4"], "in order on the key's partition");
      const ids = (keyed.msg as ArrayMsg).pulsar.messageIds;
      assert.ok(ids.every((x) => typeof x === "string"));
      assert.equal(new Set(ids).size, 5);
      const rrIds = (rr.msg as ArrayMsg).pulsar.messageIds;
      assert.equal(new Set(rrIds).size, 12);
      assert.ok(rrIds.every((x) => typeof x === "string"));
    });

    it("lookup pending: an array then a close ends in exactly one done(err)", async () => {
      fake.setPartitions("t1", 3);
      fake.holdPartitionLookups();
      const { node, tracker } = await load([endpoint(fake.wsUrl), out({ sessionPerPartition: true, closeTimeout: 0.2 })]);
      const errorSpy = node.error as unknown as { args: [Error, { _msgid?: string }][] };
      const id = inject(node, { payload: Array.from({ length: 10 }, (_, i) => `e${i}`) });
      await helper.clearFlows();
      const failed = errorSpy.args.filter(([, msg]) => msg?._msgid === id);
      assert.equal(failed.length, 1, "one done(err)");
      assert.match(String(failed[0][0]), /10 of 10 elements failed/);
      assert.equal(tracker.byId.size, 0);
      fake.releasePartitionLookups();
    });

    it("lookup pending then answered: one done(), ids in element order", async () => {
      fake.setPartitions("t1", 3);
      fake.holdPartitionLookups();
      const { node, tracker } = await load([endpoint(fake.wsUrl), out({ sessionPerPartition: true })]);
      const id = inject(node, { payload: Array.from({ length: 9 }, (_, i) => `e${i}`) });
      await until(() => fake.partitionLookups > 0 || undefined);
      fake.releasePartitionLookups();
      const [r] = await tracker.waitFor([id]);
      assert.equal(r.ok, true, r.error?.message);
      const ids = (r.msg as ArrayMsg).pulsar.messageIds;
      assert.equal(new Set(ids).size, 9);
    });

    it("online, a keyed array is checked against its partition session (Max in flight + its buffer share), an unkeyed one against all partitions", async () => {
      fake.setPartitions("t1", 4);
      const { node, tracker } = await load([endpoint(fake.wsUrl), out({ sessionPerPartition: true, bufferMessages: 100, maxInFlight: 10 })]);
      await until(() => fake.openConnections({ role: "producer" }).length === 4, 5000, "four producer sessions");
      // One unkeyed message per partition first (round robin), acked: every session is open on the node's side too.
      const warm = await tracker.waitFor([0, 1, 2, 3].map((i) => inject(node, { payload: `w${i}` })));
      assert.ok(warm.every((w) => w.ok), "warm-up messages acked");
      // One at a time: each has the sessions to itself.
      const [fits] = await tracker.waitFor([inject(node, { payload: Array.from({ length: 35 }, (_, i) => `k${i}`), key: "device-1" })]);
      const [over] = await tracker.waitFor([inject(node, { payload: Array.from({ length: 36 }, (_, i) => `o${i}`), key: "device-1" })]);
      const [spread] = await tracker.waitFor([inject(node, { payload: Array.from({ length: 140 }, (_, i) => `r${i}`) })]);
      assert.equal(fits.ok, true, fits.error?.message);
      assert.equal(over.ok, false);
      assert.match(over.error!.message, /\(36 messages, \d+ bytes; .*35 messages/);
      assert.equal(spread.ok, true, spread.error?.message);
      const stored = Array.from({ length: 4 }, (_, k) => payloads(`t1-partition-${k}`)).flat();
      assert.equal(stored.filter((x) => x.startsWith("o")).length, 0, "nothing of the refused array was sent");
      assert.equal(stored.length, 4 + 35 + 140);
    });
  });

  describe('with schema "topic"', () => {
    const V1 = { type: "record", name: "Reading", namespace: "demo", fields: [{ name: "sensor", type: "string" }, { name: "temperature", type: "double" }] };

    it("encodes every element with one look-up of the schema, in order; an element that does not fit refuses the msg naming its index", async () => {
      fake.schemas.add("t1", { type: "AVRO", data: JSON.stringify(V1) });
      const { node, tracker } = await load([endpoint(fake.wsUrl), out({ schema: "topic" })]);
      const readings = Array.from({ length: 10 }, (_, i) => ({ sensor: `s${i}`, temperature: i / 2 }));
      const [ok, bad] = await tracker.waitFor([
        inject(node, { payload: readings, key: "k" }),
        inject(node, { payload: [{ sensor: "a", temperature: 1 }, { sensor: "b", temperature: "warm" }] }),
      ]);
      assert.equal(ok.ok, true, ok.error?.message);
      const codec = buildCodec({ type: "AVRO", schema: JSON.stringify(V1), properties: {} });
      const stored = fake.messages("t1");
      assert.deepEqual(stored.map((m) => codec.decode(m.payload)), readings);
      assert.ok(stored.every((m) => m.key === "k"));
      assert.deepEqual((ok.msg as ArrayMsg).pulsar.messageIds, stored.map((m) => m.messageId));
      assert.deepEqual((ok.msg as ArrayMsg).payload, readings, "the msg keeps its own payload");
      assert.equal(bad.ok, false);
      assert.match(bad.error!.message, /msg\.payload\[1\] cannot be published .*temperature: expected double, got string/);
      assert.equal(fake.messages("t1").length, 10, "nothing of the refused array was sent");
    });

    for (const cached of [false, true]) {
      it(`${cached ? "schema cached" : "schema look-up pending"}: whatever throws while encoding or after it ends the msg in done(err), single or array`, async () => {
        // A JSON schema that is no Avro schema: values are written unchecked, so JSON.stringify meets the toJSON that throws.
        fake.schemas.add("t1", { type: "JSON", data: '{"$schema": "http://json-schema.org/draft-07/schema#"}' });
        const { node, tracker } = await load([endpoint(fake.wsUrl), out({ schema: "topic" })]);
        if (cached) {
          const [warm] = await tracker.waitFor([inject(node, { payload: { sensor: "w", temperature: 0 } })]);
          assert.equal(warm.ok, true, warm.error?.message);
        }
        const throwing = {
          sensor: "a",
          toJSON(): never {
            throw new TypeError("sensor unplugged");
          },
        };
        const good = { sensor: "b", temperature: 2 };
        const rs = await tracker.waitFor(
          [
            inject(node, { payload: throwing }),
            inject(node, { payload: [good, throwing] }),
            // Encoded fine; the msg's own key then refuses it, after the encoding.
            inject(node, { payload: good, key: { not: "a string" } }),
            inject(node, { payload: [good], key: { not: "a string" } }),
            inject(node, { payload: good }),
          ],
          3000,
        );
        assert.deepEqual(rs.map((r) => r.ok), [false, false, false, false, true]);
        assert.match(rs[0].error!.message, /sensor unplugged/);
        assert.match(rs[1].error!.message, /msg\.payload\[1\].*sensor unplugged/);
        assert.match(rs[2].error!.message, /msg\.key must be a string/);
        assert.match(rs[3].error!.message, /msg\.key must be a string/);
        assert.equal(fake.messages("t1").length, cached ? 2 : 1, "only the good msgs were sent");
      });
    }

    it("a sparse array, first msg (schema look-up pending): done(err) naming the hole", async () => {
      fake.schemas.add("t1", { type: "AVRO", data: JSON.stringify(V1) });
      const { node, tracker } = await load([endpoint(fake.wsUrl), out({ schema: "topic" })]);
      const sparse: unknown[] = [];
      sparse[0] = { sensor: "a", temperature: 1 };
      sparse[2] = { sensor: "c", temperature: 3 };
      const [r] = await tracker.waitFor([inject(node, { payload: sparse })], 3000);
      assert.equal(r.ok, false);
      assert.match(r.error!.message, /msg\.payload\[1\]/);
    });

    it("a sparse array once the schema is cached: done(err) naming the hole, no TypeError", async () => {
      fake.schemas.add("t1", { type: "AVRO", data: JSON.stringify(V1) });
      const { node, tracker } = await load([endpoint(fake.wsUrl), out({ schema: "topic" })]);
      const [warm] = await tracker.waitFor([inject(node, { payload: [{ sensor: "w", temperature: 0 }] })]);
      assert.equal(warm.ok, true, warm.error?.message);
      const sparse: unknown[] = [];
      sparse[0] = { sensor: "a", temperature: 1 };
      sparse[2] = { sensor: "c", temperature: 3 };
      const [r] = await tracker.waitFor([inject(node, { payload: sparse })], 3000);
      assert.equal(r.ok, false);
      assert.doesNotMatch(r.error!.message, /Cannot read properties of undefined/);
      assert.match(r.error!.message, /msg\.payload\[1\]/);
    });
  });
});
