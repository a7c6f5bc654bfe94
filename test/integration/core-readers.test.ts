/**
 * Integration on Pulsar 4.2 (shared instance): readers (earliest, latest, from a message id),
 * pull mode with pause / resume, delayed delivery (deliverAfterMs, deliverAt) and the eventTime
 * round trip, all through real Node-RED flows.
 */
import assert from "node:assert/strict";
import type { NodeMessage } from "node-red";
import { tally, trackFigures } from "./support/figures";
import "./support/hooks";
import { endpointNode, helper, inNode, outNode, seqs, TestFlow, usePulsarAndNodeRed, type InMsg } from "./support/flow";
import { uniqueName, uniqueTopic, waitBacklog } from "./support/pulsar-admin";
import { sleep } from "../support/wait";

describe("integration 4.2: readers, pull mode, delayed delivery, event time", function () {
  this.timeout(60_000);
  const pulsar = usePulsarAndNodeRed("4.2");
  const figures = trackFigures("readers & delivery", "4.2");

  const range = (from: number, to: number): string[] => Array.from({ length: to - from }, (_, i) => String(from + i));

  it("reader from earliest, latest and a message id (exclusive start)", async () => {
    const topic = uniqueTopic("reader");
    const before = await TestFlow.deploy([endpointNode(pulsar()), ...outNode("out", topic)], { watch: ["out"] });
    const early = await before.produceNumbered(6);
    const earlyIds = before.received("out-acked").map((m) => m.pulsar.messageId);
    await helper.unload();

    const startId = earlyIds[2];
    const f = await TestFlow.deploy([
      endpointNode(pulsar()),
      ...outNode("out", topic),
      ...inNode("rEarliest", topic, { mode: "reader", subscription: "", startMessageId: "earliest" }),
      ...inNode("rLatest", topic, { mode: "reader", subscription: "", startMessageId: "latest" }),
      ...inNode("rFromId", topic, { mode: "reader", subscription: "", startMessageId: startId }),
    ], { watch: ["out"] });
    await f.waitConnected(["out", "rEarliest", "rLatest", "rFromId"]);
    await f.waitReceived("rFromId-out", 3, 15_000); // the readers are positioned before more is produced
    await f.waitReceived("rEarliest-out", 6, 15_000);
    const late = await f.produceNumbered(3, 6);
    const lateIds = f.received("out-acked").map((m) => m.pulsar.messageId);
    await f.waitReceived("rEarliest-out", 9, 15_000);
    await f.waitReceived("rLatest-out", 3, 15_000);
    await f.waitReceived("rFromId-out", 6, 15_000);
    await sleep(500);
    const all = [...earlyIds, ...lateIds];
    assert.deepEqual(seqs(f.received("rEarliest-out")), range(0, 9), "earliest: everything, in order");
    assert.deepEqual(f.received("rEarliest-out").map((m) => m.pulsar.messageId), all, "with the ids pulsar-out reported");
    assert.deepEqual(seqs(f.received("rLatest-out")), range(6, 9), "latest: only what came after it connected");
    assert.deepEqual(seqs(f.received("rFromId-out")), range(3, 9), "from a message id: everything after it");
    assert.equal(f.received("rEarliest-out")[0].pulsar.subscription, undefined, "a reader has no subscription");
    const ids = [...early, ...late];
    const toIds = (sink: string): string[] => seqs(f.received(sink)).map((s) => ids[Number(s)]);
    const parts = [tally(ids, toIds("rEarliest-out")), tally(ids.slice(6), toIds("rLatest-out")), tally(ids.slice(3), toIds("rFromId-out"))];
    figures.report({
      sent: ids.length,
      received: parts.reduce((n, p) => n + p.received, 0),
      duplicates: parts.reduce((n, p) => n + p.duplicates, 0),
      lost: parts.reduce((n, p) => n + p.lost, 0),
    });
  });

  it("pull mode: pause stops the permits after the window, resume delivers the rest", async () => {
    const topic = uniqueTopic("pull");
    const full = `persistent://public/default/${topic}`;
    const sub = uniqueName("sub");
    const f = await TestFlow.deploy([
      endpointNode(pulsar()),
      ...outNode("out", topic),
      ...inNode("in", topic, { subscription: sub, pullMode: true, pullWindow: 2 }),
    ], { watch: ["out"] });
    await f.waitConnected(["out", "in"]);
    f.send("in", { action: "pause" });
    await f.waitStatus("in", /paused/, 5_000);
    const ids = await f.produceNumbered(10);
    await f.waitReceived("in-out", 2, 15_000);
    await sleep(1500);
    assert.equal(f.received("in-out").length, 2, "paused: only the window granted before the pause arrives");
    await waitBacklog(pulsar(), full, sub, 8); // Pulsar holds the rest
    f.send("in", { action: "resume" });
    await f.waitStatus("in", /^connected/, 5_000);
    const got = await f.waitReceived("in-out", 10, 15_000);
    assert.deepEqual(seqs(got), range(0, 10));
    await waitBacklog(pulsar(), full, sub, 0);
    figures.report(tally(ids, seqs(got).map((s) => ids[Number(s)])));
  });

  it("delayed delivery: deliverAfterMs / deliverAt hold a message back on Shared, not on Exclusive", async () => {
    const topic = uniqueTopic("delayed");
    const full = `persistent://public/default/${topic}`;
    const f = await TestFlow.deploy([
      endpointNode(pulsar()),
      ...outNode("out", topic),
      ...inNode("shared", topic, { subscription: "shared-sub", subscriptionType: "Shared" }),
      ...inNode("excl", topic, { subscription: "excl-sub", subscriptionType: "Exclusive" }),
    ], { watch: ["out"] });
    await f.waitConnected(["out", "shared", "excl"]);
    const arrived = new Map<string, number>();
    helper.getNode("shared-out").on("input", (msg: NodeMessage) => arrived.set((msg as InMsg).properties?.seq ?? "?", Date.now()));
    const sentAt = Date.now();
    const ids = [
      f.send("out", { payload: "after 3 s", properties: { seq: "0" }, pulsar: { deliverAfterMs: 3000 } }),
      f.send("out", { payload: "at +1.5 s", properties: { seq: "1" }, pulsar: { deliverAt: new Date(sentAt + 1500) } }),
      f.send("out", { payload: "now", properties: { seq: "2" } }),
    ];
    assert.ok((await f.waitOutcomes(ids, 15_000)).every((o) => o.ok));
    const excl = await f.waitReceived("excl-out", 3, 10_000);
    assert.deepEqual(seqs(excl), ["0", "1", "2"], "Exclusive ignores the delay");
    const shared = await f.waitReceived("shared-out", 3, 15_000);
    // The immediate message comes first. The two delayed ones are not ordered against each other:
    // Pulsar's tracker may deliver up to one 1 s tick early, and their due times are 1.5 s apart.
    assert.equal(seqs(shared)[0], "2", "Shared: the immediate message first");
    assert.deepEqual([...seqs(shared)].sort(), ["0", "1", "2"], "Shared: every message once");
    const after0 = arrived.get("0")! - sentAt;
    const after1 = arrived.get("1")! - sentAt;
    const after2 = arrived.get("2")! - sentAt;
    console.log(`      Shared delivered after ${after2} ms (no delay), ${after1} ms (deliverAt +1500), ${after0} ms (deliverAfterMs 3000)`);
    // Pulsar's delayed-delivery tracker works in ticks of delayedDeliveryTickTimeMillis (1 s) and,
    // with delayedDeliveryDeliverAtTimeStrict=false (the default), may deliver up to one tick early.
    const TICK = 1000;
    assert.ok(after1 >= 1500 - TICK - 100, `deliverAt held the message back (${after1} ms)`);
    assert.ok(after0 >= 3000 - TICK - 100, `deliverAfterMs held the message back (${after0} ms)`);
    assert.ok(after0 - after2 > 1500, "the delayed message came well after the immediate one");
    await waitBacklog(pulsar(), full, "shared-sub", 0);
    const a = tally(ids, seqs(shared).map((s) => ids[Number(s)]));
    const b = tally(ids, seqs(excl).map((s) => ids[Number(s)]));
    figures.report({ sent: 3, received: a.received + b.received, duplicates: a.duplicates + b.duplicates, lost: a.lost + b.lost });
  });

  it("eventTime round trip: Date, epoch ms and ISO with offset come back as the same instant", async () => {
    const topic = uniqueTopic("eventtime");
    const full = `persistent://public/default/${topic}`;
    const sub = uniqueName("sub");
    const f = await TestFlow.deploy([endpointNode(pulsar()), ...outNode("out", topic), ...inNode("in", topic, { subscription: sub })], { watch: ["out"] });
    await f.waitConnected(["out", "in"]);
    const instants = [Date.UTC(2026, 0, 2, 3, 4, 5, 678), Date.UTC(2025, 11, 31, 23, 59, 59, 0), Date.UTC(2026, 5, 15, 12, 0, 0, 120)];
    const inputs: unknown[] = [new Date(instants[0]), instants[1], "2026-06-15T14:00:00.120+02:00"];
    const ids = await f.produceNumbered(3, 0, (i) => ({ pulsar: { eventTime: inputs[i] } }));
    const got = await f.waitReceived("in-out", 3, 15_000);
    got.forEach((m, i) => {
      const text = m.pulsar.eventTime;
      assert.ok(text, `eventTime of m${i} present`);
      assert.equal(Date.parse(text), instants[i], `eventTime "${text}" is ${new Date(instants[i]).toISOString()}`);
      assert.match(text, /(Z|[+-]\d\d:\d\d)$/, "ISO-8601 with offset");
      const publish = Date.parse(m.pulsar.publishTime ?? "");
      assert.ok(Math.abs(publish - Date.now()) < 120_000, `publishTime ${m.pulsar.publishTime} is now`);
    });
    console.log(`      eventTime as received: ${got.map((m) => m.pulsar.eventTime).join(", ")}`);
    await waitBacklog(pulsar(), full, sub, 0);
    figures.report(tally(ids, seqs(got).map((s) => ids[Number(s)])));
  });
});
