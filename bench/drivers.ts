/**
 * What every client under test offers (the Node-RED nodes and the raw baselines alike), and the
 * two ways a run drives it: as fast as it accepts messages, or at a fixed rate. One driver for
 * all clients, so that the harness's own cost is the same on both sides of a ratio.
 */
import { performance } from "node:perf_hooks";
import { serverCpuMsNow } from "./server-cpu";

export type SendDone = (err?: Error) => void;

export interface Producer {
  /** Publishes one message; `done` is called once the server acked it (or refused it). */
  send(payload: string, done: SendDone): void;
  close(): Promise<void>;
}

export interface Consumer {
  close(): Promise<void>;
}

/** One timed stretch of work: messages done, wall time, and this process's CPU time meanwhile. */
export interface Sample {
  messages: number;
  ms: number;
  cpuMs: number;
  /** The server process's CPU time meanwhile (NaN when it cannot be read: server-cpu.ts). */
  serverCpuMs: number;
}

/** Messages per second over several samples (total messages over total time). */
export function rateOf(samples: Sample[]): number {
  const ms = samples.reduce((sum, s) => sum + s.ms, 0);
  return ms > 0 ? (samples.reduce((sum, s) => sum + s.messages, 0) * 1000) / ms : 0;
}

/**
 * CPU microseconds this process spent per message: unlike the rate, hardly changed by other
 * processes competing for the cores, so it tells the client's own cost on a noisy machine.
 */
export function cpuUsPerMessage(samples: Sample[]): number {
  const messages = samples.reduce((sum, s) => sum + s.messages, 0);
  return messages > 0 ? (samples.reduce((sum, s) => sum + s.cpuMs, 0) * 1000) / messages : Number.NaN;
}

/** The server's CPU microseconds per message (NaN when unknown). */
export function serverCpuUsPerMessage(samples: Sample[]): number {
  const messages = samples.reduce((sum, s) => sum + s.messages, 0);
  return messages > 0 ? (samples.reduce((sum, s) => sum + s.serverCpuMs, 0) * 1000) / messages : Number.NaN;
}

/**
 * How many cores the client and the server kept busy together during the samples: with 2 cores
 * a figure near 2 means the machine, not either side, sets the rate.
 */
export function coresBusy(samples: Sample[]): number {
  const ms = samples.reduce((sum, s) => sum + s.ms, 0);
  return ms > 0 ? samples.reduce((sum, s) => sum + s.cpuMs + s.serverCpuMs, 0) / ms : Number.NaN;
}

export function cpuMsNow(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

export interface ThroughputResult extends Sample {
  failed: number;
}

export interface ThroughputPlan {
  count: number;
  /** Messages sent and not yet done: enough to keep any window full, within any buffer. */
  maxOutstanding: number;
  /** Feeding stops after this long even if `count` is not reached (a slow client still finishes). */
  feedMs: number;
  /** How long to wait for the last completions after feeding stopped. */
  drainMs: number;
}

/**
 * Feeds `payload` as fast as the producer accepts it, keeping at most `maxOutstanding` messages
 * not done, until `count` or `feedMs`; then waits until every message sent is done (bounded).
 * Timed from the first send to the last completion. Refills run in their own macrotask, as
 * Node-RED delivers messages, never inside a completion callback.
 */
export function throughput(producer: Producer, payload: string, plan: ThroughputPlan): Promise<ThroughputResult> {
  return new Promise((resolve) => {
    const cpuStart = cpuMsNow();
    const serverCpuStart = serverCpuMsNow();
    const start = performance.now();
    let fed = 0;
    let completed = 0;
    let failed = 0;
    let lastDone = start;
    let feeding = true;
    let refillScheduled = false;
    let drainTimer: NodeJS.Timeout | undefined;

    const finish = (): void => {
      clearTimeout(drainTimer);
      resolve({ messages: completed, failed, ms: lastDone - start, cpuMs: cpuMsNow() - cpuStart, serverCpuMs: serverCpuMsNow() - serverCpuStart });
    };
    const done: SendDone = (err) => {
      completed++;
      if (err) failed++;
      lastDone = performance.now();
      if (!feeding) {
        if (completed === fed) finish();
      } else if (!refillScheduled && fed - completed <= plan.maxOutstanding / 2) {
        refillScheduled = true;
        setImmediate(feed);
      }
    };
    const feed = (): void => {
      refillScheduled = false;
      if (performance.now() - start >= plan.feedMs) feeding = false;
      // At most one window per macrotask: a producer that completes inside send() (the floor)
      // never fills the window, and would otherwise be fed until `count` without a look at the clock.
      for (let burst = 0; feeding && fed < plan.count && fed - completed < plan.maxOutstanding && burst < plan.maxOutstanding; burst++) {
        fed++;
        producer.send(payload, done);
      }
      if (fed >= plan.count) feeding = false;
      if (feeding) {
        if (!refillScheduled && fed - completed < plan.maxOutstanding) {
          refillScheduled = true;
          setImmediate(feed);
        }
        return;
      }
      if (completed === fed) finish();
      else drainTimer = setTimeout(finish, plan.drainMs);
    };
    feed();
  });
}

export interface PacedRun {
  sent: number;
  /** Send → ack, in ms, for every acked message. */
  ackMs: number[];
}

/**
 * Sends at `rate` messages per second for `durationMs` (catching up after a late timer, never
 * bursting ahead), then waits for the outstanding acks (bounded). The payload is made from the
 * send time (performance.now()), so an end-to-end probe in this process can compute its latency.
 */
export function paced(producer: Producer, rate: number, durationMs: number, payloadFor: (sentAt: number) => string): Promise<PacedRun> {
  const total = Math.floor((rate * durationMs) / 1000);
  const run: PacedRun = { sent: 0, ackMs: [] };
  return new Promise((resolve) => {
    const start = performance.now();
    let drainTimer: NodeJS.Timeout | undefined;
    const finish = (): void => {
      clearTimeout(drainTimer);
      resolve(run);
    };
    const tick = (): void => {
      const due = Math.min(total, Math.floor(((performance.now() - start) * rate) / 1000));
      while (run.sent < due) {
        run.sent++;
        const sentAt = performance.now();
        producer.send(payloadFor(sentAt), () => {
          if (run.ackMs.push(performance.now() - sentAt) === total) finish();
        });
      }
      if (run.sent < total) setTimeout(tick, 1);
      else drainTimer = setTimeout(finish, 5000);
    };
    tick();
  });
}

/** Resolves once `predicate` holds (polled every 5 ms) or after `timeoutMs`; tells which. */
export async function waitUntil(predicate: () => boolean, timeoutMs: number): Promise<boolean> {
  const end = performance.now() + timeoutMs;
  while (!predicate()) {
    if (performance.now() > end) return false;
    await new Promise((r) => setTimeout(r, 5));
  }
  return true;
}
