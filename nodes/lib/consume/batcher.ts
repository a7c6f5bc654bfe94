/**
 * Groups consumed messages into batches, one pending batch per key (pulsar-in: per topic), so a
 * flow pays Node-RED's per-msg cost once per batch. A batch goes out when it holds `size`
 * items, or `timeoutMs` after its first item arrived, whichever comes first. Each item carries
 * an `after` callback (pulsar-in: its auto ack), run once the batch has gone out, so nothing is
 * acked before the flow got it.
 *
 * One timer per pending batch, on an injectable clock. `close()` drops what is pending without
 * emitting and clears every timer: unacked messages are redelivered by Pulsar, and nothing may
 * reach a flow that is being stopped.
 */
import { systemClock, type Clock, type TimerHandle } from "../session/clock";

export interface BatcherOptions<T> {
  /** Most items in one batch (≥ 2; a size of 1 needs no batcher). */
  size: number;
  /** How long the first item of a batch waits for the others. */
  timeoutMs: number;
  /** Emits one batch; what it throws goes to `failed`, and the items' `after` still run. */
  emit(key: string, items: T[]): void;
  failed(err: unknown, key: string, items: T[]): void;
  /** An item's identity (pulsar-in: its message id): an item already pending in its batch is not added again. */
  idOf?(item: T): string;
  /** An item's `after` threw: the others still run (a flush may run in a timer, where a throw would end Node-RED). */
  afterFailed?(err: unknown): void;
  clock?: Clock;
}

interface Pending<T> {
  items: T[];
  after: (() => void)[];
  /** Who delivered each item (pulsar-in: the session), for `drop`. */
  owners: unknown[];
  ids: Set<string>;
  timer: TimerHandle;
}

export class Batcher<T> {
  private readonly pending = new Map<string, Pending<T>>();
  private readonly clock: Clock;
  private closed = false;

  constructor(private readonly opts: BatcherOptions<T>) {
    this.clock = opts.clock ?? systemClock;
  }

  /** Items waiting in partial batches. */
  get waiting(): number {
    let n = 0;
    for (const p of this.pending.values()) n += p.items.length;
    return n;
  }

  /** Adds an item to its key's batch; once closed the item is dropped, `after` not run (never acked, so redelivered). */
  add(key: string, item: T, after: () => void, owner?: unknown): void {
    if (this.closed) return;
    let p = this.pending.get(key);
    const id = this.opts.idOf?.(item);
    // A second copy (redelivered after a reconnect) would be emitted and acked twice: the
    // pending one is acked for both, the id being the same.
    if (id !== undefined && p?.ids.has(id)) return;
    if (!p) {
      p = { items: [], after: [], owners: [], ids: new Set(), timer: this.clock.setTimeout(() => this.flush(key), this.opts.timeoutMs) };
      this.pending.set(key, p);
    }
    p.items.push(item);
    p.after.push(after);
    p.owners.push(owner);
    if (id !== undefined) p.ids.add(id);
    if (p.items.length >= this.opts.size) this.flush(key);
  }

  /** Emits the pending batch of `key`, or of every key when absent. */
  flush(key?: string): void {
    if (key === undefined) {
      for (const k of [...this.pending.keys()]) this.flush(k);
      return;
    }
    const p = this.pending.get(key);
    if (!p) return;
    this.pending.delete(key);
    this.clock.clearTimeout(p.timer);
    try {
      this.opts.emit(key, p.items);
    } catch (err) {
      try {
        this.opts.failed(err, key, p.items);
      } catch {
        // Reporting failed too: the acks below still run, as for a single message.
      }
    } finally {
      for (const after of p.after) this.runAfter(after);
    }
  }

  private runAfter(after: () => void): void {
    try {
      after();
    } catch (err) {
      try {
        this.opts.afterFailed?.(err);
      } catch {
        // Reporting failed too: nothing more to do, and nothing may escape a timer.
      }
    }
  }

  /**
   * Drops the pending items `owner` delivered, without emitting or acking them (pulsar-in: a
   * consumer whose connection went down, as Pulsar redelivers its unacked messages on the next).
   */
  drop(owner: unknown): void {
    for (const [key, p] of [...this.pending]) {
      const keep = p.owners.map((o) => o !== owner);
      if (keep.every(Boolean)) continue;
      p.items = p.items.filter((_, i) => keep[i]);
      p.after = p.after.filter((_, i) => keep[i]);
      p.owners = p.owners.filter((_, i) => keep[i]);
      p.ids = new Set(p.items.map((item) => this.opts.idOf?.(item)).filter((id): id is string => id !== undefined));
      if (p.items.length === 0) {
        this.clock.clearTimeout(p.timer);
        this.pending.delete(key);
      }
    }
  }

  /** Drops every pending batch (nothing emitted, nothing acked) and clears their timers. */
  close(): void {
    this.closed = true;
    for (const p of this.pending.values()) this.clock.clearTimeout(p.timer);
    this.pending.clear();
  }
}
