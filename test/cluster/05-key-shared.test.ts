/**
 * Case 5: two Node-RED processes on one Key_Shared subscription (through the WebSocket proxy).
 * While both run every key stays with one process and its messages arrive in order; when one stops
 * (its flow unloaded, the consumer closed), its keys move to the other and order per key holds from there.
 */
import assert from "node:assert/strict";
import { startNodeRed, stopNodeRed } from "../faults/support/nr";
import { cluster, recordCase, scaled } from "./support/cluster";
import { NodeRedWorker, produce, type Processed } from "./support/workers";
import { until } from "../support/wait";

const MESSAGES = scaled(4_000);
const KEYS = 16;
const RATE = 200;

const seqOf = (p: Processed): number => Number(p.payload.split("#")[1]);

/** Keys whose sequence numbers do not increase in this list of deliveries. */
function outOfOrder(list: Processed[]): string[] {
  const last = new Map<string, number>();
  const bad = new Set<string>();
  for (const p of list) {
    const key = p.key ?? "";
    const seq = seqOf(p);
    if ((last.get(key) ?? -1) >= seq) bad.add(key);
    last.set(key, seq);
  }
  return [...bad];
}

describe("cluster case 5: Key_Shared across two Node-RED processes", function () {
  this.timeout(600_000);
  before(startNodeRed);
  after(stopNodeRed);

  it("keeps each key on one process, in order, and moves the keys of a stopped process in order", async function () {
    const c = await cluster();
    const topic = `keyshared-${Date.now()}`;
    const subscription = "fleet-keyshared";
    const base = { wsUrl: c.proxy.wsUrl, topic, subscription, subscriptionType: "Key_Shared" as const, ms: 2, receiverQueueSize: 100 };
    const a = new NodeRedWorker("nr-a", { ...base, consumerName: "nr-a" });
    const b = new NodeRedWorker("nr-b", { ...base, consumerName: "nr-b" });
    await Promise.all([a.connected(), b.connected()]);
    // Payload <key>#<n>: n counts up per key, so order per key can be checked at the consumer.
    const perKey = new Map<string, number>();
    const messages = Array.from({ length: MESSAGES }, (_, i) => {
      const key = `k${i % KEYS}`;
      const n = perKey.get(key) ?? 0;
      perKey.set(key, n + 1);
      return { key, payload: `${key}#${n}` };
    });
    let stop: Promise<void> | undefined;
    let stopAt = 0;
    const started = Date.now();
    const production = await produce(c.proxy.wsUrl, topic, messages, RATE, (settled) => {
      if (stop || settled < 0.5 || b.processed.length === 0 || a.processed.length === 0) return;
      stopAt = Date.now();
      stop = b.stop();
    }, 300_000);
    await stop;
    const distinct = (): Set<string> => new Set([...a.processed, ...b.processed].map((p) => p.payload));
    await until(() => [...production.acked].every((id) => distinct().has(id)), 120_000, "every acked message processed").catch(() => undefined);
    const seconds = (Date.now() - started) / 1000;

    const before = (w: NodeRedWorker): Processed[] => w.processed.filter((p) => p.at < stopAt);
    const keysOf = (list: Processed[]): Set<string> => new Set(list.map((p) => p.key ?? ""));
    const keysA = keysOf(before(a));
    const keysB = keysOf(b.processed);
    const shared = [...keysA].filter((k) => keysB.has(k));
    const movedKeys = [...keysB];
    const afterA = a.processed.filter((p) => p.at >= stopAt);
    const firstMoved = afterA.find((p) => keysB.has(p.key ?? ""));
    const all = [...a.processed, ...b.processed];
    const lost = [...production.acked].filter((id) => !distinct().has(id)).length;
    const disorderBoth = [...outOfOrder(before(a)), ...outOfOrder(b.processed)];
    const disorderAfter = outOfOrder(a.processed);
    recordCase({
      case: "5 Key_Shared, one stops", way: "WS proxy", offered: MESSAGES, completed: distinct().size,
      lost: lost + production.unsettled, duplicates: all.length - distinct().size, recoverS: firstMoved ? (firstMoved.at - stopAt) / 1000 : undefined, seconds,
      notes: `2 Node-RED processes, ${KEYS} keys: nr-a ${keysA.size} keys / ${before(a).length} msgs, nr-b ${keysB.size} keys / ${b.processed.length} msgs before it stopped; ` +
        `keys on both while both ran: ${shared.length}; out of order: ${disorderBoth.length} while both ran, ${disorderAfter.length} at nr-a after the move; recover = stop until nr-a got a moved key`,
    });
    assert.ok(keysA.size > 0 && keysB.size > 0, "both processes had keys");
    assert.deepEqual(shared, [], "no key on both processes while both ran");
    assert.deepEqual(disorderBoth, [], "order per key while both ran");
    assert.ok(movedKeys.every((k) => afterA.some((p) => p.key === k)), "the stopped process's keys moved to the other");
    assert.deepEqual(disorderAfter, [], "order per key at the remaining process, moved keys included");
    assert.equal(production.unsettled, 0, "every input ended");
    assert.equal(lost, 0, "every acked message processed");
    await a.stop();
  });
});
