/**
 * produce-partitions (issue 15): pulsar-out to a 4-partition topic with one session (Pulsar's
 * WebSocket producer routes over the partitions itself) and with `sessionPerPartition` (one
 * session per `…-partition-K`), beside one raw session on the topic and four raw sessions, one per
 * partition, fed in turns (the client-side limit). No message has a key: round robin.
 */
import { endpoint, flow, pulsarOut } from "../node-red/flows";
import { MAX_IN_FLIGHT, MAX_OUTSTANDING } from "../profile";
import { RawProducer, RoundRobinProducer } from "../raw-client";
import type { ResultRow } from "../results";
import { producerUrl } from "../servers";
import { textPayload } from "../wire";
import type { ScenarioContext } from "./context";
import { measureProducers } from "./produce";
import { sessionRows } from "./throughput-rows";

const PARTITIONS = 4;

export async function producePartitionsScenario(ctx: ScenarioContext): Promise<ResultRow[]> {
  const { profile, server } = ctx;
  const { bytes } = profile.sessions;
  const topic = ctx.unique(`partitions-${bytes}`);
  await server.createPartitionedTopic(topic, PARTITIONS);
  try {
    await ctx.runtime.deploy(flow(endpoint(server.wsUrl), pulsarOut("bench-out", topic), pulsarOut("bench-out-partitions", topic, { sessionPerPartition: true })));
    const perPartition = await Promise.all(Array.from({ length: PARTITIONS }, (_, k) => RawProducer.open(producerUrl(server, `${topic}-partition-${k}`), MAX_IN_FLIGHT)));
    // Each session gets a full window and as much again queued, as one session does in `produce`.
    const runs = await measureProducers(ctx, `produce ${PARTITIONS} partitions ${bytes} B, server ${server.id}`, textPayload(bytes), {
      raw: { producer: await RawProducer.open(producerUrl(server, topic), MAX_IN_FLIGHT), maxOutstanding: MAX_OUTSTANDING },
      "raw×4": { producer: new RoundRobinProducer(perPartition), maxOutstanding: PARTITIONS * MAX_OUTSTANDING },
      node: { producer: ctx.runtime.producer("bench-out"), maxOutstanding: MAX_OUTSTANDING },
      "node×4": { producer: ctx.runtime.producer("bench-out-partitions"), maxOutstanding: PARTITIONS * MAX_OUTSTANDING },
    });
    return sessionRows(ctx, `produce ${PARTITIONS} partitions`, bytes, runs);
  } finally {
    await ctx.runtime.deploy([]);
    await server.deleteTopic(topic, { partitioned: true });
  }
}
