/**
 * ConsumerGroup against the fake Pulsar: one session per topic, acks routed to the session that
 * delivered the id (or the msg's topic), the cap, pause applied to sessions opened later,
 * disconnect/connect keeping the list, restart around an action, and whenOpen's refusals.
 */
import assert from "node:assert/strict";
import type { ConsumerMessageFrame } from "../../../nodes/lib/protocol/server-frames";
import { parseTopic, type TopicName } from "../../../nodes/lib/protocol/topics";
import { ConsumerSession } from "../../../nodes/lib/session/consumer";
import { ConsumerGroup, whenOpen } from "../../../nodes/lib/session/consumer-group";
import { PulsarError } from "../../../nodes/lib/protocol/errors";
import { until } from "../../support/wait";
import { CONSUMER, sessionBed, socketDefaults, text } from "./fixture";

const defaults = { tenant: "public", namespace: "default" };
const topic = (name: string): TopicName => parseTopic(name, defaults);

describe("session/consumer-group", () => {
  const bed = sessionBed();

  function group(maxSessions = 10, pullMode = false): { g: ConsumerGroup; seen: Array<[string, string]> } {
    const g = new ConsumerGroup({
      maxSessions,
      open: (t) => new ConsumerSession({ socket: socketDefaults(bed.clock), url: () => `${bed.fake.wsUrl}${CONSUMER}/${t.local}/s?subscriptionInitialPosition=Earliest${pullMode ? "&pullMode=true" : ""}`, kind: "consumer", pullMode, pullWindow: 5 }),
    });
    const seen: Array<[string, string]> = [];
    g.on("message", (frame: ConsumerMessageFrame, t) => seen.push([t.local, text(frame.payload)]));
    bed.closeAfter(g, (x) => x.close());
    return { g, seen };
  }

  const openAll = (g: ConsumerGroup): Promise<void> => whenOpen(g.sessions().map((s) => s.session), 10_000);

  it("one session per topic; acks go to the session that delivered the id; one unacked count", async () => {
    const { g, seen } = group();
    g.add([topic("a"), topic("b"), topic("a")]);
    assert.deepEqual(g.topicNames, ["persistent://public/default/a", "persistent://public/default/b"]);
    await openAll(g);
    const ida = bed.fake.publish("a", { payload: "x" }).messageId;
    const idb = bed.fake.publish("b", { payload: "y" }).messageId;
    await until(() => seen.length === 2, 5000, "two messages");
    assert.equal(g.unackedCount, 2);
    assert.equal(g.ack(idb), true);
    assert.equal(g.ack(ida), true);
    await until(() => bed.fake.subscriptionState("a", "s")?.backlog === 0 && bed.fake.subscriptionState("b", "s")?.backlog === 0, 5000, "both acked");
    assert.equal(g.unackedCount, 0);
  });

  it("an unknown id goes to the topic the msg names, to the only session without one, and nowhere for a removed topic", async () => {
    const { g } = group();
    g.add([topic("a")]);
    await openAll(g);
    assert.equal(g.ack("CAcQAzAA"), true, "the only session");
    g.add([topic("b")]);
    await openAll(g);
    assert.equal(g.ack("CAcQAzAA"), undefined, "two sessions, no hint");
    assert.equal(g.ack("CAcQAzAA", "persistent://public/default/b"), true);
    await g.remove(["persistent://public/default/b"]);
    assert.equal(g.ack("CAcQAzAA", "persistent://public/default/b"), undefined, "b is not consumed any more");
    assert.equal(g.ack("CAcQAzAA", "persistent://public/default/renamed-by-the-flow"), true, "a msg.topic changed by the flow: the only session");
  });

  it("refuses beyond the cap, all or nothing", async () => {
    const { g } = group(2);
    g.add([topic("a")]);
    assert.throws(() => g.add([topic("b"), topic("c")]), (err: unknown) => err instanceof PulsarError && err.code === "too-many-topics" && err.details.max === 2);
    assert.deepEqual(g.topicNames, ["persistent://public/default/a"]);
    g.add([topic("a"), topic("b")]);
    assert.equal(g.size, 2);
  });

  it("pause reaches sessions opened later; disconnect/connect keep the list; restart reopens after the action", async () => {
    const { g, seen } = group(10, true);
    g.add([topic("a")]);
    g.pause();
    g.add([topic("b")]);
    await openAll(g);
    bed.fake.publish("b", { payload: "held" });
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(seen.length, 0, "paused before its first permit");
    g.resume();
    await until(() => seen.length === 1, 5000, "resumed");
    await g.disconnect();
    assert.equal(bed.fake.openConnections({ role: "consumer" }).length, 0);
    assert.equal(g.size, 2);
    g.connect();
    await openAll(g);
    assert.equal(bed.fake.openConnections({ role: "consumer" }).length, 2);
    let during = -1;
    await g.restart(["persistent://public/default/a"], async () => {
      during = bed.fake.openConnections({ role: "consumer", topic: "a" }).length;
    });
    assert.equal(during, 0, "closed while the action ran");
    await openAll(g);
    await assert.rejects(g.restart(["persistent://public/default/a"], () => Promise.reject(new Error("reset refused"))), /reset refused/);
    assert.ok(g.sessionOf("persistent://public/default/a"), "reopened after a failed action too");
  });

  it("whenOpen names a refusal with its HTTP status", async () => {
    const { g } = group();
    bed.fake.refuseNext(404, "Topic not found", 1, { topic: "gone" });
    const [s] = g.add([topic("gone")]);
    await assert.rejects(whenOpen([s], 10_000), (err: unknown) => err instanceof PulsarError && err.code === "session-refused" && err.details.status === 404);
  });
});
