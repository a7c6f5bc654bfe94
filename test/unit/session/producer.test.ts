/**
 * ProducerSession on its own against the fake Pulsar: a send completes exactly once, on the
 * server's ack; the in-flight window and the offline buffer are bounded; what was on the wire
 * when the socket dropped goes again first and in order; close fails what is left.
 */
import assert from "node:assert/strict";
import { PulsarError } from "../../../nodes/lib/protocol/errors";
import { CONTEXT_OVERHEAD, prepareFrame } from "../../../nodes/lib/protocol/produce";
import { ProducerSession, type ProducerCounts, type ProducerSessionOptions } from "../../../nodes/lib/session/producer";
import { sleep, until } from "../../support/wait";
import { framesTo, PRODUCER, RECONNECT_MIN_MS, sessionBed, socketDefaults, text } from "./fixture";

interface Sent {
  payload: string;
  /** Every callback call: more than one would be a bug. */
  calls: { err?: PulsarError; messageId?: string }[];
}

describe("session/producer", () => {
  const bed = sessionBed();

  function producer(extra: Partial<Omit<ProducerSessionOptions, "socket">> = {}): ProducerSession {
    const session = new ProducerSession({
      socket: { ...socketDefaults(bed.clock), url: `${bed.fake.wsUrl}${PRODUCER}/t` },
      maxInFlight: 10,
      bufferMessages: 100,
      bufferBytes: 1 << 20,
      maxFrameSize: 1 << 20,
      ...extra,
    });
    bed.closeAfter(session, (c) => c.close(0));
    return session;
  }

  function send(session: ProducerSession, payload: string): Sent {
    const sent: Sent = { payload, calls: [] };
    session.send(prepareFrame({ payload }), (err, messageId) => sent.calls.push({ err, messageId }));
    return sent;
  }

  const opened = (s: ProducerSession): Promise<true> => until(() => s.state.state === "open", 10_000, "the producer to open");
  const settled = (all: Sent[], timeoutMs = 10_000): Promise<true> =>
    until(() => all.every((s) => s.calls.length > 0), timeoutMs, "every send to complete", { detail: () => `${all.filter((s) => s.calls.length > 0).length}/${all.length} done` });
  const stored = (): string[] => bed.fake.messages("t").map((m) => m.payload.toString());

  function assertOnce(sent: Sent): { err?: PulsarError; messageId?: string } {
    assert.equal(sent.calls.length, 1, `${sent.payload} completed ${sent.calls.length} times`);
    return sent.calls[0];
  }

  it("completes a send only when the server acks it, with the message id", async () => {
    bed.fake.holdAcks();
    const p = producer();
    const sent = send(p, "a");
    await until(() => bed.fake.messages("t").length === 1, 10_000, "the bed.fake to store the message");
    assert.deepEqual(sent.calls, [], "stored but not acked: not done");
    assert.equal(p.idle, false);
    bed.fake.releaseAcks();
    await settled([sent]);
    assert.deepEqual(assertOnce(sent), { err: undefined, messageId: bed.fake.messages("t")[0].messageId });
    assert.equal(p.idle, true);
  });

  it("fails a send the server answers with send-error, and carries on", async () => {
    const p = producer();
    await opened(p);
    bed.fake.failNextSends(1, "send-error:8", "Topic was terminated");
    const failed = send(p, "a");
    const next = send(p, "b");
    await settled([failed, next]);
    const { err } = assertOnce(failed);
    assert.ok(err instanceof PulsarError);
    assert.equal(err.code, "send-error");
    assert.deepEqual(err.details, { result: "send-error:8", message: "Topic was terminated" });
    assert.equal(assertOnce(next).err, undefined);
    assert.deepEqual(stored(), ["b"]);
  });

  it("keeps at most maxInFlight frames on the wire; the rest wait and go in order as acks come", async () => {
    const p = producer({ maxInFlight: 2 });
    await opened(p);
    bed.fake.holdAcks();
    const all = ["m0", "m1", "m2", "m3", "m4"].map((payload) => send(p, payload));
    assert.deepEqual(p.counts, { inFlight: 2, queued: 3, queuedBytes: 3 * (prepareFrame({ payload: "m2" }).bytes + CONTEXT_OVERHEAD) });
    await until(() => bed.fake.messages("t").length === 2, 10_000, "the first window");
    await sleep(100); // real time for a frame beyond the window that must not come
    assert.deepEqual(stored(), ["m0", "m1"]);
    bed.fake.releaseAcks();
    await settled(all);
    for (const sent of all) assert.equal(assertOnce(sent).err, undefined);
    assert.deepEqual(stored(), ["m0", "m1", "m2", "m3", "m4"]);
    assert.deepEqual(p.counts, { inFlight: 0, queued: 0, queuedBytes: 0 });
  });

  it("buffers while offline up to bufferMessages, refuses beyond with one error until there is room, then sends in order", async () => {
    bed.fake.handshakeHook = () => ({ status: 503 });
    const p = producer({ bufferMessages: 3 });
    const counts: ProducerCounts[] = [];
    p.on("counts", (c) => counts.push(c));
    await until(() => p.state.state === "retrying", 10_000, "the first refusal");
    const buffered = ["m0", "m1", "m2"].map((payload) => send(p, payload));
    assert.deepEqual(counts.map((c) => c.queued), [1, 2, 3], "the status hears of each buffered send");
    const refused = [send(p, "m3"), send(p, "m4")];
    const first = assertOnce(refused[0]).err;
    assert.ok(first instanceof PulsarError);
    assert.equal(first.code, "buffer-full");
    assert.equal(first.errorClass, "overflow");
    assert.equal(first.details.messages, 3);
    assert.equal(first.details.maxMessages, 3);
    assert.equal(assertOnce(refused[1]).err, first, "the same error, without building a new one");
    assert.equal(p.refusal, first);
    assert.deepEqual(buffered.map((s) => s.calls.length), [0, 0, 0]);

    bed.fake.handshakeHook = undefined;
    bed.clock.advance(RECONNECT_MIN_MS);
    await settled(buffered);
    for (const sent of buffered) assert.equal(assertOnce(sent).err, undefined);
    assert.deepEqual(stored(), ["m0", "m1", "m2"]);
    assert.equal(p.refusal, undefined);
    const after = send(p, "m5");
    await settled([after]);
    assert.equal(assertOnce(after).err, undefined);
  });

  it("takes new buffer bounds while running: what is buffered stays, later sends meet the new bounds", async () => {
    bed.fake.handshakeHook = () => ({ status: 503 });
    const p = producer({ bufferMessages: 4 });
    await until(() => p.state.state === "retrying", 10_000, "the first refusal");
    const buffered = ["m0", "m1", "m2"].map((payload) => send(p, payload));
    p.setBufferBounds(2, 1 << 20);
    const refused = send(p, "m3");
    assert.equal(assertOnce(refused).err?.code, "buffer-full");
    assert.equal(assertOnce(refused).err?.details.maxMessages, 2);
    assert.deepEqual(buffered.map((s) => s.calls.length), [0, 0, 0], "nothing already taken is dropped");
    p.setBufferBounds(5, 1 << 20);
    const roomAgain = send(p, "m4");
    assert.equal(roomAgain.calls.length, 0, "buffered: a larger bound ends the refusal");
    bed.fake.handshakeHook = undefined;
    bed.clock.advance(RECONNECT_MIN_MS);
    await settled([...buffered, roomAgain]);
    assert.deepEqual(stored(), ["m0", "m1", "m2", "m4"]);
  });

  it("bounds the offline buffer in bytes too, and refuses a frame above the server's frame limit at once", async () => {
    const frameBytes = prepareFrame({ payload: "m0" }).bytes + CONTEXT_OVERHEAD;
    bed.fake.handshakeHook = () => ({ status: 503 });
    const p = producer({ bufferBytes: 2 * frameBytes + 1, maxFrameSize: 200 });
    await until(() => p.state.state === "retrying", 10_000, "the first refusal");
    const buffered = [send(p, "m0"), send(p, "m1")];
    const { err } = assertOnce(send(p, "m2"));
    assert.ok(err instanceof PulsarError);
    assert.equal(err.code, "buffer-full");
    assert.deepEqual([err.details.bytes, err.details.maxBytes], [2 * frameBytes, 2 * frameBytes + 1]);
    assert.deepEqual(buffered.map((s) => s.calls.length), [0, 0]);

    const big = assertOnce(send(p, "x".repeat(300))).err;
    assert.ok(big instanceof PulsarError);
    assert.equal(big.code, "frame-too-large");
    assert.deepEqual(big.details, { size: prepareFrame({ payload: "x".repeat(300) }).bytes + CONTEXT_OVERHEAD, limit: 200 });
    assert.equal(p.counts.queued, 2);
  });

  it("sends again what was on the wire when the socket dropped, first and in order, then the queue", async () => {
    const frames = framesTo(bed.fake, "producer");
    const p = producer({ maxInFlight: 3 });
    await opened(p);
    bed.fake.holdAcks();
    const all = ["a", "b", "c", "d"].map((payload) => send(p, payload));
    await until(() => bed.fake.messages("t").length === 3, 10_000, "a, b and c on the wire");
    bed.fake.dropConnections({ role: "producer" });
    await until(() => p.state.state === "retrying", 10_000, "the drop");
    assert.deepEqual(p.counts, { inFlight: 0, queued: 4, queuedBytes: 4 * (prepareFrame({ payload: "a" }).bytes + CONTEXT_OVERHEAD) });
    assert.deepEqual(all.map((s) => s.calls.length), [0, 0, 0, 0], "a drop completes nothing");

    bed.fake.releaseAcks();
    bed.clock.advance(RECONNECT_MIN_MS);
    await settled(all);
    for (const sent of all) assert.equal(assertOnce(sent).err, undefined);
    const [first, second] = [...new Set(frames.map((f) => f.connection))];
    assert.deepEqual(frames.filter((f) => f.connection === first).map((f) => text(f.frame.payload)), ["a", "b", "c"]);
    assert.deepEqual(frames.filter((f) => f.connection === second).map((f) => text(f.frame.payload)), ["a", "b", "c", "d"]);
    assert.deepEqual(stored(), ["a", "b", "c", "a", "b", "c", "d"], "at-least-once: duplicates, nothing lost");
  });

  it("close(0) fails what is in flight or queued with closed-before-ack, and refuses later sends", async () => {
    const p = producer({ maxInFlight: 1 });
    await opened(p);
    bed.fake.holdAcks();
    const left = [send(p, "a"), send(p, "b")];
    await until(() => bed.fake.messages("t").length === 1, 10_000, "a on the wire");
    await p.close(0);
    for (const sent of left) {
      const { err } = assertOnce(sent);
      assert.ok(err instanceof PulsarError);
      assert.deepEqual([err.code, err.errorClass, err.details.timeout], ["closed-before-ack", "closed", 0]);
    }
    const late = assertOnce(send(p, "c")).err;
    assert.ok(late instanceof PulsarError);
    assert.equal(late.code, "closing");
    assert.deepEqual(p.state, { state: "closed" });
  });

  it("close(timeout) waits for acks up to the timeout: done when they come, closed-before-ack when they do not", async () => {
    const p = producer();
    await opened(p);
    bed.fake.holdAcks();
    const acked = send(p, "a");
    await until(() => bed.fake.messages("t").length === 1, 10_000, "a on the wire");
    const closing = p.close(10_000);
    await sleep(50);
    assert.deepEqual(acked.calls, []);
    bed.fake.releaseAcks();
    await closing;
    assert.equal(assertOnce(acked).err, undefined);

    const q = producer();
    await opened(q);
    bed.fake.holdAcks();
    const stuck = send(q, "b");
    await until(() => bed.fake.messages("t").length === 2, 10_000, "b on the wire");
    const started = Date.now();
    await q.close(200);
    assert.ok(Date.now() - started >= 190, "waited for the ack");
    const { err } = assertOnce(stuck);
    assert.ok(err instanceof PulsarError);
    assert.deepEqual([err.code, err.details.timeout], ["closed-before-ack", 200]);
  });

  it("fails what is queued and every later send when the server refuses the session for good (400)", async () => {
    bed.fake.refuseNext(400, "Invalid query params: No enum constant");
    const p = producer();
    const queued = send(p, "a");
    await until(() => p.state.state === "failed", 10_000, "the 400");
    for (const sent of [queued, send(p, "b")]) {
      const { err } = assertOnce(sent);
      assert.ok(err instanceof PulsarError);
      assert.equal(err.code, "session-failed");
      assert.deepEqual(err.details, { status: 400, message: "Invalid query params: No enum constant" });
    }
  });
});
