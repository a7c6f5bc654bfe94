import assert from "node:assert/strict";
import type { Node, NodeMessage } from "node-red";
import { buildCodec } from "../../nodes/lib/protocol/schema-codec";
import type { FakePulsar } from "../fake/fake-pulsar";
import { allNodes, collect, doneWatchers, endpoint, flow, helper, inject, outcomes, sink, useFakePulsar } from "./setup";
import { until } from "../support/wait";

type InMsg = NodeMessage & { payload: unknown; pulsar: { schema?: { type: string; version: number }; messageId: string }; error?: { message: string } };
type StatusSpy = { args: { fill?: string; shape?: string; text?: string }[][] };

const V1 = { type: "record", name: "Reading", namespace: "demo", fields: [{ name: "sensor", type: "string" }, { name: "temperature", type: "double" }] };
const V2 = { ...V1, fields: [...V1.fields, { name: "unit", type: "string", default: "C" }] };
const avroInfo = (schema: unknown): { type: string; schema: string; properties: Record<string, string> } => ({ type: "AVRO", schema: JSON.stringify(schema), properties: {} });

describe("schemas (pulsar-in payloadFormat schema, pulsar-out schema topic)", function () {
  const currentFake = useFakePulsar();
  let fake: FakePulsar;
  beforeEach(() => {
    fake = currentFake();
  });

  const statusTexts = (node: Node): string[] => (node.status as unknown as StatusSpy).args.map((a) => a[0]?.text ?? "");

  async function loadIn(extra: Record<string, unknown> = {}): Promise<{ node: Node; out: ReturnType<typeof collect>; caught: ReturnType<typeof collect> }> {
    await helper.load(allNodes, flow(endpoint(fake.wsUrl), { id: "in", type: "pulsar-in", endpoint: "ep", topic: "readings", subscription: "s", payloadFormat: "schema", wires: [["out"]], ...extra }, sink("out"), ...doneWatchers("in")));
    await until(() => fake.openConnections({ role: "consumer" }).length > 0, 3000, "a consumer");
    return { node: helper.getNode("in"), out: collect(helper.getNode("out")), caught: collect(helper.getNode("caught")) };
  }

  it("pulsar-in: decodes Avro of both schema generations in order, a payload no version decodes goes to Catch with its bytes", async () => {
    fake.schemas.add("readings", { type: "AVRO", data: JSON.stringify(V1) });
    fake.schemas.add("readings", { type: "AVRO", data: JSON.stringify(V2) });
    const { out, caught } = await loadIn();
    const old = buildCodec(avroInfo(V1)).encode({ sensor: "a", temperature: 1.5 }).payload;
    const now = buildCodec(avroInfo(V2)).encode({ sensor: "b", temperature: 2.5, unit: "F" }).payload;
    const garbage = Buffer.from([0xff, 0xff, 0xff]);
    fake.publish("readings", { payload: now });
    fake.publish("readings", { payload: old });
    fake.publish("readings", { payload: garbage });
    fake.publish("readings", { payload: now });
    const msgs = (await out.waitFor(3)) as InMsg[];
    assert.deepEqual(msgs.map((m) => m.payload), [
      { sensor: "b", temperature: 2.5, unit: "F" },
      { sensor: "a", temperature: 1.5, unit: "C" },
      { sensor: "b", temperature: 2.5, unit: "F" },
    ]);
    assert.deepEqual(msgs.map((m) => m.pulsar.schema), [{ type: "AVRO", version: 1 }, { type: "AVRO", version: 0 }, { type: "AVRO", version: 1 }]);
    const [bad] = (await caught.waitFor(1)) as InMsg[];
    assert.deepEqual(bad.payload, garbage);
    assert.match(bad.error!.message, /No version of the AVRO schema of persistent:\/\/public\/default\/readings \(tried 1, 0\)/);
    await until(() => fake.subscriptionState("readings", "s")?.backlog === 0, 3000, "all acked");
    // The newest once, version 0 once when the old payload needed it; the garbage read the newest again at most once.
    assert.equal(fake.schemas.reads.filter((r) => r === "public/default/readings@0").length, 1);
    assert.ok(fake.schemas.reads.filter((r) => r === "public/default/readings").length <= 2, fake.schemas.reads.join(" "));
  });

  it("pulsar-in with batchSize: schema-decoded payloads in one batch msg, each message's schema version beside it; the undecodable one to Catch alone; acked after the batch", async () => {
    fake.schemas.add("readings", { type: "AVRO", data: JSON.stringify(V1) });
    fake.schemas.add("readings", { type: "AVRO", data: JSON.stringify(V2) });
    const { out, caught } = await loadIn({ batchSize: 3, batchTimeoutMs: 60000 });
    const old = buildCodec(avroInfo(V1)).encode({ sensor: "a", temperature: 1.5 }).payload;
    const now = buildCodec(avroInfo(V2)).encode({ sensor: "b", temperature: 2.5, unit: "F" }).payload;
    fake.publish("readings", { payload: now });
    fake.publish("readings", { payload: Buffer.from([0xff, 0xff, 0xff]) });
    fake.publish("readings", { payload: old });
    fake.publish("readings", { payload: now });
    const [batch] = (await out.waitFor(1)) as (NodeMessage & { payload: unknown[]; pulsar: { messages: { schema?: unknown }[] } })[];
    assert.deepEqual(batch.payload, [{ sensor: "b", temperature: 2.5, unit: "F" }, { sensor: "a", temperature: 1.5, unit: "C" }, { sensor: "b", temperature: 2.5, unit: "F" }]);
    assert.deepEqual(batch.pulsar.messages.map((m) => m.schema), [{ type: "AVRO", version: 1 }, { type: "AVRO", version: 0 }, { type: "AVRO", version: 1 }]);
    assert.equal((await caught.waitFor(1)).length, 1);
    await until(() => fake.subscriptionState("readings", "s")?.backlog === 0, 3000, "all four acked");
  });

  it("pulsar-in: a topic without a schema delivers as auto, with one warning", async () => {
    const { node, out } = await loadIn();
    fake.publish("readings", { payload: '{"a":1}' });
    fake.publish("readings", { payload: "text" });
    const msgs = (await out.waitFor(2)) as InMsg[];
    assert.deepEqual(msgs.map((m) => m.payload), [{ a: 1 }, "text"]);
    const warn = node.warn as unknown as { args: unknown[][] };
    assert.equal(warn.args.filter((a) => /has no schema/.test(String(a[0]))).length, 1);
  });

  it("pulsar-in: KEY_VALUE SEPARATED as Java writes it (base64 key) and INT64 beyond 2^53", async () => {
    fake.schemas.add("kv", { type: "KEY_VALUE", data: JSON.stringify({ key: "", value: V1 }), properties: { "key.schema.type": "STRING", "value.schema.type": "AVRO", "kv.encoding.type": "SEPARATED" } });
    fake.schemas.add("big", { type: "INT64", data: "" });
    const { out } = await loadIn({ topic: "kv, big" });
    const value = buildCodec(avroInfo(V1)).encode({ sensor: "k", temperature: 3 }).payload;
    fake.publish("kv", { payload: value, key: Buffer.from("device-7").toString("base64") });
    const [kv] = (await out.waitFor(1)) as InMsg[];
    assert.deepEqual(kv.payload, { key: "device-7", value: { sensor: "k", temperature: 3 } });
    const big = Buffer.alloc(8);
    big.writeBigInt64BE(2n ** 62n + 1n);
    fake.publish("big", { payload: big });
    const [, n] = (await out.waitFor(2)) as InMsg[];
    assert.equal(n.payload, 2n ** 62n + 1n);
    assert.deepEqual(n.pulsar.schema, { type: "INT64", version: 0 });
  });

  async function loadOut(extra: Record<string, unknown> = {}): Promise<{ node: Node; tracker: ReturnType<typeof outcomes> }> {
    await helper.load(allNodes, flow(endpoint(fake.wsUrl), { id: "out", type: "pulsar-out", endpoint: "ep", topic: "readings", schema: "topic", wires: [["acked"]], ...extra }, sink("acked"), ...doneWatchers("out")));
    return { node: helper.getNode("out"), tracker: outcomes() };
  }

  it("pulsar-out: encodes with the topic's newest schema in order; a payload that does not fit ends in done(err) naming the field", async () => {
    fake.schemas.add("readings", { type: "AVRO", data: JSON.stringify(V1) });
    fake.schemas.add("readings", { type: "AVRO", data: JSON.stringify(V2) });
    const { node, tracker } = await loadOut();
    // Sent at once: the first waits for the registry, the others queue behind it.
    const ids = [
      inject(node, { payload: { sensor: "a", temperature: 1, unit: "K" } }),
      inject(node, { payload: { sensor: "b", temperature: "warm" } }),
      inject(node, { payload: { sensor: "c", temperature: 3 } }),
    ];
    const results = await tracker.waitFor(ids);
    assert.deepEqual(results.map((r) => r.ok), [true, false, true]);
    assert.match(results[1].error!.message, /temperature: expected double, got string/);
    const codec = buildCodec(avroInfo(V2));
    assert.deepEqual(fake.messages("readings").map((m) => codec.decode(m.payload)), [
      { sensor: "a", temperature: 1, unit: "K" },
      { sensor: "c", temperature: 3, unit: "C" },
    ]);
    // The msg that went on keeps its object payload.
    const acked = collect(helper.getNode("acked"));
    const id = inject(node, { payload: { sensor: "d", temperature: 4 } });
    await tracker.waitFor([id]);
    const [sent] = await acked.waitFor(1);
    assert.deepEqual(sent.payload, { sensor: "d", temperature: 4 });
  });

  it("pulsar-out: a topic without a schema ends in done(err) saying so; KEY_VALUE SEPARATED puts the key in the message key", async () => {
    fake.schemas.add("kv", { type: "KEY_VALUE", data: JSON.stringify({ key: "", value: V1 }), properties: { "key.schema.type": "STRING", "value.schema.type": "AVRO", "kv.encoding.type": "SEPARATED" } });
    const { node, tracker } = await loadOut({ topic: "" });
    const [none, kv] = await tracker.waitFor([
      inject(node, { topic: "plain", payload: { a: 1 } }),
      inject(node, { topic: "kv", payload: { key: "dev-1", value: { sensor: "s", temperature: 5 } } }),
    ]);
    assert.equal(none.ok, false);
    assert.match(none.error!.message, /has no schema/);
    assert.equal(kv.ok, true);
    const [stored] = fake.messages("kv");
    assert.equal(stored.key, "dev-1");
    assert.deepEqual(buildCodec(avroInfo(V1)).decode(stored.payload), { sensor: "s", temperature: 5 });
  });

  it("a namespace that enforces schemas: status says so, the log says what to change, and it is not retried as busy", async () => {
    fake.refuseNext(409, "Failed to create producer: org.apache.pulsar.client.api.PulsarClientException$IncompatibleSchemaException: Producers cannot connect or send message without a schema to topics with a schema if SchemaValidationEnforced is enabled", 100);
    const { node } = await loadOut({ schema: "none" });
    await until(() => statusTexts(node).some((t) => t.startsWith("topic enforces a schema (409)")), 3000, "the schema status");
    assert.ok(!statusTexts(node).some((t) => /busy/.test(t)));
    const warn = node.warn as unknown as { args: unknown[][] };
    await until(() => warn.args.some((a) => /set-schema-validation-enforce/.test(String(a[0]))), 3000, "the hint in the log");
  });
});
