/**
 * Every file in examples/ runs as shipped, in a Node-RED runtime (node-red-node-test-helper with
 * the core nodes it uses), against a real Pulsar and, for MQTT, a real MQTT broker (aedes on a
 * loopback port passed in MQTT_PORT, as the example expects). Only two things are rewritten: the
 * endpoint's `http://localhost:8080` becomes the test Pulsar's URL, and `public/default` a fresh
 * namespace, so that runs never see each other's messages. Each test drives the example the way a
 * user does (an inject click, an MQTT publish) and checks what reaches its debug nodes. The
 * encryption example's key files are made by the openssl commands its comment gives, in a
 * directory of the test's own (its path in the example rewritten to it), and its private key is
 * given as the user types it into the keys node (a credential, never in the file).
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import { createRequire } from "node:module";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { Aedes, type AedesPublishPacket } from "aedes";
import type { Node, NodeMessage } from "node-red";
import { sharedPulsar, stopAllPulsar, type PulsarInstance } from "../../harness/pulsar";
import keysNode from "../../nodes/pulsar-ws-keys";
import { allNodes, helper, until, type FlowNode } from "../nodes/setup";

const root = path.resolve(__dirname, "../../..");
const examplesDir = path.join(root, "examples");
const IO_TIMEOUT_MS = 30000;

/** The core nodes the examples use, from the Node-RED under test (as test/nodes/setup.ts picks it). */
const fromNodeRed = createRequire(require.resolve(process.env.NODE_RED_PATH ?? "node-red"));
const coreNode = (file: string): unknown => fromNodeRed(`@node-red/nodes/core/${file}`);
const coreNodes = ["common/20-inject.js", "common/21-debug.js", "common/90-comment.js", "function/10-function.js", "function/15-change.js", "sequence/17-split.js", "network/10-mqtt.js", "network/21-httprequest.js"].map(coreNode);

type Msg = NodeMessage & { key?: string; properties?: Record<string, string>; worker?: string; pulsar?: { messageId?: string; redeliveryCount?: number } };
interface StatusSpy {
  args: [{ fill?: string; text?: string } | undefined][];
}

function readExample(name: string): FlowNode[] {
  return JSON.parse(fs.readFileSync(path.join(examplesDir, `${name}.json`), "utf8")) as FlowNode[];
}

describe("examples/ against a real Pulsar", function () {
  this.timeout(300000);
  let pulsar: PulsarInstance;
  let namespace: string;

  before(async function () {
    pulsar = await sharedPulsar("4.2");
    namespace = `examples-${randomBytes(4).toString("hex")}`;
    const created = await pulsar.admin("PUT", `/admin/v2/namespaces/public/${namespace}`);
    assert.ok(created.status < 300, `create namespace: ${created.status} ${created.body}`);
  });

  after(async () => {
    await stopAllPulsar();
  });

  beforeEach((done) => {
    helper.startServer(done);
  });

  afterEach(async () => {
    await helper.unload();
    await new Promise<void>((resolve) => helper.stopServer(() => resolve()));
  });

  /**
   * The example with the test's Pulsar URL and namespace, its flow nodes (those with wires; config
   * nodes have none) in a tab, as an import into a new flow places them.
   */
  function prepared(name: string, rewrite: [string, string][] = []): FlowNode[] {
    let text = fs.readFileSync(path.join(examplesDir, `${name}.json`), "utf8")
      .split("http://localhost:8080").join(pulsar.httpUrl)
      .split("public/default/").join(`public/${namespace}/`);
    for (const [from, to] of rewrite) text = text.split(from).join(to);
    const nodes = JSON.parse(text) as FlowNode[];
    for (const node of nodes) {
      if (node.type === "pulsar-ws-endpoint") node.namespace = namespace;
      if ("wires" in node) node.z = "example-tab";
    }
    return [{ id: "example-tab", type: "tab", label: name }, ...nodes];
  }

  function byName(flow: FlowNode[], type: string, name: string): Node {
    const found = flow.find((n) => n.type === type && n.name === name);
    assert.ok(found, `no ${type} named "${name}"`);
    return helper.getNode(found.id);
  }

  function ofType(flow: FlowNode[], type: string): Node[] {
    return flow.filter((n) => n.type === type).map((n) => helper.getNode(n.id));
  }

  function received(node: Node): Msg[] {
    const msgs: Msg[] = [];
    node.on("input", (msg: Msg) => msgs.push(msg));
    return msgs;
  }

  /** Pulsar sessions open: the last status of every pulsar node is green. */
  async function allConnected(flow: FlowNode[]): Promise<void> {
    const nodes = [...ofType(flow, "pulsar-in"), ...ofType(flow, "pulsar-out")];
    const green = (n: Node): boolean => (n.status as unknown as StatusSpy).args.at(-1)?.[0]?.fill === "green";
    await until(() => nodes.every(green), IO_TIMEOUT_MS, "every pulsar node connected");
  }

  /** An inject click, as the editor's button does it. */
  function click(flow: FlowNode[], name: string): void {
    byName(flow, "inject", name).receive({} as NodeMessage);
  }

  async function load(name: string, opts: { rewrite?: [string, string][]; credentials?: Record<string, Record<string, string>> } = {}): Promise<FlowNode[]> {
    const flow = prepared(name, opts.rewrite);
    await helper.load([...allNodes, keysNode, ...coreNodes] as Parameters<typeof helper.load>[0], flow, opts.credentials ?? {});
    return flow;
  }

  it("every example uses pulsar-out and pulsar-in with an endpoint at http://localhost:8080", () => {
    const names = fs.readdirSync(examplesDir).filter((f) => f.endsWith(".json")).map((f) => f.slice(0, -5)).sort();
    assert.deepEqual(names, ["Avro records with the topic schema", "Backlog alert", "Basic produce and consume", "Batched consume", "Bulk publish an array", "End-to-end encryption", "Key_Shared scale-out", "Manual ack with nack and a dead-letter topic", "MQTT to Pulsar and back", "Pattern consumer", "Reader replay from earliest"].sort());
    for (const name of names) {
      const flow = readExample(name);
      const endpoints = flow.filter((n) => n.type === "pulsar-ws-endpoint");
      assert.equal(endpoints.length, 1, name);
      assert.equal(endpoints[0].serviceUrl, "http://localhost:8080", name);
      assert.ok(flow.some((n) => n.type === "pulsar-in" || n.type === "pulsar-out"), name);
      assert.ok(!JSON.stringify(flow).includes("credentials"), `${name} must not carry credentials`);
      // No tab and no z: an import places the nodes in the flow the user chooses.
      assert.ok(flow.every((n) => n.type !== "tab" && n.z === undefined), `${name} must not name a tab`);
    }
  });

  it("Avro records with the topic schema: registered through the admin API, written as Avro, read as objects, written back", async () => {
    const flow = await load("Avro records with the topic schema");
    const registered = received(byName(flow, "debug", "schema registered"));
    const asObjects = received(byName(flow, "debug", "reading as an object"));
    const back = received(byName(flow, "debug", "record written back"));
    click(flow, "register the Avro schemas");
    await until(() => registered.length === 2, IO_TIMEOUT_MS, "both schemas registered");
    assert.deepEqual(registered.map((m) => (m as Msg & { statusCode?: number }).statusCode), [200, 200]);
    click(flow, "write a reading");
    await until(() => back.length === 1, IO_TIMEOUT_MS, "the record written back and read");
    assert.deepEqual(asObjects[0].payload, { sensor: "boiler-1", temperature: 21.5, unit: "C" });
    assert.deepEqual((asObjects[0].pulsar as { schema?: unknown }).schema, { type: "AVRO", version: 0 });
    assert.deepEqual(back[0].payload, { sensor: "boiler-1", temperature: 70.7, unit: "F" });
  });

  it("Basic produce and consume: an inject click is acked by Pulsar and received by pulsar in", async () => {
    const flow = await load("Basic produce and consume");
    const acked = received(byName(flow, "debug", "acknowledged by Pulsar"));
    const got = received(byName(flow, "debug", "received from Pulsar"));
    await allConnected(flow);
    click(flow, "send a message");
    await until(() => acked.length === 1 && got.length === 1, IO_TIMEOUT_MS, "the message acked and received");
    assert.ok(acked[0].pulsar?.messageId, "pulsar out adds msg.pulsar.messageId");
    assert.deepEqual(got[0].payload, { hello: "Pulsar", from: "Node-RED" });
    assert.equal(got[0].topic, `persistent://public/${namespace}/node-red-example-basic`);
  });

  it("Bulk publish an array: one click publishes 200 readings in order, key and properties on each; one msg with their ids", async () => {
    const flow = await load("Bulk publish an array");
    const acked = received(byName(flow, "debug", "message ids"));
    const got = received(byName(flow, "debug", "reading received"));
    await allConnected(flow);
    click(flow, "poll 200 registers");
    await until(() => acked.length === 1 && got.length === 200, IO_TIMEOUT_MS, "the array acked and its 200 readings received");
    const ids = (acked[0].pulsar as { messageIds?: unknown[] }).messageIds;
    assert.ok(Array.isArray(ids) && ids.length === 200 && ids.every((id) => typeof id === "string"), "msg.pulsar.messageIds: 200 ids");
    assert.deepEqual(got.map((m) => (m.payload as { register: number }).register), Array.from({ length: 200 }, (_, i) => i), "in element order");
    assert.deepEqual(got.map((m) => m.pulsar?.messageId), ids, "the ids consumers see, in element order");
    assert.ok(got.every((m) => m.key === "plc-1" && m.properties?.source === "modbus"), "key and properties on every element");
  });

  describe("End-to-end encryption (demo keys made as its comment says)", () => {
    const EXAMPLE = "End-to-end encryption";
    /** Where the example's keys node and comment say the demo keys are. */
    const DEMO_DIR = "/tmp/node-red-pulsar-demo-keys";
    let dir: string;

    before(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), "example-keys-"));
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    function comment(): string {
      const found = readExample(EXAMPLE).find((n) => n.type === "comment");
      assert.ok(found);
      return String(found.info);
    }

    it("the secret is acked, stored as ciphertext only, and pulsar in decrypts it", async () => {
      const info = comment();
      assert.match(info, /throwaway/);
      // The comment's own openssl commands, run in the test's directory.
      const commands = info.match(/^openssl .+$/gm) ?? [];
      assert.equal(commands.length, 2, "the comment gives the two openssl commands");
      for (const command of commands) execFileSync("openssl", command.split(" ").slice(1), { cwd: dir, stdio: "ignore" });
      // What the comment says to type into the keys node's Private keys field.
      const typed = /^\{"demo-key": .+\}$/m.exec(info)?.[0];
      assert.ok(typed, "the comment gives the private keys field's text");
      const rewrite: [string, string][] = [[DEMO_DIR, dir]];
      const keysId = readExample(EXAMPLE).find((n) => n.type === "pulsar-ws-keys")!.id;
      const flow = await load(EXAMPLE, { rewrite, credentials: { [keysId]: { privateKeys: typed.split(DEMO_DIR).join(dir) } } });
      const acked = received(byName(flow, "debug", "acknowledged (stored encrypted)"));
      const decrypted = received(byName(flow, "debug", "decrypted"));
      await allConnected(flow);
      click(flow, "send a secret");
      await until(() => acked.length === 1 && decrypted.length === 1, IO_TIMEOUT_MS, "the secret acked and decrypted");
      assert.deepEqual(decrypted[0].payload, { secret: "only Node-RED can read this" });
      // What the broker holds: ciphertext.
      const topic = `/admin/v2/persistent/public/${namespace}/node-red-example-encrypted`;
      const stored = await pulsar.admin("GET", `${topic}/examinemessage?initialPosition=earliest&messagePosition=1`);
      assert.equal(stored.status, 200, stored.body);
      assert.ok(stored.body.length > 0);
      assert.ok(!stored.body.includes("only Node-RED"), "the broker stores ciphertext");
    });

    it("with its key files missing (as npm start deploys it before they are made): the pulsar nodes show a configuration error, the log names the missing file, nothing throws", async () => {
      const missing = path.join(dir, "not-made-yet");
      const flow = await load(EXAMPLE, { rewrite: [[DEMO_DIR, missing]] });
      const nodes = [...ofType(flow, "pulsar-out"), ...ofType(flow, "pulsar-in")];
      // The helper's status spy is shared by every node: take each node's own calls.
      const calls = (n: Node): { fill?: string; text?: string }[] =>
        (n.status as unknown as { getCalls(): { thisValue: unknown; args: [{ fill?: string; text?: string }] }[] }).getCalls().filter((c) => c.thisValue === n).map((c) => c.args[0]);
      const describe = (): string => nodes.map((n) => `${n.type}: ${JSON.stringify(calls(n))}`).join("; ");
      await until(() => nodes.every((n) => calls(n).at(-1)?.fill === "red"), 5000, "both pulsar nodes red").catch((err: Error) => {
        throw new Error(`${err.message}: ${describe()}`);
      });
      for (const n of nodes) assert.match(String(calls(n).at(-1)?.text), /configuration error/, describe());
      // The reason, with the missing file, is in the log (node.error), once per node.
      const logged = helper.log().args.map((a) => JSON.stringify(a[0])).filter((line) => line.includes("demo.pub.pem"));
      assert.ok(logged.length >= 2, `the log names the missing key file: ${logged.join("\n")}`);
    });
  });

  describe("MQTT to Pulsar and back (aedes on MQTT_PORT)", () => {
    let broker: Aedes;
    let server: net.Server;

    before(async () => {
      broker = await Aedes.createBroker();
      server = net.createServer(broker.handle);
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      process.env.MQTT_PORT = String((server.address() as net.AddressInfo).port);
    });

    after(async () => {
      delete process.env.MQTT_PORT;
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });

    function subscribe(topic: string): AedesPublishPacket[] {
      const seen: AedesPublishPacket[] = [];
      broker.subscribe(topic, (packet, cb) => {
        seen.push(packet);
        cb();
      }, () => undefined);
      return seen;
    }

    it("an MQTT publish reaches Pulsar keyed by its topic and comes back under from-pulsar/", async () => {
      const back = subscribe("from-pulsar/#");
      const subscribed: string[] = [];
      broker.on("subscribe", (subscriptions) => subscribed.push(...subscriptions.map((sub) => sub.topic)));
      const flow = await load("MQTT to Pulsar and back");
      const toPulsar = received(ofType(flow, "pulsar-out")[0]);
      const fromPulsar = received(byName(flow, "debug", "back to MQTT"));
      await allConnected(flow);
      await until(() => subscribed.includes("sensors/#"), IO_TIMEOUT_MS, "the example's mqtt in subscribed to sensors/#");

      // An outside device publishes...
      broker.publish({ cmd: "publish", topic: "sensors/hall/humidity", payload: Buffer.from('{"percent":40}'), qos: 1, retain: false, dup: false, messageId: 1 } as AedesPublishPacket, () => undefined);
      // ...and the example's own simulated sensor too.
      click(flow, "simulate a sensor");

      await until(() => back.length >= 2, IO_TIMEOUT_MS, `two messages back on MQTT (have ${back.length})`);
      const byTopic = new Map(back.map((p) => [p.topic, JSON.parse(p.payload.toString()) as unknown]));
      assert.deepEqual(byTopic.get("from-pulsar/sensors/hall/humidity"), { percent: 40 });
      assert.deepEqual(byTopic.get("from-pulsar/sensors/room1/temperature"), { celsius: 21.5 });
      const keys = toPulsar.map((m) => m.key).sort();
      assert.deepEqual(keys, ["sensors/hall/humidity", "sensors/room1/temperature"]);
      assert.ok(fromPulsar.every((m) => m.properties?.mqttTopic && m.key === m.properties.mqttTopic), "key and mqttTopic property travel through Pulsar");
    });
  });

  it("Batched consume: 120 readings arrive in batches of at most 50, summed, and the batch msgs sent back ack them all", async () => {
    const flow = await load("Batched consume");
    const summaries = received(byName(flow, "debug", "batch summary"));
    await allConnected(flow);
    click(flow, "publish 120 readings");
    const counted = (): number => summaries.reduce((n, m) => n + (m.payload as { count: number }).count, 0);
    await until(() => counted() === 120, IO_TIMEOUT_MS, `120 readings in batches (have ${counted()})`);
    const batches = summaries.map((m) => m.payload as { count: number; sum: number; topic: string });
    assert.ok(batches.every((b) => b.count >= 1 && b.count <= 50), JSON.stringify(batches.map((b) => b.count)));
    assert.ok(batches.length < 120, "messages arrive together, not one msg each");
    assert.equal(batches.reduce((s, b) => s + b.sum, 0), (119 * 120) / 2);
    assert.ok(batches.every((b) => b.topic === `persistent://public/${namespace}/readings-batched`));
    const topic = `/admin/v2/persistent/public/${namespace}/readings-batched`;
    await until(async () => (await pulsar.admin("GET", `${topic}/stats`)).json<{ subscriptions: Record<string, { msgBacklog: number }> }>().subscriptions["batch-summer"]?.msgBacklog === 0, IO_TIMEOUT_MS, "every batch acked: backlog 0");
  });

  it("Manual ack with nack and a dead-letter topic: the good order is acked once, the bad one dead-lettered", async () => {
    const flow = await load("Manual ack with nack and a dead-letter topic");
    const processed = received(byName(flow, "debug", "processed (ack / nack)"));
    const dead = received(byName(flow, "debug", "dead letter"));
    await allConnected(flow);
    click(flow, "a good order");
    click(flow, "a bad order");
    // maxRedeliverCount 2: delivered once, redelivered twice, then moved to the dead-letter topic.
    await until(() => dead.length === 1, IO_TIMEOUT_MS, `the bad order in the dead letters (processed ${processed.length})`);
    assert.deepEqual(dead[0].payload, { order: 2, valid: false });
    const orders = processed.map((m) => (m.payload as { order: number }).order);
    assert.equal(orders.filter((o) => o === 1).length, 1, "the good order is processed once (acked)");
    assert.equal(orders.filter((o) => o === 2).length, 3, "the bad order is processed three times (nacked)");
    const redeliveries = processed.filter((m) => (m.payload as { order: number }).order === 2).map((m) => m.pulsar?.redeliveryCount);
    assert.deepEqual(redeliveries, [0, 1, 2]);
    // Nothing else arrives: the good order stays acked.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    assert.equal(processed.length, 4);
    assert.equal(dead.length, 1);
  });

  it("Reader replay from earliest: a redeploy replays every event written before", async () => {
    let flow = await load("Reader replay from earliest");
    let replayed = received(byName(flow, "debug", "replayed"));
    await allConnected(flow);
    click(flow, "write five events");
    await until(() => replayed.length === 5, IO_TIMEOUT_MS, `five events read (have ${replayed.length})`);

    // Deploy again: a new reader starts at earliest and reads the same five events.
    await helper.unload();
    flow = await load("Reader replay from earliest");
    replayed = received(byName(flow, "debug", "replayed"));
    await until(() => replayed.length === 5, IO_TIMEOUT_MS, `five events replayed (have ${replayed.length})`);
    assert.deepEqual(replayed.map((m) => m.payload), [1, 2, 3, 4, 5].map((event) => ({ event })));
  });

  it("Key_Shared scale-out: 48 readings spread over the workers, each device on one worker", async () => {
    const flow = await load("Key_Shared scale-out");
    const handled = received(byName(flow, "debug", "handled by"));
    await allConnected(flow);
    click(flow, "send 48 readings");
    await until(() => handled.length >= 48, IO_TIMEOUT_MS, `48 readings handled (have ${handled.length})`);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    assert.equal(handled.length, 48, "each reading handled exactly once");
    const readings = handled.map((m) => (m.payload as { reading: number }).reading).sort((a, b) => a - b);
    assert.deepEqual(readings, Array.from({ length: 48 }, (_, i) => i));
    const workerOf = new Map<string, Set<string>>();
    for (const m of handled) {
      const set = workerOf.get(m.key!) ?? new Set<string>();
      set.add(m.worker!);
      workerOf.set(m.key!, set);
    }
    assert.equal(workerOf.size, 12);
    for (const [key, workers] of workerOf) assert.equal(workers.size, 1, `${key} went to ${[...workers].join(", ")}`);
    const used = new Set(handled.map((m) => m.worker));
    assert.ok(used.size >= 2, `the load is spread (workers used: ${[...used].join(", ")})`);
    // Per key, readings stay in order.
    for (const key of workerOf.keys()) {
      const order = handled.filter((m) => m.key === key).map((m) => (m.payload as { reading: number }).reading);
      assert.deepEqual(order, [...order].sort((a, b) => a - b), `${key} out of order`);
    }
  });

  it("Pattern consumer: matching topics arrive with their msg.topic, a topic created later is picked up, getSubscriptions lists them", async () => {
    const flow = await load("Pattern consumer");
    const got = received(byName(flow, "debug", "from the pattern"));
    const created = received(byName(flow, "debug", "topic created"));
    // The pattern matches nothing yet: write first (the producer creates the topics), then discovery (10 s) finds them.
    click(flow, "write to sensor-a and sensor-b");
    await until(() => got.filter((m) => m.pulsar?.messageId).length >= 2, IO_TIMEOUT_MS, `sensor-a and sensor-b consumed (have ${got.length})`);
    const topics = got.map((m) => m.topic).sort();
    assert.deepEqual(topics, [`persistent://public/${namespace}/sensor-a`, `persistent://public/${namespace}/sensor-b`]);
    click(flow, "create sensor-c");
    await until(() => created.length === 1, IO_TIMEOUT_MS, "sensor-c created");
    assert.equal(created[0].payload, null);
    await until(async () => {
      const stats = await pulsar.admin("GET", `/admin/v2/persistent/public/${namespace}/sensor-c/stats`);
      return stats.status === 200 && Object.keys(stats.json<{ subscriptions: object }>().subscriptions).includes("pattern-example");
    }, IO_TIMEOUT_MS, "sensor-c subscribed by the next discovery");
    click(flow, "write to sensor-c");
    await until(() => got.some((m) => m.topic?.endsWith("/sensor-c")), IO_TIMEOUT_MS, "sensor-c consumed");
    click(flow, "which topics?");
    await until(() => got.some((m) => Array.isArray(m.payload)), IO_TIMEOUT_MS, "the topic list");
    // In the order the topics were found: a discovery may run between the creation of sensor-a and sensor-b.
    const listed = [...(got.find((m) => Array.isArray(m.payload))!.payload as string[])].sort();
    assert.deepEqual(listed, ["a", "b", "c"].map((x) => `persistent://public/${namespace}/sensor-${x}`));
  });

  it("Backlog alert: the alert fires once the billing subscription has more than 100 messages waiting, skip-all clears it", async () => {
    const flow = await load("Backlog alert");
    const alerts = received(byName(flow, "debug", "alert"));
    const billed = received(byName(flow, "debug", "billed"));
    click(flow, "start billing");
    const topic = `/admin/v2/persistent/public/${namespace}/orders-backlog`;
    await until(async () => {
      const stats = await pulsar.admin("GET", `${topic}/stats`);
      return stats.status === 200 && stats.json<{ subscriptions: Record<string, { consumers: unknown[] }> }>().subscriptions.billing?.consumers.length === 1;
    }, IO_TIMEOUT_MS, "billing subscribed");
    click(flow, "stop billing");
    await until(async () => (await pulsar.admin("GET", `${topic}/stats`)).json<{ subscriptions: Record<string, { consumers: unknown[] }> }>().subscriptions.billing?.consumers.length === 0, IO_TIMEOUT_MS, "billing unsubscribed");
    click(flow, "check now");
    await new Promise((resolve) => setTimeout(resolve, 1000));
    assert.equal(alerts.length, 0, "no alert below the threshold");
    click(flow, "write 150 orders");
    await until(async () => (await pulsar.admin("GET", `${topic}/stats`)).json<{ subscriptions: Record<string, { msgBacklog: number }> }>().subscriptions.billing?.msgBacklog === 150, IO_TIMEOUT_MS, "backlog 150");
    click(flow, "check now");
    await until(() => alerts.length === 1, IO_TIMEOUT_MS, "the alert");
    assert.match(String(alerts[0].payload), /backlog of billing is 150 \(over 100\)/);
    click(flow, "clear the backlog");
    await until(async () => (await pulsar.admin("GET", `${topic}/stats`)).json<{ subscriptions: Record<string, { msgBacklog: number }> }>().subscriptions.billing?.msgBacklog === 0, IO_TIMEOUT_MS, "backlog cleared");
    assert.equal(billed.length, 0, "nothing consumed while billing was stopped");
  });
});
