import assert from "node:assert/strict";
import fc from "fast-check";
import { decodeMessageId, encodeMessageId, partitionOf, withPartition } from "../../../nodes/lib/protocol/message-id";

describe("protocol/message-id", () => {
  it("reads the ids Pulsar writes: ledger, entry, partition (absent = -1), batch index", () => {
    assert.deepEqual(decodeMessageId("CAcQAzAA"), { ledgerId: "7", entryId: "3", partition: -1 });
    assert.deepEqual(decodeMessageId("CAcQAxgBMAA="), { ledgerId: "7", entryId: "3", partition: 1 });
    assert.equal(partitionOf("CAcQAxgBMAA="), 1);
    assert.equal(partitionOf("CAcQAzAA"), -1);
    // batch_index 2, batch_size 5
    const batched = Buffer.from([0x08, 0x07, 0x10, 0x03, 0x18, 0x02, 0x20, 0x02, 0x30, 0x05]).toString("base64");
    assert.deepEqual(decodeMessageId(batched), { ledgerId: "7", entryId: "3", partition: 2, batchIndex: 2 });
  });

  it("keeps uint64 ledger ids exact and skips fields it does not use (ack_set, first_chunk_message_id)", () => {
    const big = encodeMessageId("18446744073709551615", 1);
    assert.equal(decodeMessageId(big)?.ledgerId, "18446744073709551615");
    const withAckSet = Buffer.concat([Buffer.from(encodeMessageId(9, 9), "base64"), Buffer.from([0x2a, 0x02, 0x01, 0x02])]).toString("base64");
    assert.deepEqual(decodeMessageId(withAckSet), { ledgerId: "9", entryId: "9", partition: -1 });
  });

  it("refuses what is not a MessageIdData: bad base64, truncated varints, lengths past the end, no ledger", () => {
    for (const bad of ["", "not base64!", Buffer.from([0x08]).toString("base64"), Buffer.from([0x08, 0x01, 0x2a, 0x09]).toString("base64"), Buffer.from([0x10, 0x01]).toString("base64")]) {
      assert.equal(decodeMessageId(bad), undefined, bad);
      assert.equal(partitionOf(bad), -1);
    }
  });

  it("partitionOf (the per-message fast path) agrees with decodeMessageId on any bytes, any field layout and any int32 partition", () => {
    const agree = (base64: string): void => assert.equal(partitionOf(base64), decodeMessageId(base64)?.partition ?? -1, base64);
    fc.assert(fc.property(fc.uint8Array({ maxLength: 40 }), (bytes) => agree(Buffer.from(bytes).toString("base64"))), { numRuns: 5000 });
    // Well-formed ids with any int32 partition (negative ones as ten-byte varints), extra fields and repeats.
    const varint = (v: bigint): number[] => {
      const out: number[] = [];
      let x = BigInt.asUintN(64, v);
      while (x >= 0x80n) {
        out.push(Number((x & 0x7fn) | 0x80n));
        x >>= 7n;
      }
      out.push(Number(x));
      return out;
    };
    const field = fc.oneof(
      fc.tuple(fc.constantFrom(1, 2, 4, 6), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n })).map(([f, v]) => [f * 8, ...varint(v)]),
      fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }).map((p) => [0x18, ...varint(BigInt(p))]),
      fc.uint8Array({ maxLength: 6 }).map((b) => [0x2a, b.length, ...b]),
    );
    fc.assert(fc.property(fc.array(field, { maxLength: 6 }), fc.boolean(), (fields, truncate) => {
      const bytes = fields.flat();
      agree(Buffer.from(truncate ? bytes.slice(0, -1) : bytes).toString("base64"));
    }), { numRuns: 5000 });
  });

  it("encodes as Pulsar's client does (CAcQAzAA), with entry -1 for 'before the ledger's first entry'", () => {
    assert.equal(encodeMessageId(7, 3), "CAcQAzAA");
    assert.equal(encodeMessageId(7, 3, 1), "CAcQAxgBMAA=");
    assert.equal(decodeMessageId(encodeMessageId(4, -1))?.entryId, "18446744073709551615");
  });

  it("round-trips any ledger, entry and partition", () => {
    fc.assert(fc.property(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), fc.bigInt({ min: 0n, max: 2n ** 63n }), fc.integer({ min: -1, max: 100000 }), (ledger, entry, partition) => {
      const parts = decodeMessageId(encodeMessageId(ledger, entry, partition));
      assert.deepEqual(parts, { ledgerId: ledger.toString(), entryId: entry.toString(), partition });
    }));
  });

  it("withPartition puts the partition in field order, as a consumer of the partitioned topic sees the id", () => {
    // Seen on Pulsar 4.2: a producer on t-partition-1 was acked CAQQADAA, a consumer of t got CAQQABgBMAA=.
    assert.equal(withPartition("CAQQADAA", 1), "CAQQABgBMAA=");
    assert.equal(withPartition("CAcQAzAA", 0), encodeMessageId(7, 3, 0));
    assert.deepEqual(decodeMessageId(withPartition("CAcQAzAA", 300)), { ledgerId: "7", entryId: "3", partition: 300 });
    const batched = Buffer.from([0x08, 0x07, 0x10, 0x03, 0x20, 0x02, 0x30, 0x05]).toString("base64");
    assert.deepEqual(decodeMessageId(withPartition(batched, 2)), { ledgerId: "7", entryId: "3", partition: 2, batchIndex: 2 });
    assert.equal(Buffer.from(withPartition(batched, 2), "base64")[4], 0x18, "before batch_index (4)");
    assert.equal(withPartition("CAcQAxgBMAA=", 3), "CAcQAxgBMAA=", "a partition already there stays");
    assert.equal(withPartition("not an id!", 1), "not an id!");
  });
});
