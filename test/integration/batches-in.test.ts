/**
 * Integration on Pulsar 4.2 (shared instance): pulsar-in batches through real Node-RED flows.
 * A backlog consumed with batchSize arrives as batch msgs (arrays, per-message metadata, one
 * topic), in order; sending the batch msgs back (manual ack) drains the backlog to 0 on the
 * broker; a batch msg sent back with msg.ack === false is redelivered.
 */
import assert from "node:assert/strict";
import type { NodeMessage } from "node-red";
import { tally, trackFigures } from "./support/figures";
import "./support/hooks";
import { endpointNode, helper, inNode, outNode, TestFlow, usePulsarAndNodeRed } from "./support/flow";
import { topicAdminPath, uniqueName, uniqueTopic, waitBacklog } from "./support/pulsar-admin";
import { sleep, waitUntil } from "../support/wait";

type BatchMsg = NodeMessage & { payload: unknown[]; topic: string; pulsar: { topic: string; messageIds: string[]; messages: { messageId: string; properties: Record<string, string>; redeliveryCount: number; topic: string }[] } };

describe("integration 4.2: pulsar-in batches", function () {
  this.timeout(90_000);
  const pulsar = usePulsarAndNodeRed("4.2");
  const figures = trackFigures("batches-in", "4.2");

  async function backlogOf(full: string, sub: string, count: number): Promise<string[]> {
    const created = await pulsar().admin("PUT", `${topicAdminPath(full)}/subscription/${encodeURIComponent(sub)}`);
    assert.ok([204, 409].includes(created.status), `create subscription: ${created.status} ${created.body}`);
    const producer = await TestFlow.deploy([endpointNode(pulsar()), ...outNode("out", full)], { watch: ["out"] });
    const ids = await producer.produceNumbered(count);
    await waitBacklog(pulsar(), full, sub, count);
    await helper.unload();
    return ids;
  }

  /** Sends every batch msg reaching `sinkId` back into `inId`, as a wire back would (`ack` as given). */
  function answerEvery(sinkId: string, inId: string, ack: (msg: BatchMsg) => boolean): void {
    helper.getNode(sinkId).on("input", (msg: NodeMessage) => {
      const m = msg as BatchMsg;
      const back: Record<string, unknown> = { ...m, ack: ack(m) };
      delete back._msgid;
      helper.getNode(inId).receive(back as NodeMessage);
    });
  }

  it("a backlog of 250 arrives in batches of at most 100, in order; the batch msgs sent back ack them all: backlog 0", async () => {
    const topic = uniqueTopic("batches");
    const full = `persistent://public/default/${topic}`;
    const sub = uniqueName("sub");
    const ids = await backlogOf(full, sub, 250);
    const f = await TestFlow.deploy([endpointNode(pulsar()), ...inNode("in", topic, { subscription: sub, ackMode: "manual", initialPosition: "Earliest", batchSize: 100, batchTimeoutMs: 200, receiverQueueSize: 1000 })]);
    answerEvery("in-out", "in", () => true);
    const batches = f.received("in-out") as unknown as BatchMsg[];
    const count = (): number => batches.reduce((n, b) => n + b.payload.length, 0);
    await waitUntilCount(count, 250);
    await waitBacklog(pulsar(), full, sub, 0);
    assert.ok(batches.every((b) => b.payload.length >= 1 && b.payload.length <= 100), JSON.stringify(batches.map((b) => b.payload.length)));
    assert.ok(batches.length < 250 / 2, `batched: ${batches.length} msgs for 250 messages`);
    assert.ok(batches.every((b) => b.topic === full && b.pulsar.messages.every((m) => m.topic === full)));
    const seqsInOrder = batches.flatMap((b) => b.pulsar.messages.map((m) => m.properties.seq));
    assert.deepEqual(seqsInOrder, ids.map((_, i) => String(i)), "every message once, in order");
    assert.deepEqual(batches.flatMap((b) => b.payload), ids.map((_, i) => `m${i}`));
    await sleep(300);
    const counts = tally(ids, seqsInOrder.map((s) => ids[Number(s)]));
    assert.equal(counts.duplicates, 0);
    assert.equal(counts.lost, 0);
    figures.report(counts);
  });

  it("a batch msg sent back with msg.ack === false is redelivered as a whole; acked then, the backlog reaches 0", async () => {
    const topic = uniqueTopic("batch-nack");
    const full = `persistent://public/default/${topic}`;
    const sub = uniqueName("sub");
    const ids = await backlogOf(full, sub, 20);
    const f = await TestFlow.deploy([endpointNode(pulsar()), ...inNode("in", topic, { subscription: sub, subscriptionType: "Shared", ackMode: "manual", initialPosition: "Earliest", batchSize: 20, batchTimeoutMs: 500, negativeAckRedeliveryDelay: 100 })]);
    // The first delivery of each message is nacked, the redelivery acked.
    answerEvery("in-out", "in", (m) => m.pulsar.messages.every((x) => x.redeliveryCount > 0));
    const batches = f.received("in-out") as unknown as BatchMsg[];
    const redelivered = (): number => batches.reduce((n, b) => n + b.pulsar.messages.filter((x) => x.redeliveryCount > 0).length, 0);
    await waitUntilCount(redelivered, 20);
    await waitBacklog(pulsar(), full, sub, 0);
    // Each message's acked delivery: the redelivery (the first delivery was nacked on purpose).
    const acked = batches.flatMap((b) => b.pulsar.messages.filter((m) => m.redeliveryCount > 0).map((m) => m.properties.seq));
    const counts = tally(ids, acked.map((s) => ids[Number(s)]));
    assert.equal(counts.lost, 0);
    assert.equal(counts.duplicates, 0);
    figures.report(counts);
  });
});

async function waitUntilCount(count: () => number, expected: number): Promise<void> {
  await waitUntil(`${expected} messages in batch msgs`, () => count() >= expected, 30_000, () => `got ${count()}`);
}
