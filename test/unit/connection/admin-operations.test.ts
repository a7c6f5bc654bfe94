import assert from "node:assert/strict";
import type { AdminAnswer, AdminRequest } from "../../../nodes/lib/connection/admin-client";
import { MAX_PARTITIONS, PulsarAdmin, peekedBytes } from "../../../nodes/lib/connection/admin-operations";
import { PulsarError } from "../../../nodes/lib/protocol/errors";
import { parseTopic } from "../../../nodes/lib/protocol/topics";
import { PrepareFailure } from "../../../nodes/lib/session/socket";

const defaults = { tenant: "public", namespace: "default" };
const topic = parseTopic("a b+c", defaults);

function canned(answers: Record<string, { status: number; body?: string; headers?: Record<string, string> }>): { admin: PulsarAdmin; calls: AdminRequest[] } {
  const calls: AdminRequest[] = [];
  const admin = new PulsarAdmin({ httpBase: "http://pulsar:8080" }, async (req) => {
    calls.push(req);
    const a = answers[`${req.method} ${req.path}`] ?? { status: 404, body: '{"reason":"Not in the script"}' };
    const body = a.body ?? "";
    return { status: a.status, body, bytes: Buffer.from(body), headers: a.headers ?? {} } satisfies AdminAnswer;
  });
  return { admin, calls };
}

async function rejection(p: Promise<unknown>): Promise<PulsarError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof PulsarError);
    return err;
  }
  assert.fail("expected a rejection");
}

const P = "/admin/v2/persistent/public/default/a%20b%2Bc";

describe("connection/admin-operations", () => {
  it("encodes every name in the admin path", () => {
    assert.equal(PulsarAdmin.topicPath(topic), P);
    assert.equal(PulsarAdmin.topicPath(parseTopic("persistent://t/c1/ns/x", { ...defaults, cluster: "c1" })), "/admin/persistent/t/c1/ns/x");
  });

  it("partitioned topics: stats, create and delete use the partitioned forms", async () => {
    const { admin, calls } = canned({
      [`GET ${P}/partitions`]: { status: 200, body: '{"partitions":4}' },
      [`GET ${P}/partitioned-stats`]: { status: 200, body: '{"metadata":{"partitions":4}}' },
      [`DELETE ${P}/partitions`]: { status: 204 },
      [`PUT ${P}/partitions`]: { status: 204 },
    });
    assert.deepEqual(await admin.stats(topic), { metadata: { partitions: 4 } });
    assert.equal(await admin.deleteTopic(topic), null);
    assert.equal(await admin.createTopic(topic, 4), null);
    assert.equal(calls.at(-1)!.body, "4");
  });

  it("a partition count is a whole number from 0 to MAX_PARTITIONS; anything else from the server is a bad answer, not a loop of millions", async () => {
    for (const [body, expected] of [['{"partitions":4}', 4], ['{"partitions":0}', 0], [`{"partitions":${MAX_PARTITIONS}}`, MAX_PARTITIONS]] as const) {
      const { admin } = canned({ [`GET ${P}/partitions`]: { status: 200, body } });
      assert.equal(await admin.partitionsOf(topic), expected, body);
    }
    for (const body of ['{"partitions":3000000}', '{"partitions":-1}', '{"partitions":2.5}', '{"partitions":"4"}', '{"partitions":1e999}', "[1]", "{}", "null"]) {
      const { admin } = canned({ [`GET ${P}/partitions`]: { status: 200, body } });
      const err = await rejection(admin.partitionsOf(topic));
      assert.equal(err.code, "admin-partitions", body);
      assert.equal(err.errorClass, "server");
    }
  });

  it("reset-cursor: a time in the path, earliest as time 0, latest and ids as Pulsar's MessageIdImpl JSON", async () => {
    const base = `${P}/subscription/s%3F1/resetcursor`;
    const { admin, calls } = canned({ [`POST ${base}/1234`]: { status: 204 }, [`POST ${base}/0`]: { status: 204 }, [`POST ${base}`]: { status: 204 } });
    await admin.resetCursor(topic, "s?1", { kind: "time", ms: 1234 });
    await admin.resetCursor(topic, "s?1", { kind: "earliest" });
    await admin.resetCursor(topic, "s?1", { kind: "latest" });
    await admin.resetCursor(topic, "s?1", { kind: "id", id: "CAcQAxgBMAA=" });
    assert.deepEqual(calls.map((c) => c.body), [undefined, undefined,
      '{"ledgerId":9223372036854775807,"entryId":9223372036854775807,"partitionIndex":-1}', '{"ledgerId":7,"entryId":3,"partitionIndex":1}']);
  });

  it("a refusal names the status and Pulsar's reason; no body falls back to the HTTP reason phrase", async () => {
    const { admin } = canned({ [`DELETE ${P}/subscription/s`]: { status: 412, body: '{"reason":"Subscription has active connected consumers"}' }, [`GET ${P}/subscriptions`]: { status: 503 } });
    const e = await rejection(admin.deleteSubscription(topic, "s"));
    assert.equal(e.code, "admin-http");
    assert.deepEqual([e.details.status, e.details.reason, e.details.method], [412, "Subscription has active connected consumers", "DELETE"]);
    const f = await rejection(admin.listSubscriptions(topic));
    assert.deepEqual([f.details.status, f.details.reason, f.errorClass], [503, "Service Unavailable", "server"]);
  });

  it("network errors and timeouts name the host", async () => {
    const down = new PulsarAdmin({ httpBase: "http://pulsar:8080" }, () => Promise.reject(Object.assign(new Error("x"), { code: "ECONNREFUSED" })));
    const e = await rejection(down.listTopics("public", "default"));
    assert.deepEqual([e.code, e.details.host, e.details.reason], ["admin-unreachable", "pulsar:8080", "ECONNREFUSED"]);
    const slow = new PulsarAdmin({ httpBase: "http://pulsar:8080" }, () => Promise.reject(Object.assign(new Error("timeout"), { code: "ETIMEDOUT_ADMIN" })));
    assert.equal((await rejection(slow.listTopics("public", "default"))).code, "admin-timeout");
  });

  it("no token to send (the endpoint's OAuth2 issuer refused, a token file unreadable) is an auth error, not an unreachable Pulsar", async () => {
    const failure = new PrepareFailure("the token file /run/t could not be read: ENOENT", "token-file", { code: "ENOENT" });
    const e = await rejection(new PulsarAdmin({ httpBase: "http://pulsar:8080" }, () => Promise.reject(failure)).listTopics("public", "default"));
    assert.deepEqual([e.code, e.errorClass, e.details.reason], ["admin-token", "auth", failure.message]);
  });

  it("peek reads the payload and Pulsar's X-Pulsar-* headers, and stops at the end of the backlog", async () => {
    const { admin } = canned({
      [`GET ${P}/subscription/s/position/1`]: { status: 200, body: "hello", headers: { "x-pulsar-message-id": "81:0", "x-pulsar-property": '{"seq":"0"}', "x-pulsar-partition-key": "k1", "x-pulsar-publish-time": "2026-12-03T09:22:38.667Z" } },
      [`GET ${P}/subscription/s/position/2`]: { status: 404, body: '{"reason":"Message not found"}' },
    });
    assert.deepEqual(await admin.peek(topic, "s", 5), [{ messageId: "81:0", publishTime: "2026-12-03T09:22:38.667Z", key: "k1", properties: { seq: "0" }, payload: "hello" }]);
  });

  it("examines a topic's newest messages (newest first) as bytes with their headers, and stops past the oldest (Pulsar's 500) or at none (412)", async () => {
    const E = `GET ${P}/examinemessage?initialPosition=latest&messagePosition=`;
    const { admin } = canned({
      [`${E}1`]: { status: 200, body: "\u00ffnewest", headers: { "x-pulsar-message-id": "9:2", "x-pulsar-event-time": "2026-12-03T09:00:00Z" } },
      [`${E}2`]: { status: 200, body: "older", headers: { "x-pulsar-message-id": "9:1" } },
      [`${E}3`]: { status: 500, body: '{"reason":"--- An unexpected error occurred in the server --- Message: Incorrect parameter input error code: -14 Stacktrace: org.apache.bookkeeper.mledger.ManagedLedgerException"}' },
    });
    const found = (await admin.examineNewest(topic, 5)).map(peekedBytes);
    assert.deepEqual(found.map((m) => [m.messageId, m.payload.toString("utf8"), m.eventTime]), [["9:2", "\u00ffnewest", "2026-12-03T09:00:00Z"], ["9:1", "older", undefined]]);
    const empty = canned({ [`${E}1`]: { status: 412, body: '{"reason":"Could not examine messages due to the total message is zero"}' } });
    assert.equal((await rejection(empty.admin.examineNewest(topic, 5))).details.status, 412, "none at all is the caller's to say");
  });

  it("a reader's start at a time is the entry before the first message at or after it (the start is exclusive)", async () => {
    const { admin } = canned({ [`GET ${P}/messageid/1000`]: { status: 200, body: '{"ledgerId":7,"entryId":4,"partitionIndex":-1}' } });
    assert.equal(await admin.readerStartAt(topic, 1000), "CAcQAzAA");
  });
});
