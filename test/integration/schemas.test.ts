/**
 * Integration on real Pulsar (4.2 and 4.0) with Pulsar's own Java client (test/java/SchemaClient.java):
 * Java AvroSchema / JSONSchema / KeyValue (INLINE, SEPARATED) / INT64 producers → pulsar-in
 * `payloadFormat: "schema"`; pulsar-out `schema: "topic"` → Java consumers with the schema;
 * evolution v1 → v2 (a field added with a default); a namespace that enforces schemas.
 */
import assert from "node:assert/strict";
import type { PulsarLine } from "../../harness/pulsar";
import { javaOutput } from "../support/java-client";
import { tally, trackFigures } from "./support/figures";
import "./support/hooks";
import { endpointNode, helper, inNode, outNode, TestFlow, usePulsarAndNodeRed, type InMsg } from "./support/flow";
import { uniqueName, uniqueTopic } from "./support/pulsar-admin";

type SchemaMsg = InMsg & { pulsar: InMsg["pulsar"] & { schema?: { type: string; version: number } } };

const V1 = { type: "record", name: "Reading", namespace: "demo", fields: [
  { name: "sensor", type: "string" },
  { name: "temperature", type: "double" },
  { name: "count", type: "long" },
  { name: "note", type: ["null", "string"], default: null },
  { name: "state", type: { type: "enum", name: "State", symbols: ["ON", "OFF"] } },
] };
const V2 = { ...V1, fields: [...V1.fields, { name: "unit", type: "string", default: "C" }] };
const BIG = 2n ** 62n + 7n;

function schemaCases(line: PulsarLine): void {
  describe(`integration ${line}: schemas with Pulsar's Java client`, function () {
    this.timeout(180_000);
    const shared = usePulsarAndNodeRed(line);
    const figures = trackFigures("schemas", line);
    const NS = "persistent://public/default";

    /** The program's answer lines (the client's log lines dropped). */
    const java = async (args: string[], input?: string): Promise<string> => {
      const out = await javaOutput("SchemaClient", args, { line, input, timeoutMs: 150_000 });
      return out.split("\n").filter((l) => l.startsWith("@@ ")).map((l) => l.slice(3)).join("\n");
    };
    const produce = (topic: string, kind: string, schema: unknown, lines: string[]): Promise<string> =>
      java(["produce", shared().brokerUrl, topic, kind, schema === undefined ? "-" : JSON.stringify(schema)], lines.join("\n") + "\n");
    const consume = async (topic: string, kind: string, schema: unknown, count: number): Promise<unknown[]> => {
      const out = await java(["consume", shared().brokerUrl, topic, uniqueName("java"), String(count), kind, schema === undefined ? "-" : JSON.stringify(schema)]);
      return out.trim().split("\n").map((l) => JSON.parse(l) as unknown);
    };

    /** One flow at a time: a case that reads and writes deploys again. */
    async function deploy(...args: Parameters<typeof TestFlow.deploy>): Promise<TestFlow> {
      await helper.unload();
      return TestFlow.deploy(...args);
    }

    async function readWithNodes(topic: string, count: number): Promise<{ msgs: SchemaMsg[]; f: TestFlow }> {
      const f = await deploy([endpointNode(shared()), ...inNode("in", topic, { subscription: uniqueName("sub"), initialPosition: "Earliest", payloadFormat: "schema" })], { watch: ["in"] });
      const msgs = (await f.waitReceived("in-out", count, 30_000)) as SchemaMsg[];
      return { msgs, f };
    }

    async function writeWithNodes(topic: string, payloads: unknown[]): Promise<void> {
      const f = await deploy([endpointNode(shared()), ...outNode("out", topic, { schema: "topic" })], { watch: ["out"] });
      const ids: string[] = [];
      for (const payload of payloads) ids.push(f.send("out", { payload }));
      const results = await f.waitOutcomes(ids, 30_000);
      assert.deepEqual(results.map((r) => r.error?.message), payloads.map(() => undefined));
    }

    it("Java AvroSchema v1 then v2 (a field added with a default) → pulsar-in: objects of both generations, msg.pulsar.schema", async () => {
      const topic = `${NS}/${uniqueTopic("avro-evolve")}`;
      await produce(topic, "AVRO", V1, [
        '{"sensor":"a","temperature":1.5,"count":1,"note":null,"state":"ON"}',
        `{"sensor":"b","temperature":-2.25,"count":${BIG},"note":{"string":"hi"},"state":"OFF"}`,
      ]);
      await produce(topic, "AVRO", V2, ['{"sensor":"c","temperature":3,"count":3,"note":null,"state":"ON","unit":"F"}']);
      const { msgs } = await readWithNodes(topic, 3);
      figures.report(tally(["a", "b", "c"], msgs.map((m) => (m.payload as { sensor: string }).sensor)));
      assert.deepEqual(msgs.map((m) => m.payload), [
        { sensor: "a", temperature: 1.5, count: 1, note: null, state: "ON", unit: "C" },
        { sensor: "b", temperature: -2.25, count: BIG, note: "hi", state: "OFF", unit: "C" },
        { sensor: "c", temperature: 3, count: 3, note: null, state: "ON", unit: "F" },
      ]);
      assert.deepEqual(msgs.map((m) => m.pulsar.schema), [{ type: "AVRO", version: 0 }, { type: "AVRO", version: 0 }, { type: "AVRO", version: 1 }]);
    });

    it("pulsar-out schema topic → Java AvroSchema consumer (a long beyond 2^53, a union, an enum); a record that does not fit is done(err)", async () => {
      const topic = `${NS}/${uniqueTopic("avro-out")}`;
      await produce(topic, "AVRO", V1, ['{"sensor":"seed","temperature":0,"count":0,"note":null,"state":"ON"}']);
      await writeWithNodes(topic, [
        { sensor: "n1", temperature: 21.5, count: BIG, note: "x", state: "OFF" },
        { sensor: "n2", temperature: 22, count: 5, note: null, state: "ON" },
      ]);
      const f = await deploy([endpointNode(shared()), ...outNode("bad", topic, { schema: "topic" })], { watch: ["bad"] });
      const [bad] = await f.waitOutcomes([f.send("bad", { payload: { sensor: "n3", temperature: "warm", count: 1, note: null, state: "ON" } })], 30_000);
      assert.match(bad.error!.message, /temperature: expected double, got string/);
      const got = (await consume(topic, "AVRO", V1, 3)) as { sensor: string; count: number; note: string | null; state: string }[];
      figures.report(tally(["seed", "n1", "n2"], got.map((g) => g.sensor)));
      assert.deepEqual(got.slice(1).map((g) => [g.sensor, g.note, g.state]), [["n1", "x", "OFF"], ["n2", null, "ON"]]);
      // Avro's JSON rendering prints the long with all its digits.
      const javaOut = await java(["consume", shared().brokerUrl, topic, uniqueName("java"), "2", "AVRO", JSON.stringify(V1)]);
      assert.ok(javaOut.includes(`"count": ${BIG}`), javaOut);
    });

    it("JSONSchema both ways", async () => {
      const topic = `${NS}/${uniqueTopic("json")}`;
      await produce(topic, "JSON", V1, ['{"sensor":"j1","temperature":1.25,"count":7,"note":null,"state":"ON"}']);
      const { msgs } = await readWithNodes(topic, 1);
      assert.deepEqual(msgs[0].payload, { sensor: "j1", temperature: 1.25, count: 7, note: null, state: "ON" });
      assert.deepEqual(msgs[0].pulsar.schema, { type: "JSON", version: 0 });
      await writeWithNodes(topic, [{ sensor: "j2", temperature: 2.5, count: 8, note: "n", state: "OFF" }]);
      const got = (await consume(topic, "JSON", V1, 2)) as { sensor: string }[];
      figures.report(tally(["j1", "j2"], [...msgs.map((m) => (m.payload as { sensor: string }).sensor), got[1].sensor]));
      assert.deepEqual(got[1], { sensor: "j2", temperature: 2.5, count: 8, note: "n", state: "OFF" });
    });

    for (const encoding of ["INLINE", "SEPARATED"] as const) {
      it(`KeyValue ${encoding} (STRING key, AVRO value) both ways`, async () => {
        const topic = `${NS}/${uniqueTopic(`kv-${encoding.toLowerCase()}`)}`;
        const kind = `KV_${encoding}`;
        await produce(topic, kind, V1, ['{"key":"dev-1","value":{"sensor":"k1","temperature":1,"count":1,"note":null,"state":"ON"}}']);
        const { msgs } = await readWithNodes(topic, 1);
        assert.deepEqual(msgs[0].payload, { key: "dev-1", value: { sensor: "k1", temperature: 1, count: 1, note: null, state: "ON" } });
        assert.deepEqual(msgs[0].pulsar.schema, { type: "KEY_VALUE", version: 0 });
        await writeWithNodes(topic, [{ key: "dev-2", value: { sensor: "k2", temperature: 2, count: 2, note: null, state: "OFF" } }]);
        const got = (await consume(topic, kind, V1, 2)) as { key: string; value: { sensor: string; state: string } }[];
        figures.report(tally(["k1", "k2"], [(msgs[0].payload as { value: { sensor: string } }).value.sensor, got[1].value.sensor]));
        assert.equal(got[1].key, "dev-2");
        assert.equal(got[1].value.sensor, "k2");
        assert.equal(got[1].value.state, "OFF");
      });
    }

    it("INT64 and STRING primitives both ways (a long beyond 2^53 as BigInt)", async () => {
      const longs = `${NS}/${uniqueTopic("int64")}`;
      await produce(longs, "INT64", undefined, [String(BIG), "-5"]);
      const { msgs } = await readWithNodes(longs, 2);
      assert.deepEqual(msgs.map((m) => m.payload), [BIG, -5]);
      await writeWithNodes(longs, [BIG + 1n, 42]);
      const got = await java(["consume", shared().brokerUrl, longs, uniqueName("java"), "4", "INT64", "-"]);
      assert.deepEqual(got.trim().split("\n"), [String(BIG), "-5", String(BIG + 1n), "42"]);
      const strings = `${NS}/${uniqueTopic("string")}`;
      await produce(strings, "STRING", undefined, ['"héllo"']);
      await writeWithNodes(strings, ["wörld"]);
      assert.deepEqual(await consume(strings, "STRING", undefined, 2), ["héllo", "wörld"]);
      figures.report({ sent: 6, received: 8, duplicates: 0, lost: 0 });
    });

    it("a namespace that enforces schemas: pulsar-out's status says so and the log says what to change", async () => {
      const pulsar = shared();
      const ns = uniqueName("enforced");
      assert.ok([204, 409].includes((await pulsar.admin("PUT", `/admin/v2/namespaces/public/${ns}`)).status));
      const set = await pulsar.admin("POST", `/admin/v2/namespaces/public/${ns}/schemaValidationEnforced`, true);
      assert.ok(set.status < 300, `schemaValidationEnforced: ${set.status}`);
      const topic = `persistent://public/${ns}/${uniqueTopic("t")}`;
      await produce(topic, "AVRO", V1, ['{"sensor":"e","temperature":0,"count":0,"note":null,"state":"ON"}']);
      const f = await deploy([endpointNode(pulsar), ...outNode("out", topic, { schema: "topic" }), ...outNode("dyn", "", { schema: "topic" })], { watch: ["out", "dyn"] });
      const status = await f.waitStatus("out", /topic enforces a schema \(409\)/, 20_000);
      assert.equal(status.fill, "red");
      // A topic from msg.topic gives its messages up (done(err)) instead of waiting, as for 401/403/404.
      const [refused] = await f.waitOutcomes([f.send("dyn", { topic, payload: { sensor: "x", temperature: 1, count: 1, note: null, state: "ON" } })], 30_000);
      assert.equal(refused.ok, false);
      assert.match(refused.error!.message, /409/);
      assert.ok(f.logLines().some((l) => /enforces schemas .*set-schema-validation-enforce/.test(l)), f.logLines().join("\n"));
      figures.report({ sent: 1, received: 0, duplicates: 0, lost: 0 });
    });
  });
}

schemaCases("4.2");
schemaCases("4.0");
