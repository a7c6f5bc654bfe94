/**
 * Case 4: two Node-RED processes on one Failover subscription, each through a different broker's
 * WebSocket service. Only the active one processes; it is SIGKILLed mid-run; the standby takes over
 * within FAILOVER_BOUND_S (docs/deployment.md states it) and every message is processed at least once.
 */
import assert from "node:assert/strict";
import { startNodeRed, stopNodeRed } from "../faults/support/nr";
import { cluster, recordCase, scaled } from "./support/cluster";
import { NodeRedWorker, produce } from "./support/workers";
import { until } from "../support/wait";

const MESSAGES = scaled(4_000);
const RATE = 200;
/** The bound docs/deployment.md states for a Failover takeover after the active process dies. */
export const FAILOVER_BOUND_S = 10;

describe("cluster case 4: Failover across two Node-RED processes", function () {
  this.timeout(600_000);
  before(startNodeRed);
  after(stopNodeRed);

  it(`the standby takes over within ${FAILOVER_BOUND_S} s when the active process is SIGKILLed`, async function () {
    const c = await cluster();
    const topic = `failover-${Date.now()}`;
    const subscription = "fleet-failover";
    const base = { topic, subscription, subscriptionType: "Failover" as const, ms: 5, receiverQueueSize: 100 };
    const a = new NodeRedWorker("nr-a", { ...base, wsUrl: c.brokers[0].wsUrl, consumerName: "nr-a" });
    await a.connected();
    const b = new NodeRedWorker("nr-b", { ...base, wsUrl: c.brokers[1].wsUrl, consumerName: "nr-b" });
    await b.connected();
    const messages = Array.from({ length: MESSAGES }, (_, i) => ({ payload: `${topic}#${i}` }));
    let killedAt = 0;
    let active: NodeRedWorker | undefined;
    let standbyBefore = 0;
    let kill: Promise<void> | undefined;
    const started = Date.now();
    const production = await produce(c.proxy.wsUrl, topic, messages, RATE, (settled) => {
      if (kill || settled < 0.4) return;
      active = a.processed.length >= b.processed.length ? a : b;
      if (active.processed.length === 0) return;
      standbyBefore = (active === a ? b : a).processed.length;
      killedAt = Date.now();
      kill = active.kill();
    }, 300_000);
    await kill;
    assert.ok(active, "a worker was killed");
    const standby = active === a ? b : a;
    const processedBy = (): Set<string> => new Set([...a.processed, ...b.processed].map((p) => p.payload));
    await until(() => [...production.acked].every((id) => processedBy().has(id)), 120_000, "every acked message processed").catch(() => undefined);
    const seconds = (Date.now() - started) / 1000;
    const firstAfter = standby.processed.find((p) => p.at > killedAt);
    const takeoverS = firstAfter ? (firstAfter.at - killedAt) / 1000 : undefined;
    const all = [...a.processed, ...b.processed];
    const distinct = processedBy();
    const lost = [...production.acked].filter((id) => !distinct.has(id)).length;
    const activeBefore = active.processed.length;
    recordCase({
      case: "4 Failover, active SIGKILL", way: "broker-1 + broker-2 WS", offered: MESSAGES, completed: distinct.size,
      lost: lost + production.unsettled, duplicates: all.length - distinct.size, recoverS: takeoverS, seconds,
      notes: `2 Node-RED processes; active ${active.name} processed ${activeBefore} before the kill, standby ${standby.name} ${standbyBefore} before and ${standby.processed.length - standbyBefore} after; ` +
        `${standby.processed.filter((p) => p.redeliveryCount > 0).length} redelivered; producer done(err) ${production.failed}`,
    });
    assert.equal(standbyBefore, 0, "the standby processes nothing while the active one runs");
    assert.ok(takeoverS !== undefined && takeoverS <= FAILOVER_BOUND_S, `takeover in ${takeoverS} s`);
    assert.equal(production.unsettled, 0, "every input ended");
    assert.equal(lost, 0, "every acked message processed at least once");
    await standby.stop();
  });
});
