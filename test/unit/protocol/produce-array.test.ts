import fc from "fast-check";
import assert from "node:assert/strict";
import { PulsarError } from "../../../nodes/lib/protocol/errors";
import { CONTEXT_OVERHEAD, prepareFrame } from "../../../nodes/lib/protocol/produce";
import { ArrayElementError, arrayOverCapacity, formatIndexes, groupFailures, prepareEncodedFrames, prepareFrames } from "../../../nodes/lib/protocol/produce-array";

describe("protocol/produce-array", () => {
  const scalar = fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.dictionary(fc.string(), fc.string()));
  const msgFields = fc.record({ key: fc.option(fc.string(), { nil: undefined }), properties: fc.option(fc.dictionary(fc.string(), fc.string()), { nil: undefined }) });

  it("gives each element the frame a msg with that payload and the same fields would get", () => {
    fc.assert(
      fc.property(fc.array(scalar, { maxLength: 20 }), msgFields, (elements, fields) => {
        const frames = prepareFrames({ ...fields, payload: elements }, elements);
        assert.deepEqual(frames, elements.map((payload) => prepareFrame({ ...fields, payload })));
      }),
    );
  });

  it("names the first element that cannot be converted, with the error a single payload would get", () => {
    const err = (() => {
      try {
        prepareFrames({}, ["a", 1, null, undefined]);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    assert.ok(err instanceof ArrayElementError);
    assert.equal(err.index, 2);
    assert.equal(err.code, "array-element");
    assert.equal(err.element.code, "payload-missing");
  });

  it("encoded elements share the msg's fields unless a KEY_VALUE schema gave one its own key", () => {
    const frames = prepareEncodedFrames({ key: "k", properties: { a: "1" } }, [{ payload: Buffer.from("x") }, { payload: Buffer.from("y"), key: "own" }]);
    assert.deepEqual(frames, [prepareFrame({ key: "k", properties: { a: "1" }, payload: Buffer.from("x") }), prepareFrame({ key: "own", properties: { a: "1" }, payload: Buffer.from("y") })]);
  });

  it("refuses an array over what its session holds at once: Max in flight, then the buffer's bounds, counting frames as a session does", () => {
    const frames = prepareFrames({}, ["abc", "def", "ghi"]);
    const size = frames[0].bytes + CONTEXT_OVERHEAD;
    assert.equal(arrayOverCapacity(frames, { maxInFlight: 1, bufferMessages: 2, bufferBytes: 2 * size }), undefined);
    assert.equal(arrayOverCapacity(frames, { maxInFlight: 3, bufferMessages: 0, bufferBytes: 0 }), undefined, "no buffer: what goes in flight");
    assert.deepEqual(arrayOverCapacity(frames, { maxInFlight: 1, bufferMessages: 1, bufferBytes: 2 * size })?.details, {
      messages: 3,
      bytes: 3 * size,
      sessions: 1,
      maxMessages: 2,
      inFlight: 1,
      buffered: 1,
      maxBytes: 2 * size,
    });
    assert.equal(arrayOverCapacity(frames, { maxInFlight: 1, bufferMessages: 2, bufferBytes: 2 * size - 1 })?.code, "array-too-large");
    assert.equal(arrayOverCapacity([], { maxInFlight: 1, bufferMessages: 0, bufferBytes: 0 }), undefined);
  });

  it("counts each element in the session it goes to", () => {
    const frames = prepareFrames({}, ["a", "b", "c", "d", "e"]);
    const each = { maxInFlight: 1, bufferMessages: 1, bufferBytes: 1000 };
    assert.equal(arrayOverCapacity(frames, { ...each, targets: [0, 1, 2, 0, 1] }), undefined, "round robin over 3: at most 2 each");
    const over = arrayOverCapacity(frames, { ...each, targets: [0, 0, 0, 1, 2] });
    assert.equal(over?.details.sessions, 3);
    assert.equal(over?.details.maxMessages, 6, "three sessions of 1 + 1");
  });

  it("groups failures by reason, in the order of their first index, describing each error once", () => {
    const a = new PulsarError("closed", "closed-before-ack");
    const b = new PulsarError("server", "send-error");
    const c = new PulsarError("server", "send-error");
    let described = 0;
    const groups = groupFailures([undefined, b, a, c, undefined, a], (e) => {
      described++;
      return e.code;
    });
    assert.deepEqual(groups, [
      { indexes: [1, 3], reason: "send-error" },
      { indexes: [2, 5], reason: "closed-before-ack" },
    ]);
    assert.equal(described, 3);
  });

  it("lists indexes with runs as ranges, and caps a long list", () => {
    assert.equal(formatIndexes([3, 7]), "[3, 7]");
    assert.equal(formatIndexes([0, 1, 2, 3, 9, 10, 12]), "[0–3, 9, 10, 12]");
    const every2nd = Array.from({ length: 100 }, (_, i) => 2 * i);
    assert.equal(formatIndexes(every2nd), `[${every2nd.slice(0, 20).join(", ")}, … 80 more]`);
  });
});
