/**
 * Pulsar killed with SIGKILL and restarted on the same data directory in the middle of a
 * 20,000-message produce run and, at the same time, of a manual-ack consume run on that topic
 * (downstream acks each message after a short processing delay). Nothing may be lost: every input
 * ends in done() or a counted done(err), a reader from earliest finds every acked message, the
 * consumer processes every one of them, and the subscription's backlog drains to 0 (the acks stuck).
 */
import assert from "node:assert/strict";
import type { Node, NodeMessage } from "node-red";
import type { PulsarInstance } from "../../harness/pulsar";
import { recordFigure } from "./support/figures";
import { flow, helper, idsOf, inject, nodesWithTls, Outcomes, startNodeRed, stopNodeRed, unspy, watchers, type FlowNode } from "./support/nr";
import { sleep, until } from "../support/wait";
import { plainPulsar, readAll, subscriptionBacklog } from "./support/pulsar";
import { faultNodes } from "./support/test-nodes";

const MESSAGES = Number(process.env.FAULTS_KILL_MESSAGES ?? 20_000);
const PRODUCERS = 4;
const OUTSTANDING_PER_NODE = 1000;

describe("faults: Pulsar SIGKILL + restart on the same data (real Pulsar)", function () {
  this.timeout(480_000);
  let pulsar: PulsarInstance;

  before(async function () {
    pulsar = await plainPulsar();
    await startNodeRed();
  });

  after(async function () {
    await helper.unload();
    await stopNodeRed();
  });

  it(`loses nothing when Pulsar is killed during a ${MESSAGES}-message produce run and a manual-ack consume run`, async function () {
    const topic = `kill-${Date.now()}`;
    const subscription = "kill-manual";
    const outIds = Array.from({ length: PRODUCERS }, (_, i) => `out${i}`);
    const nodes: FlowNode[] = [
      { id: "ep", type: "pulsar-ws-endpoint", serviceUrl: pulsar.wsUrl, tenant: "public", namespace: "default", reconnectMin: 0.05, reconnectMax: 1, pingInterval: 2, pongTimeout: 3 },
      ...outIds.map((id) => ({ id, type: "pulsar-out", endpoint: "ep", topic, maxInFlight: 500, wires: [] })),
      { id: "in", type: "pulsar-in", endpoint: "ep", topic, mode: "subscription", subscription, subscriptionType: "Exclusive", initialPosition: "Earliest", ackMode: "manual", payloadFormat: "utf8", wires: [["proc"]] },
      // Downstream: 5 ms of "processing", then the msg goes back to pulsar-in (the ack) and on.
      { id: "proc", type: "fault-delay", ms: 5, wires: [["in", "consumed"]] },
      { id: "consumed", type: "helper" },
      ...watchers([...outIds, "in"]),
    ];
    await helper.load([...nodesWithTls, faultNodes], flow(...nodes));
    unspy(idsOf(nodes));
    const outcomes = new Outcomes();
    const consumed = new Map<string, number>();
    let deliveries = 0;
    let redelivered = 0;
    helper.getNode("consumed").on("input", (msg: NodeMessage & { pulsar?: { redeliveryCount?: number } }) => {
      const payload = String(msg.payload);
      deliveries++;
      if ((msg.pulsar?.redeliveryCount ?? 0) > 0) redelivered++;
      consumed.set(payload, (consumed.get(payload) ?? 0) + 1);
    });
    const outs: Node[] = outIds.map((id) => helper.getNode(id));
    const ids = Array.from({ length: MESSAGES }, (_, i) => `${topic}#${i}`);
    const outIdSet = new Set(ids);
    const settledOut = (): number => [...outcomes.ok].filter((id) => outIdSet.has(id)).length + [...outcomes.failed.keys()].filter((id) => outIdSet.has(id)).length;
    let settledCount = 0;
    outcomes.onSettle((id) => {
      if (outIdSet.has(id)) settledCount++;
    });

    const started = Date.now();
    let offered = 0;
    let killedAt = 0;
    let killedAtPercent = 0;
    let restartedAt = 0;
    let restart: Promise<void> | undefined;
    await new Promise<void>((resolve) => {
      const pump = (): void => {
        while (offered < MESSAGES && offered - settledCount < OUTSTANDING_PER_NODE * PRODUCERS) {
          inject(outs[offered % PRODUCERS], { payload: ids[offered] }, ids[offered]);
          offered++;
        }
        if (!restart && settledCount >= MESSAGES * 0.4 && consumed.size > 0) {
          killedAt = Date.now();
          killedAtPercent = Math.round((settledCount / MESSAGES) * 100);
          restart = pulsar.kill().then(() => pulsar.restart()).then(() => {
            restartedAt = Date.now();
          });
        }
        if (offered >= MESSAGES) resolve();
        else setTimeout(pump, 2);
      };
      pump();
    });
    await restart;
    const unsettled = await outcomes.waitAll(ids, 240_000);
    const produced = (Date.now() - started) / 1000;
    const acked = ids.filter((id) => outcomes.ok.has(id));
    await until(() => acked.every((id) => consumed.has(id)), 180_000, "the consumer to process every acked message").catch(() => undefined);
    let backlog: number | undefined;
    for (const end = Date.now() + 60_000; Date.now() < end; await sleep(500)) {
      backlog = await subscriptionBacklog(pulsar, topic, subscription);
      if (backlog === 0) break;
    }
    const read = await readAll(pulsar.wsUrl, topic, acked, { timeoutMs: 120_000 });
    const seconds = (Date.now() - started) / 1000;

    const missingInTopic = acked.filter((id) => !read.copies.has(id));
    const missingAtConsumer = acked.filter((id) => !consumed.has(id));
    const storedDuplicates = read.total - read.copies.size;
    const errors = new Map<string, number>();
    for (const [id, e] of outcomes.failed) if (outIdSet.has(id)) errors.set(e.message, (errors.get(e.message) ?? 0) + 1);
    const failedOut = [...outcomes.failed.keys()].filter((id) => outIdSet.has(id)).length;
    const downFor = ((restartedAt - killedAt) / 1000).toFixed(1);
    recordFigure({
      scenario: "Pulsar SIGKILL + restart, produce run",
      faults: 1,
      offered: MESSAGES,
      completed: settledOut(),
      failed: failedOut,
      lost: unsettled.length + missingInTopic.length,
      duplicates: storedDuplicates,
      seconds: produced,
      notes: `killed after ${killedAtPercent}% of the inputs had ended, down ${downFor} s (restart until ready); reader found ${read.copies.size} distinct / ${read.total} stored${errors.size ? `; done(err): ${JSON.stringify([...errors])}` : ""}`,
    });
    recordFigure({
      scenario: "Pulsar SIGKILL + restart, manual-ack consume run",
      faults: 1,
      offered: read.copies.size,
      completed: consumed.size,
      failed: 0,
      lost: missingAtConsumer.length,
      duplicates: deliveries - consumed.size,
      seconds,
      notes: `same kill; ${deliveries} deliveries, ${redelivered} with redeliveryCount > 0; backlog after the run: ${backlog}`,
    });
    assert.equal(unsettled.length, 0, `inputs without done: ${unsettled.slice(0, 5).join(", ")}`);
    assert.equal(outcomes.twice, 0);
    assert.equal(missingInTopic.length, 0, `acked but not in the topic after the restart: ${missingInTopic.slice(0, 5).join(", ")}`);
    assert.equal(missingAtConsumer.length, 0, `acked but never processed: ${missingAtConsumer.slice(0, 5).join(", ")}`);
    assert.equal(backlog, 0, "the manual acks must stick after the restart");
    const acks = outcomes.ok.size;
    assert.ok(acks >= MESSAGES * 0.9, `most inputs should be acked (${acks})`);
  });
});
