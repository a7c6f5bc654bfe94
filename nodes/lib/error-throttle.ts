/**
 * Protocol errors from a session (an ack for an unknown context, a malformed frame) are logged
 * the way careful servers log repeats: the first of each kind at once, then one line every
 * `intervalMs` counting the others. A server that floods must not flood the log and every
 * open editor's debug sidebar (1,500 bad acks a second once made 85,000 lines a minute).
 */
import type { Translate } from "./i18n";
import { toNodeError } from "./i18n";
import type { PulsarError } from "./protocol/errors";

interface Kind {
  /** Repeats since the last line about this kind. */
  count: number;
  /** The most recent one, translated when its line is written. */
  last: PulsarError;
}

export class RepeatedErrorLog {
  private readonly kinds = new Map<string, Kind>();
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly write: (line: string) => void,
    private readonly t: Translate,
    private readonly intervalMs = 60_000,
  ) {}

  report(err: PulsarError): void {
    const kind = this.kinds.get(err.code);
    if (kind) {
      kind.count++;
      kind.last = err;
      return;
    }
    this.kinds.set(err.code, { count: 0, last: err });
    this.write(toNodeError(this.t, err).message);
    this.timer ??= setInterval(() => this.flush(), this.intervalMs);
    this.timer.unref?.();
  }

  /** Writes the counts still open and stops; a later error starts afresh. */
  close(): void {
    this.flush();
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.kinds.clear();
  }

  private flush(): void {
    for (const [code, kind] of this.kinds) {
      if (kind.count === 0) {
        // Quiet for a whole interval: the next one of this kind is news again.
        this.kinds.delete(code);
        continue;
      }
      this.write(this.t("pulsar.log.repeated", { count: kind.count, seconds: Math.round(this.intervalMs / 1000), message: toNodeError(this.t, kind.last).message }));
      kind.count = 0;
    }
    if (this.kinds.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }
}
