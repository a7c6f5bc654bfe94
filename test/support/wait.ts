/**
 * Bounded waiting for every suite: a sleep, and one polling loop whose timeout names what was
 * awaited, how long, what was last seen and the last error.
 */

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export interface UntilOptions {
  /** Appended to the timeout message: what was last seen. */
  detail?: () => string;
  /** Between polls; 5 ms unless the check itself does I/O. */
  intervalMs?: number;
  /**
   * Treat an error thrown by the check as "not yet" (a server still starting) and report the
   * last one on timeout. Off by default: a throwing check fails the wait at once.
   */
  retryErrors?: boolean;
}

/**
 * Polls `check` (sync or async) until it gives something other than undefined or false, and
 * returns that. Fails after `timeoutMs` with `timed out after N ms waiting for <what>`.
 */
export async function until<T>(
  check: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 5000,
  what = "condition",
  opts: UntilOptions = {},
): Promise<T> {
  const started = Date.now();
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
      lastError = undefined;
    } catch (err) {
      if (!opts.retryErrors) throw err;
      lastError = err;
    }
    if (Date.now() - started > timeoutMs) {
      const parts = [`timed out after ${timeoutMs} ms waiting for ${what}`];
      if (opts.detail) parts.push(opts.detail());
      if (lastError !== undefined) parts.push(`last error: ${lastError instanceof Error ? lastError.message : String(lastError)}`);
      throw new Error(parts.join("; "));
    }
    await sleep(opts.intervalMs ?? 5);
  }
}

/**
 * `until` for checks that do I/O (the real-Pulsar suites' admin calls): what is awaited first, a
 * boolean check polled every `intervalMs`, thrown errors retried and reported.
 */
export async function waitUntil(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs: number,
  detail?: () => string,
  intervalMs = 50,
): Promise<void> {
  await until(check, timeoutMs, what, { detail, intervalMs, retryErrors: true });
}
