/**
 * Delivery: what reaches the flow, what goes to Catch and when a frame is acked, with stand-in
 * sessions (the node tests and the encryption and schema integration tests run it for real).
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { Delivery, type DeliveryOptions } from "../../nodes/lib/delivery";
import { parsePrivateKey } from "../../nodes/lib/protocol/pem-keys";
import { Decryptor } from "../../nodes/lib/session/message-keys";
import type { CryptoFailureAction } from "../../nodes/lib/encrypted-in";
import type { ConsumedBatch, ConsumedMsg } from "../../nodes/lib/protocol/consume";
import { ManualClock } from "../support/manual-clock";
import type { ConsumerMessageFrame } from "../../nodes/lib/protocol/server-frames";
import { parseTopic } from "../../nodes/lib/protocol/topics";
import type { Lane } from "../../nodes/lib/session/consumer-group";
import { SchemaIn } from "../../nodes/lib/schema-glue";
import { SchemaRegistry } from "../../nodes/lib/schema-registry";

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
    send: (m) => sent.push(m as ConsumedMsg), fail: (err) => failed.push(err), undecryptable: (_e, discarded) => undecryptable.push(discarded), ...extra,
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

  it("an entry of an encrypted batch that throws goes to Catch under its own id; the entries after it still reach the flow", () => {
    // A batch Pulsar 4.2.4 delivered from its Java producer (P-256, ZLIB).
    const capture = JSON.parse(fs.readFileSync(path.resolve(__dirname, "../../../test/unit/fixtures/encryption/java-p256-batch-zlib.json"), "utf8")) as {
      keyName: string; privateKeyPem: string; frames: ConsumerMessageFrame[];
    };
    const batch = capture.frames.find((f) => (f.encryptionContext as { batchSize?: number } | undefined)?.batchSize !== undefined && ((f.encryptionContext as { batchSize: number }).batchSize > 2))!;
    const entries = (batch.encryptionContext as { batchSize: number }).batchSize;
    const tracked: string[][] = [];
    const sent: ConsumedMsg[] = [];
    const failed: unknown[] = [];
    const acks: string[] = [];
    const session = { ack: (id: string) => acks.push(id), nack: () => undefined, trackBatch: (_id: string, ids: string[]) => tracked.push(ids) };
    const lane = { topic, target: topic, session } as unknown as Lane;
    let n = 0;
    const delivery = new Delivery({
      manualAck: false, subscription: "s", format: "buffer", cryptoFailureAction: "fail",
      decryptor: new Decryptor(new Map([[capture.keyName, parsePrivateKey(capture.privateKeyPem)]])),
      send: (m) => {
        if (n++ === 1) throw new RangeError("Maximum call stack size exceeded"); // the second entry
        sent.push(m as ConsumedMsg);
      },
      fail: (err) => failed.push(err), undecryptable: () => undefined,
    });
    delivery.deliver({ ...batch, kind: "message" }, lane);
    assert.equal(tracked.length, 1);
    assert.equal(sent.length, entries - 1, "every other entry reached the flow");
    assert.equal(failed.length, 1);
    assert.deepEqual(acks, tracked[0], "each entry acked under its own id, the batch's own id never");
  });
});

describe("Delivery with batches", () => {
  it("collects decoded messages into one msg per topic, acks them after it went on, sends what fails to decode alone to Catch", () => {
    const clock = new ManualClock();
    const sent: unknown[] = [];
    const failed: unknown[] = [];
    const acks: string[] = [];
    const session = { ack: (id: string) => acks.push(id), nack: () => undefined, trackBatch: () => undefined };
    const lane = { topic, target: topic, session } as unknown as Lane;
    const delivery = new Delivery({
      manualAck: false, subscription: "s", format: "json", cryptoFailureAction: "fail", batch: { size: 3, timeoutMs: 100, clock },
      send: (m) => sent.push(m), fail: (_err, raw) => failed.push(raw), undecryptable: () => undefined,
    });
    delivery.deliver(frame("[1]", { messageId: "a", key: "k1", properties: { p: "1" } }), lane);
    delivery.deliver(frame("not json", { messageId: "bad" }), lane);
    delivery.deliver(frame("[2]", { messageId: "b" }), lane);
    assert.equal(sent.length, 0);
    assert.equal(failed.length, 1, "the undecodable one went to Catch alone, at once");
    assert.deepEqual(acks, ["bad"]);
    delivery.deliver(frame("[3]", { messageId: "c" }), lane);
    assert.deepEqual(acks, ["bad", "a", "b", "c"]);
    const [batch] = sent as ConsumedBatch[];
    assert.deepEqual(batch.payload, [[1], [2], [3]]);
    assert.equal(batch.topic, topic.full);
    assert.deepEqual(batch.pulsar.messageIds, ["a", "b", "c"]);
    assert.equal(batch.pulsar.subscription, "s");
    assert.equal(batch.pulsar.messages[0].key, "k1");
    assert.deepEqual(batch.pulsar.messages[0].properties, { p: "1" });
    assert.equal(batch.pulsar.messages[1].messageId, "b");
    delivery.deliver(frame("[4]", { messageId: "d" }), lane);
    delivery.close();
    clock.advance(1000);
    assert.equal(sent.length, 1, "nothing emitted after close");
    assert.deepEqual(clock.pending(), []);
  });
});

describe("Delivery with schema and batches", () => {
  // Decided: control messages do not wait for schema reads (an admin call that may take its full
  // timeout); a message still waiting for its schema goes on after the control message, once, and is
  // acked only then.
  it("flush() (every control message) emits what is decoded; a message still waiting for its schema goes on after it, then is acked", async () => {
    const clock = new ManualClock();
    const events: string[] = [];
    let answer!: (v: unknown) => void;
    const registry = new SchemaRegistry({ fetch: () => new Promise((r) => (answer = r)) });
    const schemas = new SchemaIn(registry, { send: (m, after) => delivery.hand(m, after), fail: () => events.push("catch"), noSchema: () => undefined });
    const delivery: Delivery = new Delivery({
      manualAck: false, subscription: "s", format: "auto", schemas, cryptoFailureAction: "fail", batch: { size: 10, timeoutMs: 100, clock },
      send: (m) => events.push(`emit ${JSON.stringify((m as ConsumedBatch).payload)}`), fail: () => events.push("catch"), undecryptable: () => undefined,
    });
    const session = { ack: (id: string) => events.push(`ack ${id}`), nack: () => undefined, trackBatch: () => undefined };
    const lane = { topic, target: topic, session } as unknown as Lane;
    delivery.deliver(frame("a", { messageId: "A" }), lane);
    delivery.flush(); // the node does this first for a "seek" / "disconnect"
    events.push("control action runs");
    answer(null); // the admin answer arrives: no schema
    await new Promise((r) => setImmediate(r));
    clock.advance(100);
    assert.deepEqual(events, ["control action runs", 'emit ["a"]', "ack A"]);
  });
});
