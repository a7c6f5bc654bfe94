import assert from "node:assert/strict";
import fc from "fast-check";
import { PulsarError } from "../../nodes/lib/protocol/errors";
import { autoDetect, decodePayload, toConsumedMsg } from "../../nodes/lib/protocol/consume";
import { decodeBase64Strict } from "../../nodes/lib/protocol/base64";
import { ackFrame, nackFrame, permitFrame } from "../../nodes/lib/protocol/commands";
import { frameWithContext, normalizeEventTime, payloadToBuffer, prepareFrame, wireBytes, type ProduceFrameFields, type ProduceInput } from "../../nodes/lib/protocol/produce";
import { parseJsonFrame, parseOkAckAsPulsarWritesIt, parseServerFrame } from "../../nodes/lib/protocol/server-frames";

function errorOf(fn: () => unknown): PulsarError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof PulsarError);
    return err;
  }
  assert.fail("expected an error");
}

/** The frame fields as Pulsar reads them from what the session sends. */
function toProduceFields(input: ProduceInput): ProduceFrameFields {
  const fields = JSON.parse(frameWithContext(prepareFrame(input), 1)) as ProduceFrameFields & { context?: string };
  delete fields.context;
  return fields;
}

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

describe("protocol/produce", () => {
  it("wireBytes is the exact UTF-8 size of the frame sent, for any msg and context", () => {
    fc.assert(fc.property(fc.oneof(fc.string(), fc.uint8Array().map((a) => Buffer.from(a))), fc.option(fc.dictionary(fc.string(), fc.string())), fc.option(fc.string()), fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
      (payload, properties, key, context) => {
        const frame = prepareFrame({ payload, properties: properties ?? undefined, key: key ?? undefined });
        assert.equal(wireBytes(frame, context), Buffer.byteLength(frameWithContext(frame, context), "utf8"));
      }));
  });

  it("maps payload types as the spec says", () => {
    assert.deepEqual(payloadToBuffer(Buffer.from([0, 255])), Buffer.from([0, 255]));
    assert.equal(payloadToBuffer("héllo").toString("utf8"), "héllo");
    assert.equal(payloadToBuffer(42.5).toString(), "42.5");
    assert.equal(payloadToBuffer(false).toString(), "false");
    assert.equal(payloadToBuffer({ a: [1, "x"] }).toString(), '{"a":[1,"x"]}');
    assert.equal(payloadToBuffer([1, 2]).toString(), "[1,2]");
    assert.equal(payloadToBuffer("").length, 0);
    assert.deepEqual(payloadToBuffer(new Uint8Array([1, 2, 3]).subarray(1)), Buffer.from([2, 3]));
  });

  it("refuses payloads it cannot publish, naming the problem", () => {
    assert.equal(errorOf(() => payloadToBuffer(undefined)).code, "payload-missing");
    assert.equal(errorOf(() => payloadToBuffer(null)).code, "payload-missing");
    assert.equal(errorOf(() => payloadToBuffer(NaN)).code, "payload-number");
    assert.equal(errorOf(() => payloadToBuffer(Infinity)).code, "payload-number");
    assert.equal(errorOf(() => payloadToBuffer(Symbol("x"))).code, "payload-type");
    assert.equal(errorOf(() => payloadToBuffer(() => 1)).code, "payload-type");
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    assert.equal(errorOf(() => payloadToBuffer(cyclic)).code, "payload-json");
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

describe("protocol/server-frames", () => {
  it("parses ok and error acks, contexts as strings", () => {
    assert.deepEqual(parseServerFrame('{"result":"ok","messageId":"CAcQAzAA","context":"42","errorCode":0,"schemaVersion":0}'), {
      kind: "ack", result: "ok", messageId: "CAcQAzAA", context: "42",
    });
    assert.deepEqual(parseServerFrame('{"result":"send-error:7","errorMsg":"bad","context":5,"errorCode":0}'), {
      kind: "ack", result: "send-error:7", errorMsg: "bad", context: "5",
    });
    assert.deepEqual(parseServerFrame('{"result":"send-error:3","errorMsg":"x","errorCode":0}'), { kind: "ack", result: "send-error:3", errorMsg: "x" });
  });

  it("reads Pulsar's ok ack without JSON.parse, and agrees with the full parse on every text it takes", () => {
    const pulsarAck = '{"result":"ok","messageId":"CAcQAzAA","context":"42","errorCode":0,"schemaVersion":0}';
    assert.deepEqual(parseOkAckAsPulsarWritesIt(pulsarAck), parseJsonFrame(pulsarAck));
    for (const other of ['{"result":"ok","messageId":"CAcQAzAA","errorCode":0,"schemaVersion":0}', '{"result":"ok","messageId":"CAcQAzAA","context":"4\\u0032"}', '{ "result":"ok","messageId":"CAcQAzAA","context":"42"}']) {
      assert.equal(parseOkAckAsPulsarWritesIt(other), undefined, other);
      assert.equal(parseServerFrame(other).kind, "ack", other);
    }
    // Texts near the shape Pulsar writes: every piece either right or replaced by something odd.
    const piece = (right: string, odd: fc.Arbitrary<string>): fc.Arbitrary<string> => fc.oneof({ weight: 4, arbitrary: fc.constant(right) }, { weight: 1, arbitrary: odd });
    const mostly = (usual: fc.Arbitrary<string>, ...odd: fc.Arbitrary<string>[]): fc.Arbitrary<string> =>
      fc.oneof({ weight: 4 * odd.length, arbitrary: usual }, ...odd.map((arbitrary) => ({ weight: 1, arbitrary })));
    // Shaped like Pulsar's ids: a MessageIdData starts with its ledgerId tag (0x08).
    const base64Id = fc.uint8Array({ minLength: 3, maxLength: 23 }).map((b) => Buffer.concat([Buffer.from([0x08]), b]).toString("base64"));
    const text = fc.tuple(
      piece('{"result":"ok","messageId":"', fc.string({ maxLength: 30 })),
      mostly(base64Id, fc.string({ maxLength: 30 }), fc.string({ unit: "binary", maxLength: 10 })),
      piece('","context":"', fc.string({ maxLength: 15 })),
      mostly(fc.nat().map(String), fc.bigInt({ min: 0n, max: 10n ** 22n }).map(String), fc.string({ maxLength: 25 })),
      mostly(fc.constantFrom('","errorCode":0,"schemaVersion":0}', '"}'), fc.string({ maxLength: 40 })),
    ).map((parts) => parts.join(""));
    let fast = 0;
    fc.assert(fc.property(text, (t) => {
      const quick = parseOkAckAsPulsarWritesIt(t);
      if (quick === undefined) return;
      fast++;
      assert.deepEqual(quick, parseJsonFrame(t));
    }), { numRuns: 5000 });
    assert.ok(fast > 500, `the fast path took ${fast} of 5000 texts`);
  });

  it("parses consumer messages and never throws on malformed ones", () => {
    const m = parseServerFrame('{"messageId":"CAcQAzAA","payload":"aGk=","properties":{},"publishTime":"2026-01-01T00:00:00Z","redeliveryCount":2,"key":"k"}');
    assert.equal(m.kind, "message");
    for (const bad of ['{"messageId":"\\ud800x","payload":""}', '{"messageId":"a b","payload":""}', "", "not json", "[]", "null", "42", '{"result":1}', '{"result":"ok"}', '{"messageId":1,"payload":"x"}', '{"messageId":"a","payload":1}', '{"messageId":"a","payload":"x","properties":{"a":1}}', '{"messageId":"a","payload":"x","redeliveryCount":-1}', '{"endOfTopic":"yes"}']) {
      assert.equal(parseServerFrame(bad).kind, "invalid", bad);
    }
    assert.deepEqual(parseServerFrame('{"type":"AUTH_CHALLENGE"}'), { kind: "unknown", type: "AUTH_CHALLENGE" });
    assert.deepEqual(parseServerFrame('{"endOfTopic":true}'), { kind: "endOfTopic", endOfTopic: true });
  });

  it("bounds the server's strings that reach errors and logs", () => {
    const huge = "x".repeat(2_000_000);
    const ack = parseServerFrame(JSON.stringify({ result: "send-error:8", errorMsg: huge, context: huge }));
    assert.equal(ack.kind, "ack");
    if (ack.kind !== "ack") return;
    assert.ok(ack.errorMsg!.length < 1100, `errorMsg ${ack.errorMsg!.length} chars`);
    assert.ok(ack.context!.length < 100);
    assert.match(ack.errorMsg!, /2000000 chars/);
  });

  it("property: arbitrary text never throws", () => {
    fc.assert(fc.property(fc.oneof(fc.string(), fc.json()), (text) => {
      parseServerFrame(text);
    }), { numRuns: 2000 });
  });

  it("builds exactly the command frames Pulsar expects", () => {
    assert.equal(ackFrame("CAcQAzAA"), '{"messageId":"CAcQAzAA"}');
    assert.equal(nackFrame("CAcQAzAA"), '{"type":"negativeAcknowledge","messageId":"CAcQAzAA"}');
    assert.equal(permitFrame(10), '{"type":"permit","permitMessages":10}');
  });

  it("property: accepts exactly the RFC 4648 base64 texts (padding optional) and decodes them as Node does", () => {
    const strict = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}(?:==)?|[A-Za-z0-9+/]{3}=?)?$/;
    const alphabet = fc.constantFrom(..."ABCxyz019+/=-_ \n!é".split(""));
    const text = fc.oneof(fc.string({ unit: alphabet, maxLength: 24 }), fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.from(b).toString("base64")));
    fc.assert(
      fc.property(text, (t) => {
        const decoded = decodeBase64Strict(t);
        assert.equal(decoded !== undefined, strict.test(t), JSON.stringify(t));
        if (decoded) assert.deepEqual(decoded, Buffer.from(t, "base64"));
      }),
      { numRuns: 5000 },
    );
  });

  it("decodes base64 strictly", () => {
    assert.deepEqual(decodeBase64Strict("aGk="), Buffer.from("hi"));
    assert.deepEqual(decodeBase64Strict("aGk"), Buffer.from("hi"));
    assert.deepEqual(decodeBase64Strict(""), Buffer.alloc(0));
    assert.equal(decodeBase64Strict("a-b_"), undefined);
    assert.equal(decodeBase64Strict("!!!"), undefined);
  });
});

describe("protocol/consume", () => {
  const frame = { kind: "message" as const, messageId: "CAcQAzAA", payload: Buffer.from('{"a":1}').toString("base64"), properties: { p: "1" }, publishTime: "2026-01-01T00:00:00.1Z", redeliveryCount: 1, key: "k", eventTime: "2026-01-01T00:00:00Z" };

  it("builds the output msg with topic, key, properties and msg.pulsar", () => {
    const msg = toConsumedMsg(frame, { topic: "persistent://public/default/t", subscription: "s", format: "auto" });
    assert.deepEqual(msg, {
      payload: { a: 1 },
      topic: "persistent://public/default/t",
      key: "k",
      properties: { p: "1" },
      pulsar: { messageId: "CAcQAzAA", publishTime: "2026-01-01T00:00:00.1Z", eventTime: "2026-01-01T00:00:00Z", redeliveryCount: 1, key: "k", topic: "persistent://public/default/t", subscription: "s" },
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
        const expected: Record<string, string> = {};
        for (const [k, v] of Object.entries(properties)) expected[k] = String(v);
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
