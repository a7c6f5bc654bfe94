/**
 * produce: pulsar-out messages per second until every `done` fired, beside the raw client with
 * the same window and the naive client that waits for each ack. The floor is a node that calls
 * done() at once, fed the same way: what Node-RED itself costs per message, which pulsar-out pays
 * on top of its protocol work and the raw client does not.
 */
import { throughput, type Producer, type Sample } from "../drivers";
import { doneAtOnce, endpoint, flow, pulsarOut } from "../node-red/flows";
import { ARRAY_BYTES, ARRAY_SIZE, MAX_IN_FLIGHT, MAX_OUTSTANDING } from "../profile";
import { RawProducer } from "../raw-client";
import type { ClientId, ResultRow } from "../results";
import { producerUrl } from "../servers";
import { textPayload } from "../wire";
import { interleaved, type ScenarioContext } from "./context";
import { describeRun, throughputRows } from "./throughput-rows";

/** A slice ends at its time limit long before this; the count only keeps every loop bounded. */
const MAX_SLICE_MESSAGES = 2_000_000;

/** A client under test and how many of its messages may be outstanding (not done) at a time. */
export interface Fed {
  producer: Producer;
  maxOutstanding: number;
}

export async function produceScenario(ctx: ScenarioContext, bytes: number): Promise<ResultRow[]> {
  const { server } = ctx;
  const topic = ctx.unique(`produce-${bytes}`);
  // splitArrays: msgs of ARRAY_SIZE payloads, at the array payload size only.
  const arrays = bytes === ARRAY_BYTES;
  await ctx.runtime.deploy(
    flow(endpoint(server.wsUrl), pulsarOut("bench-out", topic), doneAtOnce("bench-floor"), ...(arrays ? [pulsarOut("bench-out-arrays", topic, { splitArrays: true })] : [])),
  );
  const fed = (producer: Producer): Fed => ({ producer, maxOutstanding: MAX_OUTSTANDING });
  try {
    const clients: Partial<Record<ClientId, Fed>> = {
      raw: fed(await RawProducer.open(producerUrl(server, topic), MAX_IN_FLIGHT)),
      node: fed(ctx.runtime.producer("bench-out")),
      naive: fed(await RawProducer.open(producerUrl(server, topic), 1)),
      floor: fed(ctx.runtime.producer("bench-floor")),
    };
    if (arrays) clients["node[100]"] = fed(ctx.runtime.arrayProducer("bench-out-arrays", ARRAY_SIZE));
    const runs = await measureProducers(ctx, `produce ${bytes} B, server ${server.id}`, textPayload(bytes), clients as Record<ClientId, Fed>);
    return throughputRows(ctx, "produce", bytes, runs);
  } finally {
    await ctx.runtime.deploy([]);
    await server.deleteTopic(topic);
  }
}

/**
 * Warms each client up once, then measures them in turns (`interleaved`, in the order given),
 * each slice feeding `payload` as fast as the client takes it for the profile's slice time.
 * Closes every producer at the end.
 */
export async function measureProducers<C extends ClientId>(ctx: ScenarioContext, label: string, payload: string, clients: Record<C, Fed>): Promise<Map<C, Sample[][]>> {
  const { profile } = ctx;
  const ids = Object.keys(clients) as C[];
  const slice = (client: C, feedMs: number): Promise<Sample> =>
    throughput(clients[client].producer, payload, { count: MAX_SLICE_MESSAGES, maxOutstanding: clients[client].maxOutstanding, feedMs, drainMs: 10_000 });
  try {
    for (const client of ids) await slice(client, profile.warmupMs);
    return await interleaved(profile.runs, profile.slices, ids, (client) => slice(client, profile.produce.sliceMs), (run, slices) =>
      ctx.log(describeRun(`${label}, run ${run + 1}`, slices)),
    );
  } finally {
    await Promise.all(ids.map((c) => clients[c].producer.close()));
  }
}
