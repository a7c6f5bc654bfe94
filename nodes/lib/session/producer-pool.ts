/**
 * Producer sessions of one pulsar-out node, one per topic (Pulsar's API is one topic per
 * socket). The node's configured topic keeps its session for the node's life; topics taken from
 * msg.topic are opened on demand, closed after `idleTimeoutMs` without sends and without
 * anything in flight, and capped at `maxSessions` so a flow cannot open sockets without bound.
 *
 * At the cap, a message for a topic without a session waits for a slot instead of failing: when
 * a session has nothing left in flight the least recently used idle one is closed and the
 * waiting topic gets its place. The wait is bounded like the offline buffer (messages and
 * bytes), and in time: a message that found no slot within `slotWaitMs` fails naming the topics
 * holding them. Messages for one topic leave in arrival order.
 *
 * A topic session the server refuses (401/403/404) would otherwise keep its messages and its
 * slot for as long as the refusal lasts, starving healthy topics: it fails its messages with the
 * server's reason and is closed, and the topic's next messages fail at once for `refusalHoldMs`
 * (the slowest backoff: no handshake storm). The node's own topic (pinned) keeps buffering, as
 * any single-topic producer does, until the refusal is lifted.
 */
import { PulsarError } from "../protocol/errors";
import { refusesTopic } from "../protocol/handshake";
import type { PreparedFrame } from "../protocol/produce";
import type { TopicName } from "../protocol/topics";
import type { ProducerSession, SendCallback } from "./producer";
import type { SocketState } from "./socket";

export interface ProducerPoolOptions {
  create: (topic: TopicName) => ProducerSession;
  maxSessions: number;
  idleTimeoutMs: number;
  /** Bounds of the messages waiting for a session slot. */
  waitMessages: number;
  waitBytes: number;
  /** How long a message waits for a slot before it fails (default 30 s). */
  slotWaitMs?: number;
  /** How long a topic the server refused fails its messages at once (default 60 s). */
  refusalHoldMs?: number;
  /** Called when the set of sessions changes (status). */
  onChange: () => void;
  /** A background step failed (closing an evicted session): reported, never thrown. */
  onError?: (err: unknown) => void;
}

const DEFAULT_SLOT_WAIT_MS = 30_000;
const DEFAULT_REFUSAL_HOLD_MS = 60_000;
/** How many of the topics holding the slots an error names. */
const HOLDERS_NAMED = 5;

interface PoolEntry {
  topic: TopicName;
  session: ProducerSession;
  lastUsed: number;
  pinned: boolean;
}

interface WaitingSend {
  topic: TopicName;
  frame: PreparedFrame;
  callback: SendCallback;
  /** Date.now() when it started waiting. */
  since: number;
}

export class ProducerPool {
  private readonly entries = new Map<string, PoolEntry>();
  private waiting: WaitingSend[] = [];
  private waitingBytes = 0;
  /** Waiting messages by topic, so a send knows without a scan whether it must queue behind them. */
  private readonly waitingPerTopic = new Map<string, number>();
  private sweepTimer: ReturnType<typeof setInterval> | undefined;
  /** Fires when the oldest waiting message has waited `slotWaitMs`. */
  private slotTimer: ReturnType<typeof setTimeout> | undefined;
  /** Topics the server refused: the error their messages get at once, until when. */
  private readonly refusedTopics = new Map<string, { error: PulsarError; until: number }>();
  private closed = false;

  constructor(private readonly opts: ProducerPoolOptions) {}

  get size(): number {
    return this.entries.size;
  }

  /** The topics the sessions are for: the sessions of one topic's partitions count once. */
  get topicCount(): number {
    const names = new Set<string>();
    for (const { topic } of this.entries.values()) names.add(topic.partition ? topic.full.slice(0, -`-partition-${topic.partition.index}`.length) : topic.full);
    return names.size;
  }

  /** Messages waiting for a session slot. */
  get waitingCount(): number {
    return this.waiting.length;
  }

  sessions(): ProducerSession[] {
    return [...this.entries.values()].map((e) => e.session);
  }

  /** The session for a topic if one is open, without opening one. */
  existing(topic: TopicName): ProducerSession | undefined {
    return this.entries.get(topic.full)?.session;
  }

  /** Opens the node's own topic; `pinned` sessions are never swept or evicted. */
  pin(topic: TopicName): ProducerSession {
    return this.acquire(topic, true)!;
  }

  /** A pinned session becomes like any other: swept once idle, evicted for a waiting topic. */
  unpin(topic: TopicName): void {
    const entry = this.entries.get(topic.full);
    if (!entry?.pinned) return;
    entry.pinned = false;
    entry.lastUsed = Date.now();
    this.startSweeping();
  }

  /** Sends through the topic's session, opening one if there is room; else waits for a slot. */
  send(topic: TopicName, frame: PreparedFrame, callback: SendCallback): void {
    if (this.closed) return callback(new PulsarError("closed", "closing"));
    const refused = this.refusedTopics.get(topic.full);
    if (refused && Date.now() < refused.until && !this.entries.has(topic.full)) return callback(refused.error);
    if (refused) this.refusedTopics.delete(topic.full);
    const session = this.hasWaiting(topic) ? undefined : this.acquire(topic);
    if (session) return session.send(frame, callback);
    if (this.waiting.length >= this.opts.waitMessages || this.waitingBytes + frame.bytes > this.opts.waitBytes) {
      return callback(new PulsarError("overflow", "producers-busy", { max: this.opts.maxSessions, waiting: this.waiting.length, topic: topic.full }));
    }
    this.waiting.push({ topic, frame, callback, since: Date.now() });
    this.waitingBytes += frame.bytes;
    this.waitingPerTopic.set(topic.full, (this.waitingPerTopic.get(topic.full) ?? 0) + 1);
    this.armSlotTimer();
  }

  /** Closes every session, each waiting up to `timeoutMs` for its acks (in parallel). */
  async closeAll(timeoutMs: number): Promise<void> {
    this.closed = true;
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    this.sweepTimer = undefined;
    clearTimeout(this.slotTimer);
    this.slotTimer = undefined;
    const waiting = this.waiting;
    this.waiting = [];
    this.waitingBytes = 0;
    this.waitingPerTopic.clear();
    for (const w of waiting) w.callback(new PulsarError("closed", "closed-before-ack", { timeout: 0 }));
    const sessions = this.sessions();
    this.entries.clear();
    await Promise.allSettled(sessions.map((s) => s.close(timeoutMs)));
  }

  private hasWaiting(topic: TopicName): boolean {
    return this.waitingPerTopic.has(topic.full);
  }

  /** The topic's session: the open one, a new one if the cap allows (evicting an idle one), or none. */
  private acquire(topic: TopicName, pinned = false): ProducerSession | undefined {
    const existing = this.entries.get(topic.full);
    if (existing) {
      existing.lastUsed = Date.now();
      return existing.session;
    }
    if (this.entries.size >= this.opts.maxSessions && !pinned && !this.evictOneIdle()) return undefined;
    const session = this.opts.create(topic);
    this.entries.set(topic.full, { topic, session, lastUsed: Date.now(), pinned });
    session.on("idle", () => this.serveWaiting());
    session.on("state", (state) => this.onSessionState(topic, session, state));
    if (!pinned) this.startSweeping();
    this.opts.onChange();
    return session;
  }

  /** A session went idle: give waiting topics the slots that frees, oldest message first. */
  private serveWaiting(): void {
    // Deferred: "idle" fires inside an ack's callback, and closing that session there would
    // close it under its own feet.
    if (this.waiting.length === 0) return;
    queueMicrotask(() => {
      while (this.waiting.length > 0 && !this.closed) {
        const topic = this.waiting[0].topic;
        const session = this.acquire(topic);
        if (!session) return;
        const mine = this.waiting.filter((w) => w.topic.full === topic.full);
        this.waiting = this.waiting.filter((w) => w.topic.full !== topic.full);
        this.waitingPerTopic.delete(topic.full);
        for (const w of mine) {
          this.waitingBytes -= w.frame.bytes;
          session.send(w.frame, w.callback);
        }
      }
    });
  }

  /** (Re)arms the timer for the oldest waiting message. */
  private armSlotTimer(): void {
    if (this.slotTimer || this.waiting.length === 0 || this.closed) return;
    const waitMs = this.opts.slotWaitMs ?? DEFAULT_SLOT_WAIT_MS;
    const dueIn = Math.max(0, this.waiting[0].since + waitMs - Date.now());
    this.slotTimer = setTimeout(() => {
      this.slotTimer = undefined;
      this.expireWaiting(waitMs);
      this.armSlotTimer();
    }, dueIn);
    this.slotTimer.unref?.();
  }

  /**
   * Fails the messages that waited `waitMs` for a slot. Without this, sessions that never go
   * idle (a topic the server keeps refusing, a broker that never acks) would hold every slot
   * and the messages behind them would end in neither done() nor done(err).
   */
  private expireWaiting(waitMs: number): void {
    const now = Date.now();
    const expired: WaitingSend[] = [];
    while (this.waiting.length > 0 && now - this.waiting[0].since >= waitMs) expired.push(this.waiting.shift()!);
    if (expired.length === 0) return;
    const holders = [...this.entries.keys()];
    const named = holders.slice(0, HOLDERS_NAMED).join(", ") + (holders.length > HOLDERS_NAMED ? `, … (${holders.length} in all)` : "");
    for (const w of expired) {
      this.waitingBytes -= w.frame.bytes;
      const left = (this.waitingPerTopic.get(w.topic.full) ?? 1) - 1;
      if (left > 0) this.waitingPerTopic.set(w.topic.full, left);
      else this.waitingPerTopic.delete(w.topic.full);
      w.callback(new PulsarError("overflow", "no-producer-slot", { seconds: waitMs / 1000, max: this.opts.maxSessions, topic: w.topic.full, holders: named || "-" }));
    }
    this.opts.onChange();
  }

  /** A topic session refused by the server gives up its messages and its slot (see the class comment). */
  private onSessionState(topic: TopicName, session: ProducerSession, state: SocketState): void {
    if (state.state !== "retrying" && state.state !== "failed") return;
    const failure = state.failure;
    if (state.state === "retrying" && !(failure.kind === "handshake" && refusesTopic(failure.outcome.status, failure.outcome.statusKey))) return;
    const entry = this.entries.get(topic.full);
    if (!entry || entry.session !== session || entry.pinned || this.closed) return;
    const error = session.failedError(failure);
    this.entries.delete(topic.full);
    const now = Date.now();
    for (const [name, held] of this.refusedTopics) if (held.until <= now) this.refusedTopics.delete(name);
    this.refusedTopics.set(topic.full, { error, until: now + (this.opts.refusalHoldMs ?? DEFAULT_REFUSAL_HOLD_MS) });
    // Not inside the socket's own state event: the session is closed from outside it.
    queueMicrotask(() => {
      this.closeQuietly(session.close(0, error));
      this.opts.onChange();
      this.serveWaiting();
    });
  }

  /** Closing a session must never end in an unhandled rejection: a failure is reported. */
  private closeQuietly(closing: Promise<void>): void {
    closing.catch((err: unknown) => this.opts.onError?.(err));
  }

  private evictOneIdle(): boolean {
    let oldest: [string, PoolEntry] | undefined;
    for (const item of this.entries) {
      const entry = item[1];
      if (entry.pinned || !entry.session.idle) continue;
      if (!oldest || entry.lastUsed < oldest[1].lastUsed) oldest = item;
    }
    if (!oldest) return false;
    this.entries.delete(oldest[0]);
    this.closeQuietly(oldest[1].session.close(0));
    return true;
  }

  private startSweeping(): void {
    if (this.sweepTimer) return;
    this.sweepTimer = setInterval(() => this.sweep(), Math.max(50, this.opts.idleTimeoutMs / 2));
    this.sweepTimer.unref?.();
  }

  private sweep(): void {
    const now = Date.now();
    let changed = false;
    for (const [name, entry] of this.entries) {
      if (entry.pinned || !entry.session.idle || now - entry.lastUsed < this.opts.idleTimeoutMs) continue;
      this.entries.delete(name);
      this.closeQuietly(entry.session.close(0));
      changed = true;
    }
    if (![...this.entries.values()].some((e) => !e.pinned)) {
      clearInterval(this.sweepTimer);
      this.sweepTimer = undefined;
    }
    if (changed) this.opts.onChange();
  }
}
