import assert from "node:assert/strict";
import type { AdminAnswer, AdminRequest } from "../../nodes/lib/connection/admin-client";
import { PulsarAdmin } from "../../nodes/lib/connection/admin-operations";
import { parseTopic } from "../../nodes/lib/protocol/topics";
import { peekMessages, PEEK_MAX_PARTITIONS, PEEK_PAYLOAD_BYTES } from "../../nodes/lib/sidebar-peek";

const topic = parseTopic("orders", { tenant: "public", namespace: "default" });
const P = "/admin/v2/persistent/public/default/orders";

/**
 * A fake admin API: `partitions` partitions, partition p holding `depth` messages; the message at
 * position n (1 = newest) of partition p was published at `time(p, n)`. A subscription's backlog is
 * the same messages oldest first.
 */
function fakePulsar(partitions: number, depth: number, time: (p: number, n: number) => number, size = 10): { admin: PulsarAdmin; calls: string[] } {
  const calls: string[] = [];
  const admin = new PulsarAdmin({ httpBase: "http://pulsar:8080" }, async (req: AdminRequest) => {
    calls.push(req.path);
    const answer = (status: number, body: string | Buffer, headers: Record<string, string> = {}): AdminAnswer => ({ status, body: String(body), bytes: Buffer.from(body), headers });
    if (req.path === `${P}/partitions`) return answer(200, JSON.stringify({ partitions }));
    const m = /orders(?:-partition-(\d+))?\/(?:examinemessage\?initialPosition=latest&messagePosition=(\d+)|subscription\/s\/position\/(\d+))$/.exec(req.path);
    if (!m) return answer(404, '{"reason":"not in the script"}');
    const p = Number(m[1] ?? 0);
    const n = Number(m[2] ?? m[3]);
    if (n > depth) return answer(m[2] ? 500 : 404, '{"reason":"past the end"}');
    // Examine counts from the newest, a subscription from the oldest.
    const k = m[2] ? n : depth + 1 - n;
    return answer(200, Buffer.alloc(size, 0x61), { "x-pulsar-message-id": `${p}:${k}`, "x-pulsar-publish-time": new Date(time(p, k)).toISOString() });
  });
  return { admin, calls };
}

const ids = (r: { messages: { messageId?: string }[] }): string[] => r.messages.map((m) => m.messageId ?? "");
const examined = (calls: string[]): number => calls.filter((c) => !c.endsWith("/partitions")).length;

describe("sidebar-peek", () => {
  it("a partitioned topic: merged newest first, at most partitions + count calls", async () => {
    // Partition p's message n (1 = newest) at 1000 - 10n + p: partition 2 is newest at every depth.
    const { admin, calls } = fakePulsar(3, 50, (p, n) => 1_000_000 - 10 * n + p);
    const r = await peekMessages(admin, topic, undefined, 4, () => false);
    assert.deepEqual(ids(r), ["2:1", "1:1", "0:1", "2:2"]);
    assert.deepEqual({ partitions: r.partitions, examined: r.examined, cut: r.cut }, { partitions: 3, examined: 3, cut: 0 });
    assert.ok(examined(calls) <= 3 + 4, `${examined(calls)} calls`);
  });

  it("a subscription of a partitioned topic: the next ones (oldest first) merged across partitions", async () => {
    const { admin } = fakePulsar(2, 3, (p, n) => 1_000_000 - 10 * n + p);
    const r = await peekMessages(admin, topic, "s", 10, () => false);
    // Oldest first: position 3 of each, then 2, then 1; partition 0 first at equal depth (it is older).
    assert.deepEqual(ids(r), ["0:3", "1:3", "0:2", "1:2", "0:1", "1:1"]);
  });

  it("examines at most PEEK_MAX_PARTITIONS partitions and says so", async () => {
    const { admin, calls } = fakePulsar(100, 5, (p, n) => 1_000_000 - 10 * n + p);
    const r = await peekMessages(admin, topic, undefined, 3, () => false);
    assert.deepEqual({ partitions: r.partitions, examined: r.examined }, { partitions: 100, examined: PEEK_MAX_PARTITIONS });
    assert.ok(calls.every((c) => !/partition-(\d+)/.test(c) || Number(/partition-(\d+)/.exec(c)![1]) < PEEK_MAX_PARTITIONS));
    assert.deepEqual(ids(r), [`${PEEK_MAX_PARTITIONS - 1}:1`, `${PEEK_MAX_PARTITIONS - 2}:1`, `${PEEK_MAX_PARTITIONS - 3}:1`]);
  });

  it("cuts a payload longer than PEEK_PAYLOAD_BYTES as soon as it is read (a copy, not a view of the whole)", async () => {
    const { admin } = fakePulsar(0, 2, (_p, n) => 1_000_000 - n, PEEK_PAYLOAD_BYTES * 4);
    const r = await peekMessages(admin, topic, undefined, 2, () => false);
    assert.equal(r.cut, 2);
    for (const m of r.messages) {
      assert.equal(m.payload.length, PEEK_PAYLOAD_BYTES);
      assert.equal(m.payload.buffer.byteLength < PEEK_PAYLOAD_BYTES * 4, true, "the payload keeps the whole answer alive");
    }
  });

  it("stops calling Pulsar once nobody waits for the answer", async () => {
    const { admin, calls } = fakePulsar(8, 50, (p, n) => 1_000_000 - 10 * n + p);
    let gone = false;
    const before = (): number => examined(calls);
    await assert.rejects(
      peekMessages(admin, topic, undefined, 20, () => {
        if (before() >= 5) gone = true;
        return gone;
      }),
      { code: "sidebar-peek-gone" },
    );
    assert.ok(examined(calls) <= 5 + 3, `${examined(calls)} calls after the request was gone`);
  });
});
