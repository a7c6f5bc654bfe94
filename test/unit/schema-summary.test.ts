import assert from "node:assert/strict";
import { summarizeSchema } from "../../nodes/lib/schema-summary";

describe("schema-summary (the editor's view of a topic's schema)", () => {
  it("lists fields with their types, nested records by path, KEY_VALUE sides, primitives; undefined without a schema", () => {
    const record = { type: "record", name: "R", fields: [
      { name: "a", type: "long" },
      { name: "n", type: ["null", "string"] },
      { name: "w", type: { type: "record", name: "W", fields: [{ name: "x", type: { type: "enum", name: "E", symbols: ["A", "B"] } }] } },
    ] };
    assert.deepEqual(summarizeSchema({ version: 2, type: "AVRO", data: JSON.stringify(record), properties: {} }), {
      type: "AVRO", version: 2, fields: ["a: long", "n: null | string", "w: record W", "w.x: enum A|B"],
    });
    assert.deepEqual(summarizeSchema({ version: 0, type: "KEY_VALUE", data: JSON.stringify({ key: "", value: record }), properties: { "key.schema.type": "STRING", "value.schema.type": "AVRO", "kv.encoding.type": "SEPARATED" } })?.fields.slice(0, 2), ["key: STRING", "value.a: long"]);
    assert.deepEqual(summarizeSchema({ version: 0, type: "INT64", data: "", properties: {} }), { type: "INT64", version: 0, fields: ["INT64"] });
    assert.equal(summarizeSchema(null), undefined);
  });
});
