/**
 * ConsumerGroup against the fake Pulsar: one session per topic, acks routed to the session that
 * delivered the id (or the msg's topic), the cap, pause applied to sessions opened later,
 * disconnect/connect keeping the list, restart around an action, and whenOpen's refusals; a
 * topic with several sessions (one Shared subscription opened N times, or one session per
 * partition) presenting one stream.
 */
import assert from "node:assert/strict";
import type { ConsumerMessageFrame } from "../../../nodes/lib/protocol/server-frames";
import { parseTopic, type TopicName } from "../../../nodes/lib/protocol/topics";
import { ConsumerSession } from "../../../nodes/lib/session/consumer";
import { ConsumerGroup, whenOpen, type ConsumerGroupOptions } from "../../../nodes/lib/session/consumer-group";
import { encodeMessageId } from "../../../nodes/lib/protocol/message-id";
import { partitionTopic } from "../../../nodes/lib/protocol/topics";
import { PulsarError } from "../../../nodes/lib/protocol/errors";
import { until } from "../../support/wait";
import { CONSUMER, sessionBed, socketDefaults, text } from "./fixture";

const defaults = { tenant: "public", namespace: "default" };
const topic = (name: string): TopicName => parseTopic(name, defaults);

describe("session/consumer-group", () => {
  const bed = sessionBed();

  interface GroupSetup {
    maxSessions?: number;
    pullMode?: boolean;
    subscriptionType?: string;
    targets?: ConsumerGroupOptions["targets"];
  }

  function group(maxSessions = 10, pullMode = false, more: GroupSetup = {}): { g: ConsumerGroup; seen: Array<[string, string]>; lanesAsked: number[] } {
    const type = more.subscriptionType ? `&subscriptionType=${more.subscriptionType}` : "";
    const lanesAsked: number[] = [];
    const g = new ConsumerGroup({
      maxSessions,
      targets: more.targets,
      open: (target, _topic, lanes) => {
        lanesAsked.push(lanes);
        return new ConsumerSession({ socket: socketDefaults(bed.clock), url: () => `${bed.fake.wsUrl}${CONSUMER}/${target.local}/s?subscriptionInitialPosition=Earliest${pullMode ? "&pullMode=true" : ""}${type}`, kind: "consumer", pullMode, pullWindow: 5 });
      },
    });
    const seen: Array<[string, string]> = [];
    g.on("message", (frame: ConsumerMessageFrame, lane) => seen.push([lane.topic.local, text(frame.payload)]));
    bed.closeAfter(g, (x) => x.close());
    return { g, seen, lanesAsked };
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
    assert.equal(g.sessionsOf("persistent://public/default/a").length, 1, "reopened after a failed action too");
  });

  it("whenOpen names a refusal with its HTTP status", async () => {
    const { g } = group();
    bed.fake.refuseNext(404, "Topic not found", 1, { topic: "gone" });
    const [s] = g.add([topic("gone")]);
    await assert.rejects(whenOpen([s], 10_000), (err: unknown) => err instanceof PulsarError && err.code === "session-refused" && err.details.status === 404);
  });

  it("whenOpen answers at once for a session already refused or stopped, instead of waiting out its timeout", async () => {
    const { g } = group();
    bed.fake.refuseNext(400, "Invalid query params", 1, { topic: "bad" });
    bed.fake.refuseNext(404, "Topic not found", 1, { topic: "gone" });
    const [bad, gone] = g.add([topic("bad"), topic("gone")]);
    await until(() => bad.state.state === "failed" && gone.state.state === "retrying", 5000, "both refused");
    const started = Date.now();
    await assert.rejects(whenOpen([bad], 10_000), (err: unknown) => err instanceof PulsarError && err.code === "session-refused" && err.details.status === 400);
    await assert.rejects(whenOpen([gone], 10_000), (err: unknown) => err instanceof PulsarError && err.code === "session-refused" && err.details.status === 404);
    assert.ok(Date.now() - started < 1000, `answered after ${Date.now() - started} ms`);
    await bad.close();
    await assert.rejects(whenOpen([bad], 10_000), (err: unknown) => err instanceof PulsarError && err.code === "closing");
  });

  describe("no session opens once the group is closed", () => {
    const A = "persistent://public/default/a";
    // One session on the topic until `parts` says partitions: a change that closes and reopens.
    function racing(): { g: ConsumerGroup; opens: () => number; setParts: (n: number) => void } {
      let parts = 1;
      const { g, lanesAsked } = group(10, false, { targets: (t) => (parts === 1 ? [{ target: t }] : Array.from({ length: parts }, (_, k) => ({ target: partitionTopic(t, k, parts), partition: k }))) });
      return { g, opens: () => lanesAsked.length, setParts: (n) => (parts = n) };
    }
    async function noneOpenLater(g: ConsumerGroup, opens: () => number, before: number): Promise<void> {
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(opens(), before, "a session was opened after close()");
      assert.deepEqual(g.sessions(), []);
      assert.equal(bed.fake.openConnections({ role: "consumer" }).length, 0);
    }

    it("retarget: close() while it closes the old sessions", async () => {
      const { g, opens, setParts } = racing();
      g.add([topic("a")]);
      await openAll(g);
      setParts(2);
      const retargeted = g.retarget(A);
      await g.close();
      assert.deepEqual(await retargeted, []);
      await noneOpenLater(g, opens, 1);
    });

    it("retarget with added partitions, and connect and add: after close() nothing opens", async () => {
      const { g, opens, setParts } = racing();
      setParts(2);
      g.add([topic("a")]);
      await openAll(g);
      setParts(3);
      await g.close();
      assert.deepEqual(await g.retarget(A), []);
      assert.throws(() => g.connect(), (e: unknown) => e instanceof PulsarError && e.code === "closing");
      assert.throws(() => g.add([topic("b")]), (e: unknown) => e instanceof PulsarError && e.code === "closing");
      await noneOpenLater(g, opens, 2);
    });

    it("restart: close() while it closes the sessions, and while the action runs", async () => {
      for (const when of ["closing", "between"] as const) {
        const { g, opens } = racing();
        g.add([topic("a")]);
        await openAll(g);
        const restarted = g.restart([A], async () => {
          if (when === "between") await g.close();
        });
        if (when === "closing") await g.close();
        assert.deepEqual(await restarted, []);
        await noneOpenLater(g, opens, 1);
      }
    });

    it("disconnect, then close() while it runs: connect afterwards opens nothing", async () => {
      const { g, opens } = racing();
      g.add([topic("a")]);
      await openAll(g);
      const disconnected = g.disconnect();
      await g.close();
      await disconnected;
      assert.throws(() => g.connect(), (e: unknown) => e instanceof PulsarError && e.code === "closing");
      await noneOpenLater(g, opens, 1);
    });
  });

  describe("several sessions per topic", () => {
    const threeOnTheTopic: ConsumerGroupOptions["targets"] = (t) => [{ target: t }, { target: t }, { target: t }];

    it("a Shared subscription opened three times: the messages spread over the sessions, one stream, one unacked count, acks where they came from", async () => {
      const { g, seen, lanesAsked } = group(10, false, { subscriptionType: "Shared", targets: threeOnTheTopic });
      const opened = g.add([topic("s")]);
      assert.equal(opened.length, 3);
      assert.deepEqual(lanesAsked, [3, 3, 3], "each session knows the topic has three");
      await openAll(g);
      assert.equal(bed.fake.openConnections({ role: "consumer", topic: "s" }).length, 3);
      const ids = Array.from({ length: 9 }, (_, i) => bed.fake.publish("s", { payload: `m${i}` }).messageId);
      await until(() => seen.length === 9, 5000, "nine messages");
      assert.ok(seen.every(([t]) => t === "s"), "every message under the topic's own name");
      assert.deepEqual(seen.map(([, p]) => p).sort(), ids.map((_, i) => `m${i}`).sort());
      const perSession = g.sessionsOf("persistent://public/default/s").map((s) => s.unackedCount);
      assert.ok(perSession.filter((n) => n > 0).length >= 2, `spread over the sessions: ${perSession.join(",")}`);
      assert.equal(g.unackedCount, 9);
      for (const id of ids) assert.equal(g.ack(id), true);
      assert.equal(g.unackedCount, 0);
      await until(() => bed.fake.subscriptionState("s", "s")?.backlog === 0, 5000, "all acked on the broker");
    });

    it("pause and resume reach every session; disconnect closes them all and connect opens them all again", async () => {
      const { g, seen } = group(10, true, { subscriptionType: "Shared", targets: threeOnTheTopic });
      g.add([topic("p")]);
      g.pause();
      await openAll(g);
      for (let i = 0; i < 6; i++) bed.fake.publish("p", { payload: `held${i}` });
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(seen.length, 0, "no session was granted permits while paused");
      g.resume();
      await until(() => seen.length === 6, 5000, "resumed");
      await g.disconnect();
      assert.equal(bed.fake.openConnections({ role: "consumer" }).length, 0);
      assert.deepEqual(g.sessions(), []);
      g.connect();
      await openAll(g);
      assert.equal(bed.fake.openConnections({ role: "consumer", topic: "p" }).length, 3);
    });

    it("an id from an earlier socket goes to an open session of the topic", async () => {
      const { g } = group(10, false, { subscriptionType: "Shared", targets: threeOnTheTopic });
      g.add([topic("s"), topic("other")]);
      await openAll(g);
      const old = encodeMessageId("7", "3", -1);
      const mine = g.sessionsOf("persistent://public/default/s");
      const acked: ConsumerSession[] = [];
      for (const s of mine) {
        const ack = s.ack.bind(s);
        s.ack = (id: string) => (acked.push(s), ack(id));
      }
      assert.equal(g.ack(old, "persistent://public/default/s"), true);
      assert.equal(acked.length, 1);
      assert.ok(mine.includes(acked[0]));
    });

    it("one session per partition: an id from an earlier socket goes to its partition's session, and nowhere when it names another partition", async () => {
      const { g, seen } = group(10, false, { targets: (t) => [0, 1].map((k) => ({ target: partitionTopic(t, k, 2), partition: k })) });
      g.add([topic("parts")]);
      await openAll(g);
      assert.deepEqual(bed.fake.openConnections({ role: "consumer" }).map((c) => c.topic).sort(), ["persistent://public/default/parts-partition-0", "persistent://public/default/parts-partition-1"]);
      bed.fake.publish("parts-partition-1", { payload: "from p1" });
      await until(() => seen.length === 1, 5000, "one message");
      assert.deepEqual(seen[0], ["parts", "from p1"], "under the partitioned topic's name");
      const [p0, p1] = g.sessionsOf("persistent://public/default/parts");
      const acked: string[] = [];
      p0.ack = (id: string) => (acked.push(`p0 ${id}`), true);
      p1.ack = (id: string) => (acked.push(`p1 ${id}`), true);
      const onP1 = encodeMessageId("9", "1", 1);
      assert.equal(g.ack(onP1, "persistent://public/default/parts"), true);
      assert.deepEqual(acked, [`p1 ${onP1}`]);
      assert.equal(g.ack(encodeMessageId("9", "1", 5), "persistent://public/default/parts"), undefined, "partition 5 has no session here");
      assert.equal(g.ack(encodeMessageId("9", "1", -1)), undefined, "an id without a partition cannot be placed");
    });

    it("retarget: added partitions get sessions and the others carry on; any other change reopens the topic", async () => {
      let parts = 2;
      const { g } = group(10, false, { targets: (t) => (parts > 3 ? [{ target: t }] : Array.from({ length: parts }, (_, k) => ({ target: partitionTopic(t, k, parts), partition: k }))) });
      g.add([topic("grow")]);
      await openAll(g);
      const [first, second] = g.sessionsOf("persistent://public/default/grow");
      assert.deepEqual(await g.retarget("persistent://public/default/grow"), [], "nothing changed");
      parts = 3;
      const opened = await g.retarget("persistent://public/default/grow");
      assert.equal(opened.length, 1);
      assert.deepEqual(g.sessionsOf("persistent://public/default/grow").slice(0, 2), [first, second], "the first two carry on");
      await openAll(g);
      assert.equal(bed.fake.openConnections({ role: "consumer", topic: "grow-partition-2" }).length, 1);
      parts = 5; // more partitions than sessions: one session on the topic instead
      await g.retarget("persistent://public/default/grow");
      await openAll(g);
      assert.deepEqual(bed.fake.openConnections({ role: "consumer" }).map((c) => c.topic), ["persistent://public/default/grow"]);
    });
  });
});
