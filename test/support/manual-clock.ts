/**
 * A Clock (nodes/lib/session/clock) whose time moves only when a test says so: reconnect
 * delays, keep-alive pings, pong deadlines and close grace periods fire on `advance`, in due
 * order, never on their own. Network I/O still runs on real time; only the session's timers wait.
 */
import type { Clock, TimerHandle } from "../../nodes/lib/session/clock";

interface Pending {
  due: number;
  seq: number;
  ms: number;
  fn: () => void;
}

export class ManualClock implements Clock {
  private time = 1_000_000;
  private seq = 0;
  private readonly timers = new Map<TimerHandle, Pending>();

  /** The backoff jitter source, changeable mid-test: 1 (the default) makes every delay its ceiling. */
  jitter: () => number = () => 1;

  /** A bound function: the socket hands `clock.random` to its Backoff on its own. */
  readonly random = (): number => this.jitter();

  now(): number {
    return this.time;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    // A real handle that never fires, so the handle type is the one the Clock interface names.
    const handle = setTimeout(() => undefined, 0);
    clearTimeout(handle);
    this.timers.set(handle, { due: this.time + Math.max(0, ms), seq: this.seq++, ms, fn });
    return handle;
  }

  clearTimeout(handle: TimerHandle | undefined): void {
    if (handle !== undefined) this.timers.delete(handle);
  }

  /** The delays (as scheduled) of the timers still pending, soonest first. */
  pending(): number[] {
    return this.ordered().map(([, p]) => p.ms);
  }

  /** Milliseconds until the next timer fires, or undefined when none is pending. */
  nextIn(): number | undefined {
    const first = this.ordered()[0];
    return first && first[1].due - this.time;
  }

  /** Moves time forward by `ms`, firing every timer that falls due (also ones set meanwhile). */
  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      const first = this.ordered()[0];
      if (!first || first[1].due > end) break;
      const [handle, timer] = first;
      this.timers.delete(handle);
      this.time = timer.due;
      timer.fn();
    }
    this.time = end;
  }

  private ordered(): [TimerHandle, Pending][] {
    return [...this.timers].sort(([, a], [, b]) => a.due - b.due || a.seq - b.seq);
  }
}
