/**
 * RepeatedErrorLog (nodes/lib/error-throttle.ts): the first error of each kind is written at once,
 * repeats are counted into one line per interval, a kind quiet for a whole interval is news again,
 * and close() writes what is still counted. The interval timer is a fake driven by `tick`, so the
 * cases do not wait on real time.
 */
import assert from "node:assert/strict";
import { RepeatedErrorLog } from "../../nodes/lib/error-throttle";
import type { Translate } from "../../nodes/lib/i18n";
import { PulsarError } from "../../nodes/lib/protocol/errors";

interface FakeInterval {
  fn: () => void;
  ms: number;
  cleared: boolean;
  unrefed: boolean;
  unref(): FakeInterval;
}

/** Readable stand-in for RED._: the repeat line spelled out, any other key with its params. */
const t: Translate = (key, params = {}) =>
  key === "pulsar.log.repeated"
    ? `${params.count} more in ${params.seconds} s, latest: ${params.message}`
    : `${key}${Object.keys(params).length ? ` ${JSON.stringify(params)}` : ""}`;

const unknownContext = (context: string): PulsarError => new PulsarError("server", "unknown-context", { context });
const malformed = (): PulsarError => new PulsarError("server", "malformed-frame");

describe("RepeatedErrorLog", () => {
  const realSetInterval = globalThis.setInterval;
  const realClearInterval = globalThis.clearInterval;
  let intervals: FakeInterval[];
  let lines: string[];

  /** The one live interval's callback, as if its time had come. */
  function tick(): void {
    const live = intervals.filter((i) => !i.cleared);
    assert.equal(live.length, 1, "one live interval");
    live[0].fn();
  }

  beforeEach(() => {
    intervals = [];
    lines = [];
    globalThis.setInterval = ((fn: () => void, ms: number) => {
      const handle: FakeInterval = { fn, ms, cleared: false, unrefed: false, unref: () => ((handle.unrefed = true), handle) };
      intervals.push(handle);
      return handle;
    }) as unknown as typeof setInterval;
    globalThis.clearInterval = ((handle: FakeInterval | undefined) => {
      if (handle) handle.cleared = true;
    }) as unknown as typeof clearInterval;
  });

  afterEach(() => {
    globalThis.setInterval = realSetInterval;
    globalThis.clearInterval = realClearInterval;
  });

  it("writes the first of a kind at once and counts the repeats into one line per interval, with the latest", () => {
    const log = new RepeatedErrorLog((line) => lines.push(line), t, 10_000);
    log.report(unknownContext("1"));
    assert.deepEqual(lines, ['pulsar.errors.unknown-context {"context":"1"}']);
    for (let i = 2; i <= 5; i++) log.report(unknownContext(String(i)));
    assert.equal(lines.length, 1, "repeats are not written one by one");
    assert.equal(intervals.length, 1, "one timer however many errors");
    assert.equal(intervals[0].ms, 10_000);
    assert.ok(intervals[0].unrefed, "the timer does not keep Node-RED alive");
    tick();
    assert.deepEqual(lines.slice(1), ['4 more in 10 s, latest: pulsar.errors.unknown-context {"context":"5"}']);
    // Counting starts again from zero.
    log.report(unknownContext("6"));
    tick();
    assert.deepEqual(lines.slice(2), ['1 more in 10 s, latest: pulsar.errors.unknown-context {"context":"6"}']);
    log.close();
  });

  it("keeps kinds apart: each one's first is written, each one's repeats counted on its own line", () => {
    const log = new RepeatedErrorLog((line) => lines.push(line), t);
    log.report(unknownContext("1"));
    log.report(malformed());
    log.report(unknownContext("2"));
    log.report(malformed());
    log.report(malformed());
    assert.deepEqual(lines, ['pulsar.errors.unknown-context {"context":"1"}', "pulsar.errors.malformed-frame"]);
    tick();
    assert.deepEqual(lines.slice(2).sort(), [
      '1 more in 60 s, latest: pulsar.errors.unknown-context {"context":"2"}',
      "2 more in 60 s, latest: pulsar.errors.malformed-frame",
    ]);
    log.close();
  });

  it("a kind quiet for a whole interval is news again; with nothing counted the timer stops", () => {
    const log = new RepeatedErrorLog((line) => lines.push(line), t, 1_000);
    log.report(malformed());
    tick();
    assert.deepEqual(lines, ["pulsar.errors.malformed-frame"], "no line for an interval without repeats");
    assert.ok(intervals[0].cleared, "nothing left to count: the timer is stopped");
    log.report(malformed());
    assert.deepEqual(lines, ["pulsar.errors.malformed-frame", "pulsar.errors.malformed-frame"], "written at once again");
    assert.equal(intervals.length, 2, "a new timer for the new count");
    log.close();
  });

  it("close() writes what is still counted, stops the timer, and a later error starts afresh", () => {
    const log = new RepeatedErrorLog((line) => lines.push(line), t, 5_000);
    log.report(unknownContext("1"));
    log.report(unknownContext("2"));
    log.close();
    assert.deepEqual(lines, ['pulsar.errors.unknown-context {"context":"1"}', '1 more in 5 s, latest: pulsar.errors.unknown-context {"context":"2"}']);
    assert.ok(intervals.every((i) => i.cleared));
    log.close();
    assert.equal(lines.length, 2, "a second close writes nothing");
    log.report(unknownContext("3"));
    assert.equal(lines[2], 'pulsar.errors.unknown-context {"context":"3"}');
    log.close();
  });

  it("translates anything reported as an unexpected error, keeping its message", () => {
    const log = new RepeatedErrorLog((line) => lines.push(line), t);
    log.report(new PulsarError("connection", "unexpected", { message: "socket hang up" }));
    assert.deepEqual(lines, ['pulsar.errors.unexpected {"message":"socket hang up"}']);
    log.close();
  });
});
