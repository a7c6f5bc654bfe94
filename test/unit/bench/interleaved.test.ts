/**
 * The benchmark's turn order: every client measured `slices` times a run, runs kept apart, the
 * first client rotating, and no client always right behind the same one (a client that leaves
 * the server busy would otherwise always slow the same successor).
 */
import assert from "node:assert/strict";
import { interleaved } from "../../../bench/scenarios/context";
import type { ClientId } from "../../../bench/results";

describe("bench/interleaved", () => {
  it("takes turns with the order rotating and reversing, and pairs run i of every client", async () => {
    const clients: ClientId[] = ["raw", "node", "naive", "floor"];
    const order: ClientId[] = [];
    let n = 0;
    const runs = await interleaved(2, 4, clients, async (c) => {
      order.push(c);
      return n++;
    }, () => undefined);
    assert.equal(order.length, 2 * 4 * clients.length);
    for (const c of clients) {
      assert.equal(runs.get(c)!.length, 2, `${c}: one entry per run`);
      assert.ok(runs.get(c)!.every((slices) => slices.length === 4), `${c}: every slice of each run`);
    }
    const turns = Array.from({ length: 8 }, (_, t) => order.slice(t * clients.length, (t + 1) * clients.length));
    assert.deepEqual(new Set(turns.map((t) => t[0])).size, clients.length, "each client goes first in some turn");
    for (const c of clients) {
      const predecessors = new Map<ClientId, number>();
      for (let i = 1; i < order.length; i++) if (order[i] === c) predecessors.set(order[i - 1], (predecessors.get(order[i - 1]) ?? 0) + 1);
      const most = Math.max(...predecessors.values());
      const all = [...predecessors.values()].reduce((a, b) => a + b, 0);
      assert.ok(most <= (2 * all) / 3, `${c} is not mostly behind one client: ${JSON.stringify([...predecessors])}`);
    }
  });
});
