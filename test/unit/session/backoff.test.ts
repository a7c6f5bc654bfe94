import assert from "node:assert/strict";
import { Backoff } from "../../../nodes/lib/session/backoff";

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
