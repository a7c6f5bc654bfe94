/**
 * Re-discovers the topics a pattern matches: lists the pattern's namespace through the admin
 * REST API right away and then every `periodMs`, and reports the matching base names. Runs one
 * listing at a time; a failed listing is reported and the previous answer kept (a broker
 * restart must not drop every topic).
 */
import type { PulsarAdmin } from "./admin/operations";
import { matchPattern, type TopicPattern } from "./protocol/topic-list";

export interface DiscoveryHandlers {
  matched: (fullNames: string[]) => Promise<void> | void;
  failed: (err: unknown) => void;
}

export class PatternDiscovery {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly admin: PulsarAdmin,
    private readonly pattern: TopicPattern,
    private readonly periodMs: number,
    private readonly handlers: DiscoveryHandlers,
  ) {}

  start(): void {
    this.stopped = false;
    void this.runNow();
  }

  /** One listing now (waits for one already running); resolves after `matched` or `failed`. */
  runNow(): Promise<void> {
    if (this.running) return this.running;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.running = this.once().finally(() => {
      this.running = undefined;
      if (!this.stopped) this.timer = setTimeout(() => void this.runNow(), this.periodMs);
    });
    return this.running;
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private async once(): Promise<void> {
    const { tenant, namespace, domain } = this.pattern;
    let names: string[];
    try {
      const [listed, partitioned] = await Promise.all([
        this.admin.listTopics(tenant, namespace, domain),
        this.admin.listPartitionedTopics(tenant, namespace, domain),
      ]);
      names = matchPattern(this.pattern, listed, partitioned);
    } catch (err) {
      if (!this.stopped) this.handlers.failed(err);
      return;
    }
    if (!this.stopped) await this.handlers.matched(names);
  }
}
