// Every timer the fake starts goes through one registry, so stop() can cancel them all and a test can
// never leak a redelivery or a delayed ack into the next one.

export class TimerRegistry {
  private readonly pending = new Set<NodeJS.Timeout>();

  schedule(delayMs: number, callback: () => void): NodeJS.Timeout {
    const handle = setTimeout(() => {
      this.pending.delete(handle);
      callback();
    }, Math.max(0, delayMs));
    this.pending.add(handle);
    return handle;
  }

  cancel(handle: NodeJS.Timeout | undefined): void {
    if (handle !== undefined) {
      clearTimeout(handle);
      this.pending.delete(handle);
    }
  }

  cancelAll(): void {
    for (const handle of this.pending) {
      clearTimeout(handle);
    }
    this.pending.clear();
  }
}
