/**
 * Integration on real Pulsar: several topics and a pattern in one pulsar-in, the control messages
 * (each effect checked on Pulsar's side through its admin REST API), seek to a time, a
 * partitioned topic with 4 partitions, and every pulsar-admin operation against Pulsar's own
 * REST answer. The topic-list, pattern, control and seek cases run on 4.2 and 4.0
 * (INTEGRATION_40=0 skips starting a 4.0 JVM); the partitioned and admin cases on 4.2.
 */
import assert from "node:assert/strict";
import { type PulsarInstance, type PulsarLine } from "../../harness/pulsar";
import { tally, trackFigures } from "./support/figures";
import "./support/hooks";
import { endpointNode, helper, inNode, outNode, TestFlow, usePulsarAndNodeRed, wiredBack, type FlowNode, type InMsg } from "./support/flow";
import { createPartitionedTopic, topicAdminPath, topicStats, uniqueName, uniqueTopic, waitBacklog, waitConsumers } from "./support/pulsar-admin";
import { sleep, waitUntil } from "../support/wait";

const NS = "persistent://public/default";

type PartitionedInMsg = InMsg & { pulsar: InMsg["pulsar"] & { partition: number } };

function adminNode(id: string, extra: Record<string, unknown> = {}): FlowNode[] {
  return [
    { id, type: "pulsar-admin", name: `${id} node`, endpoint: "ep", operation: "", topic: "", subscription: "", wires: [[`${id}-out`]], ...extra },
    { id: `${id}-out`, type: "helper" },
  ];
}

async function adminJson<T>(pulsar: PulsarInstance, method: string, path: string, body?: unknown): Promise<T> {
  const res = await pulsar.admin(method, path, body);
  assert.ok(res.status >= 200 && res.status < 300, `${method} ${path}: HTTP ${res.status} ${res.body}`);
  return res.json<T>();
}

async function subscriptionsOf(pulsar: PulsarInstance, full: string): Promise<string[]> {
  return adminJson<string[]>(pulsar, "GET", `${topicAdminPath(full)}/subscriptions`);
}

async function createTopic(pulsar: PulsarInstance, full: string): Promise<void> {
  const res = await pulsar.admin("PUT", topicAdminPath(full));
  assert.ok(res.status === 204 || res.status === 200, `create ${full}: HTTP ${res.status} ${res.body}`);
}

/** Creates the subscription at the start of the topic, so messages produced before anything consumes are kept. */
async function createSubscription(pulsar: PulsarInstance, full: string, sub: string): Promise<void> {
  const res = await pulsar.admin("PUT", `${topicAdminPath(full)}/subscription/${encodeURIComponent(sub)}`);
  assert.ok(res.status === 204 || res.status === 200, `subscription ${sub} on ${full}: HTTP ${res.status} ${res.body}`);
}

const seqOf = (m: InMsg): string => `${m.topic}#${m.properties.seq}`;

function describeLine(line: PulsarLine): void {
  describe(`integration ${line}: several topics, patterns, control messages`, function () {
    this.timeout(90_000);
    const pulsar = usePulsarAndNodeRed(line);
    const figures = trackFigures("topics", line);

    it("two topics in one node and a pattern: msg.topic per message, acks per topic, a topic created after deploy is picked up, a deleted one dropped", async () => {
      // A namespace of its own without topic auto-creation, so that a deleted topic stays deleted
      // (with auto-creation on, Pulsar's consumer on it would create it again).
      const ns = `public/${uniqueName("it-ns")}`;
      const nsRes = await pulsar().admin("PUT", `/admin/v2/namespaces/${ns}`);
      assert.ok(nsRes.status === 204 || nsRes.status === 200, `namespace ${ns}: ${nsRes.status} ${nsRes.body}`);
      const auto = await pulsar().admin("POST", `/admin/v2/namespaces/${ns}/autoTopicCreation`, { allowAutoTopicCreation: false });
      assert.ok(auto.status === 204 || auto.status === 200, `autoTopicCreation: ${auto.status} ${auto.body}`);
      const base = uniqueTopic("multi");
      const [a, b, later] = [`persistent://${ns}/${base}-a`, `persistent://${ns}/${base}-b`, `persistent://${ns}/${base}-later`];
      const sub = uniqueName("sub");
      await createTopic(pulsar(), a);
      await createTopic(pulsar(), b);
      await createTopic(pulsar(), `persistent://${ns}/other-${base}`);
      const f = await TestFlow.deploy([
        endpointNode(pulsar()),
        ...outNode("out", ""),
        ...inNode("list", `${a},\n ${b}`, { subscription: sub, ackMode: "manual" }),
        ...inNode("pat", "", { topicPattern: `persistent://${ns}/${base}-.*`, patternDiscoverySeconds: 2, subscription: `${sub}-p` }),
      ], { watch: ["out", "list"] });
      await f.waitStatus("list", /connected \(2 topics\)/, 20_000);
      await waitConsumers(pulsar(), a, `${sub}-p`, 1);
      await waitConsumers(pulsar(), b, `${sub}-p`, 1);
      await f.waitStatus("pat", /connected \(2 topics\)/, 20_000);

      const sent: string[] = [];
      for (const topic of [a, b]) {
        await f.produceNumbered(5, 0, () => ({ topic }));
        for (let i = 0; i < 5; i++) sent.push(`${topic}#${i}`);
      }
      const listed = await f.waitReceived("list-out", 10, 20_000);
      assert.deepEqual(new Set(listed.map((m) => m.topic)), new Set([a, b]));
      assert.ok(listed.every((m) => m.pulsar.topic === m.topic && (m as PartitionedInMsg).pulsar.partition === -1));
      // Manual acks go back to the session of each message's topic: both backlogs drain.
      const ackIds = listed.map((m) => f.send("list", wiredBack(m)));
      const acked = await f.waitOutcomes(ackIds, 10_000);
      assert.ok(acked.every((o) => o.ok), JSON.stringify(acked.filter((o) => !o.ok).map((o) => o.error)));
      await waitBacklog(pulsar(), a, sub, 0);
      await waitBacklog(pulsar(), b, sub, 0);
      await f.waitReceived("pat-out", 10, 20_000);

      // A topic created after deploy: found by the next discovery (every 2 s).
      await createTopic(pulsar(), later);
      const createdAt = Date.now();
      await waitConsumers(pulsar(), later, `${sub}-p`, 1, { timeoutMs: 10_000 });
      const pickedUpMs = Date.now() - createdAt;
      console.log(`      new topic consumed ${pickedUpMs} ms after it was created (discovery every 2 s)`);
      assert.ok(pickedUpMs < 8_000, `picked up in ${pickedUpMs} ms`);
      await f.produceNumbered(3, 0, () => ({ topic: later }));
      for (let i = 0; i < 3; i++) sent.push(`${later}#${i}`);
      await f.waitReceived("pat-out", 13, 20_000);
      const fromPattern = f.received("pat-out");
      assert.equal(fromPattern.filter((m) => m.topic === later).length, 3);
      assert.ok(fromPattern.every((m) => m.topic.startsWith(`persistent://${ns}/${base}-`)), "other- does not match");

      // Deleted: dropped by the next discovery.
      const del = await pulsar().admin("DELETE", `${topicAdminPath(later)}?force=true`);
      assert.ok(del.status === 204 || del.status === 200, `delete: ${del.status} ${del.body}`);
      await f.waitStatus("pat", /connected \(2 topics\)/, 15_000);

      const received = [...listed.map(seqOf), ...fromPattern.map(seqOf)];
      const t1 = tally(sent.slice(0, 10), listed.map(seqOf));
      const t2 = tally(sent, fromPattern.map(seqOf));
      assert.equal(t1.lost + t2.lost, 0);
      figures.report({ sent: sent.length, received: received.length, duplicates: t1.duplicates + t2.duplicates, lost: t1.lost + t2.lost });
    });

    it("control messages: each ends in done() with its effect on Pulsar's side (consumers, backlog, subscription gone)", async () => {
      const base = uniqueTopic("ctl");
      const [a, b] = [`${NS}/${base}-a`, `${NS}/${base}-b`];
      const sub = uniqueName("sub");
      await createTopic(pulsar(), a);
      await createTopic(pulsar(), b);
      const f = await TestFlow.deploy([
        endpointNode(pulsar()),
        ...outNode("out", ""),
        ...inNode("in", "", { subscription: sub, subscriptionType: "Shared", ackMode: "manual" }),
      ], { watch: ["out", "in"] });
      await f.waitStatus("in", /no topics/, 10_000);

      const ok = async (msg: Record<string, unknown>): Promise<void> => {
        const [o] = await f.waitOutcomes([f.send("in", msg)], 40_000);
        assert.ok(o.ok, `${JSON.stringify(msg)}: ${o.error?.message}`);
      };

      await ok({ action: "subscribe", topic: [a, b] });
      await waitConsumers(pulsar(), a, sub, 1);
      await waitConsumers(pulsar(), b, sub, 1);

      await ok({ action: "getSubscriptions" });
      const answer = f.received("in-out").at(-1)!;
      assert.deepEqual(answer.payload, [a, b]);

      const ids = await f.produceNumbered(4, 0, () => ({ topic: a }));
      const got = await f.waitReceived("in-out", 1 + 4, 15_000);
      const msgs = got.slice(1);
      // unsubscribe with messages unacked: the subscription stays, with the 4 messages in its backlog.
      await ok({ action: "unsubscribe", topic: a });
      await waitConsumers(pulsar(), a, sub, 0);
      assert.equal((await topicStats(pulsar(), a)).subscriptions[sub].msgBacklog, 4, "kept, with its backlog");
      assert.ok((await subscriptionsOf(pulsar(), a)).includes(sub));
      const [late] = await f.waitOutcomes([f.send("in", wiredBack(msgs[0]))], 5_000);
      assert.ok(!late.ok && /No session consumes/.test(late.error!.message), `ack after unsubscribe: ${late.error?.message}`);

      await ok({ action: "disconnect" });
      await waitConsumers(pulsar(), b, sub, 0);
      await f.waitStatus("in", /disconnected \(msg\.action\)/, 5_000);
      await ok({ action: "connect" });
      await waitConsumers(pulsar(), b, sub, 1);

      // subscribe again: the 4 unacked messages are redelivered, then seek earliest replays them once more.
      await ok({ action: "subscribe", topic: a });
      await f.waitReceived("in-out", 1 + 4 + 4, 15_000);
      await ok({ action: "seek", position: "earliest", topic: a });
      const replayed = await f.waitReceived("in-out", 1 + 12, 15_000);
      for (const m of replayed.slice(1)) f.send("in", m);
      await waitBacklog(pulsar(), a, sub, 0);

      // seek latest: the backlog of new messages is skipped.
      await ok({ action: "unsubscribe", topic: a });
      await f.produceNumbered(3, 4, () => ({ topic: a }));
      await waitBacklog(pulsar(), a, sub, 3);
      await ok({ action: "subscribe", topic: a });
      await f.waitReceived("in-out", 1 + 12 + 3, 15_000);
      await ok({ action: "seek", position: "latest", topic: a });
      await waitBacklog(pulsar(), a, sub, 0);

      await ok({ action: "deleteSubscription" });
      await waitUntil("subscription gone on both topics", async () =>
        !(await subscriptionsOf(pulsar(), a)).includes(sub) && !(await subscriptionsOf(pulsar(), b)).includes(sub), 10_000);
      await f.waitStatus("in", /no topics/, 5_000);

      // Refusals end in done(err) naming why.
      const [bad] = await f.waitOutcomes([f.send("in", { action: "seek", position: "yesterday" })], 5_000);
      assert.match(bad.error!.message, /msg\.position "yesterday"/);
      const [gone] = await f.waitOutcomes([f.send("in", { action: "deleteSubscription", topic: `${NS}/${base}-none` })], 10_000);
      assert.match(gone.error!.message, /HTTP 404/);
      assert.deepEqual(f.completedTwice(), []);

      const all = f.received("in-out").slice(1).filter((m) => m.pulsar?.messageId);
      const t = tally(ids.map((_, i) => `${a}#${i}`), all.filter((m) => Number(m.properties.seq) < 4).map(seqOf));
      figures.report({ sent: 7, received: all.length, duplicates: t.duplicates, lost: t.lost });
    });

    it("seek to a time replays from there, and a reader starts at a time", async () => {
      const topic = `${NS}/${uniqueTopic("seek")}`;
      const sub = uniqueName("sub");
      await createTopic(pulsar(), topic);
      const f = await TestFlow.deploy([
        endpointNode(pulsar()),
        ...outNode("out", topic),
        ...inNode("in", topic, { subscription: sub, pullMode: true, pullWindow: 5 }),
      ], { watch: ["out", "in"] });
      await f.waitConnected(["out", "in"]);
      await f.produceNumbered(5);
      await sleep(1200);
      const cut = Date.now();
      await sleep(200);
      await f.produceNumbered(5, 5);
      await f.waitReceived("in-out", 10, 15_000);
      await waitBacklog(pulsar(), topic, sub, 0);

      const [o] = await f.waitOutcomes([f.send("in", { action: "seek", position: new Date(cut).toISOString() })], 30_000);
      assert.ok(o.ok, o.error?.message);
      const after = await f.waitReceived("in-out", 15, 15_000);
      await sleep(500);
      assert.deepEqual(after.slice(10).map((m) => m.properties.seq), ["5", "6", "7", "8", "9"], "replayed from the time on, in pull mode");
      assert.equal(f.received("in-out").length, 15);
      await helper.unload();

      const r = await TestFlow.deploy([
        endpointNode(pulsar()),
        ...inNode("rd", topic, { mode: "reader", subscription: "", startMessageId: String(cut) }),
      ]);
      const read = await r.waitReceived("rd-out", 5, 15_000);
      await sleep(500);
      assert.deepEqual(read.map((m) => m.properties.seq), ["5", "6", "7", "8", "9"], "the reader starts at the first message after the time");
      const sent = Array.from({ length: 10 }, (_, i) => String(i));
      const t = tally(sent, after.slice(0, 10).map((m) => m.properties.seq));
      figures.report({ sent: 10, received: after.length + read.length, duplicates: 10, lost: t.lost });
    });
  });
}

describeLine("4.2");
if (process.env.INTEGRATION_40 !== "0") describeLine("4.0");

describe("integration 4.2: partitioned topic and pulsar-admin", function () {
  this.timeout(90_000);
  const pulsar = usePulsarAndNodeRed("4.2");
  const figures = trackFigures("topics", "4.2");

  it("4 partitions: msg.pulsar.partition set, msg.topic the base name, each key on one partition in order (Key_Shared and Failover)", async () => {
    const topic = `${NS}/${uniqueTopic("part")}`;
    const sub = uniqueName("sub");
    await createPartitionedTopic(pulsar(), topic, 4);
    const f = await TestFlow.deploy([
      endpointNode(pulsar()),
      ...outNode("out", topic),
      ...inNode("ks", topic, { subscription: `${sub}-ks`, subscriptionType: "Key_Shared" }),
      ...inNode("fo", topic, { subscription: `${sub}-fo`, subscriptionType: "Failover" }),
    ], { watch: ["out"] });
    await f.waitConnected(["out", "ks", "fo"]);
    const keys = Array.from({ length: 12 }, (_, i) => `key-${i}`);
    const n = 120;
    const ids = await f.produceNumbered(n, 0, (i) => ({ key: keys[i % keys.length] }));
    for (const sink of ["ks-out", "fo-out"]) {
      const got = (await f.waitReceived(sink, n, 20_000)) as PartitionedInMsg[];
      assert.ok(got.every((m) => m.topic === topic && m.pulsar.topic === topic), "msg.topic is the base name");
      assert.ok(got.every((m) => Number.isInteger(m.pulsar.partition) && m.pulsar.partition >= 0 && m.pulsar.partition < 4), "partition 0..3");
      const byKey = new Map<string, Set<number>>();
      const orderByKey = new Map<string, number[]>();
      for (const m of got) {
        byKey.set(m.key!, (byKey.get(m.key!) ?? new Set()).add(m.pulsar.partition));
        orderByKey.set(m.key!, [...(orderByKey.get(m.key!) ?? []), Number(m.properties.seq)]);
      }
      for (const [key, parts] of byKey) assert.equal(parts.size, 1, `${sink}: ${key} on partitions ${[...parts]}`);
      for (const [key, seqs] of orderByKey) assert.deepEqual(seqs, [...seqs].sort((x, y) => x - y), `${sink}: ${key} in order`);
      const used = new Set(got.map((m) => m.pulsar.partition));
      console.log(`      ${sink}: ${got.length} messages over partitions ${[...used].sort().join(",")}`);
      assert.ok(used.size >= 2, `keys spread over partitions (${[...used]})`);
    }
    const all = [...f.received("ks-out"), ...f.received("fo-out")];
    const t1 = tally(ids, f.received("ks-out").map((m) => ids[Number(m.properties.seq)]));
    const t2 = tally(ids, f.received("fo-out").map((m) => ids[Number(m.properties.seq)]));
    figures.report({ sent: n, received: all.length, duplicates: t1.duplicates + t2.duplicates, lost: t1.lost + t2.lost });
  });

  it("pulsar-admin: every operation's msg.payload equals Pulsar's own REST answer; refusals name the HTTP status", async () => {
    const short = uniqueTopic("adm");
    const topic = `${NS}/${short}`;
    const parted = `${NS}/${short}-p`;
    const sub = uniqueName("sub");
    const f = await TestFlow.deploy([
      endpointNode(pulsar()),
      ...outNode("out", ""),
      ...adminNode("adm"),
      ...adminNode("statsNode", { operation: "stats", topic: short, subscription: sub }),
    ], { watch: ["out", "adm", "statsNode"] });
    const run = async (id: string, msg: Record<string, unknown>): Promise<{ ok: boolean; payload: unknown; error?: string }> => {
      const msgid = f.send(id, msg);
      const [o] = await f.waitOutcomes([msgid], 20_000);
      const out = f.received(`${id}-out`).find((m) => m._msgid === msgid);
      return { ok: o.ok, payload: out?.payload, error: o.error?.message };
    };
    const expectOk = async (id: string, msg: Record<string, unknown>): Promise<unknown> => {
      const r = await run(id, msg);
      assert.ok(r.ok, `${JSON.stringify(msg)}: ${r.error}`);
      return r.payload;
    };
    let ops = 0;

    assert.equal(await expectOk("adm", { operation: "create-topic", topic: short }), null);
    ops++;
    assert.deepEqual(await adminJson(pulsar(), "GET", `${topicAdminPath(topic)}/partitions`), { partitions: 0, deleted: false });
    assert.equal(await expectOk("adm", { operation: "create-topic", topic: `${short}-p`, partitions: 4 }), null);
    assert.equal((await adminJson<{ partitions: number }>(pulsar(), "GET", `${topicAdminPath(parted)}/partitions`)).partitions, 4);
    await createSubscription(pulsar(), topic, sub);
    await f.produceNumbered(6, 0, () => ({ topic: short }));

    const listed = await expectOk("adm", { operation: "list-topics" });
    ops++;
    assert.deepEqual(listed, await adminJson(pulsar(), "GET", "/admin/v2/persistent/public/default"));
    assert.deepEqual(await expectOk("adm", { operation: "list-topics", namespace: "public/default" }), listed);

    const subs = await expectOk("adm", { operation: "list-subscriptions", topic: short });
    ops++;
    assert.deepEqual(subs, await subscriptionsOf(pulsar(), topic));

    const stats = (await expectOk("statsNode", {})) as { subscriptions: Record<string, { msgBacklog: number }>; msgInCounter: number };
    ops++;
    const own = await topicStats(pulsar(), topic);
    assert.equal(stats.subscriptions[sub].msgBacklog, own.subscriptions[sub].msgBacklog);
    assert.equal(stats.subscriptions[sub].msgBacklog, 6);
    assert.equal(stats.msgInCounter, own.msgInCounter);
    const pstats = (await expectOk("adm", { operation: "stats", topic: parted })) as { partitions?: unknown; metadata?: { partitions: number } };
    assert.equal(pstats.metadata?.partitions, 4, "partitioned stats for a partitioned topic");

    const peeked = (await expectOk("adm", { operation: "peek", topic: short, subscription: sub, count: 2 })) as Array<{ payload: string; properties: Record<string, string> }>;
    ops++;
    assert.deepEqual(peeked.map((p) => p.payload), ["m0", "m1"]);
    const own1 = await pulsar().admin("GET", `${topicAdminPath(topic)}/subscription/${sub}/position/1`);
    assert.equal(own1.body, peeked[0].payload);
    assert.equal(peeked[0].properties.seq, "0");

    assert.equal(await expectOk("adm", { operation: "skip-all", topic: short, subscription: sub }), null);
    ops++;
    await waitBacklog(pulsar(), topic, sub, 0);

    assert.equal(await expectOk("adm", { operation: "reset-cursor", topic: short, subscription: sub, position: "earliest" }), null);
    ops++;
    await waitBacklog(pulsar(), topic, sub, 6);
    assert.equal(await expectOk("adm", { operation: "reset-cursor", topic: short, subscription: sub, position: "latest" }), null);
    await waitBacklog(pulsar(), topic, sub, 0);
    assert.equal(await expectOk("adm", { operation: "reset-cursor", topic: short, subscription: sub, position: 0 }), null);
    await waitBacklog(pulsar(), topic, sub, 6);

    await f.closeNode("out");
    const last = await expectOk("adm", { operation: "terminate", topic: short });
    ops++;
    const lastOwn = await adminJson(pulsar(), "GET", `${topicAdminPath(topic)}/lastMessageId`);
    assert.deepEqual(
      { ledgerId: (last as { ledgerId: number }).ledgerId, entryId: (last as { entryId: number }).entryId },
      { ledgerId: (lastOwn as { ledgerId: number }).ledgerId, entryId: (lastOwn as { entryId: number }).entryId },
      "terminate answers with the last message id",
    );

    assert.equal(await expectOk("adm", { operation: "delete-topic", topic: `${short}-p` }), null);
    ops++;
    const after = await pulsar().admin("GET", `${topicAdminPath(parted)}/partitions`);
    assert.equal((after.json<{ partitions: number }>()).partitions ?? 0, 0, `partitioned topic gone: ${after.body}`);

    // Refusals: Pulsar's status and reason in done(err).
    const missing = await run("adm", { operation: "stats", topic: `${short}-nope` });
    assert.ok(!missing.ok);
    assert.match(missing.error!, /HTTP 404/);
    const own404 = await pulsar().admin("GET", `${topicAdminPath(`${topic}-nope`)}/stats`);
    assert.equal(own404.status, 404);
    assert.ok(missing.error!.includes(own404.json<{ reason: string }>().reason), `${missing.error} vs ${own404.body}`);
    const dup = await run("adm", { operation: "create-topic", topic: short });
    assert.match(dup.error!, /HTTP 409/);
    const unknown = await run("adm", { operation: "explode" });
    assert.match(unknown.error!, /Unknown operation "explode"/);
    assert.deepEqual(f.completedTwice(), []);
    console.log(`      ${ops} operations compared with Pulsar's REST answers`);
    figures.report({ sent: 6, received: peeked.length, duplicates: 0, lost: 0 });
  });
});
