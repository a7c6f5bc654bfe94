/**
 * How much each scenario does: `--quick` (under 4 minutes with a Pulsar start) and the full run.
 * Every figure is the median of `runs` runs; a run is `slices` short slices, taken in turns with
 * the clients it is compared with (scenarios/context.ts).
 */
import type { ServerId } from "./servers";

export interface Profile {
  name: "quick" | "full";
  runs: number;
  slices: number;
  /** Before measuring, each client runs this long (JIT, connections, broker caches). */
  warmupMs: number;
  produce: { sizes: number[]; sliceMs: number };
  /** Each slice reads `messages` from the start of the topic; a slow client stops at `sliceTimeoutMs`. */
  consume: { bytes: number; messages: number; sliceTimeoutMs: number };
  latency: { servers: ServerId[]; rate: number; sliceMs: number; bytes: number };
  /**
   * The session rows (Pulsar only), with the slice times of produce and consume; consume-sessions
   * takes `consumeSlices` per run: five clients, each slice a deploy and a close of up to 2-3 s
   * on a busy machine, would take minutes otherwise. Its topic holds more than 4 sessions can
   * read in one slice, so none runs out.
   */
  sessions: { bytes: number; consumeMessages: number; consumeSlices: number };
  memory: { runs: number; messages: number; bytes: number; bufferBytes: number };
}

export const PROFILES: Record<Profile["name"], Profile> = {
  quick: {
    name: "quick",
    runs: 3,
    slices: 3,
    warmupMs: 700,
    produce: { sizes: [100, 1024], sliceMs: 150 },
    consume: { bytes: 100, messages: 5_000, sliceTimeoutMs: 400 },
    latency: { servers: ["b"], rate: 1000, sliceMs: 400, bytes: 100 },
    sessions: { bytes: 100, consumeMessages: 20_000, consumeSlices: 1 },
    memory: { runs: 3, messages: 100_000, bytes: 1024, bufferBytes: 16 * 1024 * 1024 },
  },
  full: {
    name: "full",
    runs: 5,
    slices: 6,
    warmupMs: 2_000,
    produce: { sizes: [100, 1024], sliceMs: 500 },
    consume: { bytes: 100, messages: 20_000, sliceTimeoutMs: 1_500 },
    latency: { servers: ["a", "b"], rate: 1000, sliceMs: 1_500, bytes: 100 },
    sessions: { bytes: 100, consumeMessages: 60_000, consumeSlices: 3 },
    memory: { runs: 5, messages: 100_000, bytes: 1024, bufferBytes: 16 * 1024 * 1024 },
  },
};

/** splitArrays rows: msgs of ARRAY_SIZE payloads of ARRAY_BYTES each. */
export const ARRAY_SIZE = 100;
export const ARRAY_BYTES = 100;

/** pulsar-out's default window, which the raw baseline uses too. */
export const MAX_IN_FLIGHT = 500;
/** Messages handed to a producer and not yet done: a full window plus as much again queued. */
export const MAX_OUTSTANDING = 2 * MAX_IN_FLIGHT;
