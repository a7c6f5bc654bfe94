import assert from "node:assert/strict";
import { resolveEndpointSettings, sessionUrl, socketOptions } from "../../nodes/lib/endpoint-settings";
import { PulsarError } from "../../nodes/lib/protocol/errors";
import { classifyHandshake, extractErrorMessage } from "../../nodes/lib/protocol/handshake";
import { consumerQuery, normalizeStartMessageId, producerQuery, readerQuery, secondsOption } from "../../nodes/lib/protocol/options";
import { parseTopic } from "../../nodes/lib/protocol/topics";
import { Backoff } from "../../nodes/lib/session/backoff";
import { statusFor } from "../../nodes/lib/status";

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof PulsarError);
    return err.code;
  }
  assert.fail("expected an error");
}

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

describe("endpoint settings", () => {
  it("resolves defaults and puts the token in the Authorization header only", () => {
    const s = resolveEndpointSettings({ serviceUrl: "http://localhost:8080" }, "Bearer abc.def");
    assert.equal(s.base, "ws://localhost:8080");
    assert.deepEqual(s.defaults, { tenant: "public", namespace: "default" });
    assert.equal(s.pingIntervalMs, 30000);
    assert.equal(s.reconnectMinMs, 1000);
    assert.equal(s.reconnectMaxMs, 60000);
    assert.equal(s.maxFrameSize, 1048576);
    const url = sessionUrl(s, "producer", parseTopic("x", s.defaults), {});
    assert.ok(!url.includes("abc"));
    assert.deepEqual(socketOptions(s).headers, { Authorization: "Bearer abc.def" });
  });

  it("sends the token as a query parameter only when asked", () => {
    const s = resolveEndpointSettings({ serviceUrl: "ws://h", tokenInQuery: true }, "abc");
    const url = sessionUrl(s, "producer", parseTopic("x", s.defaults), {});
    assert.ok(url.endsWith("?token=abc"));
    assert.deepEqual(socketOptions(s).headers, {});
  });

  it("uses the cluster for v1 URLs", () => {
    const s = resolveEndpointSettings({ serviceUrl: "http://localhost:8080", cluster: "standalone", tenant: "sample", namespace: "ns1" }, undefined);
    assert.equal(sessionUrl(s, "producer", parseTopic("my-topic", s.defaults), {}), "ws://localhost:8080/ws/producer/persistent/sample/standalone/ns1/my-topic");
  });
});

describe("protocol/handshake", () => {
  it("classifies every handshake status Pulsar answers with", () => {
    assert.deepEqual(classifyHandshake(400), { status: 400, retry: "none", statusKey: "bad-request", severity: "error" });
    assert.equal(classifyHandshake(401).retry, "slow");
    assert.equal(classifyHandshake(403).retry, "slow");
    assert.equal(classifyHandshake(404).retry, "slow");
    assert.deepEqual(classifyHandshake(409), { status: 409, retry: "backoff", statusKey: "busy", severity: "waiting" });
    for (const s of [429, 500, 502, 503, 504]) assert.equal(classifyHandshake(s).retry, "backoff");
  });

  it("pulls the server's message out of Jetty's error page", () => {
    const page = "<html><head><title>Error 409 Failed to create producer: Producer with name 'x' is already connected</title></head><body><h2>HTTP ERROR 409 Failed</h2><table><tr><th>MESSAGE:</th><td>Failed to create producer: Producer with name &#39;x&#39; is already connected</td></tr></table></body></html>";
    assert.equal(extractErrorMessage(page), "Failed to create producer: Producer with name 'x' is already connected");
    assert.equal(extractErrorMessage("plain text"), "plain text");
  });
});

describe("session/backoff", () => {
  it("doubles up to the cap with jitter between half and full delay, and resets", () => {
    const b = new Backoff({ minMs: 1000, maxMs: 60000, random: () => 1 });
    assert.deepEqual([b.next(), b.next(), b.next(), b.next(), b.next(), b.next(), b.next(), b.next()], [1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000]);
    b.reset();
    assert.equal(b.next(), 1000);
    const low = new Backoff({ minMs: 1000, maxMs: 60000, random: () => 0 });
    assert.equal(low.next(), 500);
    assert.equal(low.slowest(), 30000);
  });
});

describe("status", () => {
  it("maps session states to short status views", () => {
    assert.deepEqual(statusFor({ state: "open" }), { fill: "green", shape: "dot", parts: [{ key: "connected" }] });
    assert.deepEqual(statusFor({ state: "open" }, { unacked: 3 }), { fill: "green", shape: "dot", parts: [{ key: "unacked", params: { count: 3 } }] });
    assert.equal(statusFor({ state: "open" }, { paused: true }).parts[0].key, "paused");
    assert.deepEqual(statusFor({ state: "connecting", attempt: 1 }, { buffered: 5 }).parts, [{ key: "connecting" }, { key: "buffered", params: { count: 5 } }]);
    const unauthorized = statusFor({ state: "retrying", delayMs: 45000, failure: { kind: "handshake", outcome: classifyHandshake(401), message: "Failed to authenticate" } });
    assert.deepEqual(unauthorized, { fill: "red", shape: "ring", parts: [{ key: "unauthorized", params: { status: 401 } }, { key: "retry-in", params: { seconds: 45 } }] });
    assert.equal(statusFor({ state: "retrying", delayMs: 100, failure: { kind: "handshake", outcome: classifyHandshake(409), message: "" } }).fill, "yellow");
    assert.equal(statusFor({ state: "failed", failure: { kind: "handshake", outcome: classifyHandshake(400), message: "" } }).parts.length, 1);
    assert.equal(statusFor({ state: "retrying", delayMs: 1000, failure: { kind: "network", code: "UNABLE_TO_VERIFY_LEAF_SIGNATURE", message: "" } }).parts[0].key, "certificate");
  });
});
