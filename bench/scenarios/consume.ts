/**
 * consume: pulsar-in messages per second with auto-ack from a pre-filled topic, one msg per
 * message and in batches of 100 (one msg per batch: Node-RED's per-msg cost paid once per
 * batch), beside the raw consumer (same default window) and the naive one (receiverQueueSize=1:
 * the server waits for each ack before the next push). Every slice reads the topic from the start on a new
 * subscription and is timed from its first message to its last, so connecting, subscribing and
 * deploying do not count.
 */
import { performance } from "node:perf_hooks";
import { cpuMsNow, throughput, waitUntil, type Sample } from "../drivers";
import { serverCpuMsNow } from "../server-cpu";
import { endpoint, flow, probe, pulsarIn } from "../node-red/flows";
import { setProbe } from "../node-red/probes";
import { MAX_IN_FLIGHT, MAX_OUTSTANDING } from "../profile";
import { RawConsumer, RawProducer } from "../raw-client";
import type { ClientId, ResultRow } from "../results";
import { consumerUrl, producerUrl } from "../servers";
import { textPayload } from "../wire";
import { interleaved, nameOf, type ScenarioContext } from "./context";
import { describeRun, throughputRows } from "./throughput-rows";

const PROBE = "bench-probe";

/** pulsar-in's batch size in the batch rows. */
export const BENCH_BATCH = 100;

/** Times arrivals from the first to the `expected`-th (or the last, if fewer came). */
export class Arrivals {
  count = 0;
  /** Messages in the first arrival (a batch msg holds several): the timing starts after them. */
  private firstCount = 0;
  private first = 0;
  private last = 0;
  private cpuFirst = 0;
  private cpuLast = 0;
  private serverCpuFirst = 0;
  private serverCpuLast = 0;

  constructor(private readonly expected: number) {}

  readonly record = (): void => this.add(1);

  /** `n` messages arrived at once (one batch msg). */
  readonly add = (n: number): void => {
    this.last = performance.now();
    if (this.count === 0) {
      this.first = this.last;
      this.firstCount = n;
      this.cpuFirst = cpuMsNow();
      this.serverCpuFirst = serverCpuMsNow();
    }
    const before = this.count;
    this.count += n;
    if (before < this.expected && this.count >= this.expected) this.stopCpu();
  };

  sample(): Sample {
    if (this.count < this.expected) this.stopCpu(); // stopped by the time limit
    return { messages: Math.max(0, this.count - this.firstCount), ms: this.last - this.first, cpuMs: this.cpuLast - this.cpuFirst, serverCpuMs: this.serverCpuLast - this.serverCpuFirst };
  }

  private stopCpu(): void {
    this.cpuLast = cpuMsNow();
    this.serverCpuLast = serverCpuMsNow();
  }
}

/** Starts one client reading `topic` from the start on `subscription`; resolves to a function that stops it. */
export type Subscribe = (topic: string, subscription: string, arrivals: Arrivals) => Promise<() => Promise<void>>;

export async function consumeScenario(ctx: ScenarioContext): Promise<ResultRow[]> {
  const { profile, server } = ctx;
  const { bytes, messages } = profile.consume;
  const topic = await prefilledTopic(ctx, bytes, messages);
  try {
    const runs = await measureConsumers(ctx, `consume ${bytes} B, server ${server.id}`, topic, messages, {
      raw: rawSubscriber(ctx),
      node: nodeSubscriber(ctx),
      "node batch": nodeSubscriber(ctx, { batchSize: BENCH_BATCH }),
      naive: rawSubscriber(ctx, { receiverQueueSize: "1" }),
    });
    return throughputRows(ctx, "consume", bytes, runs);
  } finally {
    await server.deleteTopic(topic);
  }
}

/**
 * Warms each client up once, then measures them in turns (`interleaved`, in the order given):
 * each slice reads `topic` from the start on a new subscription until `messages` arrived or the
 * profile's slice time limit. Leaves no flow deployed.
 */
export async function measureConsumers<C extends ClientId>(
  ctx: ScenarioContext,
  label: string,
  topic: string,
  messages: number,
  subscribers: Record<C, Subscribe>,
): Promise<Map<C, Sample[][]>> {
  const { profile } = ctx;
  const clients = Object.keys(subscribers) as C[];
  const slice = async (client: C, timeoutMs: number): Promise<Sample> => {
    const arrivals = new Arrivals(messages);
    const stop = await subscribers[client](topic, ctx.unique(nameOf(client)), arrivals);
    await waitUntil(() => arrivals.count >= messages, timeoutMs);
    await stop();
    return arrivals.sample();
  };
  try {
    for (const client of clients) await slice(client, profile.warmupMs);
    return await interleaved(profile.runs, profile.slices, clients, (client) => slice(client, profile.consume.sliceTimeoutMs), (run, slices) =>
      ctx.log(describeRun(`${label}, run ${run + 1}`, slices)),
    );
  } finally {
    setProbe(PROBE, undefined);
    await ctx.runtime.deploy([]);
  }
}

/** On the ack server a topic name asks for its content; on Pulsar the raw producer fills it. */
export async function prefilledTopic(ctx: ScenarioContext, bytes: number, count: number): Promise<string> {
  if (ctx.server.id === "a") return `prefill-${count}-${bytes}-${ctx.unique("consume")}`;
  const topic = ctx.unique(`consume-${bytes}`);
  const producer = await RawProducer.open(producerUrl(ctx.server, topic), MAX_IN_FLIGHT);
  const filled = await throughput(producer, textPayload(bytes), { count, maxOutstanding: MAX_OUTSTANDING, feedMs: 120_000, drainMs: 30_000 });
  await producer.close();
  if (filled.messages - filled.failed < count) throw new Error(`pre-filling ${topic}: ${filled.messages - filled.failed} of ${count} acked`);
  return topic;
}

/** A pulsar-in from Earliest wired to the probe; `extra` are further options of the node (a batch msg counts its messages). */
export function nodeSubscriber(ctx: ScenarioContext, extra: Record<string, unknown> = {}): Subscribe {
  return async (topic, subscription, arrivals) => {
    setProbe(PROBE, (msg) => arrivals.add(Array.isArray(msg.payload) ? msg.payload.length : 1));
    const url = ctx.server.wsUrl;
    await ctx.runtime.deploy(flow(endpoint(url), pulsarIn("bench-in", topic, subscription, PROBE, { initialPosition: "Earliest", ...extra }), probe(PROBE)));
    return () => ctx.runtime.deploy(flow(endpoint(url)));
  };
}

/**
 * `sessions` raw consumers on one subscription (from Earliest, `query` added to their URL),
 * opened at the same time so that none of them has the topic to itself for long.
 */
export function rawSubscriber(ctx: ScenarioContext, query: Record<string, string> = {}, sessions = 1): Subscribe {
  return async (topic, subscription, arrivals) => {
    const url = consumerUrl(ctx.server, topic, subscription, { subscriptionInitialPosition: "Earliest", ...query });
    const consumers = await Promise.all(Array.from({ length: sessions }, () => RawConsumer.open(url, arrivals.record)));
    return async () => {
      await Promise.all(consumers.map((c) => c.close()));
    };
  };
}
