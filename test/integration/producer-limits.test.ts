/**
 * Integration on Pulsar 4.2 (shared instance): limits a producer meets that the node cannot see
 * in advance, and that must never leave a message stuck.
 *
 * - The server's frame limit below the endpoint's Max frame size, straight on the broker (1 MiB,
 *   Pulsar's default webSocketMaxTextFrameSize) and through Pulsar's separate WebSocket proxy
 *   service started with 256 KiB: Pulsar closes the session with 1009. The message that caused it
 *   ends in done(err) naming both sizes, the session learns the limit and refuses later oversize
 *   messages before sending, and the messages behind it are acked.
 * - A burst of msg.topic values over Max producers: messages wait for a producer slot (bounded
 *   by the offline buffer) instead of failing at once.
 */
import assert from "node:assert/strict";
import { startWebSocketProxy, type WebSocketProxy } from "../../harness/pulsar";
import { trackFigures } from "./support/figures";
import "./support/hooks";
import { endpointNode, outNode, TestFlow, usePulsarAndNodeRed } from "./support/flow";
import { topicStats, uniqueTopic } from "./support/pulsar-admin";

const START_TIMEOUT_MS = 240_000;
const SERVER_LIMIT = 1048576; // the harness broker keeps Pulsar's default webSocketMaxTextFrameSize

describe("integration 4.2: producer limits", function () {
  this.timeout(60_000);
  const pulsar = usePulsarAndNodeRed("4.2");
  const figures = trackFigures("limits", "4.2");

  it("a message over the server's frame limit ends in done(err) with both sizes; the queue behind it is acked", async () => {
    const topic = uniqueTopic("framelimit");
    const full = `persistent://public/default/${topic}`;
    const f = await TestFlow.deploy([
      endpointNode(pulsar(), { maxFrameSize: 16 * 1024 * 1024 }),
      ...outNode("out", topic),
    ], { watch: ["out"] });
    await f.waitConnected(["out"]);
    const big = Buffer.alloc(900 * 1024, 7); // 1.2 MB as base64: over the broker's 1 MiB
    const started = Date.now();
    const bigId = f.send("out", { payload: big });
    const after = [0, 1, 2].map((n) => f.send("out", { payload: `after-${n}`, properties: { seq: String(n) } }));
    const [bigOutcome, ...rest] = await f.waitOutcomes([bigId, ...after], 20_000);
    const elapsed = Date.now() - started;
    console.log(`      oversize message failed after ${elapsed} ms: ${bigOutcome.error?.message}`);
    assert.equal(bigOutcome.ok, false, "the oversize message fails");
    assert.match(bigOutcome.error!.message, new RegExp(String(SERVER_LIMIT)), "names the server's limit");
    assert.match(bigOutcome.error!.message, /\b12\d{5}\b/, "names the frame's size");
    assert.match(bigOutcome.error!.message, /webSocketMaxTextFrameSize/, "says what to change");
    assert.ok(elapsed < 10_000, `within a few seconds (${elapsed} ms)`);
    assert.deepEqual(rest.map((o) => o.ok), [true, true, true], "the messages behind it are acked");

    // Learned: the next oversize message is refused before it is sent, without a reconnect.
    const statusesBefore = f.statuses("out").length;
    const [again] = await f.waitOutcomes([f.send("out", { payload: big })], 5_000);
    assert.equal(again.ok, false);
    assert.match(again.error!.message, new RegExp(String(SERVER_LIMIT)));
    const [next] = await f.waitOutcomes([f.send("out", { payload: "next" })], 5_000);
    assert.equal(next.ok, true);
    assert.ok(!f.statuses("out").slice(statusesBefore).some((s) => /connecting/.test(s.text ?? "")), "no reconnect for a refused message");
    const stats = await topicStats(pulsar(), full);
    assert.equal(stats.msgInCounter, 4, "Pulsar stored the four small messages only");
    figures.report({ sent: 4, received: 4, lost: 0, duplicates: 0 });
  });

  describe("through the WebSocket proxy service with a 256 KiB frame limit", function () {
    let proxy: WebSocketProxy;
    before(async function () {
      this.timeout(START_TIMEOUT_MS);
      proxy = await startWebSocketProxy(pulsar(), { maxTextFrameSize: 262144 });
    });
    after(async function () {
      this.timeout(60_000);
      await proxy?.stop();
    });

    it("a 300 KiB message ends in done(err) within a few seconds and the next one is acked", async () => {
      const topic = uniqueTopic("proxylimit");
      const f = await TestFlow.deploy([
        endpointNode(pulsar(), { serviceUrl: proxy.wsUrl }), // the endpoint's default Max frame size, 1 MiB
        ...outNode("out", topic),
      ], { watch: ["out"] });
      await f.waitConnected(["out"], 60_000);
      const started = Date.now();
      const big = f.send("out", { payload: Buffer.alloc(300 * 1024, 1) });
      const next = f.send("out", { payload: "next" });
      const [rBig, rNext] = await f.waitOutcomes([big, next], 30_000);
      const elapsed = Date.now() - started;
      console.log(`      through the proxy: failed after ${elapsed} ms: ${rBig.error?.message}`);
      assert.equal(rBig.ok, false);
      assert.match(rBig.error!.message, /262144/);
      assert.match(rBig.error!.message, /\b4\d{5} bytes/, "the frame's size (300 KiB as base64)");
      assert.ok(elapsed < 15_000, `within a few seconds (${elapsed} ms)`);
      assert.equal(rNext.ok, true, "the next one is acked");
      figures.report({ sent: 1, received: 1, lost: 0, duplicates: 0 });
    });
  });

  it("a burst over Max producers waits for a slot instead of failing", async () => {
    const topics = Array.from({ length: 15 }, (_, i) => uniqueTopic(`burst${i}`));
    const f = await TestFlow.deploy([
      endpointNode(pulsar()),
      ...outNode("out", "", { maxProducers: 10, producerIdleTimeout: 1 }),
    ], { watch: ["out"] });
    const ids: string[] = [];
    for (let round = 0; round < 3; round++) {
      for (const topic of topics) ids.push(f.send("out", { topic, payload: `${topic}-${round}` }));
    }
    const outcomes = await f.waitOutcomes(ids, 40_000);
    const failed = outcomes.filter((o) => !o.ok).map((o) => o.error?.message);
    assert.deepEqual(failed, [], "every message of the burst is acked");
    const acked = f.received("out-acked");
    for (const topic of topics) {
      const order = acked.filter((m) => m.pulsar.topic.endsWith(`/${topic}`)).map((m) => m.payload);
      assert.deepEqual(order, [0, 1, 2].map((r) => `${topic}-${r}`), `order kept on ${topic}`);
    }
    figures.report({ sent: ids.length, received: acked.length, lost: ids.length - acked.length, duplicates: 0 });
  });
});
