/**
 * Integration on Pulsar 4.2 (shared instance): acknowledgement through real Node-RED flows.
 * Auto ack drains the backlog; manual ack holds it (and Pulsar's push window stops at the
 * receiver queue) until the flow acks; a nack is redelivered with redeliveryCount + 1; after
 * maxRedeliverCount the message lands on the dead-letter topic; an unacked message comes back
 * after ackTimeoutMillis. The backlog is read through Pulsar's admin REST API.
 */
import assert from "node:assert/strict";
import type { NodeMessage } from "node-red";
import { tally, trackFigures } from "./support/figures";
import "./support/hooks";
import { endpointNode, helper, inNode, outNode, seqs, TestFlow, usePulsarAndNodeRed, type InMsg } from "./support/flow";
import { backlog, topicAdminPath, uniqueName, uniqueTopic, waitBacklog } from "./support/pulsar-admin";
import { sleep, waitUntil } from "../support/wait";

describe("integration 4.2: acknowledgement", function () {
  this.timeout(60_000);
  const pulsar = usePulsarAndNodeRed("4.2");
  const figures = trackFigures("acks", "4.2");

  /** The subscription exists before anything is produced, so Pulsar keeps a backlog for it. */
  async function createSubscription(full: string, sub: string): Promise<void> {
    const created = await pulsar().admin("PUT", topicAdminPath(full));
    assert.ok([204, 409].includes(created.status), `create topic: ${created.status} ${created.body}`);
    const res = await pulsar().admin("PUT", `${topicAdminPath(full)}/subscription/${encodeURIComponent(sub)}`);
    assert.ok([204, 409].includes(res.status), `create subscription: ${res.status} ${res.body}`);
  }

  /** Answers what reaches sink `sinkId` by sending it back into pulsar-in `inId` (a wire back with msg.ack as given). */
  function answerEvery(sinkId: string, inId: string, ack: (msg: InMsg) => boolean): void {
    helper.getNode(sinkId).on("input", (msg: NodeMessage) => {
      const m = msg as InMsg;
      helper.getNode(inId).receive({ ...m, ack: ack(m) } as NodeMessage);
    });
  }

  it("auto ack: a backlog of 50 drains to 0 once pulsar-in is deployed", async () => {
    const topic = uniqueTopic("autoack");
    const full = `persistent://public/default/${topic}`;
    const sub = uniqueName("sub");
    await createSubscription(full, sub);
    const producer = await TestFlow.deploy([endpointNode(pulsar()), ...outNode("out", topic)], { watch: ["out"] });
    const ids = await producer.produceNumbered(50);
    await waitBacklog(pulsar(), full, sub, 50);
    await helper.unload();

    const f = await TestFlow.deploy([endpointNode(pulsar()), ...inNode("in", topic, { subscription: sub, ackMode: "auto" })]);
    const got = await f.waitReceived("in-out", 50, 20_000);
    await waitBacklog(pulsar(), full, sub, 0);
    await sleep(300);
    const counts = tally(ids, seqs(got).map((s) => ids[Number(s)]));
    assert.equal(counts.duplicates, 0);
    assert.equal(counts.lost, 0);
    figures.report(counts);
  });

  it("manual ack: nothing is acked until the flow acks; Pulsar stops at receiverQueueSize unacked", async () => {
    const topic = uniqueTopic("manual");
    const full = `persistent://public/default/${topic}`;
    const sub = uniqueName("sub");
    await createSubscription(full, sub);
    const f = await TestFlow.deploy([
      endpointNode(pulsar()),
      ...outNode("out", topic),
      ...inNode("in", topic, { subscription: sub, ackMode: "manual", receiverQueueSize: 5 }),
    ], { watch: ["out"] });
    const ids = await f.produceNumbered(12);
    await f.waitReceived("in-out", 5, 15_000);
    await sleep(1500);
    assert.equal(f.received("in-out").length, 5, "the push window stops at receiverQueueSize unacked messages");
    await f.waitStatus("in", /^5 unacked/, 5_000);
    assert.equal(await backlog(pulsar(), full, sub), 12, "nothing acked yet");

    // Ack what arrived; every ack opens one slot of the window, until all 12 are through.
    let acked = 0;
    await waitUntil("all 12 delivered and acked", async () => {
      const msgs = f.received("in-out");
      while (acked < msgs.length) f.node("in").receive(msgs[acked++]);
      return acked === 12;
    }, 20_000, () => `acked ${acked}`);
    await waitBacklog(pulsar(), full, sub, 0);
    await f.waitStatus("in", /^connected/, 5_000);
    const counts = tally(ids, seqs(f.received("in-out")).map((s) => ids[Number(s)]));
    assert.equal(counts.duplicates, 0);
    figures.report(counts);
  });

  it("nack: msg.ack = false redelivers after negativeAckRedeliveryDelay with redeliveryCount 1", async () => {
    const topic = uniqueTopic("nack");
    const full = `persistent://public/default/${topic}`;
    const sub = uniqueName("sub");
    const f = await TestFlow.deploy([
      endpointNode(pulsar()),
      ...outNode("out", topic),
      ...inNode("in", topic, { subscription: sub, subscriptionType: "Shared", ackMode: "manual", negativeAckRedeliveryDelay: 500 }),
    ], { watch: ["out"] });
    await f.waitConnected(["in"]);
    const times: number[] = [];
    helper.getNode("in-out").on("input", () => times.push(Date.now()));
    answerEvery("in-out", "in", (m) => m.pulsar.redeliveryCount > 0); // nack the first delivery, ack the redelivery
    const ids = await f.produceNumbered(3);
    const got = await f.waitReceived("in-out", 6, 20_000);
    await waitBacklog(pulsar(), full, sub, 0);
    await sleep(500);
    assert.equal(f.received("in-out").length, 6, "each message exactly twice");
    for (let i = 0; i < 3; i++) {
      const deliveries = got.filter((m) => m.properties.seq === String(i));
      assert.deepEqual(deliveries.map((m) => m.pulsar.redeliveryCount), [0, 1], `redeliveryCount of m${i}`);
      assert.equal(deliveries[0].pulsar.messageId, deliveries[1].pulsar.messageId, "the same message comes back");
      assert.equal(deliveries[1].payload, `m${i}`);
    }
    // The client's nack tracker groups redelivery times in buckets of 2^8 ms (negativeAckPrecisionBitCnt,
    // PIP-393), so a redelivery may come up to 255 ms before the 500 ms delay is over.
    const firstRedelivery = got.findIndex((m) => m.pulsar.redeliveryCount === 1);
    const waited = times[firstRedelivery] - times[0];
    console.log(`      first redelivery ${waited} ms after the first delivery (delay 500 ms)`);
    assert.ok(waited >= 500 - 256 - 20, `redelivered after the nack delay (${waited} ms)`);
    const counts = tally(ids, seqs(got).map((s) => ids[Number(s)]));
    figures.report({ ...counts, duplicates: counts.duplicates - 3 }); // one redelivery per message was asked for
  });

  it("dead-letter topic: after maxRedeliverCount nacks the message moves to <topic>-<sub>-DLQ", async () => {
    const topic = uniqueTopic("dlq");
    const full = `persistent://public/default/${topic}`;
    const sub = uniqueName("sub");
    const dlq = `${full}-${sub}-DLQ`;
    const f = await TestFlow.deploy([
      endpointNode(pulsar()),
      ...outNode("out", topic),
      ...inNode("in", topic, { subscription: sub, subscriptionType: "Shared", ackMode: "manual", negativeAckRedeliveryDelay: 200, maxRedeliverCount: 2 }),
      ...inNode("dead", dlq, { subscription: "dlq-watch", initialPosition: "Earliest" }),
    ], { watch: ["out"] });
    await f.waitConnected(["in", "dead"]);
    answerEvery("in-out", "in", () => false); // poison: nack every delivery
    const ids = await f.produceNumbered(2);
    const dead = await f.waitReceived("dead-out", 2, 30_000);
    await waitBacklog(pulsar(), full, sub, 0);
    await sleep(500);
    const main = f.received("in-out");
    for (let i = 0; i < 2; i++) {
      const deliveries = main.filter((m) => m.properties.seq === String(i));
      assert.deepEqual(deliveries.map((m) => m.pulsar.redeliveryCount), [0, 1, 2], `deliveries of m${i} before the DLQ`);
      const d = dead.filter((m) => m.properties.seq === String(i));
      assert.equal(d.length, 1, `m${i} once on the DLQ`);
      assert.equal(d[0].payload, `m${i}`);
      assert.equal(d[0].topic, dlq);
      assert.equal(d[0].properties.REAL_TOPIC, full, "Pulsar names the origin topic");
    }
    assert.equal(dead.length, 2);
    const counts = tally(ids, seqs(dead).map((s) => ids[Number(s)]));
    figures.report({ ...counts, received: main.length + dead.length });
  });

  it("ack timeout: an unacked message is redelivered after ackTimeoutMillis", async () => {
    const topic = uniqueTopic("acktimeout");
    const full = `persistent://public/default/${topic}`;
    const sub = uniqueName("sub");
    const f = await TestFlow.deploy([
      endpointNode(pulsar()),
      ...outNode("out", topic),
      ...inNode("in", topic, { subscription: sub, subscriptionType: "Shared", ackMode: "manual", ackTimeoutMillis: 1000 }),
    ], { watch: ["out"] });
    await f.waitConnected(["in"]);
    const times: number[] = [];
    helper.getNode("in-out").on("input", () => times.push(Date.now()));
    const ids = await f.produceNumbered(1);
    const got = await f.waitReceived("in-out", 2, 15_000); // first delivery left unacked
    const delay = times[1] - times[0];
    console.log(`      redelivered after ${delay} ms, redeliveryCount ${got[1].pulsar.redeliveryCount}`);
    assert.ok(delay >= 900, `not before the ack timeout (${delay} ms)`);
    assert.equal(got[1].pulsar.messageId, got[0].pulsar.messageId);
    assert.equal(got[1].payload, "m0");
    assert.ok(got[1].pulsar.redeliveryCount >= 1, `redeliveryCount ${got[1].pulsar.redeliveryCount}`);
    f.node("in").receive(got[1]);
    await waitBacklog(pulsar(), full, sub, 0);
    await sleep(300);
    // Redeliveries are what this case asks for: every delivery is the one message, none unexpected.
    const counts = tally(ids, seqs(f.received("in-out")).map((s) => ids[Number(s)]));
    assert.equal(counts.unexpected.length, 0);
    figures.report({ ...counts, duplicates: 0 });
  });

  // Pulsar counts redeliveries only where it tracks them per message (Shared, Key_Shared). On
  // Exclusive and Failover a nack or an ack timeout makes the consumer redeliver by rewinding,
  // and the message comes back with redeliveryCount 0. The README and help say so; this pins it.
  for (const subscriptionType of ["Exclusive", "Failover"]) {
    it(`${subscriptionType}: a nacked and an ack-timed-out message come back with redeliveryCount 0`, async () => {
      const topic = uniqueTopic(`redeliver-${subscriptionType.toLowerCase()}`);
      const full = `persistent://public/default/${topic}`;
      const sub = uniqueName("sub");
      const f = await TestFlow.deploy([
        endpointNode(pulsar()),
        ...outNode("out", topic),
        ...inNode("in", topic, { subscription: sub, subscriptionType, ackMode: "manual", negativeAckRedeliveryDelay: 200, ackTimeoutMillis: 1000 }),
      ], { watch: ["out"] });
      await f.waitConnected(["in"]);
      const ids = await f.produceNumbered(2);
      const first = await f.waitReceived("in-out", 2, 15_000);
      const m0 = first.find((m) => m.properties.seq === "0")!;
      f.node("in").receive({ ...m0, ack: false } as NodeMessage); // m0: nack; m1: left to the ack timeout
      const got = await f.waitReceived("in-out", 4, 15_000);
      const counts = (seq: string): number[] => got.filter((m) => m.properties.seq === seq).map((m) => m.pulsar.redeliveryCount);
      console.log(`      ${subscriptionType}: redeliveryCount of the nacked message ${JSON.stringify(counts("0"))}, of the timed-out one ${JSON.stringify(counts("1"))}`);
      assert.ok(counts("0").length >= 2 && counts("1").length >= 2, "both came back");
      assert.ok([...counts("0"), ...counts("1")].every((c) => c === 0), "redeliveryCount stays 0");
      for (const m of got.slice(2)) f.node("in").receive(m);
      await waitBacklog(pulsar(), full, sub, 0);
      const t = tally(ids, seqs(got).map((sq) => ids[Number(sq)]));
      figures.report({ ...t, duplicates: 0 }); // redeliveries were asked for
    });
  }
});
