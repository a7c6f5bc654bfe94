/**
 * One produce-and-consume run through a real Node-RED flow while a fault happens in the cluster:
 * two pulsar-out nodes produce `count` messages (bounded in flight), a manual-ack pulsar-in (Shared
 * subscription from the earliest message) processes each for 1 ms and acks it by sending it back.
 * The fault starts once `faultAt` of the inputs have ended. Then: every input must end (done or a
 * counted done(err)), a reader from earliest must find every acked message, the consumer must have
 * processed every one, and the subscription's backlog must drain to 0.
 */
import type { Node, NodeMessage } from "node-red";
import { flow, helper, idsOf, inject, nodesWithTls, Outcomes, unspy, watchers, type FlowNode } from "../../faults/support/nr";
import { faultNodes } from "../../faults/support/test-nodes";
import { until } from "../../support/wait";
import type { PulsarCluster } from "../../../harness/pulsar";
import { drainedBacklog, readAll } from "./cluster";

const PRODUCERS = 2;
const OUTSTANDING = 1000;

export interface RunOptions {
  topic: string;
  /** ws:// base URL the endpoint uses (a broker's WebSocket service or the proxy). */
  wsUrl: string;
  count: number;
  /** Fraction of inputs ended before the fault starts. */
  faultAt: number;
  fault: () => Promise<void>;
  /** At most this many inputs per second (default: as fast as the bound in flight allows). */
  ratePerS?: number;
  /** Bound on the whole run's waits (ms). */
  timeoutMs: number;
}

export interface RunResult {
  offered: number;
  acked: number;
  failed: number;
  unsettled: number;
  missingInTopic: number;
  missingAtConsumer: number;
  /** Extra copies stored in the topic (a resend after a lost ack) plus extra deliveries at the consumer. */
  storedDuplicates: number;
  deliveredDuplicates: number;
  redelivered: number;
  backlog: number | undefined;
  /** The longest pause, in s, between two producer acks or two consumer deliveries after the fault began. */
  recoverS: number | undefined;
  /** Longest pause between two consumer deliveries, s. */
  longestGapS: number;
  seconds: number;
  faultSeconds: number;
  errors: Map<string, number>;
  /** Status texts the nodes showed after the fault started, with counts. */
  statuses: Map<string, number>;
  twice: number;
}

export async function produceConsume(c: PulsarCluster, opts: RunOptions): Promise<RunResult> {
  const subscription = "cluster-manual";
  const outIds = Array.from({ length: PRODUCERS }, (_, i) => `out${i}`);
  const nodes: FlowNode[] = [
    { id: "ep", type: "pulsar-ws-endpoint", serviceUrl: opts.wsUrl, tenant: "public", namespace: "default", reconnectMin: 0.1, reconnectMax: 1, pingInterval: 2, pongTimeout: 3 },
    ...outIds.map((id) => ({ id, type: "pulsar-out", endpoint: "ep", topic: opts.topic, maxInFlight: 500, wires: [] })),
    { id: "in", type: "pulsar-in", endpoint: "ep", topic: opts.topic, mode: "subscription", subscription, subscriptionType: "Shared", initialPosition: "Earliest", ackMode: "manual", payloadFormat: "utf8", wires: [["proc"]] },
    { id: "proc", type: "fault-delay", ms: 1, wires: [["in", "consumed"]] },
    { id: "consumed", type: "helper" },
    ...watchers([...outIds, "in"]),
  ];
  await helper.load([...nodesWithTls, faultNodes], flow(...nodes));
  try {
    unspy(idsOf(nodes));
    const outcomes = new Outcomes();
    const consumed = new Map<string, number>();
    let deliveries = 0;
    let redelivered = 0;
    let lastDelivery = 0;
    let longestGap = 0;
    let faultStarted = 0;
    // The outage as the flow saw it: the longest pause between two acks / two deliveries ending after the fault began.
    let lastAck = 0;
    let ackGapAfterFault = 0;
    let deliveryGapAfterFault = 0;
    helper.getNode("consumed").on("input", (msg: NodeMessage & { pulsar?: { redeliveryCount?: number } }) => {
      const now = Date.now();
      if (lastDelivery) longestGap = Math.max(longestGap, now - lastDelivery);
      if (faultStarted && lastDelivery) deliveryGapAfterFault = Math.max(deliveryGapAfterFault, now - Math.max(lastDelivery, faultStarted));
      lastDelivery = now;
      const payload = String(msg.payload);
      deliveries++;
      if ((msg.pulsar?.redeliveryCount ?? 0) > 0) redelivered++;
      consumed.set(payload, (consumed.get(payload) ?? 0) + 1);
    });
    const outs: Node[] = outIds.map((id) => helper.getNode(id));
    const ids = Array.from({ length: opts.count }, (_, i) => `${opts.topic}#${i}`);
    const idSet = new Set(ids);
    let settled = 0;
    outcomes.onSettle((id) => {
      if (!idSet.has(id)) return;
      settled++;
      if (!outcomes.ok.has(id)) return;
      const now = Date.now();
      if (faultStarted && lastAck) ackGapAfterFault = Math.max(ackGapAfterFault, now - Math.max(lastAck, faultStarted));
      lastAck = now;
    });

    const started = Date.now();
    let offered = 0;
    let fault: Promise<void> | undefined;
    let faultEnded = 0;
    const end = started + opts.timeoutMs;
    await new Promise<void>((resolve) => {
      const pump = (): void => {
        const allowed = opts.ratePerS ? Math.min(opts.count, Math.floor(((Date.now() - started) / 1000) * opts.ratePerS) + 1) : opts.count;
        while (offered < allowed && offered - settled < OUTSTANDING * PRODUCERS) {
          inject(outs[offered % PRODUCERS], { payload: ids[offered] }, ids[offered]);
          offered++;
        }
        if (!fault && settled >= opts.count * opts.faultAt && consumed.size > 0) {
          faultStarted = Date.now();
          fault = opts.fault().then(() => {
            faultEnded = Date.now();
          });
        }
        // Until every input is offered and the fault has begun (a short run may be offered at once).
        if ((offered >= opts.count && fault) || Date.now() > end) resolve();
        else setTimeout(pump, 2);
      };
      pump();
    });
    const unsettled = await outcomes.waitAll(ids.slice(0, offered), Math.max(1000, end - Date.now()));
    await fault;
    const acked = ids.filter((id) => outcomes.ok.has(id));
    await until(() => acked.every((id) => consumed.has(id)), Math.max(1000, end - Date.now()), "the consumer to process every acked message").catch(() => undefined);
    const bl = await drainedBacklog(c, opts.topic, subscription, 60_000);
    const read = await readAll(c.proxy.wsUrl, opts.topic, acked, 120_000);
    const seconds = (Date.now() - started) / 1000;
    const errors = new Map<string, number>();
    for (const [id, e] of outcomes.failed) if (idSet.has(id)) errors.set(e.message, (errors.get(e.message) ?? 0) + 1);
    const statuses = new Map<string, number>();
    for (const s of outcomes.statuses) if (s.at >= faultStarted) statuses.set(`${s.source}: ${s.text}`, (statuses.get(`${s.source}: ${s.text}`) ?? 0) + 1);
    const storedDuplicates = [...read.copies.entries()].filter(([p]) => idSet.has(p)).reduce((n, [, k]) => n + k - 1, 0);
    return {
      offered,
      acked: acked.length,
      failed: [...outcomes.failed.keys()].filter((id) => idSet.has(id)).length,
      unsettled: unsettled.length,
      missingInTopic: acked.filter((id) => !read.copies.has(id)).length,
      missingAtConsumer: acked.filter((id) => !consumed.has(id)).length,
      storedDuplicates,
      deliveredDuplicates: deliveries - consumed.size,
      redelivered,
      backlog: bl,
      recoverS: faultStarted ? Math.max(ackGapAfterFault, deliveryGapAfterFault) / 1000 : undefined,
      longestGapS: longestGap / 1000,
      seconds,
      faultSeconds: faultEnded && faultStarted ? (faultEnded - faultStarted) / 1000 : 0,
      errors,
      statuses,
      twice: outcomes.twice,
    };
  } finally {
    await helper.unload();
  }
}

/**
 * What the nodes showed after the fault began besides the steady "connected" and "N unacked"
 * (e.g. "in: reconnecting ×2"), most frequent first, at most `max`; "none" when nothing else.
 */
export function statusSummary(statuses: Map<string, number>, max = 4): string {
  const steady = /: (connected|\d+ unacked)$/;
  const unusual = [...statuses.entries()].filter(([t]) => !steady.test(t));
  if (unusual.length === 0) return "none besides connected / N unacked";
  return unusual.sort((a, b) => b[1] - a[1]).slice(0, max).map(([t, n]) => `${t} ×${n}`).join(", ");
}
