/**
 * Slow consumer: downstream takes longer per message (1.2 s) than the ack timeout (1 s), with
 * manual ack. Pulsar redelivers what was not acked in time; the flow processes every message at
 * least once and acks it; the backlog drains; and the node's memory stays bounded: the heap after
 * GC does not grow with the number of messages, the node's unacked count never exceeds the
 * receiver queue, and the work held downstream is bounded by the window.
 */
import assert from "node:assert/strict";
import type { NodeMessage } from "node-red";
import type { PulsarInstance } from "../../harness/pulsar";
import { recordFigure } from "./support/figures";
import { flow, gc, helper, idsOf, nodesWithTls, Outcomes, startNodeRed, stopNodeRed, unspy, watchers, type FlowNode } from "./support/nr";
import { sleep, until } from "../support/wait";
import { plainPulsar, rawPublish, subscriptionBacklog } from "./support/pulsar";
import { faultNodes, maxHeld } from "./support/test-nodes";

const MESSAGES = Number(process.env.FAULTS_SLOW_MESSAGES ?? 3000);
const QUEUE = 300;
const PROCESS_MS = 1200;
const ACK_TIMEOUT_MS = 1000;

describe("faults: slow consumer beyond the ack timeout (real Pulsar)", function () {
  this.timeout(240_000);
  let pulsar: PulsarInstance;

  before(async function () {
    pulsar = await plainPulsar();
    await startNodeRed();
  });

  after(async function () {
    await helper.unload();
    await stopNodeRed();
  });

  it(`redelivers, loses nothing and stays bounded over ${MESSAGES} messages processed ${PROCESS_MS} ms each with a ${ACK_TIMEOUT_MS} ms ack timeout`, async function () {
    const topic = `slow-${Date.now()}`;
    const subscription = "slow";
    const filler = "x".repeat(1024);
    const payloads = Array.from({ length: MESSAGES }, (_, i) => `${topic}#${i}#${filler}`);
    await rawPublish(pulsar.wsUrl, topic, payloads.slice(0, 1));
    const nodes: FlowNode[] = [
      { id: "ep", type: "pulsar-ws-endpoint", serviceUrl: pulsar.wsUrl, tenant: "public", namespace: "default", reconnectMin: 0.05, reconnectMax: 1 },
      { id: "in", type: "pulsar-in", endpoint: "ep", topic, mode: "subscription", subscription, subscriptionType: "Shared", initialPosition: "Earliest", ackMode: "manual", ackTimeoutMillis: ACK_TIMEOUT_MS, receiverQueueSize: QUEUE, payloadFormat: "utf8", wires: [["proc"]] },
      { id: "proc", type: "fault-delay", ms: PROCESS_MS, wires: [["in", "consumed"]] },
      { id: "consumed", type: "helper" },
      ...watchers(["in"]),
    ];
    await helper.load([...nodesWithTls, faultNodes], flow(...nodes));
    unspy(idsOf(nodes));
    const outcomes = new Outcomes();
    const consumed = new Map<string, number>();
    let deliveries = 0;
    let redelivered = 0;
    helper.getNode("consumed").on("input", (msg: NodeMessage & { pulsar?: { redeliveryCount?: number } }) => {
      deliveries++;
      if ((msg.pulsar?.redeliveryCount ?? 0) > 0) redelivered++;
      const key = String(msg.payload);
      consumed.set(key, (consumed.get(key) ?? 0) + 1);
    });
    await until(() => consumed.size >= 1, 30_000, "the first message");
    gc();
    const baseline = process.memoryUsage().heapUsed;
    const started = Date.now();
    await rawPublish(pulsar.wsUrl, topic, payloads.slice(1));

    let maxHeap = baseline;
    let maxUnacked = 0;
    const sampler = setInterval(() => {
      for (const s of outcomes.statuses) {
        const m = /^(\d+) unacked/.exec(s.text);
        if (m) maxUnacked = Math.max(maxUnacked, Number(m[1]));
      }
      outcomes.statuses.length = 0;
    }, 200);
    try {
      for (const end = Date.now() + 180_000; consumed.size < MESSAGES && Date.now() < end; await sleep(1000)) {
        gc();
        maxHeap = Math.max(maxHeap, process.memoryUsage().heapUsed);
      }
    } finally {
      clearInterval(sampler);
    }
    let backlog: number | undefined;
    for (const end = Date.now() + 30_000; Date.now() < end; await sleep(500)) {
      backlog = await subscriptionBacklog(pulsar, topic, subscription);
      if (backlog === 0) break;
    }
    const seconds = (Date.now() - started) / 1000;
    const missing = payloads.filter((p) => !consumed.has(p)).length;
    const growthMb = (maxHeap - baseline) / 1024 / 1024;
    recordFigure({
      scenario: "slow consumer (processing > ack timeout, real Pulsar)",
      faults: deliveries - consumed.size,
      offered: MESSAGES,
      completed: consumed.size,
      failed: outcomes.failed.size,
      lost: missing,
      duplicates: deliveries - consumed.size,
      seconds,
      notes: `${PROCESS_MS} ms per msg vs ackTimeout ${ACK_TIMEOUT_MS} ms, receiverQueue ${QUEUE}, 1 KiB payloads; ${redelivered} deliveries with redeliveryCount > 0; max unacked shown ${maxUnacked}, max held downstream ${maxHeld.get("proc")}; heap after GC +${growthMb.toFixed(1)} MiB max; backlog ${backlog}`,
    });
    assert.equal(missing, 0, `${missing} messages never processed`);
    assert.ok(deliveries > MESSAGES, "messages past the ack timeout must be redelivered");
    assert.equal(backlog, 0);
    assert.ok(maxUnacked <= QUEUE, `unacked ${maxUnacked} > receiver queue ${QUEUE}`);
    assert.ok((maxHeld.get("proc") ?? 0) <= QUEUE * 2, `downstream held ${maxHeld.get("proc")}`);
    assert.ok(growthMb < 48, `heap grew ${growthMb.toFixed(1)} MiB`);
    assert.equal(outcomes.failed.size, 0);
  });
});
