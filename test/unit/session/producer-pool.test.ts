/**
 * ProducerPool with real ProducerSessions against the fake Pulsar: one session per topic, a cap,
 * eviction of the least recently used idle session, the idle sweep, and pinned sessions.
 * The pool reads Date.now() and runs its sweep on setInterval itself (no Clock), so the LRU and
 * sweep cases wait a few real milliseconds.
 */
import assert from "node:assert/strict";
import { PulsarError } from "../../../nodes/lib/protocol/errors";
import { prepareFrame } from "../../../nodes/lib/protocol/produce";
import { parseTopic, type TopicName } from "../../../nodes/lib/protocol/topics";
import { ProducerSession } from "../../../nodes/lib/session/producer";
import { ProducerPool, type ProducerPoolOptions } from "../../../nodes/lib/session/producer-pool";
import { sleep, until } from "../../support/wait";
import { PRODUCER, sessionBed, socketDefaults } from "./fixture";

const topic = (name: string): TopicName => parseTopic(name, { tenant: "public", namespace: "default" });

describe("session/producer-pool", () => {
  const bed = sessionBed();

  function pool(extra: Partial<ProducerPoolOptions> = {}): { pool: ProducerPool; created: string[]; changes: () => number } {
    const created: string[] = [];
    let changes = 0;
    const p = new ProducerPool({
      create: (t) => {
        created.push(t.local);
        return new ProducerSession({
          socket: { ...socketDefaults(bed.clock), url: `${bed.fake.wsUrl}${PRODUCER}/${t.local}` },
          maxInFlight: 10,
          bufferMessages: 10,
          bufferBytes: 1 << 20,
          maxFrameSize: 1 << 20,
        });
      },
      maxSessions: 2,
      idleTimeoutMs: 60_000,
      onChange: () => changes++,
      ...extra,
    });
    bed.closeAfter(p, (c) => c.closeAll(0));
    return { pool: p, created, changes: () => changes };
  }

  /** A send that stays unacked while the bed.fake holds acks: the session is not idle. */
  function busy(session: ProducerSession): { err?: PulsarError }[] {
    const calls: { err?: PulsarError }[] = [];
    session.send(prepareFrame({ payload: "x" }), (err) => calls.push({ err }));
    assert.equal(session.idle, false);
    return calls;
  }

  it("opens one session per topic on demand and gives the same one back", () => {
    const { pool: p, created, changes } = pool();
    const a = p.get(topic("a"));
    assert.equal(p.get(topic("persistent://public/default/a")), a);
    assert.equal(p.existing(topic("a")), a);
    assert.equal(p.existing(topic("b")), undefined);
    assert.deepEqual(created, ["a"]);
    assert.equal(p.size, 1);
    assert.equal(changes(), 1);
  });

  it("caps the sessions: a new topic is refused while every session is pinned or busy, and takes an idle one's place", async () => {
    bed.fake.holdAcks();
    const { pool: p, created } = pool({ maxSessions: 2 });
    const own = p.get(topic("own"), true);
    const b = p.get(topic("b"));
    const pending = busy(b);
    let refused: unknown;
    try {
      p.get(topic("c"));
    } catch (err) {
      refused = err;
    }
    assert.ok(refused instanceof PulsarError);
    assert.equal(refused.code, "too-many-producers");
    assert.deepEqual(refused.details, { max: 2, topic: "persistent://public/default/c" });
    assert.deepEqual(created, ["own", "b"]);

    bed.fake.releaseAcks();
    await until(() => b.idle, 10_000, "b's ack");
    assert.equal(pending[0].err, undefined);
    const c = p.get(topic("c"));
    assert.deepEqual(p.sessions(), [own, c], "b gave its place; the pinned session stays");
    assert.deepEqual(b.state, { state: "closed" });
  });

  it("evicts the least recently used idle session, not the oldest", async () => {
    const { pool: p } = pool({ maxSessions: 2 });
    const a = p.get(topic("a"));
    await sleep(5);
    const b = p.get(topic("b"));
    await sleep(5);
    p.get(topic("a"));
    await sleep(5);
    const c = p.get(topic("c"));
    assert.deepEqual(p.sessions(), [a, c]);
    assert.equal(p.existing(topic("b")), undefined);
    assert.deepEqual(b.state, { state: "closed" });
    assert.notDeepEqual(a.state, { state: "closed" });
  });

  it("sweeps sessions idle for idleTimeoutMs, but never a pinned or a busy one", async () => {
    bed.fake.holdAcks();
    const { pool: p, changes } = pool({ maxSessions: 5, idleTimeoutMs: 100 });
    const own = p.get(topic("own"), true);
    const idle = p.get(topic("idle"));
    const held = p.get(topic("held"));
    busy(held);
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

  it("closeAll closes every session, failing what is unacked after the timeout", async () => {
    bed.fake.holdAcks();
    const { pool: p } = pool();
    const own = p.get(topic("own"), true);
    const other = p.get(topic("other"));
    const pending = busy(other);
    await p.closeAll(0);
    assert.equal(p.size, 0);
    assert.deepEqual([own.state, other.state], [{ state: "closed" }, { state: "closed" }]);
    assert.equal(pending.length, 1);
    assert.equal(pending[0].err?.code, "closed-before-ack");
  });
});
