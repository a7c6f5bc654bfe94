import assert from "node:assert/strict";
import fc from "fast-check";
import { autoDetect, decodePayload, toConsumedMsg } from "../../../nodes/lib/protocol/consume";
import { frameWithContext, prepareFrame } from "../../../nodes/lib/protocol/produce";
import { parseServerFrame } from "../../../nodes/lib/protocol/server-frames";
import { errorOf } from "../../support/errors";

/** What a Pulsar server does with a produce frame, as far as the consumer sees it. */
function serverRoundTrip(frameText: string): string {
  const frame = JSON.parse(frameText) as Record<string, unknown>;
  return JSON.stringify({
    messageId: "CAcQAzAA",
    payload: frame.payload,
    properties: frame.properties ?? {},
    publishTime: "2026-01-01T00:00:00.12Z",
    redeliveryCount: 0,
    ...(frame.key !== undefined ? { key: frame.key } : {}),
    ...(frame.eventTime !== undefined ? { eventTime: frame.eventTime } : {}),
  });
}

describe("protocol/consume", () => {
  const frame = { kind: "message" as const, messageId: "CAcQAzAA", payload: Buffer.from('{"a":1}').toString("base64"), properties: { p: "1" }, publishTime: "2026-01-01T00:00:00.1Z", redeliveryCount: 1, key: "k", eventTime: "2026-01-01T00:00:00Z" };

  it("builds the output msg with topic, key, properties and msg.pulsar", () => {
    const msg = toConsumedMsg(frame, { topic: "persistent://public/default/t", subscription: "s", format: "auto" });
    assert.deepEqual(msg, {
      payload: { a: 1 },
      topic: "persistent://public/default/t",
      key: "k",
      properties: { p: "1" },
      pulsar: { messageId: "CAcQAzAA", publishTime: "2026-01-01T00:00:00.1Z", eventTime: "2026-01-01T00:00:00Z", redeliveryCount: 1, key: "k", topic: "persistent://public/default/t", subscription: "s", partition: -1 },
    });
  });

  it("decodes every payload format", () => {
    const b64 = Buffer.from('{"a":1}').toString("base64");
    assert.deepEqual(decodePayload(b64, "json"), { a: 1 });
    assert.equal(decodePayload(b64, "utf8"), '{"a":1}');
    assert.deepEqual(decodePayload(b64, "buffer"), Buffer.from('{"a":1}'));
    assert.equal(decodePayload(b64, "base64"), b64);
    assert.equal(errorOf(() => decodePayload(Buffer.from("no").toString("base64"), "json")).code, "payload-not-json");
    assert.equal(errorOf(() => decodePayload("%%%", "buffer")).code, "bad-base64");
  });

  it("auto-detects JSON objects and arrays, text, and binary", () => {
    assert.deepEqual(autoDetect(Buffer.from("[1,2]")), [1, 2]);
    assert.equal(autoDetect(Buffer.from("007")), "007");
    assert.equal(autoDetect(Buffer.from("{not json")), "{not json");
    const binary = Buffer.from([0xff, 0xfe, 0x00]);
    assert.deepEqual(autoDetect(binary), binary);
  });

  it("property: any payload, properties and key survive produce → consume bit for bit", () => {
    const propertyMap = fc.dictionary(fc.string(), fc.oneof(fc.string(), fc.integer(), fc.boolean()), { maxKeys: 5 });
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2048 }), propertyMap, fc.option(fc.string(), { nil: undefined }), (bytes, properties, key) => {
        const payload = Buffer.from(bytes);
        const frame = prepareFrame({ payload, properties, key });
        const text = frameWithContext(frame, 1);
        assert.equal(frame.bytes + ',"context":"1"}'.length, Buffer.byteLength(text), "sized without encoding");
        const parsed = parseServerFrame(serverRoundTrip(text));
        assert.equal(parsed.kind, "message");
        if (parsed.kind !== "message") return;
        const msg = toConsumedMsg(parsed, { topic: "persistent://t/n/x", format: "buffer" });
        assert.deepEqual(msg.payload, payload);
        // fromEntries keeps every key as an own key, `__proto__` included (fast-check does make one).
        const expected = Object.fromEntries(Object.entries(properties).map(([k, v]) => [k, String(v)]));
        assert.deepEqual(msg.properties, expected);
        assert.equal(msg.key, key);
      }),
      { numRuns: 500 },
    );
  });

  it("property: any string survives in utf8 format, any JSON object in json format", () => {
    fc.assert(fc.property(fc.string({ unit: "grapheme" }), (s) => {
      const frame = prepareFrame({ payload: s });
      assert.equal(frame.bytes + ',"context":"1"}'.length, Buffer.byteLength(frameWithContext(frame, 1)), "sized without encoding");
      const parsed = parseServerFrame(serverRoundTrip(frameWithContext(frame, 1)));
      assert.ok(parsed.kind === "message");
      assert.equal(toConsumedMsg(parsed, { topic: "t", format: "utf8" }).payload, s);
    }));
    fc.assert(fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (obj) => {
      const parsed = parseServerFrame(serverRoundTrip(frameWithContext(prepareFrame({ payload: obj }), 1)));
      assert.ok(parsed.kind === "message");
      assert.deepEqual(toConsumedMsg(parsed, { topic: "t", format: "json" }).payload, JSON.parse(JSON.stringify(obj)));
    }));
  });
});
