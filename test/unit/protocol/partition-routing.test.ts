import fc from "fast-check";
import assert from "node:assert/strict";
import { javaStringHash, murmur3Hash32, partitionForKey, shareOf, signSafeMod } from "../../../nodes/lib/protocol/partition-routing";
import { partitionTopic } from "../../../nodes/lib/protocol/topics";
import { parseTopic } from "../../../nodes/lib/protocol/topics";

/** Java's `String.hashCode()` as Java prints it (signed), for the cases worked out by hand below. */
const JAVA_HASH_CODES: [string, number][] = [
  ["", 0],
  ["a", 97],
  ["hello", 99162322],
  ["Aa", 2112], // the textbook collision
  ["BB", 2112],
  ["é", 233], // U+00E9 is one UTF-16 unit
  ["日本", 0x65e5 * 31 + 0x672c], // 835047
  ["😀", 0xd83d * 31 + 0xde00], // a surrogate pair: two units, 1772899
  ["polygenelubricants", -2147483648], // Integer.MIN_VALUE
  ["Hello, world!", -1880044555],
  ["The quick brown fox jumps over the lazy dog", -609428141],
];

/** Published MurmurHash3 x86_32 values for seed 0, as unsigned hex. */
const MURMUR3_SEED0: [string, number][] = [
  ["", 0x00000000],
  ["a", 0x3c2569b2],
  ["hello", 0x248bfa47],
  ["Hello, world!", 0xc0363e43],
  ["The quick brown fox jumps over the lazy dog", 0x2e4ff723],
];

describe("protocol/partition-routing", () => {
  it("JavaStringHash is Java's String.hashCode() with the sign bit cleared (not its absolute value)", () => {
    for (const [key, java] of JAVA_HASH_CODES) assert.equal(javaStringHash(key), java & 0x7fffffff, JSON.stringify(key));
    assert.equal(javaStringHash("polygenelubricants"), 0);
    assert.equal(javaStringHash("Hello, world!"), 267439093);
    assert.notEqual(javaStringHash("Hello, world!"), 1880044555, "masking, not Math.abs");
  });

  it("Murmur3_32Hash is MurmurHash3 x86_32, seed 0, over UTF-8, sign bit cleared", () => {
    for (const [key, murmur] of MURMUR3_SEED0) assert.equal(murmur3Hash32(key), murmur & 0x7fffffff, JSON.stringify(key));
    // Every tail length (1..3 bytes after the 4-byte blocks) and multi-byte UTF-8 give a 31-bit result.
    fc.assert(fc.property(fc.string({ unit: "grapheme" }), (key) => {
      const h = murmur3Hash32(key);
      assert.ok(Number.isInteger(h) && h >= 0 && h <= 0x7fffffff);
    }));
  });

  it("signSafeMod stays in [0, divisor) for negative dividends, as Pulsar's MathUtils", () => {
    assert.equal(signSafeMod(-1, 4), 3);
    assert.equal(signSafeMod(-4, 4), 0);
    assert.equal(signSafeMod(7, 4), 3);
    fc.assert(fc.property(fc.integer(), fc.integer({ min: 1, max: 1000 }), (d, n) => {
      const m = signSafeMod(d, n);
      assert.ok(m >= 0 && m < n && (d - m) % n === 0);
    }));
  });

  it("a keyed message goes to hash(key) mod partitions, with the chosen scheme", () => {
    assert.equal(partitionForKey("hello", 4, "JavaStringHash"), 99162322 % 4);
    // Negative hashCode: 1538055507 % 4 = 3, where |hashCode| % 4 would say 1.
    assert.equal(partitionForKey("The quick brown fox jumps over the lazy dog", 4, "JavaStringHash"), 3);
    assert.equal(partitionForKey("Hello, world!", 4, "JavaStringHash"), 1);
    assert.equal(partitionForKey("hello", 5, "Murmur3_32Hash"), 0x248bfa47 % 5);
    assert.equal(partitionForKey("Hello, world!", 7, "Murmur3_32Hash"), (0xc0363e43 & 0x7fffffff) % 7);
  });

  it("names partition K as Pulsar does and splits a bound rounding up", () => {
    const base = parseTopic("orders", { tenant: "t", namespace: "ns" });
    const p = partitionTopic(base, 3, 4);
    assert.equal(p.full, "persistent://t/ns/orders-partition-3");
    assert.equal(p.local, "orders-partition-3");
    assert.deepEqual(p.partition, { index: 3, of: 4 });
    assert.equal(base.partition, undefined);
    assert.equal(partitionTopic(parseTopic("persistent://t/c/ns/x", { tenant: "t", namespace: "ns", cluster: "c" }), 0, 2).full, "persistent://t/c/ns/x-partition-0");
    assert.equal(shareOf(10000, 4), 2500);
    assert.equal(shareOf(10, 4), 3);
    assert.equal(shareOf(0, 4), 0);
    assert.equal(shareOf(5, 0), 5);
  });
});
