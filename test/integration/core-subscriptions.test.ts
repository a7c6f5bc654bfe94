/**
 * Integration on Pulsar 4.2 (shared instance): the four subscription types with two pulsar-in
 * nodes each, in one real Node-RED flow. Pulsar's side (connected consumers, backlog) is read
 * through its admin REST API.
 */
import assert from "node:assert/strict";
import { tally, trackFigures } from "./support/figures";
import "./support/hooks";
import { endpointNode, inNode, outNode, seqs, TestFlow, usePulsarAndNodeRed, type InMsg } from "./support/flow";
import { topicStats, uniqueName, uniqueTopic, waitBacklog, waitConsumers } from "./support/pulsar-admin";
import { sleep, waitUntil } from "../support/wait";

describe("integration 4.2: subscription types", function () {
  this.timeout(60_000);
  const pulsar = usePulsarAndNodeRed("4.2");
  const figures = trackFigures("subscriptions", "4.2");

  const seqNumbers = (msgs: InMsg[]): number[] => msgs.map((m) => Number(m.properties.seq));
  const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);

  it("Exclusive: the second consumer waits (409) and takes over when the first closes", async () => {
    const topic = uniqueTopic("excl");
    const full = `persistent://public/default/${topic}`;
    const sub = uniqueName("sub");
    const f = await TestFlow.deploy([
      endpointNode(pulsar()),
      ...outNode("out", topic),
      ...inNode("inA", topic, { subscription: sub, subscriptionType: "Exclusive" }),
      ...inNode("inB", topic, { subscription: sub, subscriptionType: "Exclusive" }),
    ], { watch: ["out"] });
    await f.waitConnected(["out"]);
    let active = "";
    let waiting = "";
    await waitUntil("one consumer connected, the other waiting with 409", () => {
      const [a, b] = [f.lastStatus("inA")?.text ?? "", f.lastStatus("inB")?.text ?? ""];
      if (/^connected/.test(a) && f.statuses("inB").some((s) => /409/.test(s.text ?? ""))) [active, waiting] = ["inA", "inB"];
      else if (/^connected/.test(b) && f.statuses("inA").some((s) => /409/.test(s.text ?? ""))) [active, waiting] = ["inB", "inA"];
      return active !== "";
    }, 20_000, () => `inA: ${JSON.stringify(f.statuses("inA").map((s) => s.text))}, inB: ${JSON.stringify(f.statuses("inB").map((s) => s.text))}`);
    const waitingStatus = f.statuses(waiting).find((s) => /409/.test(s.text ?? ""))!;
    assert.equal(waitingStatus.fill, "yellow", "409 is a waiting state, not an error");
    assert.equal((await topicStats(pulsar(), full)).subscriptions[sub].consumers.length, 1);

    const first = await f.produceNumbered(5);
    await f.waitReceived(`${active}-out`, 5, 15_000);
    await sleep(300);
    assert.equal(f.received(`${waiting}-out`).length, 0, "nothing reaches the waiting consumer");

    await f.closeNode(active);
    await f.waitStatus(waiting, /^connected/, 20_000);
    const second = await f.produceNumbered(5, 5);
    const taken = await f.waitReceived(`${waiting}-out`, 5, 20_000);
    assert.deepEqual(seqNumbers(taken), range(5, 10));
    assert.deepEqual(seqNumbers(f.received(`${active}-out`)), range(0, 5));
    await waitBacklog(pulsar(), full, sub, 0);
    const ids = [...first, ...second];
    figures.report(tally(ids, [...f.received("inA-out"), ...f.received("inB-out")].map((m) => ids[Number(m.properties.seq)])));
  });

  it("Failover: both connect, one is active; the standby takes over without reconnecting", async () => {
    const topic = uniqueTopic("failover");
    const full = `persistent://public/default/${topic}`;
    const sub = uniqueName("sub");
    const f = await TestFlow.deploy([
      endpointNode(pulsar()),
      ...outNode("out", topic),
      ...inNode("inA", topic, { subscription: sub, subscriptionType: "Failover" }),
      ...inNode("inB", topic, { subscription: sub, subscriptionType: "Failover" }),
    ], { watch: ["out"] });
    await f.waitConnected(["out", "inA", "inB"]);
    await waitConsumers(pulsar(), full, sub, 2);

    const first = await f.produceNumbered(10);
    await waitUntil("10 messages at one consumer", () => f.received("inA-out").length + f.received("inB-out").length >= 10, 15_000);
    await sleep(300);
    const [a, b] = [f.received("inA-out").length, f.received("inB-out").length];
    assert.ok((a === 10 && b === 0) || (a === 0 && b === 10), `all to the active consumer (inA ${a}, inB ${b})`);
    const [active, standby] = a === 10 ? ["inA", "inB"] : ["inB", "inA"];
    const standbyStatuses = f.statuses(standby).length;

    await f.closeNode(active);
    await waitConsumers(pulsar(), full, sub, 1);
    const second = await f.produceNumbered(10, 10);
    const taken = await f.waitReceived(`${standby}-out`, 10, 20_000);
    assert.deepEqual(seqNumbers(taken), range(10, 20));
    assert.equal(f.statuses(standby).length, standbyStatuses, "the standby's session never changed state (no reconnect)");
    await waitBacklog(pulsar(), full, sub, 0);
    const ids = [...first, ...second];
    figures.report(tally(ids, [...f.received("inA-out"), ...f.received("inB-out")].map((m) => ids[Number(m.properties.seq)])));
  });

  it("Shared: two pulsar-in nodes split the messages, none twice, none lost", async () => {
    const topic = uniqueTopic("shared");
    const full = `persistent://public/default/${topic}`;
    const sub = uniqueName("sub");
    const f = await TestFlow.deploy([
      endpointNode(pulsar()),
      ...outNode("out", topic),
      ...inNode("inA", topic, { subscription: sub, subscriptionType: "Shared" }),
      ...inNode("inB", topic, { subscription: sub, subscriptionType: "Shared" }),
    ], { watch: ["out"] });
    await f.waitConnected(["out", "inA", "inB"]);
    await waitConsumers(pulsar(), full, sub, 2);
    const n = 200;
    const ids = await f.produceNumbered(n);
    await waitUntil(`${n} messages over both consumers`, () => f.received("inA-out").length + f.received("inB-out").length >= n, 20_000);
    await sleep(500);
    const [a, b] = [f.received("inA-out"), f.received("inB-out")];
    console.log(`      split: inA ${a.length}, inB ${b.length}`);
    assert.ok(a.length > 0 && b.length > 0, `both consumers get messages (inA ${a.length}, inB ${b.length})`);
    const counts = tally(ids, [...seqs(a), ...seqs(b)].map((s) => ids[Number(s)]));
    assert.equal(counts.duplicates, 0, "no message twice");
    assert.equal(counts.lost, 0, `missing: ${counts.missing.join(",")}`);
    await waitBacklog(pulsar(), full, sub, 0);
    figures.report(counts);
  });

  it("Key_Shared: each key sticks to one consumer and its order is kept", async () => {
    const topic = uniqueTopic("keyshared");
    const full = `persistent://public/default/${topic}`;
    const sub = uniqueName("sub");
    const f = await TestFlow.deploy([
      endpointNode(pulsar()),
      ...outNode("out", topic),
      ...inNode("inA", topic, { subscription: sub, subscriptionType: "Key_Shared" }),
      ...inNode("inB", topic, { subscription: sub, subscriptionType: "Key_Shared" }),
    ], { watch: ["out"] });
    await f.waitConnected(["out", "inA", "inB"]);
    await waitConsumers(pulsar(), full, sub, 2);
    const keys = Array.from({ length: 40 }, (_, k) => `device-${k}`);
    const n = 400;
    const ids = await f.produceNumbered(n, 0, (i) => ({ key: keys[i % keys.length] }));
    await waitUntil(`${n} messages over both consumers`, () => f.received("inA-out").length + f.received("inB-out").length >= n, 20_000);
    await sleep(500);
    const [a, b] = [f.received("inA-out"), f.received("inB-out")];
    console.log(`      split: inA ${a.length} (${new Set(a.map((m) => m.key)).size} keys), inB ${b.length} (${new Set(b.map((m) => m.key)).size} keys)`);
    assert.ok(a.length > 0 && b.length > 0, `both consumers get keys (inA ${a.length}, inB ${b.length})`);
    for (const key of keys) {
      const onA = a.filter((m) => m.key === key);
      const onB = b.filter((m) => m.key === key);
      assert.ok(onA.length === 0 || onB.length === 0, `${key} went to both consumers`);
      const order = seqNumbers(onA.length ? onA : onB);
      assert.deepEqual(order, range(0, n / keys.length).map((j) => j * keys.length + keys.indexOf(key)), `order of ${key}`);
    }
    const counts = tally(ids, [...seqs(a), ...seqs(b)].map((s) => ids[Number(s)]));
    assert.equal(counts.duplicates, 0);
    assert.equal(counts.lost, 0);
    await waitBacklog(pulsar(), full, sub, 0);
    figures.report(counts);
  });
});
