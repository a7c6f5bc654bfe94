import assert from "node:assert/strict";
import { PulsarError } from "../../../nodes/lib/protocol/errors";
import { buildCodec, jsonText, keyValueParts, parseSchemaAnswer, type SchemaInfo } from "../../../nodes/lib/protocol/schema-codec";
import { decodeFirst, type VersionedCodec } from "../../../nodes/lib/protocol/schema-versions";

const avro = (schema: unknown, version = 0): SchemaInfo => ({ type: "AVRO", schema: JSON.stringify(schema), properties: {}, version });

const SENSOR = {
  type: "record",
  name: "Sensor",
  namespace: "demo",
  fields: [
    { name: "id", type: "string" },
    { name: "temperature", type: "double" },
    { name: "count", type: "long" },
    { name: "note", type: ["null", "string"], default: null },
    { name: "state", type: { type: "enum", name: "State", symbols: ["ON", "OFF"] } },
    { name: "mac", type: { type: "fixed", name: "Mac", size: 6 } },
    { name: "raw", type: "bytes" },
    { name: "tags", type: { type: "map", values: "int" } },
    { name: "readings", type: { type: "array", items: "float" } },
    { name: "where", type: { type: "record", name: "Where", fields: [{ name: "lat", type: "double" }, { name: "lon", type: "double" }] } },
  ],
};

const sample = (): Record<string, unknown> => ({
  id: "s1",
  temperature: 21.5,
  count: 7,
  note: null,
  state: "ON",
  mac: Buffer.from("0a0b0c0d0e0f", "hex"),
  raw: Buffer.from([1, 2, 3]),
  tags: { a: 1, b: -2 },
  readings: [0.5, 1.25],
  where: { lat: 48.1, lon: 11.5 },
});

function reasonOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof PulsarError, String(err));
    return String(err.details.reason);
  }
  assert.fail("expected an error");
}

/** Avro binary as Java writes it for a value, built by hand: zigzag varints. */
function zigzag(n: bigint): Buffer {
  let z = n >= 0n ? n << 1n : ((-n) << 1n) - 1n;
  const out: number[] = [];
  while (z >= 0x80n) {
    out.push(Number((z & 0x7fn) | 0x80n));
    z >>= 7n;
  }
  out.push(Number(z));
  return Buffer.from(out);
}

describe("protocol/schema-codec", () => {
  describe("AVRO", () => {
    it("round-trips a record with unions, nulls, enums, fixed, bytes, maps, arrays and a nested record", () => {
      const codec = buildCodec(avro(SENSOR));
      const bytes = codec.encode(sample()).payload;
      assert.deepEqual(codec.decode(bytes), sample());
      const withNote = { ...sample(), note: "hi", state: "OFF" };
      assert.deepEqual(codec.decode(codec.encode(withNote).payload), withNote);
    });

    it("names the first field path that does not fit, and why", () => {
      const codec = buildCodec(avro(SENSOR));
      assert.equal(reasonOf(() => codec.encode({ ...sample(), temperature: "warm" })), "temperature: expected double, got string");
      assert.equal(reasonOf(() => codec.encode({ ...sample(), where: { lat: 1, lon: null } })), "where.lon: expected double, got null");
      assert.match(reasonOf(() => codec.encode({ ...sample(), state: "MAYBE" })), /^state: expected one of ON, OFF, got string/);
      assert.match(reasonOf(() => codec.encode({ ...sample(), mac: Buffer.alloc(5) })), /^mac: expected fixed \(a Buffer of 6 bytes\)/);
      assert.match(reasonOf(() => codec.encode({ ...sample(), raw: "AQID" })), /^raw: expected bytes \(a Buffer\), got string/);
      assert.match(reasonOf(() => codec.encode({ ...sample(), tags: { a: 1.5 } })), /^tags\.a: expected int, got number 1.5/);
      assert.match(reasonOf(() => codec.encode({ ...sample(), readings: [1, "x"] })), /^readings\.1: expected float/);
      const noId = sample();
      delete noId.id;
      assert.match(reasonOf(() => codec.encode(noId)), /^id: missing \(expected string\)/);
      assert.equal(reasonOf(() => codec.encode({ ...sample(), extra: 1 })), "extra: not a field of record demo.Sensor");
      assert.equal(reasonOf(() => codec.encode({ ...sample(), where: { lat: 1, lon: 2, alt: 3 } })), "where.alt: not a field of record demo.Where");
      assert.match(reasonOf(() => codec.encode("text")), /^\(payload\): expected record demo\.Sensor, got string/);
    });

    it("maps long to a number while safe, to a BigInt beyond 2^53, and takes BigInt or decimal strings", () => {
      const codec = buildCodec(avro({ type: "record", name: "L", fields: [{ name: "n", type: "long" }] }));
      for (const [input, expected] of [
        [0, 0],
        [Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
        [-Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER],
        [2n ** 53n, 2n ** 53n],
        [2n ** 63n - 1n, 2n ** 63n - 1n],
        [-(2n ** 63n), -(2n ** 63n)],
        ["9007199254740993", 9007199254740993n],
        ["-5", -5],
      ] as const) {
        const bytes = codec.encode({ n: input }).payload;
        assert.deepEqual(codec.decode(bytes), { n: expected }, String(input));
      }
      // The bytes are Avro's zigzag varint, as Java writes them.
      assert.deepEqual(codec.encode({ n: 2n ** 63n - 1n }).payload, zigzag(2n ** 63n - 1n));
      assert.deepEqual(codec.decode(zigzag(-(2n ** 62n))), { n: -(2n ** 62n) });
      assert.match(reasonOf(() => codec.encode({ n: 2 ** 53 + 2 })), /^n: expected long/);
      assert.match(reasonOf(() => codec.encode({ n: 2n ** 63n })), /^n: expected long/);
      assert.match(reasonOf(() => codec.encode({ n: 1.5 })), /^n: expected long/);
    });

    it("keeps a decimal logical type as its bytes (avsc has no decimal)", () => {
      const codec = buildCodec(avro({ type: "record", name: "D", fields: [{ name: "price", type: { type: "bytes", logicalType: "decimal", precision: 9, scale: 2 } }] }));
      const unscaled = Buffer.from([0x30, 0x39]); // 12345 → 123.45
      assert.deepEqual(codec.decode(codec.encode({ price: unscaled }).payload), { price: unscaled });
    });

    it("wraps unions that are ambiguous unwrapped, as avsc does", () => {
      const codec = buildCodec(avro({
        type: "record",
        name: "U",
        fields: [{ name: "v", type: ["null", { type: "record", name: "A", fields: [{ name: "a", type: "int" }] }, { type: "record", name: "B", fields: [{ name: "b", type: "string" }] }] }],
      }));
      const value = { v: { B: { b: "x" } } };
      assert.deepEqual(codec.decode(codec.encode(value).payload), value);
      assert.deepEqual(codec.decode(codec.encode({ v: null }).payload), { v: null });
    });

    it("decodes strictly: too few bytes, bytes left over, a bad union index or enum index fail", () => {
      const codec = buildCodec(avro(SENSOR));
      const bytes = codec.encode(sample()).payload;
      assert.match(reasonOf(() => codec.decode(bytes.subarray(0, bytes.length - 1))), /too few|left over|index|invalid/);
      assert.match(reasonOf(() => codec.decode(Buffer.concat([bytes, Buffer.from([0])]))), /1 bytes left over/);
      const e = buildCodec(avro({ type: "enum", name: "E", symbols: ["A", "B"] }));
      assert.equal(e.decode(Buffer.from([2])), "B");
      assert.throws(() => e.decode(Buffer.from([4])), PulsarError); // index 2 of two symbols
      const u = buildCodec(avro(["null", "string"]));
      assert.throws(() => u.decode(Buffer.from([6])), PulsarError); // branch 3 of two
    });

    it("refuses a schema that is not Avro", () => {
      assert.throws(() => buildCodec({ type: "AVRO", schema: "{not json", properties: {} }), (err: PulsarError) => err.code === "schema-invalid");
      assert.throws(() => buildCodec({ type: "PROTOBUF_NATIVE", schema: "", properties: {} }), (err: PulsarError) => err.code === "schema-unsupported");
    });
  });

  describe("versions (evolution)", () => {
    const v1 = { type: "record", name: "R", fields: [{ name: "a", type: "int" }] };
    const v2 = { type: "record", name: "R", fields: [{ name: "a", type: "int" }, { name: "b", type: "string", default: "none" }] };
    const versions: VersionedCodec[] = [
      { version: 1, info: avro(v2, 1), codec: buildCodec(avro(v2, 1)) },
      { version: 0, info: avro(v1, 0), codec: buildCodec(avro(v1, 0)) },
    ];

    it("decodes both generations: the newest first, an older one read into the newest shape", () => {
      const new2 = versions[0].codec.encode({ a: 5, b: "x" }).payload;
      const old1 = versions[1].codec.encode({ a: 7 }).payload;
      assert.deepEqual(decodeFirst(versions, new2, undefined), { value: { a: 5, b: "x" }, type: "AVRO", version: 1 });
      assert.deepEqual(decodeFirst(versions, old1, undefined), { value: { a: 7, b: "none" }, type: "AVRO", version: 0 });
    });

    it("gives no object for bytes no version decodes cleanly, and says why per version", () => {
      const reasons: string[] = [];
      assert.equal(decodeFirst(versions, Buffer.from([0x0a, 0x02, 0x41, 0x42]), undefined, reasons), undefined);
      assert.equal(reasons.length, 2);
      assert.match(reasons[0], /^v1: /);
      assert.match(reasons[1], /^v0: .*left over/);
    });
  });

  describe("JSON", () => {
    const codec = buildCodec({ type: "JSON", schema: JSON.stringify({ type: "record", name: "J", fields: [{ name: "n", type: "long" }, { name: "s", type: ["null", "string"], default: null }] }), properties: {} });

    it("writes JSON text checked against the schema, a long beyond 2^53 with all its digits", () => {
      assert.equal(codec.encode({ n: 2n ** 60n, s: "x" }).payload.toString(), `{"n":${2n ** 60n},"s":"x"}`);
      assert.equal(reasonOf(() => codec.encode({ n: "x" })), "n: expected long (a safe integer, BigInt or decimal string), got string");
      assert.deepEqual(codec.decode(Buffer.from('{"n":1,"s":null}')), { n: 1, s: null });
      assert.throws(() => codec.decode(Buffer.from("{")), (err: PulsarError) => err.code === "schema-decode");
      assert.equal(jsonText({ b: Buffer.from([1]) }), '{"b":"AQ=="}');
    });
  });

  describe("primitives", () => {
    const cases: [string, unknown, string][] = [
      ["INT8", -2, "fe"],
      ["INT16", -2, "fffe"],
      ["INT32", 0x01020304, "01020304"],
      ["INT64", -2, "fffffffffffffffe"],
      ["INT64", 2n ** 62n, "4000000000000000"],
      ["FLOAT", 1.5, "3fc00000"],
      ["DOUBLE", -2.5, "c004000000000000"],
      ["BOOLEAN", true, "01"],
      ["BOOLEAN", false, "00"],
      ["STRING", "héllo", Buffer.from("héllo").toString("hex")],
      ["BYTES", Buffer.from([0, 255]), "00ff"],
    ];
    for (const [type, value, hex] of cases) {
      it(`${type} ${String(value)} ↔ ${hex} (big-endian, as Java writes it)`, () => {
        const codec = buildCodec({ type, schema: "", properties: {} });
        assert.equal(codec.encode(value).payload.toString("hex"), hex);
        assert.deepEqual(codec.decode(Buffer.from(hex, "hex")), value);
      });
    }

    it("refuses values out of range and bytes of the wrong length", () => {
      const int8 = buildCodec({ type: "INT8", schema: "", properties: {} });
      assert.match(reasonOf(() => int8.encode(128)), /expected an integer from -128 to 127, got number 128/);
      assert.match(reasonOf(() => int8.decode(Buffer.alloc(2))), /2 bytes, expected 1/);
      const dbl = buildCodec({ type: "DOUBLE", schema: "", properties: {} });
      assert.equal(reasonOf(() => dbl.encode("1")), "(payload): expected double, got string");
      const i64 = buildCodec({ type: "INT64", schema: "", properties: {} });
      assert.equal(i64.decode(Buffer.from("001fffffffffffff", "hex")), 2 ** 53 - 1);
      assert.equal(i64.decode(Buffer.from("0020000000000000", "hex")), 2n ** 53n);
      assert.equal(i64.decode(Buffer.from("0020000000000001", "hex")), 2n ** 53n + 1n);
    });
  });

  describe("KEY_VALUE", () => {
    const kvInfo = (encoding: string, keyType = "STRING"): SchemaInfo => ({
      type: "KEY_VALUE",
      schema: JSON.stringify({ key: keyType === "STRING" ? "" : JSON.parse(avro(SENSOR).schema), value: { type: "record", name: "V", fields: [{ name: "x", type: "int" }] } }),
      properties: { "key.schema.type": keyType, "value.schema.type": "AVRO", "kv.encoding.type": encoding, "key.schema.properties": "{}", "value.schema.properties": "{\"__alwaysAllowNull\":\"true\"}" },
    });

    it("parses the admin API's KEY_VALUE data into its two sides", () => {
      const parts = keyValueParts(kvInfo("SEPARATED"));
      assert.equal(parts.encoding, "SEPARATED");
      assert.deepEqual(parts.key, { type: "STRING", schema: "", properties: {} });
      assert.equal(parts.value.type, "AVRO");
      assert.deepEqual(parts.value.properties, { __alwaysAllowNull: "true" });
      assert.equal(keyValueParts({ ...kvInfo("INLINE"), properties: { "key.schema.type": "INT32", "value.schema.type": "STRING" } }).encoding, "INLINE");
    });

    it("INLINE: 4-byte big-endian key length, key, value length, value; -1 for null", () => {
      const codec = buildCodec(kvInfo("INLINE"));
      const bytes = codec.encode({ key: "k1", value: { x: 3 } }).payload;
      assert.equal(bytes.toString("hex"), "00000002" + Buffer.from("k1").toString("hex") + "00000001" + "06");
      assert.deepEqual(codec.decode(bytes), { key: "k1", value: { x: 3 } });
      const nullKey = codec.encode({ key: null, value: { x: 1 } }).payload;
      assert.equal(nullKey.readInt32BE(0), -1);
      assert.deepEqual(codec.decode(nullKey), { key: null, value: { x: 1 } });
      assert.equal(reasonOf(() => codec.encode({ key: "k", value: { x: "no" } })), "value.x: expected int, got string");
      assert.equal(reasonOf(() => codec.encode({ key: 5, value: { x: 1 } })), "key: expected string, got number 5");
      assert.equal(reasonOf(() => codec.encode({ key: "k", value: { x: 1 }, other: 1 })), "other: not part of { key, value }");
      assert.match(reasonOf(() => codec.decode(Buffer.from("0000000a00", "hex"))), /key: length 10 does not fit/);
      assert.match(reasonOf(() => codec.decode(Buffer.concat([bytes, Buffer.from([0])]))), /1 bytes left over/);
    });

    it("SEPARATED: the value is the payload, the key the base64 message key (as Java writes it)", () => {
      const codec = buildCodec(kvInfo("SEPARATED"));
      const value = buildCodec({ type: "AVRO", schema: JSON.stringify({ type: "record", name: "V", fields: [{ name: "x", type: "int" }] }), properties: {} });
      const payload = value.encode({ x: 9 }).payload;
      assert.deepEqual(codec.decode(payload, Buffer.from("clé").toString("base64")), { key: "clé", value: { x: 9 } });
      assert.deepEqual(codec.decode(payload, "plain text key"), { key: "plain text key", value: { x: 9 } });
      assert.deepEqual(codec.decode(payload), { key: null, value: { x: 9 } });
      assert.deepEqual(codec.encode({ key: "k", value: { x: 9 } }), { payload, key: "k" });
      const avroKey = buildCodec(kvInfo("SEPARATED", "AVRO"));
      assert.match(reasonOf(() => avroKey.encode({ key: sample(), value: { x: 1 } })), /key: a AVRO key of a SEPARATED KEY_VALUE schema cannot be written over WebSocket/);
    });
  });

  it("reads the admin API's answer", () => {
    const info = parseSchemaAnswer({ version: 3, type: "AVRO", timestamp: 1, data: "{\"type\":\"string\"}", properties: { a: "b" } });
    assert.deepEqual(info, { type: "AVRO", schema: "{\"type\":\"string\"}", properties: { a: "b" }, version: 3 });
    assert.throws(() => parseSchemaAnswer("x"), (err: PulsarError) => err.code === "schema-answer");
  });
});
