/**
 * Batcher: size and timeout flushes per key, acks only after the batch went out, one timer per
 * pending batch, nothing emitted or acked after close. Time moves only on the manual clock.
 */
import assert from "node:assert/strict";
import { Batcher } from "../../../nodes/lib/consume/batcher";
import { ManualClock } from "../../support/manual-clock";

function setUp(size = 3, timeoutMs = 100, emitThrows = false): { b: Batcher<string>; clock: ManualClock; emitted: [string, string[]][]; acked: string[]; failed: [string, string[]][] } {
  const clock = new ManualClock();
  const emitted: [string, string[]][] = [];
  const acked: string[] = [];
  const failed: [string, string[]][] = [];
  const b = new Batcher<string>({
    size, timeoutMs, clock,
    emit: (key, items) => {
      // The acks run after the emit: none of this batch is acked yet.
      assert.ok(items.every((i) => !acked.includes(i)));
      if (emitThrows) throw new Error("send failed");
      emitted.push([key, items]);
    },
    failed: (_err, key, items) => failed.push([key, items]),
  });
  return { b, clock, emitted, acked, failed };
}

describe("Batcher", () => {
  it("emits a full batch at once, then acks each of its items", () => {
    const { b, clock, emitted, acked } = setUp(3);
    for (const i of ["a", "b", "c", "d"]) b.add("t", i, () => acked.push(i));
    assert.deepEqual(emitted, [["t", ["a", "b", "c"]]]);
    assert.deepEqual(acked, ["a", "b", "c"]);
    assert.equal(b.waiting, 1);
    assert.deepEqual(clock.pending(), [100], "one timer: the partial batch's");
  });

  it("emits a partial batch timeoutMs after its first item, not later items' time", () => {
    const { b, clock, emitted } = setUp(10, 100);
    b.add("t", "a", () => undefined);
    clock.advance(60);
    b.add("t", "b", () => undefined);
    clock.advance(39);
    assert.deepEqual(emitted, []);
    clock.advance(1);
    assert.deepEqual(emitted, [["t", ["a", "b"]]]);
    assert.deepEqual(clock.pending(), [], "no timer left");
  });

  it("keeps one batch per key, each with its own timer", () => {
    const { b, clock, emitted } = setUp(2, 100);
    b.add("t1", "a", () => undefined);
    b.add("t2", "x", () => undefined);
    assert.equal(clock.pending().length, 2);
    b.add("t1", "b", () => undefined);
    assert.deepEqual(emitted, [["t1", ["a", "b"]]]);
    assert.equal(clock.pending().length, 1);
    clock.advance(100);
    assert.deepEqual(emitted, [["t1", ["a", "b"]], ["t2", ["x"]]]);
  });

  it("flush() emits every partial batch now and clears their timers", () => {
    const { b, clock, emitted } = setUp(5);
    b.add("t1", "a", () => undefined);
    b.add("t2", "x", () => undefined);
    b.flush();
    assert.deepEqual(emitted, [["t1", ["a"]], ["t2", ["x"]]]);
    assert.deepEqual(clock.pending(), []);
  });

  it("close() drops pending batches unacked, clears timers and takes nothing more", () => {
    const { b, clock, emitted, acked } = setUp(2);
    b.add("t", "a", () => acked.push("a"));
    b.close();
    assert.deepEqual(clock.pending(), []);
    b.add("t", "b", () => acked.push("b"));
    b.add("t", "c", () => acked.push("c"));
    clock.advance(1000);
    b.flush();
    assert.deepEqual(emitted, []);
    assert.deepEqual(acked, [], "never acked: Pulsar redelivers them");
  });

  it("a batch whose emit throws goes to failed, and its items are still acked", () => {
    const { b, emitted, acked, failed } = setUp(2, 100, true);
    b.add("t", "a", () => acked.push("a"));
    b.add("t", "b", () => acked.push("b"));
    assert.deepEqual(emitted, []);
    assert.deepEqual(failed, [["t", ["a", "b"]]]);
    assert.deepEqual(acked, ["a", "b"]);
  });
});

describe("Batcher: failing acks", () => {
  it("an `after` that throws in a timer flush neither escapes the timer nor skips the next item's ack", () => {
    const clock = new ManualClock();
    const acked: string[] = [];
    const reported: unknown[] = [];
    const b = new Batcher<string>({ size: 10, timeoutMs: 100, clock, emit: () => undefined, failed: () => undefined, afterFailed: (err) => reported.push(err) });
    b.add("t", "a", () => {
      throw new Error("ack failed");
    });
    b.add("t", "b", () => acked.push("b"));
    let escaped: unknown;
    try {
      clock.advance(100); // what the timer callback runs: a throw here is an uncaughtException in Node-RED
    } catch (err) {
      escaped = err;
    }
    assert.equal(escaped, undefined);
    assert.deepEqual(acked, ["b"]);
    assert.deepEqual(reported.map((e) => (e as Error).message), ["ack failed"]);
  });
});

describe("Batcher: items of a lost connection, copies", () => {
  it("drop(owner) removes that owner's pending items (not emitted, not acked) and keeps the others", () => {
    const clock = new ManualClock();
    const emitted: string[][] = [];
    const acked: string[] = [];
    const b = new Batcher<string>({ size: 10, timeoutMs: 100, clock, emit: (_k, items) => emitted.push(items), failed: () => undefined });
    const lost = {};
    const kept = {};
    b.add("t", "a", () => acked.push("a"), lost);
    b.add("t", "b", () => acked.push("b"), kept);
    b.add("u", "c", () => acked.push("c"), lost);
    b.drop(lost);
    assert.equal(b.waiting, 1);
    clock.advance(100);
    assert.deepEqual(emitted, [["b"]]);
    assert.deepEqual(acked, ["b"]);
    assert.deepEqual(clock.pending(), []);
  });

  it("an item whose id is already pending in its batch is not added again", () => {
    const clock = new ManualClock();
    const emitted: string[][] = [];
    const acked: string[] = [];
    const b = new Batcher<string>({ size: 3, timeoutMs: 100, clock, idOf: (s) => s.slice(0, 1), emit: (_k, items) => emitted.push(items), failed: () => undefined });
    b.add("t", "a1", () => acked.push("a1"));
    b.add("t", "a2", () => acked.push("a2"));
    b.add("t", "b1", () => acked.push("b1"));
    b.add("t", "c1", () => acked.push("c1"));
    assert.deepEqual(emitted, [["a1", "b1", "c1"]]);
    assert.deepEqual(acked, ["a1", "b1", "c1"]);
  });
});
