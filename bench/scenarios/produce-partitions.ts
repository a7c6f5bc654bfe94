/**
 * produce-partitions: pulsar-out to a 4-partition topic with one session (Pulsar's
 * WebSocket producer routes over the partitions itself) and with `sessionPerPartition` (one
 * session per `…-partition-K`), beside one raw session on the topic and four raw sessions, one per
 * partition, fed in turns (the client-side limit). No message has a key: round robin.
 */
import type { Producer } from "../drivers";
import { doneAtOnce, endpoint, flow, pulsarOut } from "../node-red/flows";
import { ARRAY_SIZE, MAX_IN_FLIGHT, MAX_OUTSTANDING } from "../profile";
import { RawProducer, RoundRobinProducer } from "../raw-client";
import type { ResultRow } from "../results";
import { producerUrl } from "../servers";
import { textPayload } from "../wire";
import type { ScenarioContext } from "./context";
import { measureProducers, type Fed } from "./produce";
import { producePartitionRows } from "./throughput-rows";

const PARTITIONS = 4;

export async function producePartitionsScenario(ctx: ScenarioContext): Promise<ResultRow[]> {
  const { profile, server } = ctx;
  const { bytes } = profile.sessions;
  const topic = ctx.unique(`partitions-${bytes}`);
  await server.createPartitionedTopic(topic, PARTITIONS);
  try {
    await ctx.runtime.deploy(
      flow(
        endpoint(server.wsUrl),
        pulsarOut("bench-out", topic),
        pulsarOut("bench-out-partitions", topic, { sessionPerPartition: true }),
        pulsarOut("bench-out-partitions-arrays", topic, { sessionPerPartition: true, splitArrays: true }),
        doneAtOnce("bench-floor"),
      ),
    );
    const perPartition = await Promise.all(Array.from({ length: PARTITIONS }, (_, k) => RawProducer.open(producerUrl(server, `${topic}-partition-${k}`), MAX_IN_FLIGHT)));
    // Every client is fed alike, enough to keep four windows full with as much again queued: with
    // less for the one-session clients, the ratios would measure the feeding as well as the sessions.
    const fed = (producer: Producer): Fed => ({ producer, maxOutstanding: PARTITIONS * MAX_OUTSTANDING });
    const runs = await measureProducers(ctx, `produce ${PARTITIONS} partitions ${bytes} B, server ${server.id}`, textPayload(bytes), {
      raw: fed(await RawProducer.open(producerUrl(server, topic), MAX_IN_FLIGHT)),
      "raw×4": fed(new RoundRobinProducer(perPartition)),
      node: fed(ctx.runtime.producer("bench-out")),
      "node×4": fed(ctx.runtime.producer("bench-out-partitions")),
      "node[100]×4": fed(ctx.runtime.arrayProducer("bench-out-partitions-arrays", ARRAY_SIZE)),
      floor: fed(ctx.runtime.producer("bench-floor")),
    });
    return producePartitionRows(ctx, `produce ${PARTITIONS} partitions`, bytes, runs);
  } finally {
    await ctx.runtime.deploy([]);
    await server.deleteTopic(topic, { partitioned: true });
  }
}
