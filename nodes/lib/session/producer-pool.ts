/**
 * Producer sessions of one pulsar-out node, one per topic (Pulsar's API is one topic per
 * socket). The node's configured topic keeps its session for the node's life; topics taken from
 * msg.topic are opened on demand, closed after `idleTimeoutMs` without sends and without
 * anything in flight, and capped at `maxSessions` so a flow cannot open sockets without bound.
 */
import { PulsarError } from "../protocol/errors";
import type { TopicName } from "../protocol/topics";
import type { ProducerSession } from "./producer";

export interface ProducerPoolOptions {
  create: (topic: TopicName) => ProducerSession;
  maxSessions: number;
  idleTimeoutMs: number;
  /** Called when the set of sessions changes (status). */
  onChange: () => void;
}

interface PoolEntry {
  session: ProducerSession;
  lastUsed: number;
  pinned: boolean;
}

export class ProducerPool {
  private readonly entries = new Map<string, PoolEntry>();
  private sweepTimer: ReturnType<typeof setInterval> | undefined;

  constructor(private readonly opts: ProducerPoolOptions) {}

  get size(): number {
    return this.entries.size;
  }

  sessions(): ProducerSession[] {
    return [...this.entries.values()].map((e) => e.session);
  }

  /** The session for a topic if one is open, without opening one. */
  existing(topic: TopicName): ProducerSession | undefined {
    return this.entries.get(topic.full)?.session;
  }

  /** The session for a topic; `pinned` sessions (the node's own topic) are never swept. */
  get(topic: TopicName, pinned = false): ProducerSession {
    const existing = this.entries.get(topic.full);
    if (existing) {
      existing.lastUsed = Date.now();
      return existing.session;
    }
    if (this.entries.size >= this.opts.maxSessions && !this.evictOneIdle()) {
      throw new PulsarError("overflow", "too-many-producers", { max: this.opts.maxSessions, topic: topic.full });
    }
    const session = this.opts.create(topic);
    this.entries.set(topic.full, { session, lastUsed: Date.now(), pinned });
    if (!pinned) this.startSweeping();
    this.opts.onChange();
    return session;
  }

  /** Closes every session, each waiting up to `timeoutMs` for its acks (in parallel). */
  async closeAll(timeoutMs: number): Promise<void> {
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    this.sweepTimer = undefined;
    const sessions = this.sessions();
    this.entries.clear();
    await Promise.allSettled(sessions.map((s) => s.close(timeoutMs)));
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
    void oldest[1].session.close(0);
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
      void entry.session.close(0);
      changed = true;
    }
    if (![...this.entries.values()].some((e) => !e.pinned)) {
      clearInterval(this.sweepTimer);
      this.sweepTimer = undefined;
    }
    if (changed) this.opts.onChange();
  }
}
