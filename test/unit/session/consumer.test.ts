/**
 * ConsumerSession (consumer and reader) on its own against the fake Pulsar: the server's push
 * window only moves when messages are answered, the pull window's permits follow answers, pause
 * and resume, and a reader that reconnects resumes right after the last message it emitted.
 */
import assert from "node:assert/strict";
import type { PulsarError } from "../../../nodes/lib/protocol/errors";
import type { ConsumerMessageFrame } from "../../../nodes/lib/protocol/server-frames";
import { ConsumerSession, type ConsumerSessionOptions } from "../../../nodes/lib/session/consumer";
import { sleep, until } from "../../support/wait";
import { CONSUMER, framesTo, READER, RECONNECT_MIN_MS, sessionBed, socketDefaults, text } from "./fixture";

interface Recorded {
  messages: ConsumerMessageFrame[];
  unacked: number[];
  errors: PulsarError[];
  /** The resumeAfter argument of every url() call, one per connection attempt. */
  urls: (string | undefined)[];
}

describe("session/consumer", () => {
  const bed = sessionBed();

  function session(path: (resumeAfter: string | undefined) => string, extra: Partial<Omit<ConsumerSessionOptions, "socket" | "url">> = {}): { s: ConsumerSession; seen: Recorded } {
    const seen: Recorded = { messages: [], unacked: [], errors: [], urls: [] };
    const s = new ConsumerSession({
      socket: socketDefaults(bed.clock),
      url: (resumeAfter) => {
        seen.urls.push(resumeAfter);
        return bed.fake.wsUrl + path(resumeAfter);
      },
      kind: "consumer",
      pullMode: false,
      pullWindow: 0,
      ...extra,
    });
    s.on("message", (m) => seen.messages.push(m));
    s.on("unacked", (n) => seen.unacked.push(n));
    s.on("protocolError", (e) => seen.errors.push(e));
    bed.closeAfter(s, (c) => c.close());
    return { s, seen };
  }

  const opened = (s: ConsumerSession): Promise<true> => until(() => s.state.state === "open", 10_000, "the session to open");
  const received = (seen: Recorded, count: number): Promise<true> =>
    until(() => seen.messages.length >= count, 10_000, `${count} messages`, { detail: () => `got ${seen.messages.length}` });
  const payloads = (seen: Recorded): string[] => seen.messages.map((m) => text(m.payload));
  const publish = (...names: string[]): string[] => names.map((payload) => bed.fake.publish("t", { payload }).messageId);

  it("gets no more than the push window while messages go unanswered, and the rest once each is acked", async () => {
    const { s, seen } = session(() => `${CONSUMER}/t/s?receiverQueueSize=3`);
    await opened(s);
    publish("m0", "m1", "m2", "m3", "m4");
    await received(seen, 3);
    await sleep(100); // real time for a message beyond the window that must not come
    assert.deepEqual(payloads(seen), ["m0", "m1", "m2"]);
    assert.equal(s.unackedCount, 3);
    assert.deepEqual(seen.unacked, [1, 2, 3]);

    s.on("message", (m) => s.ack(m.messageId));
    for (const m of [...seen.messages]) assert.equal(s.ack(m.messageId), true);
    await received(seen, 5);
    assert.deepEqual(payloads(seen), ["m0", "m1", "m2", "m3", "m4"]);
    await until(() => bed.fake.subscriptionState("t", "s")?.backlog === 0, 10_000, "the broker to see every ack");
    assert.equal(s.unackedCount, 0);
    assert.equal(seen.unacked.at(-1), 0);
  });

  it("answers with a nack too: the slot frees and the broker redelivers", async () => {
    const frames = framesTo(bed.fake, "consumer");
    const { s, seen } = session(() => `${CONSUMER}/t/s?receiverQueueSize=1&subscriptionType=Shared&negativeAckRedeliveryDelay=20`);
    await opened(s);
    const [id] = publish("poison");
    await received(seen, 1);
    assert.equal(s.nack(id), true);
    assert.equal(s.unackedCount, 0);
    await received(seen, 2);
    assert.deepEqual([seen.messages[1].messageId, seen.messages[1].redeliveryCount], [id, 1]);
    assert.deepEqual(frames.map((f) => f.frame), [{ type: "negativeAcknowledge", messageId: id }]);
  });

  it("forgets on a drop what the old socket had not answered, and reports frames it cannot use", async () => {
    const { s, seen } = session(() => `${CONSUMER}/t/s?subscriptionType=Shared`);
    await opened(s);
    publish("m0");
    await received(seen, 1);
    bed.fake.sendRaw({ role: "consumer" }, "{not json");
    bed.fake.sendRaw({ role: "consumer" }, '{"result":"ok","messageId":"CAcQAzAA","context":"1"}');
    bed.fake.sendRaw({ role: "consumer" }, '{"type":"SOMETHING_NEWER"}');
    await until(() => seen.errors.length === 2, 10_000, "two protocol errors");
    assert.deepEqual(seen.errors.map((e) => e.code), ["bad-frame", "bad-frame"]);
    assert.equal(seen.errors[1].details.reason, "unexpected producer ack");

    bed.fake.dropConnections({ role: "consumer" });
    await until(() => s.state.state === "retrying", 10_000, "the drop");
    assert.equal(s.unackedCount, 0);
    assert.equal(seen.unacked.at(-1), 0);
    bed.clock.advance(RECONNECT_MIN_MS);
    await received(seen, 2);
    assert.deepEqual([text(seen.messages[1].payload), seen.messages[1].redeliveryCount], ["m0", 1]);
    assert.deepEqual(seen.urls, [undefined, undefined], "a consumer's subscription keeps its own position");
  });

  it("pull mode: keeps pullWindow permits out, one more per answer, none while paused, a fresh window per socket", async () => {
    const frames = framesTo(bed.fake, "consumer");
    const permits = (): number[] => frames.filter((f) => f.frame.type === "permit").map((f) => Number(f.frame.permitMessages));
    const { s, seen } = session(() => `${CONSUMER}/t/s?pullMode=true&subscriptionInitialPosition=Earliest`, { pullMode: true, pullWindow: 2 });
    publish("m0", "m1", "m2", "m3", "m4");
    await opened(s);
    await received(seen, 2);
    await sleep(100);
    assert.equal(seen.messages.length, 2, "no more than the window");
    assert.deepEqual(permits(), [2]);

    s.ack(seen.messages[0].messageId);
    await received(seen, 3);
    assert.deepEqual(permits(), [2, 1]);

    s.pause();
    assert.equal(s.isPaused, true);
    s.ack(seen.messages[1].messageId);
    s.ack(seen.messages[2].messageId);
    await until(() => frames.length >= 5, 10_000, "three acks and two permits at the bed.fake");
    await sleep(100);
    assert.deepEqual(permits(), [2, 1], "no permit while paused");
    assert.equal(seen.messages.length, 3);

    s.resume();
    await received(seen, 5);
    assert.deepEqual(permits(), [2, 1, 2], "the permits owed while paused, at once");
    assert.deepEqual(payloads(seen), ["m0", "m1", "m2", "m3", "m4"]);

    const first = frames[0].connection;
    bed.fake.dropConnections({ role: "consumer" });
    await until(() => s.state.state === "retrying", 10_000, "the drop");
    bed.clock.advance(RECONNECT_MIN_MS);
    await until(() => frames.some((f) => f.connection !== first), 10_000, "the new socket's permits");
    assert.deepEqual(frames.filter((f) => f.connection !== first).map((f) => f.frame), [{ type: "permit", permitMessages: 2 }]);
  });

  it("reader: answers every message (the server's window counts frames) and resumes after the last one emitted", async () => {
    const frames = framesTo(bed.fake, "reader");
    const ids = publish("m0", "m1", "m2");
    const { s, seen } = session((after) => `${READER}/t?receiverQueueSize=1&messageId=${encodeURIComponent(after ?? "earliest")}`, { kind: "reader" });
    s.on("message", (m) => (seen.messages.length === 2 ? s.nack(m.messageId) : s.ack(m.messageId)));
    await received(seen, 3);
    await until(() => frames.length === 3, 10_000, "the third answer at the bed.fake");
    assert.deepEqual(frames.map((f) => f.frame), ids.map((messageId) => ({ messageId })), "ack-shaped frames, never a nack");

    bed.fake.dropConnections({ role: "reader" });
    await until(() => s.state.state === "retrying", 10_000, "the drop");
    bed.clock.advance(RECONNECT_MIN_MS);
    await opened(s);
    assert.deepEqual(seen.urls, [undefined, ids[2]]);
    assert.equal(bed.fake.handshakes({ role: "reader" })[1].query.messageId, ids[2]);
    publish("m3");
    await received(seen, 4);
    await sleep(100);
    assert.deepEqual(payloads(seen), ["m0", "m1", "m2", "m3"], "nothing replayed");
  });
});
