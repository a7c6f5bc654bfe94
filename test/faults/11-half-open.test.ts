/**
 * Half-open connections: the proxy stops forwarding (both ways) without closing anything, as a dead
 * NAT entry or a frozen peer would. With pingInterval 0.5 s and pongTimeout 1 s the nodes must
 * notice within 1.5 s (+ scheduling slack), drop the socket and open a new session; traffic goes on,
 * nothing is lost. The far side of a dead path only learns later: the proxy closes the frozen
 * upstream 2 s after the client gave up (as Pulsar's idle timeout or TCP keep-alive would), which is
 * when an Exclusive subscription becomes free again.
 */
import assert from "node:assert/strict";
import type { PulsarInstance } from "../../harness/pulsar";
import { recordFigure } from "./support/figures";
import { Deliveries, flow, helper, idsOf, inject, nodesWithTls, Outcomes, startNodeRed, stopNodeRed, unspy, watchers, type FlowNode } from "./support/nr";
import { sleep, until } from "../support/wait";
import { plainPulsar, readAll } from "./support/pulsar";
import { TcpProxy, type ProxyConnection } from "./support/proxy";

const PING_S = 0.5;
const PONG_S = 1;
const ROUNDS = 3;
const SLACK_MS = 600;

describe("faults: half-open connections (real Pulsar behind a freezing proxy)", function () {
  this.timeout(180_000);
  let pulsar: PulsarInstance;
  let proxy: TcpProxy;

  before(async function () {
    pulsar = await plainPulsar();
    proxy = await TcpProxy.start(Number(new URL(pulsar.httpUrl).port));
    proxy.frozenUpstreamLingerMs = 2000;
    await startNodeRed();
  });

  after(async function () {
    await helper.unload();
    await stopNodeRed();
    await proxy.stop();
  });

  it(`detects a frozen producer and consumer connection within pingInterval + pongTimeout, ${ROUNDS} times, and loses nothing`, async function () {
    const topic = `halfopen-${Date.now()}`;
    const nodes: FlowNode[] = [
      { id: "ep", type: "pulsar-ws-endpoint", serviceUrl: proxy.wsUrl, tenant: "public", namespace: "default", reconnectMin: 0.05, reconnectMax: 1, pingInterval: PING_S, pongTimeout: PONG_S },
      { id: "out", type: "pulsar-out", endpoint: "ep", topic, wires: [] },
      { id: "in", type: "pulsar-in", endpoint: "ep", topic, mode: "subscription", subscription: "halfopen", initialPosition: "Earliest", payloadFormat: "utf8", wires: [["received"]] },
      { id: "received", type: "helper" },
      ...watchers(["out", "in"]),
    ];
    await helper.load(nodesWithTls, flow(...nodes));
    unspy(idsOf(nodes));
    const outcomes = new Outcomes();
    const received = new Deliveries("received");
    await until(() => proxy.open((c) => c.status === 101).length === 2, 30_000, "producer and consumer sessions");

    const started = Date.now();
    // Steady traffic: 10 messages every 20 ms for the whole test.
    const out = helper.getNode("out");
    const ids: string[] = [];
    let producing = true;
    const producer = (async () => {
      while (producing) {
        for (let i = 0; i < 10; i++) {
          const id = `${topic}#${ids.length}`;
          ids.push(id);
          inject(out, { payload: id }, id);
        }
        await sleep(20);
      }
    })();

    const detections: { role: string; ms: number }[] = [];
    const replacements: number[] = [];
    let frozenCount = 0;
    for (let round = 0; round < ROUNDS; round++) {
      await sleep(1500);
      const frozenAt = Date.now();
      const frozen: ProxyConnection[] = proxy.freeze((c) => c.status === 101);
      frozenCount += frozen.length;
      assert.equal(frozen.length, 2, "both sessions frozen");
      await until(() => frozen.every((c) => c.closed), (PING_S + PONG_S) * 1000 + 3000, "the nodes to drop the frozen sockets");
      for (const c of frozen) detections.push({ role: c.path.includes("/consumer/") ? "consumer" : "producer", ms: (c.closedAt ?? 0) - frozenAt });
      for (const c of frozen) {
        const replaced = await until(() => proxy.connections.find((n) => n.id > c.id && n.path === c.path && n.status === 101 && !n.closed), 15_000, `a new session for ${c.path}`);
        replacements.push(replaced.openedAt - frozenAt);
      }
    }
    producing = false;
    await producer;
    const unsettled = await outcomes.waitAll(ids, 60_000);
    const acked = ids.filter((id) => outcomes.ok.has(id));
    await until(() => acked.every((id) => received.has(id)), 60_000, "every acked message at the consumer").catch(() => undefined);
    const read = await readAll(pulsar.wsUrl, topic, acked, { timeoutMs: 60_000 });
    const missingInTopic = acked.filter((id) => !read.copies.has(id));
    const missingAtConsumer = acked.filter((id) => !received.has(id));
    const maxDetect = Math.max(...detections.map((d) => d.ms));
    const list = (role: string): string => detections.filter((d) => d.role === role).map((d) => (d.ms / 1000).toFixed(2)).join("/");
    recordFigure({
      scenario: "half-open connection (proxy freezes, real Pulsar)",
      faults: frozenCount,
      offered: ids.length,
      completed: outcomes.settled,
      failed: outcomes.failed.size,
      lost: new Set([...unsettled, ...missingInTopic, ...missingAtConsumer]).size,
      duplicates: read.total - read.copies.size + Math.max(0, received.total - read.total),
      seconds: (Date.now() - started) / 1000,
      notes: `${ROUNDS} rounds × producer + consumer frozen; ping ${PING_S} s / pong ${PONG_S} s: dropped after producer ${list("producer")} s, consumer ${list("consumer")} s (max ${(maxDetect / 1000).toFixed(2)} s, bound ${PING_S + PONG_S} s); new sessions after ${replacements.map((d) => (d / 1000).toFixed(1)).join(", ")} s (the consumer waits for the frozen Exclusive consumer to go, 409)`,
    });
    assert.ok(maxDetect <= (PING_S + PONG_S) * 1000 + SLACK_MS, `detection took ${maxDetect} ms`);
    assert.deepEqual(unsettled, []);
    assert.equal(outcomes.failed.size, 0, JSON.stringify([...outcomes.failed.values()].slice(0, 3)));
    assert.deepEqual(missingInTopic, []);
    assert.deepEqual(missingAtConsumer, []);
  });
});
