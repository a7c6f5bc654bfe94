import assert from "node:assert/strict";
import { consumerQuery, normalizeStartMessageId, producerQuery, readerQuery, secondsOption } from "../../../nodes/lib/protocol/options";
import { codeOf } from "../../support/errors";

describe("protocol/options", () => {
  it("reads seconds (fractions allowed) as milliseconds, and refuses what is not a number in range", () => {
    assert.equal(secondsOption("t", undefined, 5, 0), 5000);
    assert.equal(secondsOption("t", "", 5, 0), 5000);
    assert.equal(secondsOption("t", "0.25", 5, 0), 250);
    assert.equal(secondsOption("t", 12, 5, 0, 12), 12000);
    for (const bad of ["soon", "-1", "13", "Infinity", "1e400"]) {
      assert.equal(codeOf(() => secondsOption("t", bad, 5, 0, 12)), "option-seconds", bad);
    }
  });

  it("maps producer options, leaving server defaults out", () => {
    assert.deepEqual(
      Object.fromEntries(Object.entries(producerQuery({ producerName: "p1", sendTimeoutMillis: "0", compressionType: "LZ4", messageRoutingMode: "", batchingMaxMessages: "10" })).filter(([, v]) => v !== undefined)),
      { producerName: "p1", sendTimeoutMillis: 0, compressionType: "LZ4" },
    );
    const batching = producerQuery({ batchingEnabled: true, batchingMaxMessages: 10, batchingMaxPublishDelay: "5", maxPendingMessages: 100 });
    assert.equal(batching.batchingEnabled, true);
    assert.equal(batching.batchingMaxMessages, 10);
    assert.equal(batching.batchingMaxPublishDelay, 5);
    assert.equal(batching.maxPendingMessages, 100);
  });

  it("refuses producer values Pulsar answers with 400", () => {
    assert.equal(codeOf(() => producerQuery({ compressionType: "GZIP" })), "option-enum");
    assert.equal(codeOf(() => producerQuery({ sendTimeoutMillis: "soon" })), "option-number");
    assert.equal(codeOf(() => producerQuery({ hashingScheme: "md5" })), "option-enum");
  });

  it("maps consumer options and checks the combinations Pulsar refuses", () => {
    const q = consumerQuery({ subscriptionType: "Shared", initialPosition: "Earliest", durable: false, receiverQueueSize: "10", pullMode: true, maxRedeliverCount: 3, deadLetterTopic: "dlq", ackTimeoutMillis: 0 });
    assert.equal(q.subscriptionType, "Shared");
    assert.equal(q.subscriptionInitialPosition, "Earliest");
    assert.equal(q.subscriptionMode, "NonDurable");
    assert.equal(q.receiverQueueSize, 10);
    assert.equal(q.pullMode, true);
    assert.equal(q.deadLetterTopic, "dlq");
    assert.equal(consumerQuery({}).subscriptionType, "Exclusive");
    assert.equal(codeOf(() => consumerQuery({ receiverQueueSize: 1001 })), "option-number");
    assert.equal(codeOf(() => consumerQuery({ ackTimeoutMillis: 500 })), "option-number");
    assert.equal(codeOf(() => consumerQuery({ deadLetterTopic: "dlq" })), "dead-letter-needs-count");
    assert.equal(codeOf(() => consumerQuery({ subscriptionType: "shared" })), "option-enum");
  });

  it("maps reader start positions", () => {
    assert.equal(normalizeStartMessageId(""), "latest");
    assert.equal(normalizeStartMessageId("Earliest"), "earliest");
    assert.equal(normalizeStartMessageId("CAcQAzAA"), "CAcQAzAA");
    assert.equal(codeOf(() => normalizeStartMessageId("not an id")), "start-message-id");
    assert.deepEqual(readerQuery({ readerName: "r" }, "earliest"), { messageId: "earliest", readerName: "r", receiverQueueSize: undefined });
  });
});
