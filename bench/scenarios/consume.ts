/**
 * consume: pulsar-in messages per second with auto-ack from a pre-filled topic, beside the raw
 * consumer (same default window) and the naive one (receiverQueueSize=1: the server waits for
 * each ack before the next push). Every slice reads the topic from the start on a new
 * subscription and is timed from its first message to its last, so connecting, subscribing and
 * deploying do not count.
 */
import { performance } from "node:perf_hooks";
import { cpuMsNow, throughput, waitUntil, type Sample } from "../drivers";
import { endpoint, flow, probe, pulsarIn } from "../node-red/flows";
import { setProbe } from "../node-red/probes";
import { MAX_IN_FLIGHT, MAX_OUTSTANDING } from "../profile";
import { RawConsumer, RawProducer } from "../raw-client";
import type { ClientId, ResultRow } from "../results";
import { consumerUrl, producerUrl } from "../servers";
import { textPayload } from "../wire";
import { interleaved, type ScenarioContext } from "./context";
import { describeRun, throughputRows } from "./throughput-rows";

const CLIENTS: ClientId[] = ["raw", "node", "naive"];
const PROBE = "bench-probe";

/** Times arrivals from the first to the `expected`-th (or the last, if fewer came). */
class Arrivals {
  count = 0;
  private first = 0;
  private last = 0;
  private cpuFirst = 0;
  private cpuLast = 0;

  constructor(private readonly expected: number) {}

  readonly record = (): void => {
    this.last = performance.now();
    if (this.count++ === 0) {
      this.first = this.last;
      this.cpuFirst = cpuMsNow();
    }
    if (this.count === this.expected) this.cpuLast = cpuMsNow();
  };

  sample(): Sample {
    if (this.count < this.expected) this.cpuLast = cpuMsNow(); // stopped by the time limit
    return { messages: Math.max(0, this.count - 1), ms: this.last - this.first, cpuMs: this.cpuLast - this.cpuFirst };
  }
}

export async function consumeScenario(ctx: ScenarioContext): Promise<ResultRow[]> {
  const { profile, server } = ctx;
  const { bytes, messages, sliceTimeoutMs } = profile.consume;
  const topic = await prefilledTopic(ctx, bytes, messages);
  const slice = async (client: ClientId, timeoutMs: number): Promise<Sample> => {
    const arrivals = new Arrivals(messages);
    const stop = await subscribe(ctx, client, topic, ctx.unique(client), arrivals);
    await waitUntil(() => arrivals.count >= messages, timeoutMs);
    await stop();
    return arrivals.sample();
  };
  try {
    for (const client of CLIENTS) await slice(client, profile.warmupMs);
    const runs = await interleaved(profile.runs, profile.slices, CLIENTS, (client) => slice(client, sliceTimeoutMs), (run, slices) =>
      ctx.log(describeRun(`consume ${bytes} B, server ${server.id}, run ${run + 1}`, slices)),
    );
    return throughputRows(ctx, "consume", bytes, runs);
  } finally {
    setProbe(PROBE, undefined);
    await ctx.runtime.deploy([]);
    await server.deleteTopic(topic);
  }
}

/** On the ack server a topic name asks for its content; on Pulsar the raw producer fills it. */
async function prefilledTopic(ctx: ScenarioContext, bytes: number, count: number): Promise<string> {
  if (ctx.server.id === "a") return `prefill-${count}-${bytes}-${ctx.unique("consume")}`;
  const topic = ctx.unique(`consume-${bytes}`);
  const producer = await RawProducer.open(producerUrl(ctx.server, topic), MAX_IN_FLIGHT);
  const filled = await throughput(producer, textPayload(bytes), { count, maxOutstanding: MAX_OUTSTANDING, feedMs: 120_000, drainMs: 30_000 });
  await producer.close();
  if (filled.messages - filled.failed < count) throw new Error(`pre-filling ${topic}: ${filled.messages - filled.failed} of ${count} acked`);
  return topic;
}

/** Starts one client reading `topic` from the start; resolves to a function that stops it. */
async function subscribe(ctx: ScenarioContext, client: ClientId, topic: string, subscription: string, arrivals: Arrivals): Promise<() => Promise<void>> {
  if (client === "node") {
    setProbe(PROBE, arrivals.record);
    const url = ctx.server.wsUrl;
    await ctx.runtime.deploy(flow(endpoint(url), pulsarIn("bench-in", topic, subscription, PROBE, { initialPosition: "Earliest" }), probe(PROBE)));
    return () => ctx.runtime.deploy(flow(endpoint(url)));
  }
  const query: Record<string, string> = { subscriptionInitialPosition: "Earliest" };
  if (client === "naive") query.receiverQueueSize = "1";
  const consumer = await RawConsumer.open(consumerUrl(ctx.server, topic, subscription, query), arrivals.record);
  return () => consumer.close();
}
