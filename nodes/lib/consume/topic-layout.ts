/**
 * Where a pulsar-in's sessions connect, per topic: the partition counts that one session per
 * partition and readers starting at a time need, where each reader session starts, and from
 * those what a topic's sessions connect to (`targetsOf`). The lookups go through the admin API.
 * TopicSubscriptions owns one and calls it from its queue; entries go when their topic goes
 * (`forget`), so nothing grows under topic churn.
 */
import type { PulsarAdmin } from "../connection/admin-operations";
import { inputError } from "../protocol/errors";
import type { Position } from "../protocol/positions";
import { partitionTopic, type TopicName } from "../protocol/topics";

export type Mode =
  | { kind: "reader"; start: Position }
  | { kind: "subscription"; subscription: string; sessionsPerTopic: number; perPartition: boolean };

export type Params = Record<string, string | number>;

/** An i18n key under `pulsar.`, its parameters, and the error whose message is `reason`. */
export type Warn = (key: string, params: Params, cause?: unknown) => void;

export class TopicLayout {
  /** Each topic's partition count where the session layout needs it (absent: not looked up). */
  private readonly partitionCounts = new Map<string, number>();
  /** Readers: where each session target starts (a seek changes it), as a query value. */
  private readonly readerStarts = new Map<string, string>();

  constructor(
    private readonly mode: Mode,
    private readonly admin: () => PulsarAdmin,
    private readonly warn: Warn,
  ) {}

  /** Readers: where a session on `target` starts when it has read nothing yet, as a query value. */
  readerStart(target: TopicName): string {
    return this.readerStarts.get(target.full) ?? "latest";
  }

  /** The lookups before `topics` get sessions: partition counts where the layout needs them, reader starts. */
  async prepare(topics: readonly TopicName[]): Promise<void> {
    const mode = this.mode;
    if (mode.kind === "reader") await this.lookUpReaderPartitions(topics, mode.start);
    else if (mode.perPartition) await this.lookUpPartitions(topics.filter((tp) => !this.partitionCounts.has(tp.full)));
    if (mode.kind === "reader") await this.resolveReaderStarts(topics, mode.start);
  }

  /** A topic gone: its partition count and reader starts go with it. */
  forget(name: string): void {
    const partitions = this.partitionCounts.get(name) ?? 0;
    this.partitionCounts.delete(name);
    this.readerStarts.delete(name);
    for (let k = 0; k < partitions; k++) this.readerStarts.delete(`${name}-partition-${k}`);
  }

  /**
   * What a topic's sessions connect to. Readers: the topic, or each partition of a partitioned
   * topic whose start had to be looked up per partition. Shared / Key_Shared: the topic,
   * `sessions` times (the broker spreads the messages). Exclusive / Failover with sessions > 1:
   * one session per partition of a topic of at most `sessions` partitions; else one.
   */
  targetsOf(topic: TopicName): Array<{ target: TopicName; partition?: number }> {
    const mode = this.mode;
    const partitions = this.partitionCounts.get(topic.full) ?? 0;
    const perPartition = (): Array<{ target: TopicName; partition?: number }> =>
      Array.from({ length: partitions }, (_, k) => ({ target: partitionTopic(topic, k, partitions), partition: k }));
    if (mode.kind === "reader") return partitions > 0 ? perPartition() : [{ target: topic }];
    if (!mode.perPartition) return Array.from({ length: mode.sessionsPerTopic }, () => ({ target: topic }));
    if (partitions < 1 || partitions > mode.sessionsPerTopic) return [{ target: topic }];
    return perPartition();
  }

  /** Exclusive / Failover with sessions > 1: whether each topic is partitioned; says when one session is all it gets. */
  private async lookUpPartitions(topics: readonly TopicName[]): Promise<void> {
    for (const topic of topics) {
      let partitions = 0;
      try {
        partitions = await this.admin().partitionsOf(topic);
      } catch (err) {
        this.warn("errors.sessions-lookup", { topic: topic.full }, err);
      }
      this.partitionCounts.set(topic.full, partitions);
      this.warnIfOneSession(topic, partitions);
    }
  }

  warnIfOneSession(topic: TopicName, partitions: number): void {
    const mode = this.mode;
    if (mode.kind !== "subscription") return;
    if (partitions === 0) this.warn("errors.sessions-not-partitioned", { topic: topic.full, sessions: mode.sessionsPerTopic });
    else if (partitions > mode.sessionsPerTopic) this.warn("errors.sessions-too-many-partitions", { topic: topic.full, partitions, sessions: mode.sessionsPerTopic });
  }

  /**
   * Readers starting at a time: Pulsar looks a time up per partition (it refuses the lookup on a
   * partitioned topic), so a partitioned topic is read through one reader per partition, each
   * from its own start. Earliest, latest and an id need no lookup.
   */
  private async lookUpReaderPartitions(topics: readonly TopicName[], start: Position): Promise<void> {
    if (start.kind !== "time") return;
    for (const topic of topics) if (!this.partitionCounts.has(topic.full)) this.partitionCounts.set(topic.full, await this.admin().partitionsOf(topic));
  }

  /**
   * A reader seeked to a time: the topics not looked up yet are looked up now (Pulsar looks a
   * time up per partition); a partitioned one is then read per partition (targetsOf).
   */
  async partitionsForSeek(topics: readonly TopicName[], position: Position): Promise<void> {
    await this.lookUpReaderPartitions(topics.filter((tp) => !this.partitionCounts.has(tp.full)), position);
  }

  /** Readers: the start of each topic's sessions (each partition's, when read per partition). */
  async resolveReaderStarts(topics: readonly TopicName[], position: Position): Promise<void> {
    for (const topic of topics) {
      const partitions = this.partitionCounts.get(topic.full) ?? 0;
      if (position.kind === "id" && partitions > 0) throw inputError("seek-id-partitioned", { topic: topic.full });
      const targets = partitions > 0 ? Array.from({ length: partitions }, (_, k) => partitionTopic(topic, k, partitions)) : [topic];
      for (const target of targets) {
        const start = position.kind === "time" ? await this.admin().readerStartAt(target, position.ms) : position.kind === "id" ? position.id : position.kind;
        this.readerStarts.set(target.full, start);
      }
    }
  }

  /**
   * One session per partition: looks `topic`'s count up again. Returns the count before and now
   * when it changed and `stillWanted()` (asked after the lookup) holds, and records it; else
   * undefined. A failed lookup, or a topic never looked up, changes nothing.
   */
  async recount(topic: TopicName, stillWanted: () => boolean): Promise<{ before: number; partitions: number } | undefined> {
    let partitions: number;
    try {
      partitions = await this.admin().partitionsOf(topic);
    } catch {
      return undefined;
    }
    const before = this.partitionCounts.get(topic.full);
    if (before === undefined || partitions === before || !stillWanted()) return undefined;
    this.partitionCounts.set(topic.full, partitions);
    return { before, partitions };
  }
}
