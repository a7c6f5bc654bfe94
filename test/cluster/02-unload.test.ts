/**
 * Case 2: the topic's bundle is unloaded through the admin REST API to the other broker while
 * pulsar-out produces and a manual-ack pulsar-in consumes through the WebSocket proxy: ownership
 * moves, what the sessions see (statuses, done(err), pauses) is measured, and nothing is lost.
 */
import assert from "node:assert/strict";
import { startNodeRed, stopNodeRed } from "../faults/support/nr";
import { adminAnywhere, cluster, other, owner, recordCase, scaled } from "./support/cluster";
import { produceConsume, statusSummary } from "./support/run";

const MESSAGES = scaled(20_000);

describe("cluster case 2: admin unload moves the topic", function () {
  this.timeout(600_000);
  before(startNodeRed);
  after(stopNodeRed);

  it(`moves ownership during ${MESSAGES} messages and loses nothing`, async function () {
    const c = await cluster();
    // ModularLoadManager keeps an unload's destination in the load manager of the broker that
    // handles the request, and only the leader assigns bundles: so the topic must be owned by the
    // leader, which then handles the unload itself. Topics hash to 4 bundles; try names until one fits.
    const leaderRes = await c.admin("GET", "/admin/v2/brokers/leaderBroker");
    const leaderId = leaderRes.json<{ brokerId: string }>().brokerId;
    let topic = "";
    let from = c.brokers[0];
    for (let i = 0; i < 16; i++) {
      topic = `unload-${Date.now()}-${i}`;
      from = await owner(c, topic);
      if (from.brokerId === leaderId) break;
    }
    assert.equal(from.brokerId, leaderId, "a topic owned by the leader");
    const to = other(c, from);
    const bundleRes = await adminAnywhere(c, "GET", `/lookup/v2/topic/persistent/public/default/${topic}/bundle`);
    assert.equal(bundleRes.status, 200, `bundle of ${topic}: ${bundleRes.body}`);
    const bundle = bundleRes.body.trim().replace(/"/g, ""); // e.g. 0x40000000_0x80000000, as plain text
    let unloadStatus = 0;
    let unloadMs = 0;
    const r = await produceConsume(c, {
      topic, wsUrl: c.proxy.wsUrl, count: MESSAGES, faultAt: 0.4, timeoutMs: 420_000,
      fault: async () => {
        const began = Date.now();
        const res = await from.admin("PUT", `/admin/v2/namespaces/public/default/${bundle}/unload?destinationBroker=${to.brokerId}`);
        unloadMs = Date.now() - began;
        unloadStatus = res.status;
      },
    });
    const newOwner = await owner(c, topic);
    recordCase({
      case: "2 admin unload", way: "WS proxy", offered: r.offered, completed: r.acked + r.failed,
      lost: r.unsettled + r.missingInTopic + r.missingAtConsumer, duplicates: r.storedDuplicates + r.deliveredDuplicates, recoverS: r.recoverS, seconds: r.seconds,
      notes: `bundle ${bundle} ${from.name} → ${newOwner.name} (unload ${unloadStatus} in ${unloadMs} ms); done(err) ${r.failed}; stored dups ${r.storedDuplicates}, delivered dups ${r.deliveredDuplicates}; longest delivery pause ${r.longestGapS.toFixed(1)} s; backlog ${r.backlog}; statuses after: ${statusSummary(r.statuses)}`,
    });
    assert.ok(unloadStatus >= 200 && unloadStatus < 300, `unload answered ${unloadStatus}`);
    assert.equal(newOwner.name, to.name, "ownership moved to the other broker");
    assert.equal(r.unsettled, 0, "every input ends in done or done(err)");
    assert.equal(r.twice, 0);
    assert.equal(r.missingInTopic, 0, "acked messages are in the topic");
    assert.equal(r.missingAtConsumer, 0, "acked messages were processed");
    assert.equal(r.backlog, 0, "the acks stuck");
  });
});
