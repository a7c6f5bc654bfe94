/**
 * Integration on its own Pulsar 4.2 whose WebSocket sessions time out after 3 s of silence
 * (webSocketSessionIdleTimeoutMillis=3000). A raw client that sends nothing is dropped; the
 * nodes' keep-alive pings hold an idle producer, consumer and reader open for over three timeouts,
 * while the same producer with pings off is dropped (and comes back).
 */
import assert from "node:assert/strict";
import WebSocket from "ws";
import { tally, trackFigures } from "./support/figures";
import "./support/hooks";
import { endpointNode, inNode, outNode, seqs, TestFlow, useOwnPulsarAndNodeRed } from "./support/flow";
import { topicStats, uniqueName, uniqueTopic, waitBacklog } from "./support/pulsar-admin";
import { sleep, waitUntil } from "../support/wait";

const IDLE_TIMEOUT_MS = 3000;

describe("integration 4.2 with a 3 s WebSocket idle timeout (keep-alive)", function () {
  this.timeout(60_000);
  const pulsar = useOwnPulsarAndNodeRed({ line: "4.2", idleTimeoutMs: IDLE_TIMEOUT_MS });
  const figures = trackFigures("keep-alive", "4.2 idle 3s");

  it("the server does drop a silent session (raw ws client without pings)", async () => {
    const url = `${pulsar().wsUrl}/ws/v2/producer/persistent/public/default/${uniqueTopic("idle-raw")}`;
    const ws = new WebSocket(url);
    const opened = await new Promise<number>((resolve, reject) => {
      ws.once("open", () => resolve(Date.now()));
      ws.once("error", reject);
    });
    const closed = await new Promise<{ code: number; at: number }>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("the server did not close the idle session within 15 s")), 15_000);
      ws.once("close", (code) => {
        clearTimeout(timer);
        resolve({ code, at: Date.now() });
      });
    });
    const after = closed.at - opened;
    console.log(`      closed after ${after} ms with code ${closed.code}`);
    assert.ok(after >= IDLE_TIMEOUT_MS - 500 && after < IDLE_TIMEOUT_MS + 5000, `closed after ${after} ms`);
    figures.report({ sent: 0, received: 0, duplicates: 0, lost: 0 });
  });

  it("idle producer, consumer and reader stay connected for over 3 timeouts with pings every 1 s", async () => {
    const topic = uniqueTopic("idle");
    const full = `persistent://public/default/${topic}`;
    const sub = uniqueName("sub");
    const f = await TestFlow.deploy([
      endpointNode(pulsar(), { pingInterval: 1, pongTimeout: 2 }),
      endpointNode(pulsar(), { id: "epNoPing", pingInterval: 0 }),
      ...outNode("out", topic, { producerName: "pinging-producer" }),
      ...inNode("in", topic, { subscription: sub }),
      ...inNode("rdr", topic, { mode: "reader", subscription: "", startMessageId: "latest" }),
      ...outNode("noPing", topic, { endpoint: "epNoPing", producerName: "silent-producer" }),
    ], { watch: ["out", "noPing"] });
    const live = ["out", "in", "rdr"];
    await f.waitConnected([...live, "noPing"]);
    const statusCounts = live.map((id) => f.statuses(id).length);
    const before = await topicStats(pulsar(), full);
    const pinging = (stats: typeof before): string | undefined => stats.publishers.find((p) => p.producerName === "pinging-producer")?.connectedSince;
    const producerSince = pinging(before);
    const consumerSince = before.subscriptions[sub].consumers.map((c) => c.connectedSince);
    assert.ok(producerSince, "the pinging producer is on Pulsar");
    assert.equal(consumerSince.length, 1);

    const IDLE_FOR_MS = 3 * IDLE_TIMEOUT_MS + 1000;
    await sleep(IDLE_FOR_MS);

    for (const id of live) {
      const lost = f.logsOf(id).filter((l) => /lost/.test(l));
      assert.deepEqual(lost, [], `${id} never lost its connection`);
    }
    assert.deepEqual(live.map((id) => f.statuses(id).length), statusCounts, "no status change: the sessions stayed open");
    const after = await topicStats(pulsar(), full);
    assert.deepEqual(after.subscriptions[sub].consumers.map((c) => c.connectedSince), consumerSince, "the same consumer session on Pulsar");
    assert.equal(pinging(after), producerSince, "the same producer session on Pulsar");

    // Control through the nodes: the same producer without pings was dropped by the idle timeout.
    const dropped = f.logsOf("noPing").filter((l) => /lost/.test(l));
    console.log(`      without pings: ${dropped.length} idle drops in ${IDLE_FOR_MS / 1000} s`);
    assert.ok(dropped.length >= 1, "the producer without pings was dropped at least once");

    // Still working after the idle period.
    const ids = Array.from({ length: 3 }, (_, i) => f.send("out", { payload: `after idle ${i}`, properties: { seq: String(i) } }));
    const idle = f.send("noPing", { payload: "after reconnect", properties: { seq: "3" } });
    const outcomes = await f.waitOutcomes([...ids, idle], 20_000);
    assert.ok(outcomes.every((o) => o.ok), JSON.stringify(outcomes.filter((o) => !o.ok).map((o) => o.error)));
    const all = [...ids, idle];
    await waitUntil("4 messages at the consumer and the reader", () => f.received("in-out").length >= 4 && f.received("rdr-out").length >= 4, 15_000);
    await waitBacklog(pulsar(), full, sub, 0);
    const a = tally(all, seqs(f.received("in-out")).map((s) => all[Number(s)]));
    const b = tally(all, seqs(f.received("rdr-out")).map((s) => all[Number(s)]));
    figures.report({ sent: all.length, received: a.received + b.received, duplicates: a.duplicates + b.duplicates, lost: a.lost + b.lost });
  });
});
