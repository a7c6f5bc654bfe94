/**
 * What the Pulsar sidebar shows of Pulsar's answers (nodes/lib/protocol/topic-stats.ts): partitioned
 * topics once, stats reduced to bounded numbers and strings, subscriptions held by this Node-RED.
 */
import assert from "node:assert/strict";
import { groupTopics, MAX_LISTED, topicView } from "../../nodes/lib/protocol/topic-stats";

const NS = "persistent://public/default/";

describe("sidebar topic stats", () => {
  it("lists a partitioned topic once with its partition count, its partitions not at all, sorted by name", () => {
    const listed = [`${NS}b`, `${NS}p-partition-1`, `${NS}p-partition-0`, `${NS}p-partition-2`, `${NS}a`, `${NS}x-partition-0`, 42];
    assert.deepEqual(groupTopics(listed, [`${NS}p`, null]), [
      { name: `${NS}a`, partitions: 0 },
      { name: `${NS}b`, partitions: 0 },
      { name: `${NS}p`, partitions: 3 },
      // Named like a partition, but no partitioned topic of that name: a topic of its own.
      { name: `${NS}x-partition-0`, partitions: 0 },
    ]);
    // A partitioned topic whose partitions are not listed yet (created, never used) still counts one.
    assert.deepEqual(groupTopics([], [`${NS}new`]), [{ name: `${NS}new`, partitions: 1 }]);
  });

  it("reduces stats to numbers: the backlog is the subscriptions' summed; what is not a finite number is 0", () => {
    const view = topicView({ name: `${NS}t`, partitions: 0 }, {
      msgRateIn: 3.5,
      msgRateOut: "fast",
      storageSize: Infinity,
      subscriptions: { s1: { msgBacklog: 4, type: "Shared", consumers: [{}] }, s2: { msgBacklog: 6 }, s3: null },
      publishers: [{ producerName: "p", address: "/1.2.3.4:5", msgRateIn: 1 }],
    });
    assert.equal(view.msgRateIn, 3.5);
    assert.equal(view.msgRateOut, 0);
    assert.equal(view.storageSize, 0);
    assert.equal(view.backlog, 10);
    assert.deepEqual(view.subscriptions.map((s) => [s.name, s.type, s.backlog, s.consumerCount]), [["s1", "Shared", 4, 1], ["s2", "", 6, 0], ["s3", "", 0, 0]]);
    assert.deepEqual(view.producers, [{ name: "p", address: "/1.2.3.4:5", msgRateIn: 1, connectedSince: "" }]);
  });

  it("survives any answer: null, arrays, strings where objects belong; long strings are cut, long lists capped", () => {
    for (const stats of [null, [], "x", { subscriptions: [], publishers: {} }, { subscriptions: "s" }]) {
      const view = topicView({ name: `${NS}t`, partitions: 2 }, stats);
      assert.equal(view.backlog, 0);
      assert.deepEqual(view.subscriptions, []);
    }
    const many = Object.fromEntries(Array.from({ length: MAX_LISTED + 5 }, (_, i) => [`s${String(i).padStart(3, "0")}`, { msgBacklog: 1, type: "x".repeat(1000) }]));
    const view = topicView({ name: `${NS}t`, partitions: 0 }, { subscriptions: many });
    assert.equal(view.subscriptionCount, MAX_LISTED + 5);
    assert.equal(view.subscriptions.length, MAX_LISTED);
    assert.equal(view.backlog, MAX_LISTED + 5, "the backlog counts every subscription, shown or not");
    assert.ok(view.subscriptions[0].type.length <= 300);
  });

  it("marks the subscriptions a deployed pulsar-in holds on this topic, and its consumers by consumer name", () => {
    const local = [
      { id: "n1", name: "orders in", topics: [`${NS}t`], subscription: "billing", consumerName: "mine" },
      { id: "n2", name: "other topic", topics: [`${NS}u`], subscription: "billing" },
    ];
    const view = topicView({ name: `${NS}t`, partitions: 0 }, {
      subscriptions: { billing: { consumers: [{ consumerName: "mine" }, { consumerName: "theirs" }] }, audit: { consumers: [] } },
    }, local);
    const billing = view.subscriptions.find((s) => s.name === "billing")!;
    assert.deepEqual(billing.nodes, [{ id: "n1", name: "orders in" }]);
    assert.deepEqual(billing.consumers.map((c) => [c.name, c.local]), [["mine", true], ["theirs", false]]);
    assert.deepEqual(view.subscriptions.find((s) => s.name === "audit")!.nodes, []);
  });
});
