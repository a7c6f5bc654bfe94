/**
 * pulsar-out's "One session per partition": a message for a partitioned topic goes through the
 * session of the partition Pulsar would choose (by key, round robin without one), so the
 * topic's throughput is no longer that of one WebSocket session. The sessions themselves are the
 * ProducerPool's, one per `…-partition-K` topic, with the pool's guarantees (done on ack, the
 * offline buffer, resend after a drop).
 *
 * - A topic's partition count is looked up (admin REST) on its first message; its messages wait
 *   in arrival order meanwhile, bounded like the offline buffer. The count is cached and looked
 *   up again in the background at most every `refreshMs`, on a send, so partitions added later
 *   get used without holding any message back.
 * - Not partitioned (0): one session on the topic, as without the option.
 * - A lookup that fails with no count known: `lookupFailed` is told once, the topic is produced
 *   to through one session on its base name (Pulsar routes), and the lookup is retried after
 *   `refreshMs`. A refresh that fails keeps the count known.
 * - The node's own topic (`pin`): its partition sessions are pinned in the pool, never swept and
 *   never waiting for a Max producers slot, like its one session without the option.
 *
 * A key lands on the partition Pulsar would give it for the count known when it was sent: while
 * partitions are added, or when the lookup first fails and later succeeds, a key may move once,
 * as it does with Pulsar's own clients.
 */
import { asPulsarError, PulsarError } from "../protocol/errors";
import { withPartition } from "../protocol/message-id";
import { partitionForKey, shareOf, signSafeMod, type HashingScheme } from "../protocol/partition-routing";
import type { PreparedFrame } from "../protocol/produce";
import { partitionTopic, type TopicName } from "../protocol/topics";
import { systemClock, type Clock } from "./clock";
import type { ProducerPool } from "./producer-pool";

/** `partition`: the index of the partition session that sent it; undefined through one session. */
export type PartitionedSendCallback = (err: PulsarError | undefined, messageId?: string, partition?: number) => void;

export interface PartitionedTopicsOptions {
  pool: ProducerPool;
  /** The topic's partition count (0: not partitioned); rejects when it cannot be known. */
  lookup: (topic: TopicName) => Promise<number>;
  hashingScheme: HashingScheme;
  /** Shortest time between two lookups of one topic, and the retry delay after a failed one. */
  refreshMs: number;
  /**
   * The node's offline buffer: it bounds the messages waiting for a lookup, and each partition
   * session has its share (`shareOf(bound, partitions)`; the pool's `create` gives a new session
   * the share of `TopicName.partition.of`, this class re-splits when the count changes).
   */
  bufferMessages: number;
  bufferBytes: number;
  /** The lookup failed and no count is known: the topic goes through one session. Once per topic until a lookup succeeds. */
  lookupFailed: (topic: TopicName, err: unknown) => void;
  /** Messages started or stopped waiting (status). */
  onChange: () => void;
  clock?: Clock;
}

interface Waiting {
  frame: PreparedFrame;
  callback: PartitionedSendCallback;
}

interface Route {
  readonly topic: TopicName;
  /** The round robin's next partition for a message without a key (taken mod the count). */
  next: number;
  readonly pinned: boolean;
  /** Undefined until the first lookup answers (or fails). 0: through one session on `topic`. */
  partitions: number | undefined;
  /** Partition names by index, made once per count. */
  names: TopicName[];
  waiting: Waiting[];
  lookupDue: number;
  looking: boolean;
  warned: boolean;
  lastUsed: number;
}

/** A route unused this many refresh periods is forgotten (its sessions are the pool's to sweep). */
const FORGET_AFTER_REFRESHES = 10;

export class PartitionedTopics {
  private readonly routes = new Map<string, Route>();
  private readonly clock: Clock;
  private waitingMessages = 0;
  private waitingBytes = 0;
  private closed = false;

  constructor(private readonly opts: PartitionedTopicsOptions) {
    this.clock = opts.clock ?? systemClock;
  }

  /** Messages waiting for their topic's first lookup. */
  get waitingCount(): number {
    return this.waitingMessages;
  }

  /** The node's own topic: looked up now, its sessions pinned once the count is known. */
  pin(topic: TopicName): void {
    this.route(topic, true);
  }

  send(topic: TopicName, frame: PreparedFrame, callback: PartitionedSendCallback): void {
    if (this.closed) return callback(new PulsarError("closed", "closing"));
    const route = this.route(topic, false);
    route.lastUsed = this.clock.now();
    if (route.partitions === undefined) return this.wait(route, frame, callback);
    if (!route.looking && route.lookupDue <= route.lastUsed) this.lookUp(route);
    this.dispatch(route, frame, callback);
  }

  /**
   * Where `frames` would go if sent now: each one's partition (by key, else the round robin's next
   * ones) and each partition session's share of the buffer. Undefined while the count is not
   * known or the topic is not partitioned: they go through one session.
   */
  placement(topic: TopicName, frames: readonly PreparedFrame[]): { targets: number[]; bufferMessages: number; bufferBytes: number } | undefined {
    const route = this.routes.get(topic.full);
    const n = route?.partitions;
    if (!route || !n) return undefined;
    let next = route.next;
    const targets = frames.map((f) => (f.key !== undefined ? partitionForKey(f.key, n, this.opts.hashingScheme) : signSafeMod(next++, n)));
    return { targets, bufferMessages: shareOf(this.opts.bufferMessages, n), bufferBytes: shareOf(this.opts.bufferBytes, n) };
  }

  /** Fails the messages still waiting for a lookup; the pool's sessions are closed by the pool. */
  close(): void {
    this.closed = true;
    const waiting = [...this.routes.values()].flatMap((r) => r.waiting);
    this.routes.clear();
    this.waitingMessages = 0;
    this.waitingBytes = 0;
    for (const w of waiting) w.callback(new PulsarError("closed", "closed-before-ack", { timeout: 0 }));
  }

  private route(topic: TopicName, pinned: boolean): Route {
    let route = this.routes.get(topic.full);
    if (route) return route;
    this.forgetUnused();
    const now = this.clock.now();
    // Several nodes on one topic start their round robin on different partitions, as Pulsar's client does.
    const start = Math.floor(this.clock.random() * 0x10000);
    route = { topic, next: start, pinned, partitions: undefined, names: [], waiting: [], lookupDue: now, looking: false, warned: false, lastUsed: now };
    this.routes.set(topic.full, route);
    this.lookUp(route);
    return route;
  }

  private wait(route: Route, frame: PreparedFrame, callback: PartitionedSendCallback): void {
    if (this.waitingMessages >= this.opts.bufferMessages || this.waitingBytes + frame.bytes > this.opts.bufferBytes) {
      return callback(new PulsarError("overflow", "partitions-lookup-busy", { topic: route.topic.full, waiting: this.waitingMessages }));
    }
    route.waiting.push({ frame, callback });
    this.waitingMessages++;
    this.waitingBytes += frame.bytes;
    if (this.waitingMessages === 1) this.opts.onChange();
  }

  private dispatch(route: Route, frame: PreparedFrame, callback: PartitionedSendCallback): void {
    const n = route.partitions!;
    if (n === 0) return this.opts.pool.send(route.topic, frame, (err, messageId) => callback(err, messageId));
    let k: number;
    if (frame.key !== undefined) k = partitionForKey(frame.key, n, this.opts.hashingScheme);
    else {
      k = signSafeMod(route.next, n);
      // Kept below the count, so the counter never loses integer precision.
      route.next = k + 1;
    }
    // Pulsar's ack id from a partition's own session has no partition; the id the topic's consumers see has.
    this.opts.pool.send(route.names[k], frame, (err, messageId) => callback(err, messageId === undefined ? undefined : withPartition(messageId, k), k));
  }

  private lookUp(route: Route): void {
    route.looking = true;
    let lookup: Promise<number>;
    try {
      lookup = this.opts.lookup(route.topic);
    } catch (err) {
      lookup = Promise.reject(err);
    }
    lookup
      .then(
        (n) => this.answered(route, n),
        (err: unknown) => this.answered(route, undefined, err),
      )
      .catch((err: unknown) => {
        // Opening the sessions for the answer threw: the topic's waiting messages fail with it
        // (a throw here would be an unhandled rejection, and Node-RED exits on one).
        this.failWaiting(route, err);
      });
  }

  private answered(route: Route, count: number | undefined, err?: unknown): void {
    route.looking = false;
    if (this.closed || this.routes.get(route.topic.full) !== route) return;
    route.lookupDue = this.clock.now() + this.opts.refreshMs;
    if (count === undefined) {
      if (route.partitions !== undefined) return; // a failed refresh: the count known stands
      if (!route.warned) this.opts.lookupFailed(route.topic, err);
      route.warned = true;
      this.use(route, 0);
    } else {
      route.warned = false;
      this.use(route, count);
    }
    this.flush(route);
  }

  /** Takes a (new) count: partition names, the buffer's shares, and the pins of the node's own topic. */
  private use(route: Route, count: number): void {
    const before = route.partitions ?? 0;
    if (route.partitions === count) return;
    route.partitions = count;
    route.names = Array.from({ length: count }, (_, k) => partitionTopic(route.topic, k, count));
    // Sessions opened for the old count get the new (smaller) share, so the node's bound holds.
    for (let k = 0; k < Math.min(before, count); k++) {
      this.opts.pool.existing(route.names[k])?.setBufferBounds(shareOf(this.opts.bufferMessages, count), shareOf(this.opts.bufferBytes, count));
    }
    if (!route.pinned) return;
    const pool = this.opts.pool;
    if (count === 0) pool.pin(route.topic);
    else {
      pool.unpin(route.topic);
      for (let k = 0; k < count; k++) pool.pin(route.names[k]);
    }
    // Partitions are never removed from a Pulsar topic; a count that drops means the topic was
    // deleted and made again: release the sessions of partitions it no longer has.
    for (let k = count; k < before; k++) pool.unpin(partitionTopic(route.topic, k, before));
  }

  private flush(route: Route): void {
    if (route.waiting.length === 0) return;
    const waiting = route.waiting;
    route.waiting = [];
    for (const w of waiting) {
      this.waitingMessages--;
      this.waitingBytes -= w.frame.bytes;
      // Each message is answered once, whatever throws (opening a session, or the callback
      // itself), and the messages after it still go.
      let answered = false;
      const once: PartitionedSendCallback = (err, messageId, partition) => {
        if (answered) return;
        answered = true;
        w.callback(err, messageId, partition);
      };
      try {
        this.dispatch(route, w.frame, once);
      } catch (err) {
        try {
          once(asPulsarError(err));
        } catch {
          // The callback's own failure is the caller's; the other messages must not pay for it.
        }
      }
    }
    this.opts.onChange();
  }

  /** The route's waiting messages end with `err` (wrapped as a PulsarError when it is not one). */
  private failWaiting(route: Route, err: unknown): void {
    const waiting = route.waiting;
    route.waiting = [];
    const error = asPulsarError(err);
    for (const w of waiting) {
      this.waitingMessages--;
      this.waitingBytes -= w.frame.bytes;
      try {
        w.callback(error);
      } catch {
        // As in flush: one callback's failure does not keep the others from their answer.
      }
    }
    this.opts.onChange();
  }

  private forgetUnused(): void {
    const horizon = this.clock.now() - FORGET_AFTER_REFRESHES * this.opts.refreshMs;
    for (const [name, route] of this.routes) {
      if (!route.pinned && !route.looking && route.waiting.length === 0 && route.lastUsed < horizon) this.routes.delete(name);
    }
  }
}
