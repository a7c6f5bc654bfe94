/**
 * Avro payloads that claim more than they hold: avsc would allocate for the claimed block count
 * (six bytes claiming 2^31 items ran Node out of memory); the bounds walk refuses them first.
 */
import assert from "node:assert/strict";
import { buildCodec } from "../../../nodes/lib/protocol/schema-codec";

const zigzag = (n: number): Buffer => {
  const out: number[] = [];
  let v = n * 2;
  while (v >= 128) {
    out.push((v % 128) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return Buffer.from(out);
};

function codecOf(schema: unknown): ReturnType<typeof buildCodec> {
  return buildCodec({ type: "AVRO", schema: JSON.stringify(schema), properties: {} } as Parameters<typeof buildCodec>[0]);
}

describe("protocol/avro-bounds", () => {
  for (const [name, schema] of [
    ["array<int>", { type: "array", items: "int" }],
    ["array<null>", { type: "array", items: "null" }],
    ["map<int>", { type: "map", values: "int" }],
    ["record with array<string>", { type: "record", name: "R", fields: [{ name: "xs", type: { type: "array", items: "string" } }] }],
  ] as const) {
    it(`${name}: a block claiming 2^31-1 items in six bytes is refused at once, without allocating`, () => {
      const codec = codecOf(schema);
      const started = Date.now();
      assert.throws(() => codec.decode(Buffer.concat([zigzag(2 ** 31 - 1), Buffer.from([0])])));
      assert.ok(Date.now() - started < 200, `${Date.now() - started} ms`);
    });
  }

  it("well-formed arrays, maps, unions, fixed and decimals still decode", () => {
    const codec = codecOf({ type: "record", name: "R", fields: [
      { name: "xs", type: { type: "array", items: "int" } },
      { name: "m", type: { type: "map", values: "string" } },
      { name: "u", type: ["null", "long"] },
      { name: "f", type: { type: "fixed", name: "F", size: 2 } },
      { name: "d", type: { type: "bytes", logicalType: "decimal", precision: 4, scale: 2 } },
      { name: "n", type: { type: "array", items: "null" } },
    ] });
    const value = { xs: [1, 2, 3], m: { a: "x" }, u: 7, f: Buffer.from([1, 2]), d: Buffer.from([5]), n: [null, null] };
    assert.deepEqual(codec.decode(codec.encode(value).payload as Buffer), value);
  });

  it("a map of 200,000 null values (every entry has a key byte) is not taken for a bomb", () => {
    const codec = codecOf({ type: "map", values: "null" });
    const value = Object.fromEntries(Array.from({ length: 200_000 }, (_, i) => [`k${i}`, null]));
    assert.equal(Object.keys(codec.decode(codec.encode(value).payload as Buffer) as object).length, 200_000);
  });
});
