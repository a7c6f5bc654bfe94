/**
 * Batches delivered entry by entry (decrypted Java batches): the frame is acked once every entry
 * is, nacked at the first nack, and entries after a nack are only forgotten.
 */
import assert from "node:assert/strict";
import { BatchAcks } from "../../../nodes/lib/session/batch-acks";

describe("session/batch-acks", () => {
  it("acks the frame when the last entry is acked, in any order", () => {
    const b = new BatchAcks();
    b.add("F", ["e0", "e1", "e2"]);
    assert.deepEqual(b.settle("e2", "ack"), { frameId: "F" });
    assert.deepEqual(b.settle("e0", "ack"), { frameId: "F" });
    assert.equal(b.has("e1"), true);
    assert.deepEqual(b.settle("e1", "ack"), { frameId: "F", answer: "ack" });
    assert.equal(b.size, 0);
    assert.equal(b.settle("e1", "ack"), undefined, "an entry answered twice is no longer tracked");
  });

  it("nacks the frame at the first nack; later answers of its entries send nothing", () => {
    const b = new BatchAcks();
    b.add("F", ["e0", "e1", "e2"]);
    assert.deepEqual(b.settle("e0", "ack"), { frameId: "F" });
    assert.deepEqual(b.settle("e1", "nack"), { frameId: "F", answer: "nack" });
    assert.deepEqual(b.settle("e2", "ack"), { frameId: "F" });
    assert.equal(b.size, 0);
  });

  it("unknown ids are not entries; clear() forgets everything (a new socket redelivers)", () => {
    const b = new BatchAcks();
    b.add("F", ["e0"]);
    assert.equal(b.settle("x", "ack"), undefined);
    b.clear();
    assert.equal(b.has("e0"), false);
  });
});
