import assert from "node:assert/strict";
import { frameLimitFromReason, isRefusalClose } from "../../../nodes/lib/protocol/close-reasons";

describe("protocol/close-reasons", () => {
  it("reads both sizes from the 1009 reasons Pulsar's Jetty writes", () => {
    assert.deepEqual(frameLimitFromReason("Text message too large: 1,052,658 > 1,048,576"), { size: 1052658, limit: 1048576 });
    assert.deepEqual(frameLimitFromReason("Text message too large: 264178 > 262144"), { size: 264178, limit: 262144 });
    assert.deepEqual(frameLimitFromReason("Text message size [264178] exceeds maximum size [262144]"), { size: 264178, limit: 262144 });
  });

  it("gives nothing for a reason that names no limit, or names it the wrong way round", () => {
    for (const reason of ["", "Max payload size exceeded", "Text message too large", "too large: 10 > 20", "Internal error 1011"]) {
      assert.equal(frameLimitFromReason(reason), undefined, reason);
    }
  });

  it("blames frames only for closes that refuse what was sent", () => {
    assert.ok([1002, 1003, 1007, 1008, 1009, 1011].every(isRefusalClose));
    assert.ok(![1000, 1001, 1005, 1006].some(isRefusalClose));
  });
});
