/**
 * produce: pulsar-out messages per second until every `done` fired, beside the raw client with
 * the same window and the naive client that waits for each ack. The floor is a node that calls
 * done() at once, fed the same way: what Node-RED itself costs per message, which pulsar-out pays
 * on top of its protocol work and the raw client does not.
 */
import { throughput, type Producer, type Sample } from "../drivers";
import { doneAtOnce, endpoint, flow, pulsarOut } from "../node-red/flows";
import { MAX_IN_FLIGHT, MAX_OUTSTANDING } from "../profile";
import { RawProducer } from "../raw-client";
import type { ClientId, ResultRow } from "../results";
import { producerUrl } from "../servers";
import { textPayload } from "../wire";
import { interleaved, type ScenarioContext } from "./context";
import { describeRun, throughputRows } from "./throughput-rows";

const CLIENTS: ClientId[] = ["raw", "node", "naive", "floor"];
/** A slice ends at its time limit long before this; the count only keeps every loop bounded. */
const MAX_SLICE_MESSAGES = 2_000_000;

export async function produceScenario(ctx: ScenarioContext, bytes: number): Promise<ResultRow[]> {
  const { profile, server } = ctx;
  const topic = ctx.unique(`produce-${bytes}`);
  await ctx.runtime.deploy(flow(endpoint(server.wsUrl), pulsarOut("bench-out", topic), doneAtOnce("bench-floor")));
  const producers: Record<ClientId, Producer> = {
    raw: await RawProducer.open(producerUrl(server, topic), MAX_IN_FLIGHT),
    node: ctx.runtime.producer("bench-out"),
    naive: await RawProducer.open(producerUrl(server, topic), 1),
    floor: ctx.runtime.producer("bench-floor"),
  };
  const payload = textPayload(bytes);
  const slice = (client: ClientId, feedMs: number): Promise<Sample> =>
    throughput(producers[client], payload, { count: MAX_SLICE_MESSAGES, maxOutstanding: MAX_OUTSTANDING, feedMs, drainMs: 10_000 });
  try {
    for (const client of CLIENTS) await slice(client, profile.warmupMs);
    const runs = await interleaved(profile.runs, profile.slices, CLIENTS, (client) => slice(client, profile.produce.sliceMs), (run, slices) =>
      ctx.log(describeRun(`produce ${bytes} B, server ${server.id}, run ${run + 1}`, slices)),
    );
    return throughputRows(ctx, "produce", bytes, runs);
  } finally {
    await Promise.all(CLIENTS.map((c) => producers[c].close()));
    await ctx.runtime.deploy([]);
    await server.deleteTopic(topic);
  }
}
