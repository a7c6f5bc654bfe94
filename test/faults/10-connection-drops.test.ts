/**
 * Connection drops: a loopback proxy between the nodes and a real Pulsar cuts producer and consumer
 * sockets (RST) at random moments, 100 times over 50,000 messages. Every input must end in done()
 * (or a done(err) a Catch node saw), a reader from earliest must find every acked message, and the
 * consumer must receive every acked message at least once.
 */
import assert from "node:assert/strict";
import type { Node, NodeMessage } from "node-red";
import type { PulsarInstance } from "../../harness/pulsar";
import { recordFigure } from "./support/figures";
import { flow, helper, idsOf, inject, nodesWithTls, Outcomes, startNodeRed, stopNodeRed, unspy, watchers, type FlowNode } from "./support/nr";
import { until } from "../support/wait";
import { plainPulsar, readAll } from "./support/pulsar";
import { TcpProxy } from "./support/proxy";

const MESSAGES = Number(process.env.FAULTS_DROP_MESSAGES ?? 50_000);
const CUTS = Number(process.env.FAULTS_DROP_CUTS ?? 100);
const PRODUCERS = 4;
const OUTSTANDING_PER_NODE = 1000;

describe("faults: connection drops through a cutting proxy (real Pulsar)", function () {
  this.timeout(420_000);
  let pulsar: PulsarInstance;
  let proxy: TcpProxy;

  before(async function () {
    pulsar = await plainPulsar();
    proxy = await TcpProxy.start(Number(new URL(pulsar.httpUrl).port));
    await startNodeRed();
  });

  after(async function () {
    await helper.unload();
    await stopNodeRed();
    await proxy.stop();
  });

  it(`loses nothing over ${MESSAGES} messages and ${CUTS} random cuts`, async function () {
    const topic = `drops-${Date.now()}`;
    const outIds = Array.from({ length: PRODUCERS }, (_, i) => `out${i}`);
    const nodes: FlowNode[] = [
      { id: "ep", type: "pulsar-ws-endpoint", serviceUrl: proxy.wsUrl, tenant: "public", namespace: "default", reconnectMin: 0.05, reconnectMax: 1, pingInterval: 5, pongTimeout: 5 },
      ...outIds.map((id) => ({ id, type: "pulsar-out", endpoint: "ep", topic, maxInFlight: 500, wires: [] })),
      { id: "in", type: "pulsar-in", endpoint: "ep", topic, mode: "subscription", subscription: "drops", subscriptionType: "Exclusive", initialPosition: "Earliest", ackMode: "auto", payloadFormat: "utf8", wires: [["received"]] },
      { id: "received", type: "helper" },
      ...watchers(outIds),
    ];
    await helper.load(nodesWithTls, flow(...nodes));
    unspy(idsOf(nodes));
    const outcomes = new Outcomes();
    const received = new Map<string, number>();
    let deliveries = 0;
    helper.getNode("received").on("input", (msg: NodeMessage) => {
      const payload = String(msg.payload);
      deliveries++;
      received.set(payload, (received.get(payload) ?? 0) + 1);
    });
    const outs: Node[] = outIds.map((id) => helper.getNode(id));
    await until(() => proxy.open((c) => c.status === 101).length >= PRODUCERS + 1, 30_000, "all sessions open");

    // Cut points: random settled counts, spread over the run.
    const thresholds = Array.from({ length: CUTS }, () => Math.floor(MESSAGES * (0.02 + Math.random() * 0.93))).sort((a, b) => a - b);
    const cuts = { producer: 0, consumer: 0 };
    const tryCut = (): void => {
      while (thresholds.length > 0 && outcomes.settled >= thresholds[0]) {
        const wantConsumer = Math.random() < 0.3;
        const role = (c: { path: string }, consumer: boolean): boolean => c.path.includes(consumer ? "/ws/v2/consumer/" : "/ws/v2/producer/");
        const victim = proxy.cutRandom((c) => role(c, wantConsumer)) ?? proxy.cutRandom((c) => role(c, !wantConsumer));
        if (!victim) return; // everything is reconnecting: cut at the next settle
        thresholds.shift();
        if (victim.path.includes("/consumer/")) cuts.consumer++;
        else cuts.producer++;
      }
    };
    outcomes.onSettle(tryCut);

    const started = Date.now();
    let offered = 0;
    await new Promise<void>((resolve) => {
      const pump = (): void => {
        while (offered < MESSAGES && offered - outcomes.settled < OUTSTANDING_PER_NODE * PRODUCERS) {
          const id = `${topic}#${offered}`;
          inject(outs[offered % PRODUCERS], { payload: id }, id);
          offered++;
        }
        if (offered >= MESSAGES) resolve();
        else setTimeout(pump, 2);
      };
      pump();
    });
    const ids = Array.from({ length: MESSAGES }, (_, i) => `${topic}#${i}`);
    const unsettled = await outcomes.waitAll(ids, 180_000);
    const producedIn = (Date.now() - started) / 1000;
    // Cuts not yet done (the run was faster than the last threshold) are done now, on the consumer.
    while (thresholds.length > 0) {
      const consumerUp = (c: { path: string; status: number }): boolean => c.path.includes("/consumer/") && c.status === 101;
      await until(() => proxy.open(consumerUp).length > 0, 15_000, "the consumer session to cut");
      if (proxy.cutRandom(consumerUp)) {
        thresholds.shift();
        cuts.consumer++;
      }
      await new Promise((r) => setTimeout(r, 150));
    }
    const acked = ids.filter((id) => outcomes.ok.has(id));
    await until(() => acked.every((id) => received.has(id)), 120_000, `the consumer to receive every acked message (${acked.filter((id) => received.has(id)).length}/${acked.length})`).catch(() => undefined);
    const read = await readAll(pulsar.wsUrl, topic, acked, { timeoutMs: 120_000 });
    const seconds = (Date.now() - started) / 1000;

    const missingInTopic = acked.filter((id) => !read.copies.has(id));
    const missingAtConsumer = acked.filter((id) => !received.has(id));
    const lostIds = new Set([...unsettled, ...missingInTopic, ...missingAtConsumer]);
    const storedDuplicates = read.total - read.copies.size;
    const deliveredDuplicates = deliveries - received.size;
    const errors = new Map<string, number>();
    for (const e of outcomes.failed.values()) errors.set(e.message, (errors.get(e.message) ?? 0) + 1);
    recordFigure({
      scenario: "connection drops (proxy cuts, real Pulsar)",
      faults: cuts.producer + cuts.consumer,
      offered: MESSAGES,
      completed: outcomes.settled,
      failed: outcomes.failed.size,
      lost: lostIds.size,
      duplicates: storedDuplicates + deliveredDuplicates,
      seconds,
      notes: `${cuts.producer} producer + ${cuts.consumer} consumer cuts; ${PRODUCERS} pulsar-out × maxInFlight 500; produced in ${producedIn.toFixed(1)} s; reader found ${read.copies.size} distinct / ${read.total} stored (${storedDuplicates} dup), consumer got ${received.size} distinct / ${deliveries} (${deliveredDuplicates} redelivered); ${proxy.connections.length} connections`,
    });
    assert.equal(unsettled.length, 0, `inputs without done: ${unsettled.slice(0, 5).join(", ")}`);
    assert.equal(outcomes.twice, 0, "an input ended twice");
    assert.equal(missingInTopic.length, 0, `acked but not in the topic: ${missingInTopic.slice(0, 5).join(", ")}`);
    assert.equal(missingAtConsumer.length, 0, `acked but never delivered: ${missingAtConsumer.slice(0, 5).join(", ")}`);
    assert.equal(outcomes.failed.size, 0, `done(err): ${JSON.stringify([...errors])}`);
    assert.equal(cuts.producer + cuts.consumer, CUTS);
    assert.ok(cuts.producer > 0 && cuts.consumer > 0);
  });
});
