/**
 * ProducerPool with real ProducerSessions against the fake Pulsar: one session per topic, a cap
 * at which messages for new topics wait (bounded) for a slot, eviction of the least recently used
 * idle session, the idle sweep, and pinned sessions.
 * The pool reads Date.now() and runs its sweep on setInterval itself (no Clock), so the LRU and
 * sweep cases wait a few real milliseconds.
 */
import assert from "node:assert/strict";
import { PulsarError } from "../../../nodes/lib/protocol/errors";
import { prepareFrame } from "../../../nodes/lib/protocol/produce";
import { parseTopic, type TopicName } from "../../../nodes/lib/protocol/topics";
import { ProducerPool, type ProducerPoolOptions } from "../../../nodes/lib/session/producer-pool";
import { sleep, until } from "../../support/wait";
import { poolOn, sessionBed } from "./fixture";

const topic = (name: string): TopicName => parseTopic(name, { tenant: "public", namespace: "default" });

describe("session/producer-pool", () => {
  const bed = sessionBed();

  function pool(extra: Partial<ProducerPoolOptions> = {}): { pool: ProducerPool; created: string[]; changes: () => number } {
    const created: string[] = [];
    let changes = 0;
    const p = poolOn(bed, created, 10, { onChange: () => changes++, ...extra });
    bed.closeAfter(p, (c) => c.closeAll(0));
    return { pool: p, created, changes: () => changes };
  }

  type Calls = { err?: PulsarError; messageId?: string }[];

  /** Sends one message to `name` through the pool; the calls of its callback land in the array. */
  function send(p: ProducerPool, name: string): Calls {
    const calls: Calls = [];
    p.send(topic(name), prepareFrame({ payload: name }), (err, messageId) => calls.push({ err, messageId }));
    return calls;
  }

  const acked = (calls: Calls): boolean => calls.length === 1 && calls[0].err === undefined;

  it("opens one session per topic on demand and gives the same one back", async () => {
    const { pool: p, created, changes } = pool();
    const first = send(p, "a");
    const second = send(p, "persistent://public/default/a");
    assert.deepEqual(created, ["a"]);
    assert.equal(p.size, 1);
    assert.equal(p.existing(topic("b")), undefined);
    await until(() => acked(first) && acked(second), 10_000, "both acks");
    assert.equal(changes(), 1);
  });

  it("at the cap a new topic waits, and takes the place of a session once it is idle", async () => {
    bed.fake.holdAcks();
    const { pool: p, created } = pool({ maxSessions: 2 });
    const own = p.pin(topic("own"));
    const b = send(p, "b");
    const c = send(p, "c");
    await sleep(100);
    assert.deepEqual(created, ["own", "b"]);
    assert.equal(p.waitingCount, 1);
    assert.deepEqual(c, [], "neither sent nor refused");

    bed.fake.releaseAcks();
    await until(() => acked(b) && acked(c), 10_000, "b's and then c's ack");
    assert.deepEqual(created, ["own", "b", "c"]);
    assert.equal(p.waitingCount, 0);
    assert.deepEqual(p.sessions(), [own, p.existing(topic("c"))], "b gave its place; the pinned session stays");
    assert.equal(bed.fake.messages("c").length, 1);
  });

  it("bounds the wait for a slot like the offline buffer, refusing beyond it with the counts", async () => {
    bed.fake.holdAcks();
    const { pool: p } = pool({ maxSessions: 1, waitMessages: 1 });
    send(p, "a");
    const waiting = send(p, "b");
    const refused = send(p, "c");
    assert.equal(refused.length, 1);
    assert.equal(refused[0].err?.code, "producers-busy");
    assert.deepEqual(refused[0].err?.details, { max: 1, waiting: 1, topic: "persistent://public/default/c" });
    const laterForB = send(p, "b");
    assert.equal(laterForB.length, 1, "b's queue is full too");
    bed.fake.releaseAcks();
    await until(() => acked(waiting), 10_000, "the waiting message's ack");
  });

  it("keeps the order of a topic's messages while they wait", async () => {
    bed.fake.holdAcks();
    const { pool: p } = pool({ maxSessions: 1 });
    send(p, "a");
    const calls = [send(p, "b"), send(p, "b"), send(p, "b")];
    bed.fake.releaseAcks();
    await until(() => calls.every(acked), 10_000, "the three acks");
    assert.deepEqual(bed.fake.messages("b").map((m) => m.payload.toString()), ["b", "b", "b"]);
    const ids = calls.map((c) => c[0].messageId);
    assert.deepEqual(ids, bed.fake.messages("b").map((m) => m.messageId), "acked in send order");
  });

  it("evicts the least recently used idle session, not the oldest", async () => {
    const { pool: p } = pool({ maxSessions: 2 });
    const a1 = send(p, "a");
    await until(() => acked(a1), 10_000, "a");
    await sleep(5);
    const b1 = send(p, "b");
    await until(() => acked(b1), 10_000, "b");
    const b = p.existing(topic("b"))!;
    await sleep(5);
    const a2 = send(p, "a");
    await until(() => acked(a2), 10_000, "a again");
    await sleep(5);
    send(p, "c");
    assert.deepEqual(p.sessions().map((s) => s === b), [false, false]);
    assert.equal(p.existing(topic("b")), undefined);
    assert.ok(p.existing(topic("a")));
    assert.deepEqual(b.state, { state: "closed" });
  });

  it("sweeps sessions idle for idleTimeoutMs, but never a pinned or a busy one", async () => {
    const { pool: p, changes } = pool({ maxSessions: 5, idleTimeoutMs: 100 });
    const own = p.pin(topic("own"));
    const first = send(p, "idle");
    await until(() => acked(first), 10_000, "the idle topic's ack");
    const idle = p.existing(topic("idle"))!;
    bed.fake.holdAcks();
    send(p, "held");
    const held = p.existing(topic("held"))!;
    assert.equal(changes(), 3);
    await until(() => p.existing(topic("idle")) === undefined, 10_000, "the idle session to be swept");
    assert.deepEqual(idle.state, { state: "closed" });
    assert.equal(changes(), 4);
    await sleep(300);
    assert.deepEqual(p.sessions(), [own, held], "busy for longer than idleTimeoutMs, still kept");

    bed.fake.releaseAcks();
    await until(() => p.existing(topic("held")) === undefined, 10_000, "the session to be swept once acked");
    await sleep(300);
    assert.deepEqual(p.sessions(), [own], "pinned: never swept");
    assert.notDeepEqual(own.state, { state: "closed" });
  });

  it("unpin makes a pinned session like any other: swept once idle", async () => {
    const { pool: p } = pool({ maxSessions: 5, idleTimeoutMs: 100 });
    const own = p.pin(topic("own"));
    const other = p.pin(topic("other"));
    const first = send(p, "own");
    await until(() => acked(first), 10_000, "the pinned topic's ack");
    p.unpin(topic("own"));
    p.unpin(topic("nothing-open")); // no session: nothing to do
    await until(() => p.existing(topic("own")) === undefined, 10_000, "the unpinned session to be swept");
    assert.deepEqual(own.state, { state: "closed" });
    await sleep(300);
    assert.deepEqual(p.sessions(), [other], "still pinned: never swept");
  });

  it("closeAll closes every session and fails what is unacked or still waiting for a slot", async () => {
    bed.fake.holdAcks();
    const { pool: p } = pool({ maxSessions: 2 });
    const own = p.pin(topic("own"));
    const inFlight = send(p, "other");
    const other = p.existing(topic("other"))!;
    const waiting = send(p, "third");
    await p.closeAll(0);
    assert.equal(p.size, 0);
    assert.deepEqual([own.state, other.state], [{ state: "closed" }, { state: "closed" }]);
    assert.deepEqual([inFlight[0]?.err?.code, waiting[0]?.err?.code], ["closed-before-ack", "closed-before-ack"]);
    assert.equal(send(p, "later")[0].err?.code, "closing");
  });
  it("the wait for a slot is bounded in time: done(err) naming the topics that hold the slots", async () => {
    bed.fake.holdAcks();
    const { pool: p } = pool({ maxSessions: 2, slotWaitMs: 200 });
    send(p, "a");
    send(p, "b");
    const c = send(p, "c");
    await sleep(50);
    assert.equal(c.length, 0, "still waiting");
    await until(() => c.length === 1, 2000, "the slot timeout");
    assert.equal(c[0].err?.code, "no-producer-slot");
    assert.equal(c[0].err?.details.seconds, 0.2);
    assert.match(String(c[0].err?.details.holders), /persistent:\/\/public\/default\/a.*persistent:\/\/public\/default\/b/);
    assert.equal(p.waitingCount, 0);
    assert.equal(send(p, "d").length, 0, "the wait is not closed for good: a later message waits again");
  });

  for (const status of [401, 403, 404] as const) {
    it(`a session refused with ${status} fails its buffered messages with the reason and frees its slot`, async () => {
      bed.fake.refuseNext(status, `Failed to create producer: refused ${status}`, 1000, { topic: "refused" });
      const { pool: p, created } = pool({ maxSessions: 1, slotWaitMs: 60_000, refusalHoldMs: 60_000 });
      const refused = [send(p, "refused"), send(p, "refused")];
      const next = send(p, "healthy");
      await until(() => refused.every((r) => r.length === 1), 5000, "the refused session's messages to fail");
      for (const [r] of refused) {
        assert.equal(r.err?.code, "session-failed");
        assert.equal(r.err?.details.status, status);
        assert.match(String(r.err?.details.message), new RegExp(`refused ${status}`));
      }
      await until(() => acked(next), 5000, "the waiting topic to take the freed slot");
      assert.deepEqual(created, ["refused", "healthy"]);
      // Within the hold a message for the refused topic fails at once: no handshake storm.
      const handshakes = bed.fake.handshakes({ role: "producer" }).length;
      const again = send(p, "refused");
      assert.equal(again[0]?.err?.code, "session-failed");
      assert.equal(bed.fake.handshakes({ role: "producer" }).length, handshakes);
    });
  }

  it("a pinned session refused with 404 keeps buffering (the node's own topic may be created)", async () => {
    bed.fake.refuseNext(404, "Topic not found", 1000, { topic: "own" });
    const { pool: p } = pool({ maxSessions: 2, slotWaitMs: 60_000, refusalHoldMs: 60_000 });
    const own = p.pin(topic("own"));
    const r = send(p, "own");
    await until(() => own.state.state === "retrying", 5000, "the refusal");
    await sleep(50);
    assert.deepEqual(r, []);
    assert.equal(p.existing(topic("own")), own);
  });
});
