/** Bounded waiting with a message that says what was awaited and what was last seen. */

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Polls `check` (sync or async) every `intervalMs` until it returns true; fails after `timeoutMs`
 * with `timed out after N ms waiting for <what>` plus `detail()` when given.
 */
export async function waitUntil(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs: number,
  detail?: () => string,
  intervalMs = 50,
): Promise<void> {
  const started = Date.now();
  let lastError: unknown;
  for (;;) {
    try {
      if (await check()) return;
      lastError = undefined;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() - started > timeoutMs) {
      const parts = [`timed out after ${timeoutMs} ms waiting for ${what}`];
      if (detail) parts.push(detail());
      if (lastError) parts.push(`last error: ${lastError instanceof Error ? lastError.message : String(lastError)}`);
      throw new Error(parts.join("; "));
    }
    await sleep(intervalMs);
  }
}
