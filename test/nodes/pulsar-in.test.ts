import assert from "node:assert/strict";
import type { Node, NodeMessage } from "node-red";
import type { FakePulsar } from "../fake/fake-pulsar";
import { allNodes, collect, doneWatchers, endpoint, flow, helper, inject, outcomes, sink, type FlowNode, useFakePulsar } from "./setup";
import { sleep, until } from "../support/wait";

type InMsg = NodeMessage & {
  payload: unknown;
  topic: string;
  key?: string;
  properties: Record<string, string>;
  pulsar: { messageId: string; redeliveryCount: number; publishTime?: string; eventTime?: string; subscription?: string; topic: string; key?: string };
};
type StatusSpy = { args: { fill?: string; shape?: string; text?: string }[][] };

describe("pulsar-in node", function () {
  const currentFake = useFakePulsar();
  let fake: FakePulsar;
  beforeEach(() => {
    fake = currentFake();
  });

  function consumer(extra: Record<string, unknown> = {}): FlowNode {
    return { id: "in", type: "pulsar-in", endpoint: "ep", topic: "t1", mode: "subscription", subscription: "sub1", wires: [["out"]], ...extra };
  }

  async function load(nodes: FlowNode[]): Promise<{ node: Node; out: ReturnType<typeof collect> }> {
    await helper.load(allNodes, flow(...nodes, sink("out")));
    return { node: helper.getNode("in"), out: collect(helper.getNode("out")) };
  }

  const connected = (role: "consumer" | "reader" = "consumer"): Promise<unknown> => until(() => fake.openConnections({ role }).length > 0, 3000, `a ${role} connection`);
  const statusTexts = (node: Node): string[] => (node.status as unknown as StatusSpy).args.map((a) => a[0]?.text ?? "");

  it("deploys with only the documented flow-JSON properties, emits the msg contract and auto-acks", async () => {
    const { out } = await load([
      { id: "ep", type: "pulsar-ws-endpoint", name: "", serviceUrl: fake.httpUrl, cluster: "", tenant: "public", namespace: "default", tls: "" },
      { id: "in", type: "pulsar-in", name: "", endpoint: "ep", topic: "t1", mode: "subscription", subscription: "s9", subscriptionType: "Exclusive", initialPosition: "Latest", ackMode: "auto", payloadFormat: "auto", startMessageId: "", wires: [["out"]] },
    ]);
    await connected();
    const conn = fake.openConnections({ role: "consumer" })[0];
    assert.equal(conn.path, "/ws/v2/consumer/persistent/public/default/t1/s9");
    assert.equal(conn.query.subscriptionType, "Exclusive");
    assert.equal(conn.query.subscriptionInitialPosition, "Latest");
    const stored = fake.publish("t1", { payload: '{"temp":21.5}', key: "sensor-1", properties: { unit: "C" }, eventTime: "2026-01-01T00:00:00Z" });
    const [msg] = (await out.waitFor(1)) as InMsg[];
    assert.deepEqual(msg.payload, { temp: 21.5 });
    assert.equal(msg.topic, "persistent://public/default/t1");
    assert.equal(msg.key, "sensor-1");
    assert.deepEqual(msg.properties, { unit: "C" });
    assert.equal(msg.pulsar.messageId, stored.messageId);
    assert.equal(msg.pulsar.subscription, "s9");
    assert.equal(msg.pulsar.redeliveryCount, 0);
    assert.equal(msg.pulsar.eventTime, "2026-01-01T00:00:00Z");
    assert.ok(msg.pulsar.publishTime);
    await until(() => fake.subscriptionState("t1", "s9")?.backlog === 0, 3000, "backlog 0 after auto ack");
  });

  for (const [format, expected] of [
    ["utf8", '{"a":1}'],
    ["buffer", Buffer.from('{"a":1}')],
    ["json", { a: 1 }],
    ["base64", Buffer.from('{"a":1}').toString("base64")],
  ] as const) {
    it(`emits the payload as ${format}`, async () => {
      const { out } = await load([endpoint(fake.wsUrl), consumer({ payloadFormat: format })]);
      await connected();
      fake.publish("t1", { payload: '{"a":1}' });
      const [msg] = (await out.waitFor(1)) as InMsg[];
      assert.deepEqual(msg.payload, expected);
    });
  }

  it("hands an undecodable payload to Catch with its raw bytes and id, and carries on", async () => {
    await helper.load(allNodes, flow(endpoint(fake.wsUrl), consumer({ payloadFormat: "json" }), sink("out"), ...doneWatchers("in")));
    const out = collect(helper.getNode("out"));
    const caught = collect(helper.getNode("caught"));
    await connected();
    fake.publish("t1", { payload: "not json" });
    fake.publish("t1", { payload: "[1]" });
    const [bad] = (await caught.waitFor(1)) as (InMsg & { error: { message: string } })[];
    assert.match(bad.error.message, /not valid JSON/);
    assert.equal(Buffer.from(bad.payload as string, "base64").toString(), "not json");
    assert.ok(bad.pulsar.messageId);
    const [good] = (await out.waitFor(1)) as InMsg[];
    assert.deepEqual(good.payload, [1]);
    await until(() => fake.subscriptionState("t1", "sub1")?.backlog === 0, 3000, "both answered");
  });

  it("manual ack: shows the unacked count, acks on input, nacks with msg.ack === false", async () => {
    const { node, out } = await load([endpoint(fake.wsUrl), consumer({ ackMode: "manual", negativeAckRedeliveryDelay: 50 })]);
    await connected();
    fake.publish("t1", { payload: "a" });
    fake.publish("t1", { payload: "b" });
    const [a, b] = (await out.waitFor(2)) as InMsg[];
    await until(() => statusTexts(node).some((t) => t.includes("2 unacked")), 3000, "2 unacked status");
    assert.equal(fake.subscriptionState("t1", "sub1")?.unacked, 2);
    node.receive(a);
    await until(() => fake.subscriptionState("t1", "sub1")?.backlog === 1, 3000, "a acked");
    node.receive({ ...b, ack: false } as NodeMessage);
    const [again] = (await out.waitFor(3)).slice(2) as InMsg[];
    assert.equal(again.payload, "b");
    assert.equal(again.pulsar.redeliveryCount, 1);
    node.receive(again);
    await until(() => fake.subscriptionState("t1", "sub1")?.backlog === 0, 3000, "backlog 0");
    await until(() => statusTexts(node).at(-1)?.includes("connected"), 3000, "connected status again");
  });

  it("manual ack: refuses an input without a message id with done(err)", async () => {
    await helper.load(allNodes, flow(endpoint(fake.wsUrl), consumer({ ackMode: "manual" }), sink("out"), ...doneWatchers("in")));
    const tracker = outcomes();
    const node = helper.getNode("in");
    const [noId, badAction] = [inject(node, { payload: "x" }), inject(node, { action: "explode" })];
    const [r1, r2] = await tracker.waitFor([noId, badAction]);
    assert.match(r1.error!.message, /messageId is missing/);
    assert.match(r2.error!.message, /explode/);
  });

  it("push mode stops at receiverQueueSize unacked messages and resumes as they are acked", async () => {
    const { node, out } = await load([endpoint(fake.wsUrl), consumer({ ackMode: "manual", receiverQueueSize: 3, initialPosition: "Earliest" })]);
    for (let i = 0; i < 6; i++) fake.publish("t1", { payload: `m${i}` });
    await out.waitFor(3);
    await sleep(100);
    assert.equal(out.msgs.length, 3, "the server stops at the window");
    for (const m of out.msgs.slice(0, 3)) node.receive(m);
    await out.waitFor(6);
    assert.deepEqual(out.msgs.map((m) => (m as InMsg).payload), ["m0", "m1", "m2", "m3", "m4", "m5"]);
  });

  it("pull mode keeps pullWindow permits outstanding, and pause/resume stop and start them", async () => {
    // Manual ack makes the permit flow observable: a permit is granted when a message is answered.
    const { node, out } = await load([endpoint(fake.wsUrl), consumer({ pullMode: true, pullWindow: 2, ackMode: "manual", initialPosition: "Earliest" })]);
    for (let i = 0; i < 6; i++) fake.publish("t1", { payload: `m${i}` });
    await out.waitFor(2);
    assert.equal(fake.openConnections({ role: "consumer" })[0].query.pullMode, "true");
    await sleep(100);
    assert.equal(out.msgs.length, 2, "only the pull window arrives");
    node.receive({ action: "pause" } as NodeMessage);
    for (const m of out.msgs.slice(0, 2)) node.receive(m);
    await until(() => fake.subscriptionState("t1", "sub1")?.backlog === 4, 3000, "the first two acked");
    await sleep(100);
    assert.equal(out.msgs.length, 2, "paused: answering grants no new permits");
    await until(() => statusTexts(node).some((t) => t.includes("paused")), 2000, "paused status");
    node.receive({ action: "resume" } as NodeMessage);
    await out.waitFor(4);
    for (const m of out.msgs.slice(2, 4)) node.receive(m);
    await out.waitFor(6);
    for (const m of out.msgs.slice(4, 6)) node.receive(m);
    await until(() => fake.subscriptionState("t1", "sub1")?.backlog === 0, 3000, "all acked");
  });

  it("reader: reads from earliest and resumes after the last emitted message on reconnect", async () => {
    for (let i = 0; i < 3; i++) fake.publish("t1", { payload: `m${i}` });
    const { out } = await load([endpoint(fake.wsUrl), consumer({ mode: "reader", startMessageId: "earliest", subscription: "" })]);
    const first = (await out.waitFor(3)) as InMsg[];
    assert.deepEqual(first.map((m) => m.payload), ["m0", "m1", "m2"]);
    assert.equal(fake.openConnections({ role: "reader" })[0].query.messageId, "earliest");
    fake.dropConnections({ role: "reader" });
    await until(() => fake.handshakes({ role: "reader" }).length === 2 && fake.openConnections({ role: "reader" }).length === 1, 3000, "reconnect");
    assert.equal(fake.openConnections({ role: "reader" })[0].query.messageId, first[2].pulsar.messageId);
    fake.publish("t1", { payload: "m3" });
    await out.waitFor(4);
    await sleep(100);
    assert.deepEqual(out.msgs.map((m) => (m as InMsg).payload), ["m0", "m1", "m2", "m3"], "no duplicates, nothing missed");
  });

  it("refuses to start in subscription mode without a subscription name", async () => {
    const { node } = await load([endpoint(fake.wsUrl), consumer({ subscription: "" })]);
    await sleep(100);
    assert.equal(fake.handshakes().length, 0);
    const errors = (node.error as unknown as { args: unknown[][] }).args.map((a) => String(a[0]));
    assert.ok(errors.some((e) => /subscription name is required/.test(e)), errors.join("\n"));
  });

  it("Exclusive: a second consumer waits (409) and takes over when the first closes", async () => {
    await helper.load(allNodes, flow(endpoint(fake.wsUrl), consumer({ id: "in", wires: [["out"]] }), consumer({ id: "in2", wires: [["out2"]] }), sink("out"), sink("out2")));
    const out2 = collect(helper.getNode("out2"));
    await until(() => fake.handshakes({ role: "consumer" }).some((c) => c.status === 409), 3000, "a 409");
    // The status follows the refused handshake asynchronously: wait for it rather than race it.
    const showsWaiting = (n: Node): boolean => (n.status as unknown as StatusSpy).args.some((a) => a[0]?.fill === "yellow" && /409/.test(a[0]?.text ?? ""));
    const waiting = await until(() => [helper.getNode("in"), helper.getNode("in2")].find(showsWaiting), 3000, "one node to show the waiting status");
    const active = fake.openConnections({ role: "consumer" });
    assert.equal(active.length, 1);
    const activeIsFirst = waiting === helper.getNode("in2");
    fake.dropConnections({ id: active[0].id });
    if (activeIsFirst) {
      await until(() => fake.openConnections({ role: "consumer" }).length === 1, 3000, "takeover");
      fake.publish("t1", { payload: "x" });
      await until(() => out2.msgs.length > 0 || collect(helper.getNode("out")).msgs.length > 0, 3000, "delivery after takeover");
    }
  });

  it("reports malformed server frames with node.error and keeps consuming", async () => {
    const { node, out } = await load([endpoint(fake.wsUrl), consumer()]);
    await connected();
    fake.sendRaw({ role: "consumer" }, "{broken");
    fake.sendRaw({ role: "consumer" }, '{"type":"SOMETHING_NEW"}');
    fake.publish("t1", { payload: "after" });
    const [msg] = (await out.waitFor(1)) as InMsg[];
    assert.equal(msg.payload, "after");
    const errors = (node.error as unknown as { args: unknown[][] }).args.map((a) => String(a[0]));
    assert.equal(errors.length, 1, errors.join("\n"));
    assert.match(errors[0], /malformed frame/);
  });

  it("refuses a frame over the endpoint's Max incoming frame, says so, and consumes on after reconnecting", async () => {
    const { node, out } = await load([endpoint(fake.wsUrl, { maxIncomingFrameSize: 4096 }), consumer()]);
    await connected();
    fake.sendRaw({ role: "consumer" }, JSON.stringify({ messageId: "CAcQAzAA", payload: Buffer.alloc(8192).toString("base64"), properties: {} }));
    const warnSpy = node.warn as unknown as { args: unknown[][] };
    await until(() => warnSpy.args.some((a) => /over 4096 bytes \(the endpoint's Max incoming frame\)/.test(String(a[0]))), 5000, "a warning naming the limit");
    await until(() => statusTexts(node).some((t) => t.startsWith("connecting (server frame too large)")), 3000, "the status names it");
    assert.equal(out.msgs.length, 0, "the oversize frame is not emitted");
    await until(() => statusTexts(node).at(-1) === "connected", 3000, "connected again");
    fake.publish("t1", { payload: "after" });
    const [msg] = (await out.waitFor(1)) as InMsg[];
    assert.equal(msg.payload, "after");
  });

  it("emits a property named __proto__ as an own key of msg.properties, touching no prototype", async () => {
    const { out } = await load([endpoint(fake.wsUrl), consumer()]);
    await connected();
    fake.sendRaw({ role: "consumer" }, '{"messageId":"CAcQAzAA","payload":"eA==","properties":{"a":"1","__proto__":"str"},"publishTime":"2026-01-01T00:00:00Z"}');
    const [msg] = (await out.waitFor(1)) as InMsg[];
    assert.deepEqual(Object.entries(msg.properties), [["a", "1"], ["__proto__", "str"]]);
    assert.equal(Object.getPrototypeOf(msg.properties), Object.prototype);
  });

  it("closes its socket on redeploy", async () => {
    await load([endpoint(fake.wsUrl), consumer()]);
    await connected();
    await helper.clearFlows();
    await until(() => fake.openConnections().length === 0, 2000, "socket closed");
  });
});
