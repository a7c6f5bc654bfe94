/**
 * Case 6: through Pulsar's separate WebSocket proxy service the nodes work unchanged, and killing
 * the broker that owns the topic behind it loses nothing.
 */
import assert from "node:assert/strict";
import { startNodeRed, stopNodeRed } from "../faults/support/nr";
import { bothBrokersUp, cluster, other, owner, recordCase, scaled } from "./support/cluster";
import { produceConsume, statusSummary } from "./support/run";

const MESSAGES = scaled(20_000);

describe("cluster case 6: the WebSocket proxy in front of both brokers", function () {
  this.timeout(600_000);
  before(startNodeRed);
  after(stopNodeRed);

  it(`loses nothing of ${MESSAGES} messages through the proxy when the owning broker is SIGKILLed`, async function () {
    const c = await cluster();
    const topic = `proxy-kill-${Date.now()}`;
    const victim = await owner(c, topic);
    const r = await produceConsume(c, { topic, wsUrl: c.proxy.wsUrl, count: MESSAGES, faultAt: 0.4, fault: () => victim.kill(), timeoutMs: 420_000 });
    const newOwner = await owner(c, topic);
    recordCase({
      case: "6 proxy, owner SIGKILL", way: "WS proxy", offered: r.offered, completed: r.acked + r.failed,
      lost: r.unsettled + r.missingInTopic + r.missingAtConsumer, duplicates: r.storedDuplicates + r.deliveredDuplicates, recoverS: r.recoverS, seconds: r.seconds,
      notes: `killed ${victim.name}; now owned by ${newOwner.name}; done(err) ${r.failed}; stored dups ${r.storedDuplicates}, delivered dups ${r.deliveredDuplicates}; backlog ${r.backlog}; statuses: ${statusSummary(r.statuses)}`,
    });
    await bothBrokersUp(c);
    assert.equal(r.unsettled, 0, "every input ends in done or done(err)");
    assert.equal(r.twice, 0);
    assert.equal(r.missingInTopic, 0, "acked messages are in the topic");
    assert.equal(r.missingAtConsumer, 0, "acked messages were processed");
    assert.equal(r.backlog, 0, "the acks stuck");
    assert.equal(newOwner.name, other(c, victim).name, "the survivor owns the topic");
  });
});
