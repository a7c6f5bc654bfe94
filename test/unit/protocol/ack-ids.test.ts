/** ackIdsOf: which ids an input msg of pulsar-in acks, checked before any ack goes out. */
import assert from "node:assert/strict";
import { ackIdsOf } from "../../../nodes/lib/protocol/ack-ids";
import { PulsarError } from "../../../nodes/lib/protocol/errors";

const A = "CAEQAQ==";
const B = "CAEQAg==";
const C = "CAEQAw==";

function refused(r: ReturnType<typeof ackIdsOf>): PulsarError {
  assert.ok(r instanceof PulsarError, JSON.stringify(r));
  return r;
}

describe("ackIdsOf", () => {
  it("a single msg.pulsar.messageId: that id; a malformed one is refused", () => {
    assert.deepEqual(ackIdsOf({ pulsar: { messageId: A } }, 10), [A]);
    assert.equal(refused(ackIdsOf({ pulsar: { messageId: "not an id" } }, 10)).code, "ack-bad-message-id");
    assert.equal(refused(ackIdsOf({ pulsar: {} }, 10)).code, "no-message-id");
  });

  it("msg.pulsar.messageIds: each id once", () => {
    assert.deepEqual(ackIdsOf({ pulsar: { messageIds: [A, B, A, A, C] } }, 10), [A, B, C]);
  });

  it("more ids than the largest batch: refused before any id is read", () => {
    const e = refused(ackIdsOf({ pulsar: { messageIds: Array.from({ length: 11 }, () => A) } }, 10));
    assert.equal(e.code, "ack-too-many-ids");
    assert.deepEqual(e.details, { count: 11, max: 10 });
  });

  it("a malformed id: refused, naming its index", () => {
    const e = refused(ackIdsOf({ pulsar: { messageIds: [A, B, Buffer.from("forged").toString("base64")] } }, 10));
    assert.equal(e.code, "ack-bad-id");
    assert.deepEqual(e.details, { index: 2 });
    assert.equal(refused(ackIdsOf({ pulsar: { messageIds: [A, 7] } }, 10)).code, "ack-bad-id");
    assert.equal(refused(ackIdsOf({ pulsar: { messageIds: [] } }, 10)).code, "no-message-id");
  });

  it("a part of a split batch msg (parts.index an integer, parts.count the ids' count): only its own id", () => {
    const messageIds = [A, B, C];
    assert.deepEqual(ackIdsOf({ pulsar: { messageIds }, parts: { id: "x", index: 1, count: 3 } }, 10), [B]);
    // Not a part of this batch: every id.
    assert.deepEqual(ackIdsOf({ pulsar: { messageIds }, parts: { id: "x", index: 1, count: 2 } }, 10), messageIds);
    assert.deepEqual(ackIdsOf({ pulsar: { messageIds }, parts: { id: "x", index: 1.5, count: 3 } }, 10), messageIds);
    assert.deepEqual(ackIdsOf({ pulsar: { messageIds }, parts: { id: "x", index: 3, count: 3 } }, 10), messageIds);
  });
});
