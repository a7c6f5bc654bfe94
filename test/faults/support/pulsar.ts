/**
 * Real Pulsar for the fault suite: one plain 4.2 standalone shared by the scenarios that need it
 * (started on first use, stopped at the end of the run or by stopPlainPulsar()), and an independent
 * oracle — a raw `ws` reader from earliest, outside the nodes under test — to check what the topic
 * holds.
 */
import WebSocket from "ws";
import { startPulsar, stopAllPulsar, type PulsarInstance, type StartOptions } from "../../../harness/pulsar";

let plain: Promise<PulsarInstance> | undefined;

/**
 * Infinite retention: a subscription's acks must not let the broker trim the ledgers a reader from
 * earliest checks afterwards (without it, a restart rolls the ledger over and the acked prefix is
 * deleted, which looks exactly like data loss).
 */
const KEEP_EVERYTHING = { defaultRetentionTimeInMinutes: "-1", defaultRetentionSizeInMB: "-1" };

/** The shared plain instance (4.2, no auth). Its data survive kill()/restart(). */
export function plainPulsar(): Promise<PulsarInstance> {
  plain ??= startPulsar({ line: "4.2", startTimeoutMs: 240_000, extraConfig: KEEP_EVERYTHING });
  return plain;
}

export async function stopPlainPulsar(): Promise<void> {
  const p = plain;
  plain = undefined;
  if (p) await (await p).stop();
}

export function startOwnPulsar(opts: StartOptions): Promise<PulsarInstance> {
  return startPulsar({ line: "4.2", startTimeoutMs: 240_000, ...opts, extraConfig: { ...KEEP_EVERYTHING, ...opts.extraConfig } });
}

// Start the shared instance while the fake-Pulsar scenarios run (this module is loaded only when a
// real-Pulsar scenario is part of the run). A failed start surfaces where it is awaited.
before(function () {
  if (process.env.FAULTS_PREWARM !== "0") plainPulsar().catch(() => undefined);
});

after(async function () {
  this.timeout(60_000);
  await stopAllPulsar();
});

export { readAll, type ReadResult } from "../../support/read-topic";

export function rawPublish(wsBase: string, topic: string, payloads: string[], headers?: Record<string, string>): Promise<void> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${wsBase}/ws/v2/producer/persistent/public/default/${encodeURIComponent(topic)}`, { headers, perMessageDeflate: false });
    let acked = 0;
    let sent = 0;
    const pump = (): void => {
      while (sent < payloads.length && sent - acked < 1000) {
        ws.send(JSON.stringify({ payload: Buffer.from(payloads[sent]).toString("base64"), context: String(sent) }));
        sent++;
      }
    };
    ws.on("open", pump);
    ws.on("message", (data) => {
      const ack = JSON.parse(data.toString()) as { result: string };
      if (ack.result !== "ok") {
        ws.terminate();
        reject(new Error(`raw publish refused: ${data.toString()}`));
        return;
      }
      acked++;
      if (acked === payloads.length) {
        ws.close();
        resolve();
      } else pump();
    });
    ws.on("error", reject);
  });
}

/** Subscription stats from the admin API (backlog = msgBacklog). */
export async function subscriptionBacklog(pulsar: PulsarInstance, topic: string, subscription: string): Promise<number | undefined> {
  const res = await pulsar.admin("GET", `/admin/v2/persistent/public/default/${encodeURIComponent(topic)}/stats`);
  if (res.status !== 200) return undefined;
  const stats = res.json<{ subscriptions?: Record<string, { msgBacklog?: number }> }>();
  return stats.subscriptions?.[subscription]?.msgBacklog;
}
