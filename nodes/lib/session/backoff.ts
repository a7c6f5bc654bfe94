/**
 * Exponential backoff with full jitter ("Exponential Backoff And Jitter", AWS architecture
 * blog): delay = random(0.5..1) × min(max, min × 2^attempt). Half jitter keeps a floor so
 * a broker restart is not hammered at t≈0 by every client, yet spreads them out.
 */
export interface BackoffOptions {
  minMs: number;
  maxMs: number;
  random: () => number;
}

export class Backoff {
  private attempt = 0;

  constructor(private readonly opts: BackoffOptions) {}

  /** The delay before the next attempt; each call doubles the ceiling until maxMs. */
  next(): number {
    const ceiling = Math.min(this.opts.maxMs, this.opts.minMs * 2 ** Math.min(this.attempt, 30));
    this.attempt++;
    return Math.round(ceiling * (0.5 + this.opts.random() / 2));
  }

  /** The slowest delay, for failures an operator must fix first (401/403/404). */
  slowest(): number {
    this.attempt++;
    return Math.round(this.opts.maxMs * (0.5 + this.opts.random() / 2));
  }

  /** After a connection has stayed up: start again from the minimum. */
  reset(): void {
    this.attempt = 0;
  }

  get attempts(): number {
    return this.attempt;
  }
}
