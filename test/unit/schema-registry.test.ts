/**
 * The schema registry client against answers a test gives: a hostile or broken registry must
 * not turn one undecodable payload into an unbounded walk of admin calls.
 */
import assert from "node:assert/strict";
import { parseTopic } from "../../nodes/lib/protocol/topics";
import { SchemaRegistry } from "../../nodes/lib/schema-registry";

const topic = parseTopic("t", { tenant: "public", namespace: "default" });
const INT32 = { type: "INT32", schema: "", properties: {} };

describe("SchemaRegistry", () => {
  for (const version of [1e6, 1e300, -5, 2.5]) {
    it(`a registry claiming version ${version}: an undecodable payload is refused after a bounded number of reads`, async () => {
      let calls = 0;
      const registry = new SchemaRegistry({
        fetch: async (_t, v) => {
          calls++;
          return v === undefined ? { ...INT32, version } : null;
        },
      });
      await assert.rejects(async () => registry.decode(topic, Buffer.from([1, 2, 3])), (err: Error & { code?: string }) => err.code === "schema-no-version");
      assert.ok(calls <= 105, `${calls} admin calls`);
    });
  }
});
