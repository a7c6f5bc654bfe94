/**
 * Redeploy and node removal with 1,000 produce frames in flight (2 × maxInFlight 500, acks held by
 * the fake Pulsar), 200 more queued, and a manual-ack consumer holding 300 unacked messages:
 * `close` must complete in bounded time, every input must end in done() or done(err), and nothing
 * may be left behind: no sockets (fake and OS handles), no product timers, no listeners on
 * process or the runtime, no session objects still reachable (counted).
 */
import assert from "node:assert/strict";
import { FakePulsar } from "../fake/fake-pulsar";
import { recordFigure } from "./support/figures";
import { activeResources, DoneTracker, openSocketsDescribed, processListeners, SessionTracker, TimerTracker } from "./support/leaks";
import { flow, helper, inject, nodesWithTls, NodePrototype, startNodeRed, stopNodeRed, unspy, watchers, type FlowNode } from "./support/nr";
import { sleep, until } from "../support/wait";

const CLOSE_TIMEOUT_S = 1;
/** Node removal: acks are released 200 ms into the close, which must then drain before this. */
const DRAIN_TIMEOUT_S = 4;
const PER_NODE = 600;

interface RuntimeInternals {
  _redNodes: { setFlows(flows: FlowNode[], credentials: Record<string, unknown>, type: string): Promise<unknown> };
  _events: { eventNames(): (string | symbol)[]; listenerCount(n: string | symbol): number };
}

function runtimeListeners(): number {
  const events = (helper as unknown as RuntimeInternals)._events;
  return events.eventNames().reduce((n, e) => n + events.listenerCount(e), 0);
}

function pulsarNodes(closeTimeout: number): FlowNode[] {
  return [
    { id: "ep", type: "pulsar-ws-endpoint", serviceUrl: "", tenant: "public", namespace: "default", reconnectMin: 0.05, reconnectMax: 1, pingInterval: 1, pongTimeout: 1 },
    { id: "out1", type: "pulsar-out", endpoint: "ep", topic: "close-a", maxInFlight: 500, closeTimeout, wires: [] },
    { id: "out2", type: "pulsar-out", endpoint: "ep", topic: "", maxInFlight: 500, closeTimeout, wires: [] },
    { id: "in1", type: "pulsar-in", endpoint: "ep", topic: "close-c", mode: "subscription", subscription: "hold", ackMode: "manual", initialPosition: "Earliest", wires: [["sink"]] },
    { id: "sink", type: "helper" },
  ];
}

describe("faults: redeploy and node removal with 1,000 frames in flight (fake Pulsar)", function () {
  this.timeout(120_000);
  let fake: FakePulsar;

  before(async function () {
    await startNodeRed();
  });

  after(async function () {
    await helper.unload();
    // These cases deploy through the runtime's own setFlows. After that, the test helper's next
    // load (the next file's) started the flows' config without creating a node: flows "started",
    // getNode null for every id. One plain load and unload puts the runtime back as the helper
    // expects it.
    await helper.load(nodesWithTls, flow());
    await helper.unload();
    await stopNodeRed();
  });

  for (const variant of ["redeploy (full deploy, acks never come)", "node removal (modified-nodes deploy, acks released during close)"] as const) {
    it(`${variant}: bounded close, every input done, nothing left behind`, async function () {
      const removal = variant.startsWith("node removal");
      fake = await FakePulsar.start();
      const withUrl = (nodes: FlowNode[]): FlowNode[] => nodes.map((n) => (n.id === "ep" ? { ...n, serviceUrl: fake.wsUrl } : n));
      const closeTimeout = removal ? DRAIN_TIMEOUT_S : CLOSE_TIMEOUT_S;
      const first = flow(...withUrl(pulsarNodes(closeTimeout)), ...watchers(["out1", "out2"]));
      // Baselines, before anything of ours exists.
      await sleep(50);
      const resourcesBefore = activeResources();
      const processBefore = processListeners();
      const timers = new TimerTracker();
      const sessions = new SessionTracker();
      const done = new DoneTracker(NodePrototype);
      timers.install();
      sessions.install();
      done.install((id) => id === "out1" || id === "out2");
      try {
        await helper.load(nodesWithTls, first);
        unspy(first.map((n) => n.id));
        const runtimeBefore = runtimeListeners();
        await until(() => fake.openConnections({ role: "producer" }).length === 1 && fake.openConnections({ role: "consumer" }).length === 1, 5000, "sessions");
        const out1 = helper.getNode("out1");
        const out2 = helper.getNode("out2");
        for (let i = 0; i < 300; i++) fake.publish("close-c", { payload: `held ${i}` });
        fake.holdAcks();
        const ids: string[] = [];
        for (let i = 0; i < PER_NODE; i++) {
          ids.push(inject(out1, { payload: `a${i}` }));
          ids.push(inject(out2, { payload: `b${i}`, topic: "close-b" }));
        }
        await until(() => fake.messages("close-a").length === 500 && fake.messages("close-b").length === 500, 10_000, "1,000 frames in flight");
        await until(() => (fake.subscriptionState("close-c", "hold")?.unacked ?? 0) >= 300, 5000, "300 unacked at the consumer").catch(() => undefined);
        const inFlight = fake.messages("close-a").length + fake.messages("close-b").length;
        const unackedAtConsumer = fake.subscriptionState("close-c", "hold")?.unacked ?? 0;

        const started = Date.now();
        if (removal) setTimeout(() => fake.releaseAcks(), 200);
        const next = removal ? flow(...watchers(["out1", "out2"])) : flow(...withUrl(pulsarNodes(closeTimeout + 0.5)), ...watchers(["out1", "out2"]));
        await (helper as unknown as RuntimeInternals)._redNodes.setFlows(next, {}, removal ? "nodes" : "full");
        const closeMs = Date.now() - started;
        if (!removal) {
          // The redeployed nodes connect again (the deploy worked); then take them down too
          // (nothing in flight) before counting leftovers.
          await until(() => fake.openConnections({ role: "producer" }).length === 1 && fake.openConnections({ role: "consumer" }).length === 1, 10_000, "the redeployed sessions");
          await helper.clearFlows();
        }
        const unsettled = ids.filter((id) => !done.has(id));
        await until(() => fake.openConnections().length === 0, 3000, "no open sockets at the fake").catch(() => undefined);
        const openAtFake = fake.openConnections().length;
        const fakePort = fake.port;
        await fake.stop();
        // A destroyed socket's handle closes on a later turn of the event loop (later still on a
        // loaded machine): wait for it, bounded; a socket that is really left open stays counted.
        const socketsOver = (): number => (activeResources().TCPSocketWrap ?? 0) - (resourcesBefore.TCPSocketWrap ?? 0);
        await until(() => socketsOver() <= 0, 2000, "TCP handles to close").catch(() => undefined);
        const resourcesAfter = activeResources();
        const socketsLeft = socketsOver();
        const pendingTimers = timers.pending();
        // Like the handles above: a session whose socket closes on a later turn of a loaded
        // machine's event loop is released then; one that is really kept stays counted.
        await until(async () => (await sessions.survivors()).alive === 0, 2000, "sessions to be released").catch(() => undefined);
        const survivors = await sessions.survivors();
        const processDelta = processListeners() - processBefore;
        const runtimeDelta = runtimeListeners() - runtimeBefore;
        const errors = new Map<string, number>();
        for (const e of done.failed.values()) errors.set(e.replace(/\d+/g, "N"), (errors.get(e.replace(/\d+/g, "N")) ?? 0) + 1);
        recordFigure({
          scenario: removal ? "node removal, 1,000 frames in flight" : "redeploy, 1,000 frames in flight",
          faults: 1,
          offered: ids.length,
          completed: done.ok.size + done.failed.size,
          failed: done.failed.size,
          lost: unsettled.length,
          duplicates: done.twice,
          seconds: closeMs / 1000,
          notes: `${inFlight} frames in flight + ${ids.length - inFlight} queued, ${unackedAtConsumer} unacked at a manual-ack consumer; close took ${closeMs} ms (closeTimeout ${closeTimeout} s); done() ${done.ok.size}, done(err) ${done.failed.size} ${JSON.stringify([...errors])}; left behind: ${openAtFake} sockets at the fake, ${socketsLeft} TCP handles, ${pendingTimers.length} product timers, ${survivors.alive}/${survivors.created} sessions reachable (${survivors.listeners} listeners on them), process listeners ${processDelta >= 0 ? "+" : ""}${processDelta}, runtime listeners ${runtimeDelta >= 0 ? "+" : ""}${runtimeDelta}`,
        });
        assert.ok(closeMs <= closeTimeout * 1000 + 1500, `close took ${closeMs} ms`);
        assert.deepEqual(unsettled.slice(0, 5), [], `${unsettled.length} inputs never ended`);
        assert.equal(done.twice, 0, "an input ended twice");
        if (removal) assert.equal(done.ok.size, ids.length, `acks released during close: every input should succeed (${JSON.stringify([...errors])})`);
        else assert.ok([...done.failed.values()].every((m) => /closed before Pulsar acknowledged/.test(m)), JSON.stringify([...errors]));
        assert.equal(openAtFake, 0, "sockets open at the fake");
        assert.ok(socketsLeft <= 0, `TCP handles left: ${JSON.stringify(resourcesAfter)} vs ${JSON.stringify(resourcesBefore)}; sockets: ${openSocketsDescribed().join("; ")} (the fake was on port ${fakePort})`);
        assert.deepEqual(pendingTimers, []);
        assert.equal(survivors.alive, 0, `${survivors.alive} sessions still reachable`);
        assert.ok(processDelta <= 0, `process listeners +${processDelta}`);
        assert.ok(runtimeDelta <= 0, `runtime listeners +${runtimeDelta}`);
      } finally {
        done.uninstall();
        sessions.uninstall();
        timers.uninstall();
        await helper.unload();
        await fake.stop().catch(() => undefined);
      }
    });
  }
});
