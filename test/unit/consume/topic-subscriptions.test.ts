/**
 * TopicSubscriptions without Node-RED and without sockets: sessions are stand-ins that record
 * being opened and closed, the admin API answers what each test says. What is checked here is
 * the bookkeeping: nothing grows under topic churn, nothing opens after close, and periodic
 * work never rejects unhandled (the test process fails on one).
 */
import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import type { PulsarAdmin } from "../../../nodes/lib/connection/admin-operations";
import { parseTopicPattern } from "../../../nodes/lib/protocol/topic-list";
import { parseTopic, type TopicName } from "../../../nodes/lib/protocol/topics";
import type { ConsumerSession } from "../../../nodes/lib/session/consumer";
import { TopicSubscriptions, type Mode, type OpenRequest } from "../../../nodes/lib/consume/topic-subscriptions";
import { sleep, until } from "../../support/wait";

const defaults = { tenant: "public", namespace: "default" };
const topic = (name: string): TopicName => parseTopic(name, defaults);

class StandInSession extends EventEmitter {
  state: { state: string } = { state: "open" };
  closed = false;
  unackedCount = 0;
  constructor(readonly request: OpenRequest) {
    super();
  }
  close(): Promise<void> {
    this.closed = true;
    this.state = { state: "closed" };
    return Promise.resolve();
  }
  pause(): void {}
  resume(): void {}
  isUnacked(): boolean {
    return false;
  }
}

interface Setup {
  subs: TopicSubscriptions;
  opened: StandInSession[];
  warnings: string[];
}

function setUp(mode: Mode, admin: Partial<PulsarAdmin>, pattern?: string, maxTopics = 1000): Setup {
  const opened: StandInSession[] = [];
  const warnings: string[] = [];
  const subs = new TopicSubscriptions(
    {
      mode,
      open: (request) => {
        const s = new StandInSession(request);
        opened.push(s);
        return s as unknown as ConsumerSession;
      },
      admin: () => admin as PulsarAdmin,
      defaults,
      maxTopics,
      periodMs: 20,
      openWaitMs: 1000,
    },
    pattern === undefined ? undefined : parseTopicPattern(pattern, defaults),
  );
  subs.on("warn", (key) => warnings.push(key));
  return { subs, opened, warnings };
}

/** The private bookkeeping, read as a count each: what must stay bounded. */
function sizes(subs: TopicSubscriptions): Record<string, number> {
  const inner = subs as unknown as Record<string, Set<unknown> | Map<unknown, unknown>>;
  const group = subs.group as unknown as { removed: Set<string> };
  const layout = (subs as unknown as { layout: Record<string, Map<unknown, unknown>> }).layout;
  return {
    excluded: inner.excluded.size,
    discovered: inner.discovered.size,
    refusedNames: inner.refusedNames.size,
    partitionCounts: layout.partitionCounts.size,
    readerStarts: layout.readerStarts.size,
    removed: group.removed.size,
  };
}

const subscription = (perPartition = false): Mode => ({ kind: "subscription", subscription: "s", sessionsPerTopic: perPartition ? 2 : 1, perPartition });

describe("TopicSubscriptions", () => {
  it("keeps nothing of topics that went: 20,000 subscribe/unsubscribe cycles leave every set empty or small", async function () {
    this.timeout(60000);
    const reader = setUp({ kind: "reader", start: { kind: "time", ms: 1 } }, { partitionsOf: async () => 2, readerStartAt: async (t: TopicName) => `start-of-${t.full}` });
    const consumer = setUp(subscription(true), { partitionsOf: async () => 2 });
    for (const { subs } of [reader, consumer]) {
      for (let i = 0; i < 10000; i++) {
        const tp = [topic(`churn-${i}`)];
        await subs.subscribe(tp);
        await subs.unsubscribe(tp);
      }
      const left = sizes(subs);
      for (const [name, size] of Object.entries(left)) assert.ok(size <= 1000, `${name} holds ${size} entries after 10,000 topics came and went`);
      assert.equal(left.partitionCounts + left.readerStarts + left.excluded + left.discovered, 0, JSON.stringify(left));
      await subs.close();
    }
  });

  it("a pattern over a churning namespace: excluded and refused names shrink with the listing", async () => {
    let listing: string[] = [];
    const { subs, warnings } = setUp(subscription(), { listTopics: async () => listing, listPartitionedTopics: async () => [] }, "t-.*");
    await subs.start([]);
    for (let round = 0; round < 50; round++) {
      listing = [`persistent://public/default/t-${round}`, `persistent://public/default/t-bad\u0001${round}`];
      await until(() => subs.group.has(listing[0]), 2000, `round ${round} discovered`);
      await subs.unsubscribe([topic(`t-${round}`)]);
      // unsubscribe by name keeps discovery on: the topic is excluded while it is listed
      assert.equal(subs.group.size, 0);
    }
    listing = [];
    await sleep(80);
    assert.deepEqual(sizes(subs), { excluded: 0, discovered: 0, refusedNames: 0, partitionCounts: 0, readerStarts: 0, removed: 50 });
    assert.ok(warnings.filter((w) => w === "errors.pattern-name-refused").length >= 50, "each refused name warned about");
    await subs.close();
  });

  it("a listed name that parses to another name (surrounding spaces) is skipped, not closed and reopened every period", async () => {
    const listing = ["persistent://public/default/t-1 ", "persistent://public/default/t-2"];
    const { subs, opened, warnings } = setUp(subscription(), { listTopics: async () => listing, listPartitionedTopics: async () => [] }, "t-.*");
    await subs.start([]);
    await sleep(200); // about ten periods
    assert.deepEqual(subs.group.topicNames, ["persistent://public/default/t-2"]);
    assert.equal(opened.length, 1, `${opened.length} sessions opened for one topic`);
    assert.equal(warnings.filter((w) => w === "errors.pattern-name-refused").length, 1, "warned once");
    await subs.close();
  });

  it("a reader that started at latest can seek a partitioned topic to a time: each partition is looked up", async () => {
    const asked: string[] = [];
    const { subs, opened } = setUp({ kind: "reader", start: { kind: "latest" } }, {
      partitionsOf: async () => 2,
      readerStartAt: async (t: TopicName) => {
        asked.push(t.full);
        if (!t.partition) throw new Error("405 partitioned");
        return `start-${t.partition.index}`;
      },
    });
    await subs.subscribe([topic("p")]);
    await subs.seek({ kind: "time", ms: 5 });
    assert.deepEqual(asked, ["persistent://public/default/p-partition-0", "persistent://public/default/p-partition-1"]);
    const reopened = opened.filter((s) => !s.closed);
    assert.deepEqual(reopened.map((s) => s.request.readerStart()).sort(), ["start-0", "start-1"]);
    await subs.close();
  });

  it("nothing opens after close: a subscribe waiting for a lookup when the owner closes opens no session", async () => {
    let answer: (n: number) => void = () => undefined;
    const { subs, opened } = setUp(subscription(true), { partitionsOf: () => new Promise<number>((resolve) => (answer = resolve)) });
    const pending = subs.subscribe([topic("late")]);
    await sleep(10);
    await subs.close();
    answer(2);
    await assert.rejects(pending);
    await sleep(20);
    assert.equal(opened.filter((s) => !s.closed).length, 0, "no open session after close");
    await assert.rejects(subs.subscribe([topic("after")]), /closing/);
  });

  it("a partition count that changes after close opens nothing (the periodic refresh runs in the queue)", async () => {
    let partitions = 2;
    const { subs, opened } = setUp(subscription(true), { partitionsOf: async () => partitions });
    await subs.subscribe([topic("p")]);
    assert.equal(opened.length, 2);
    partitions = 3;
    await subs.close();
    await sleep(100);
    assert.equal(opened.length, 2, "no session for the third partition after close");
  });

  it("a failing listing or lookup in the periodic run is a warning, tried again, never an unhandled rejection", async () => {
    let fail = true;
    const { subs, warnings } = setUp(subscription(true), {
      listTopics: async () => {
        if (fail) throw new Error("listing down");
        return ["persistent://public/default/t-1"];
      },
      listPartitionedTopics: async () => [],
      partitionsOf: async () => {
        if (fail) throw new Error("lookup down");
        return 0;
      },
    }, "t-.*");
    await subs.start([]);
    await sleep(100);
    assert.ok(warnings.includes("errors.pattern-discovery"));
    fail = false;
    await until(() => subs.group.has("persistent://public/default/t-1"), 2000, "discovered once the listing works");
    await subs.close();
  });
});
