/**
 * consume-sessions: pulsar-in on a Shared subscription with 1, 2 and 4 WebSocket
 * sessions, and with 4 sessions in batches of 100, beside one raw session and four raw sessions
 * on the same kind of subscription (the client-side limit: what Pulsar gives four sessions, with
 * no Node-RED in the way). The target: 4 node sessions in batches ≥ 0.9 × 4 raw sessions. Each slice
 * reads a pre-filled topic from the start on a new subscription, as `consume` does; it is timed
 * from the first message of any session to the last, so a session that opens a little after the
 * others counts against its client.
 */
import type { ResultRow } from "../results";
import { withSlices, type ScenarioContext } from "./context";
import { BENCH_BATCH, measureConsumers, nodeSubscriber, prefilledTopic, rawSubscriber } from "./consume";
import { sessionRows } from "./throughput-rows";

const SHARED = "Shared";

export async function consumeSessionsScenario(ctx: ScenarioContext): Promise<ResultRow[]> {
  const { profile, server } = ctx;
  const { bytes, consumeMessages } = profile.sessions;
  const topic = await prefilledTopic(ctx, bytes, consumeMessages);
  const node = (sessions: number, extra: Record<string, unknown> = {}) => nodeSubscriber(ctx, { subscriptionType: SHARED, sessions, ...extra });
  try {
    const runs = await measureConsumers(withSlices(ctx, profile.sessions.consumeSlices), `consume Shared ${bytes} B, server ${server.id}`, topic, consumeMessages, {
      raw: rawSubscriber(ctx, { subscriptionType: SHARED }),
      "raw×4": rawSubscriber(ctx, { subscriptionType: SHARED }, 4),
      node: node(1),
      "node×2": node(2),
      "node×4": node(4),
      "node×4 batch": node(4, { batchSize: BENCH_BATCH }),
    });
    return sessionRows(ctx, "consume Shared", bytes, runs, { client: "node×4 batch", versus: "raw×4", ratio: 0.9 });
  } finally {
    await server.deleteTopic(topic);
  }
}
