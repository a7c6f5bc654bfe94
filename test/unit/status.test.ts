import assert from "node:assert/strict";
import { classifyHandshake } from "../../nodes/lib/protocol/handshake";
import { statusFor } from "../../nodes/lib/status";

describe("status", () => {
  it("maps session states to short status views", () => {
    assert.deepEqual(statusFor({ state: "open" }), { fill: "green", shape: "dot", parts: [{ key: "connected" }] });
    assert.deepEqual(statusFor({ state: "open" }, { unacked: 3 }), { fill: "green", shape: "dot", parts: [{ key: "unacked", params: { count: 3 } }] });
    assert.equal(statusFor({ state: "open" }, { paused: true }).parts[0].key, "paused");
    assert.deepEqual(statusFor({ state: "connecting", attempt: 1 }, { buffered: 5 }).parts, [{ key: "connecting" }, { key: "buffered", params: { count: 5 } }]);
    const unauthorized = statusFor({ state: "retrying", delayMs: 45000, failure: { kind: "handshake", outcome: classifyHandshake(401), message: "Failed to authenticate" } });
    assert.deepEqual(unauthorized, { fill: "red", shape: "ring", parts: [{ key: "unauthorized", params: { status: 401 } }, { key: "retry-in", params: { seconds: 45 } }] });
    assert.equal(statusFor({ state: "retrying", delayMs: 100, failure: { kind: "handshake", outcome: classifyHandshake(409), message: "" } }).fill, "yellow");
    assert.equal(statusFor({ state: "failed", failure: { kind: "handshake", outcome: classifyHandshake(400), message: "" } }).parts.length, 1);
    assert.equal(statusFor({ state: "retrying", delayMs: 1000, failure: { kind: "network", code: "UNABLE_TO_VERIFY_LEAF_SIGNATURE", message: "" } }).parts[0].key, "certificate");
  });
});
