/**
 * pulsar-out's schema encoding keeps the order of messages with a promise chain: nothing thrown
 * while encoding or after it (the caller's callback) may vanish in that chain, or a msg would
 * never end.
 */
import assert from "node:assert/strict";
import { PulsarError } from "../../nodes/lib/protocol/errors";
import { parseTopic } from "../../nodes/lib/protocol/topics";
import { SchemaOut } from "../../nodes/lib/schema-glue";
import { SchemaRegistry } from "../../nodes/lib/schema-registry";
import { until } from "../support/wait";

const topic = parseTopic("t", { tenant: "public", namespace: "default" });
const STRING = { type: "STRING", schema: "", properties: {} };

type Answer = { err: PulsarError | undefined; value: unknown };

/** A SchemaOut whose first look-up is pending (a promise) or answered (cached after a first encode). */
async function schemaOut(cached: boolean, strays: PulsarError[]): Promise<SchemaOut> {
  const out = new SchemaOut(new SchemaRegistry({ fetch: async () => ({ ...STRING, version: 0 }) }), (err) => strays.push(err));
  if (cached) await new Promise<void>((resolve) => out.encode(topic, "warm", () => resolve()));
  return out;
}

describe("SchemaOut", () => {
  for (const cached of [false, true]) {
    const when = cached ? "schema cached" : "look-up pending";

    it(`${when}: a callback that throws on the encoded payload is called again with that error`, async () => {
      const strays: PulsarError[] = [];
      const out = await schemaOut(cached, strays);
      const answers: Answer[] = [];
      out.encode(topic, "x", (err, value) => {
        answers.push({ err, value });
        if (!err) throw new TypeError("boom");
      });
      out.encodeAll(topic, ["a", "b"], (err, value) => {
        answers.push({ err, value });
        if (!err) throw new TypeError("bang");
      });
      await until(() => answers.length === 4 || undefined);
      assert.deepEqual(answers.map((a) => a.err?.details.message), [undefined, "boom", undefined, "bang"]);
      assert.deepEqual(strays, []);
      // The order still holds: later messages are encoded.
      const after = await new Promise<unknown>((resolve) => out.encode(topic, "later", (err, value) => resolve(err ?? value)));
      assert.ok(!(after instanceof PulsarError));
    });

    it(`${when}: a callback that throws on an error is reported, never lost`, async () => {
      const strays: PulsarError[] = [];
      const out = await schemaOut(cached, strays);
      out.encode(topic, undefined, () => {
        throw new TypeError("again");
      });
      await until(() => strays.length === 1 || undefined);
      assert.equal(strays[0].details.message, "again");
    });

    it(`${when}: a sparse array fails naming the hole`, async () => {
      const out = await schemaOut(cached, []);
      const sparse: unknown[] = ["a"];
      sparse[2] = "c";
      const err = await new Promise<PulsarError | undefined>((resolve) => out.encodeAll(topic, sparse, (e) => resolve(e)));
      assert.equal(err?.code, "array-element");
      assert.equal(err?.details.index, 1);
    });
  }
});
