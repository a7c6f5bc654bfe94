/**
 * latency: at a fixed rate well under saturation, p50 / p99 / max from input to broker ack
 * (produce) and from publish to output (end to end), pulsar-out → pulsar-in beside a raw
 * producer → raw consumer. Payloads carry their send time, so the probe needs no bookkeeping.
 *
 * Both pairs use the same topic, each consumer with its own subscription: Pulsar's latency
 * differs from one topic (ledger) to another by more than the clients differ, and that must not
 * count for or against either. Each consumer receives every message and counts only those its
 * own producer sent (the payload says which), so both carry the same load.
 */
import { performance } from "node:perf_hooks";
import type { NodeMessage } from "node-red";
import { paced, waitUntil, type Producer } from "../drivers";
import { endpoint, flow, probe, pulsarIn, pulsarOut } from "../node-red/flows";
import { setProbe } from "../node-red/probes";
import { MAX_IN_FLIGHT } from "../profile";
import { RawConsumer, RawProducer } from "../raw-client";
import { compare, type ClientId, type ResultRow } from "../results";
import { consumerUrl, producerUrl } from "../servers";
import { spread, summarizeLatency, type LatencySummary } from "../stats";
import { interleaved, type ScenarioContext } from "./context";

type LatencyClient = Extract<ClientId, "raw" | "node">;
const CLIENTS: LatencyClient[] = ["raw", "node"];
const PROBE = "bench-probe";
/** Added p99 over the raw client allowed on real Pulsar (the package's latency target). */
const ADDED_P99_TARGET_MS = 2;

/** Latency samples of one slice or run, in ms. */
interface Latencies {
  produce: number[];
  endToEnd: number[];
}

interface LatencyRun {
  produce: LatencySummary;
  endToEnd: LatencySummary;
}

function summarizeRun(slices: Latencies[]): LatencyRun {
  return { produce: summarizeLatency(slices.flatMap((s) => s.produce)), endToEnd: summarizeLatency(slices.flatMap((s) => s.endToEnd)) };
}

function describe(r: LatencyRun): string {
  const f = (l: LatencySummary): string => `p50 ${l.p50.toFixed(2)} p99 ${l.p99.toFixed(2)} max ${l.max.toFixed(1)}`;
  return `produce ${f(r.produce)}, end to end ${f(r.endToEnd)} ms`;
}

export async function latencyScenario(ctx: ScenarioContext): Promise<ResultRow[]> {
  const { profile, server } = ctx;
  const { rate, sliceMs, bytes } = profile.latency;
  const topic = ctx.unique("latency");
  const subscriptions = { raw: ctx.unique("latency-raw"), node: ctx.unique("latency-node") };
  // The sender's timestamp and which client sent it, padded to the payload size; pulsar-in's
  // "auto" format keeps it a string.
  const payloadFor = (client: LatencyClient) => (sentAt: number): string => `${sentAt.toFixed(3)}:${client}:`.padEnd(bytes, "x");
  let arrivals: number[] = [];
  const arrivedAt = (client: LatencyClient) => (payload: unknown): void => {
    const text = String(payload);
    if (text.startsWith(`${client}:`, text.indexOf(":") + 1)) arrivals.push(performance.now() - Number.parseFloat(text));
  };

  const nodeArrived = arrivedAt("node");
  setProbe(PROBE, (msg: NodeMessage) => nodeArrived(msg.payload));
  await ctx.runtime.deploy(flow(endpoint(server.wsUrl), pulsarOut("bench-out", topic), pulsarIn("bench-in", topic, subscriptions.node, PROBE), probe(PROBE)));
  const rawConsumer = await RawConsumer.open(consumerUrl(server, topic, subscriptions.raw), arrivedAt("raw"));
  const producers: Record<LatencyClient, Producer> = {
    raw: await RawProducer.open(producerUrl(server, topic), MAX_IN_FLIGHT),
    node: ctx.runtime.producer("bench-out"),
  };
  const slice = async (client: LatencyClient, ms: number): Promise<Latencies> => {
    arrivals = [];
    const run = await paced(producers[client], rate, ms, payloadFor(client));
    if (!(await waitUntil(() => arrivals.length >= run.sent, 5000))) {
      ctx.log(`latency, server ${server.id}: WARNING ${client} end to end received ${arrivals.length} of ${run.sent} messages in time`);
    }
    return { produce: run.ackMs, endToEnd: arrivals };
  };
  try {
    // Also proves both consumers are subscribed before anything is measured.
    for (const client of CLIENTS) await slice(client, Math.max(profile.warmupMs, 200));
    const runs = await interleaved(profile.runs, profile.slices, CLIENTS, (client) => slice(client, sliceMs), (run, slices) => {
      const parts = [...slices].map(([client, s]) => `${client}: ${describe(summarizeRun(s))}`);
      ctx.log(`latency, server ${server.id}, run ${run + 1}: ${parts.join("; ")}`);
    });
    const results = new Map([...runs].map(([client, r]) => [client, r.map(summarizeRun)]));
    return [...rows(ctx, "latency produce", results, (r) => r.produce), ...rows(ctx, "latency end-to-end", results, (r) => r.endToEnd)];
  } finally {
    setProbe(PROBE, undefined);
    await Promise.all([rawConsumer.close(), producers.raw.close()]);
    await ctx.runtime.deploy([]);
    await server.deleteTopic(topic);
  }
}

function rows(ctx: ScenarioContext, scenario: string, results: Map<LatencyClient, LatencyRun[]>, pick: (r: LatencyRun) => LatencySummary): ResultRow[] {
  const of = (client: LatencyClient, key: keyof LatencySummary): number[] => results.get(client)!.map((r) => pick(r)[key]);
  const target = ctx.server.id === "b" ? { op: "<=" as const, value: ADDED_P99_TARGET_MS } : undefined;
  const row = (client: LatencyClient, comparisons: ResultRow["comparisons"]): ResultRow => ({
    scenario: `${scenario} @ ${ctx.profile.latency.rate}/s`,
    server: ctx.server.id,
    client,
    payloadBytes: ctx.profile.latency.bytes,
    metric: "p99",
    unit: "ms",
    value: spread(of(client, "p99")),
    details: { p50: { unit: "ms", spread: spread(of(client, "p50")) }, max: { unit: "ms", spread: spread(of(client, "max")) } },
    comparisons,
  });
  return [row("raw", []), row("node", [compare(of("node", "p99"), of("raw", "p99"), "raw", "difference", target)])];
}
