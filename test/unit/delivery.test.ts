/**
 * Delivery: what reaches the flow, what goes to Catch and when a frame is acked, with stand-in
 * sessions (the node tests and the encryption and schema integration tests run it for real).
 */
import assert from "node:assert/strict";
import { Delivery, type DeliveryOptions } from "../../nodes/lib/delivery";
import type { CryptoFailureAction } from "../../nodes/lib/encrypted-in";
import type { ConsumedMsg } from "../../nodes/lib/protocol/consume";
import type { ConsumerMessageFrame } from "../../nodes/lib/protocol/server-frames";
import { parseTopic } from "../../nodes/lib/protocol/topics";
import type { Lane } from "../../nodes/lib/session/consumer-group";

const topic = parseTopic("t", { tenant: "public", namespace: "default" });

function setUp(extra: Partial<DeliveryOptions> = {}): { delivery: Delivery; lane: Lane; sent: ConsumedMsg[]; failed: unknown[]; acks: string[]; nacks: string[]; undecryptable: boolean[] } {
  const sent: ConsumedMsg[] = [];
  const failed: unknown[] = [];
  const acks: string[] = [];
  const nacks: string[] = [];
  const undecryptable: boolean[] = [];
  const session = { ack: (id: string) => acks.push(id), nack: (id: string) => nacks.push(id), trackBatch: () => undefined };
  const lane = { topic, target: topic, session } as unknown as Lane;
  const delivery = new Delivery({
    manualAck: false, subscription: "s", format: "json", cryptoFailureAction: "fail",
    send: (m) => sent.push(m), fail: (err) => failed.push(err), undecryptable: (_e, discarded) => undecryptable.push(discarded), ...extra,
  });
  return { delivery, lane, sent, failed, acks, nacks, undecryptable };
}

const frame = (payload: string, extra: Partial<ConsumerMessageFrame> = {}): ConsumerMessageFrame =>
  ({ kind: "message", messageId: "CAEQAQ==", payload: Buffer.from(payload).toString("base64"), properties: {}, publishTime: "2026-12-06T00:00:00Z", redeliveryCount: 0, ...extra }) as ConsumerMessageFrame;

describe("Delivery", () => {
  it("sends a decoded message and acks it; manual ack leaves the ack to the flow", () => {
    const auto = setUp();
    auto.delivery.deliver(frame('{"a":1}'), auto.lane);
    assert.deepEqual(auto.sent.map((m) => m.payload), [{ a: 1 }]);
    assert.deepEqual(auto.acks, ["CAEQAQ=="]);
    const manual = setUp({ manualAck: true });
    manual.delivery.deliver(frame('{"a":1}'), manual.lane);
    assert.equal(manual.sent.length, 1);
    assert.deepEqual(manual.acks, []);
  });

  it("a payload that does not decode goes to Catch with its raw bytes, and is acked in auto mode", () => {
    const d = setUp();
    d.delivery.deliver(frame("not json"), d.lane);
    assert.equal(d.sent.length, 0);
    assert.equal(d.failed.length, 1);
    assert.deepEqual(d.acks, ["CAEQAQ=="]);
  });

  it("a frame that cannot be decrypted: fail → Catch and nack; discard → ack; consume → the encrypted bytes go on", () => {
    const bad = frame("cipher", { encryptionContext: { nonsense: true } as unknown as ConsumerMessageFrame["encryptionContext"] });
    const outcomes = (["fail", "discard", "consume"] as CryptoFailureAction[]).map((cryptoFailureAction) => {
      const d = setUp({ cryptoFailureAction });
      d.delivery.deliver(bad, d.lane);
      return { sent: d.sent.length, failed: d.failed.length, acks: d.acks.length, nacks: d.nacks.length, undecryptable: d.undecryptable };
    });
    assert.deepEqual(outcomes, [
      { sent: 0, failed: 1, acks: 0, nacks: 1, undecryptable: [false] },
      { sent: 0, failed: 0, acks: 1, nacks: 0, undecryptable: [true] },
      { sent: 1, failed: 0, acks: 1, nacks: 0, undecryptable: [false] },
    ]);
  });

  it("never throws: whatever a frame makes a decoder throw goes to Catch with its raw bytes, and is acked in auto mode", () => {
    const throwing = { deliver: () => { throw new RangeError("Invalid time value"); } } as unknown as DeliveryOptions["schemas"];
    const d = setUp({ schemas: throwing });
    assert.doesNotThrow(() => d.delivery.deliver(frame("x"), d.lane));
    assert.equal(d.failed.length, 1);
    assert.match(String(d.failed[0]), /Invalid time value/);
    assert.deepEqual(d.acks, ["CAEQAQ=="]);
  });
});
