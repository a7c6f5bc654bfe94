/**
 * Time and randomness, injectable so backoff, keep-alive and close deadlines can be tested
 * fast and deterministically.
 */
export type TimerHandle = ReturnType<typeof setTimeout>;

export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle | undefined): void;
  random(): number;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => {
    const handle = setTimeout(fn, ms);
    // A pending reconnect or keep-alive timer must never keep Node-RED (or a test) alive.
    handle.unref?.();
    return handle;
  },
  clearTimeout: (handle) => {
    if (handle !== undefined) clearTimeout(handle);
  },
  random: () => Math.random(),
};
