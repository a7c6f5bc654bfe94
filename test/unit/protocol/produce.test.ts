import fc from "fast-check";
import assert from "node:assert/strict";
import { frameWithContext, normalizeEventTime, prepareFrame, wireBytes, type ProduceFrameFields, type ProduceInput } from "../../../nodes/lib/protocol/produce";
import { errorOf } from "../../support/errors";

/** The frame fields as Pulsar reads them from what the session sends. */
function toProduceFields(input: ProduceInput): ProduceFrameFields {
  const fields = JSON.parse(frameWithContext(prepareFrame(input), 1)) as ProduceFrameFields & { context?: string };
  delete fields.context;
  return fields;
}

describe("protocol/produce", () => {
  it("wireBytes is the exact UTF-8 size of the frame sent, for any msg and context", () => {
    fc.assert(fc.property(fc.oneof(fc.string(), fc.uint8Array().map((a) => Buffer.from(a))), fc.option(fc.dictionary(fc.string(), fc.string())), fc.option(fc.string()), fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
      (payload, properties, key, context) => {
        const frame = prepareFrame({ payload, properties: properties ?? undefined, key: key ?? undefined });
        assert.equal(wireBytes(frame, context), Buffer.byteLength(frameWithContext(frame, context), "utf8"));
      }));
  });

  /** The bytes a payload goes to Pulsar as: the frame's base64 `payload`, decoded. */
  const payloadBytes = (payload: unknown): Buffer => Buffer.from((JSON.parse(frameWithContext(prepareFrame({ payload }), 1)) as { payload: string }).payload, "base64");

  it("maps payload types as the spec says", () => {
    assert.deepEqual(payloadBytes(Buffer.from([0, 255])), Buffer.from([0, 255]));
    assert.equal(payloadBytes("héllo").toString("utf8"), "héllo");
    assert.equal(payloadBytes(42.5).toString(), "42.5");
    assert.equal(payloadBytes(false).toString(), "false");
    assert.equal(payloadBytes({ a: [1, "x"] }).toString(), '{"a":[1,"x"]}');
    assert.equal(payloadBytes([1, 2]).toString(), "[1,2]");
    assert.equal(payloadBytes("").length, 0);
    assert.deepEqual(payloadBytes(new Uint8Array([1, 2, 3]).subarray(1)), Buffer.from([2, 3]));
  });

  it("refuses payloads it cannot publish, naming the problem", () => {
    assert.equal(errorOf(() => payloadBytes(undefined)).code, "payload-missing");
    assert.equal(errorOf(() => payloadBytes(null)).code, "payload-missing");
    assert.equal(errorOf(() => payloadBytes(NaN)).code, "payload-number");
    assert.equal(errorOf(() => payloadBytes(Infinity)).code, "payload-number");
    assert.equal(errorOf(() => payloadBytes(Symbol("x"))).code, "payload-type");
    assert.equal(errorOf(() => payloadBytes(() => 1)).code, "payload-type");
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    assert.equal(errorOf(() => payloadBytes(cyclic)).code, "payload-json");
  });

  it("maps properties: scalars as strings, null/undefined skipped, nested refused by key", () => {
    assert.deepEqual(toProduceFields({ payload: "x", properties: { a: "1", b: 2, c: true, d: null, e: undefined } }).properties, { a: "1", b: "2", c: "true" });
    assert.equal(toProduceFields({ payload: "x", properties: {} }).properties, undefined);
    const nested = errorOf(() => toProduceFields({ payload: "x", properties: { ok: "1", deep: { x: 1 } } }));
    assert.equal(nested.code, "property-value");
    assert.equal(nested.details.key, "deep");
    assert.equal(errorOf(() => toProduceFields({ payload: "x", properties: "a=b" })).code, "properties-type");
    assert.equal(errorOf(() => toProduceFields({ payload: "x", properties: [1] })).code, "properties-type");
  });

  it("keeps the key on the prepared frame, for choosing a partition", () => {
    assert.equal(prepareFrame({ payload: "x", key: "k1" }).key, "k1");
    assert.equal(prepareFrame({ payload: "x", key: 42 }).key, "42");
    assert.equal(prepareFrame({ payload: "x" }).key, undefined);
    assert.equal(prepareFrame({ payload: "x", properties: { a: "b" } }).key, undefined);
  });

  it("maps keys (numbers coerced) and refuses other types", () => {
    assert.equal(toProduceFields({ payload: "x", key: "k" }).key, "k");
    assert.equal(toProduceFields({ payload: "x", key: 7 }).key, "7");
    assert.equal(errorOf(() => toProduceFields({ payload: "x", key: { a: 1 } })).code, "key-type");
    assert.equal(errorOf(() => toProduceFields({ payload: "x", key: NaN })).code, "key-number");
  });

  it("converts eventTime to ISO-8601 with an offset, from Date, epoch ms or ISO text", () => {
    const iso = "2026-03-04T05:06:07.089Z";
    assert.equal(normalizeEventTime(new Date(iso)), iso);
    assert.equal(normalizeEventTime(Date.parse(iso)), iso);
    assert.equal(normalizeEventTime("2026-03-04T06:06:07.089+01:00"), iso);
    assert.equal(normalizeEventTime(String(Date.parse(iso))), iso);
    assert.equal(errorOf(() => normalizeEventTime("yesterday")).code, "event-time");
  });

  it("maps msg.pulsar delivery options and replication clusters", () => {
    const fields = toProduceFields({ payload: "x", pulsar: { deliverAt: new Date(1000), deliverAfterMs: "250", replicationClusters: ["a", "b"] } });
    assert.equal(fields.deliverAt, 1000);
    assert.equal(fields.deliverAfterMs, 250);
    assert.deepEqual(fields.replicationClusters, ["a", "b"]);
    assert.equal(errorOf(() => toProduceFields({ payload: "x", pulsar: { deliverAfterMs: -1 } })).code, "deliver-after");
    assert.equal(errorOf(() => toProduceFields({ payload: "x", pulsar: { replicationClusters: "a" } })).code, "replication-clusters");
    assert.equal(errorOf(() => toProduceFields({ payload: "x", pulsar: "x" })).code, "pulsar-options");
  });

  it("splices the context into a prepared frame, giving valid JSON", () => {
    const frame = prepareFrame({ payload: "Hello World", properties: { key1: "value1" } });
    const text = frameWithContext(frame, 17);
    assert.deepEqual(JSON.parse(text), { payload: "SGVsbG8gV29ybGQ=", properties: { key1: "value1" }, context: "17" });
    assert.equal(frame.payloadBytes, 11);
    for (const payload of ["\ud800 lone surrogate", "", "é", 12.5, { a: ["ü"] }, new Uint8Array([1, 2, 3]).subarray(1)]) {
      const sized = prepareFrame({ payload, key: "ключ" });
      assert.equal(sized.bytes + ',"context":"17"}'.length, Buffer.byteLength(frameWithContext(sized, 17)), String(payload));
    }
  });
});
