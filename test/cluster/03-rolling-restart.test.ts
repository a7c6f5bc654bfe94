/**
 * Case 3: both brokers restarted one after the other (graceful stop, start, ready; then the other)
 * during a 50,000-message run through the WebSocket proxy, paced over about a minute so that both
 * restarts fall inside it. Nothing may be lost.
 */
import assert from "node:assert/strict";
import { startNodeRed, stopNodeRed } from "../faults/support/nr";
import { cluster, owner, recordCase, scaled } from "./support/cluster";
import { produceConsume, statusSummary } from "./support/run";

const MESSAGES = scaled(50_000);

describe("cluster case 3: rolling restart of both brokers", function () {
  this.timeout(900_000);
  before(startNodeRed);
  after(stopNodeRed);

  it(`loses nothing of ${MESSAGES} messages while broker-1 and then broker-2 restart`, async function () {
    const c = await cluster();
    const topic = `rolling-${Date.now()}`;
    await owner(c, topic);
    const restarts: string[] = [];
    const r = await produceConsume(c, {
      topic, wsUrl: c.proxy.wsUrl, count: MESSAGES, faultAt: 0.1, ratePerS: MESSAGES / 60, timeoutMs: 600_000,
      fault: async () => {
        for (const b of c.brokers) {
          const began = Date.now();
          await b.restart();
          restarts.push(`${b.name} ${((Date.now() - began) / 1000).toFixed(1)} s`);
        }
      },
    });
    recordCase({
      case: "3 rolling restart", way: "WS proxy", offered: r.offered, completed: r.acked + r.failed,
      lost: r.unsettled + r.missingInTopic + r.missingAtConsumer, duplicates: r.storedDuplicates + r.deliveredDuplicates, recoverS: r.recoverS, seconds: r.seconds,
      notes: `restarts (stop + start until ready): ${restarts.join(", ")}, ${r.faultSeconds.toFixed(0)} s in all; done(err) ${r.failed}; stored dups ${r.storedDuplicates}, delivered dups ${r.deliveredDuplicates}; statuses: ${statusSummary(r.statuses)}`,
    });
    assert.equal(restarts.length, 2);
    assert.equal(r.unsettled, 0, "every input ends in done or done(err)");
    assert.equal(r.twice, 0);
    assert.equal(r.missingInTopic, 0, "acked messages are in the topic");
    assert.equal(r.missingAtConsumer, 0, "acked messages were processed");
    assert.equal(r.backlog, 0, "the acks stuck");
  });
});
