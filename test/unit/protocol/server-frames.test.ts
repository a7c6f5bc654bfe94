import assert from "node:assert/strict";
import fc from "fast-check";
import { parseJsonFrame, parseOkAckAsPulsarWritesIt, parseServerFrame } from "../../../nodes/lib/protocol/server-frames";

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
});
