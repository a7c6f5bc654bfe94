/**
 * What pulsar-in consumes, and every change to it, without Node-RED: a topic list or the topics
 * of a namespace that a pattern matches (re-discovered every period), the sessions of each topic
 * (a ConsumerGroup) and their layout (TopicLayout: partition counts, where each reader starts).
 * The node file keeps option parsing, delivery and the mapping of msg.action to the methods here.
 *
 * Everything that changes the topic set runs through one queue, one change at a time: control
 * messages (subscribe, unsubscribe, connect, disconnect, getSubscriptions, deleteSubscription,
 * seek) and the periodic run (pattern discovery, partition counts). So a discovery run that was
 * waiting for a lookup can never subscribe again after an unsubscribe reported done, and nothing
 * opens once the owner closed. pause / resume and acks act at once.
 *
 * Periodic work never rejects into the void: a failure is a `warn` event and the run is tried
 * again next period. Per-topic lookups fail per topic: one topic that cannot be looked up is
 * skipped (with a warning), the others are added.
 */
import { EventEmitter } from "node:events";
import type { PulsarAdmin } from "../connection/admin-operations";
import { PatternDiscovery } from "./pattern-discovery";
import { TopicLayout, type Mode, type Params } from "./topic-layout";
import { inputError, PulsarError } from "../protocol/errors";
import type { Position } from "../protocol/positions";
import type { ConsumerMessageFrame } from "../protocol/server-frames";
import { parseListedName, type TopicPattern } from "../protocol/topic-list";
import type { TopicDefaults, TopicName } from "../protocol/topics";
import type { ConsumerSession } from "../session/consumer";
import { ConsumerGroup, whenOpen, type Lane } from "../session/consumer-group";
import type { SocketState } from "../session/socket";

export interface OpenRequest {
  /** What the session connects to: the topic, or one of its partitions. */
  target: TopicName;
  /** The topic as the flow named it. */
  topic: TopicName;
  /** How many sessions the topic has (options that are the topic's in all are split). */
  lanes: number;
  /** Readers: where this session starts when it has read nothing yet, as a query value. */
  readerStart: () => string;
}

export type { Mode } from "./topic-layout";

export interface TopicSubscriptionsOptions {
  mode: Mode;
  /** Opens one session (the endpoint's factory with the node's options). */
  open: (request: OpenRequest) => ConsumerSession;
  admin: () => PulsarAdmin;
  defaults: TopicDefaults;
  /** The most topics at once. */
  maxTopics: number;
  /** Pattern discovery and partition-count refresh period. */
  periodMs: number;
  /** How long subscribe / connect / seek wait for their sessions to open. */
  openWaitMs: number;
}

export interface TopicSubscriptionsEvents {
  message: [ConsumerMessageFrame, Lane];
  /** A session's state changed. */
  sessionState: [SocketState, Lane];
  /** Something the status shows changed (topics, unacked count, pause). */
  changed: [];
  /** An i18n key under `pulsar.`, its parameters, and the error whose message is `reason`. */
  warn: [string, Params, unknown?];
  log: [string, Params];
  protocolError: [PulsarError];
}

/** Bound on the remembered names discovery refused, so a churning namespace cannot grow it. */
const MAX_REFUSED_NAMES = 1000;

export class TopicSubscriptions extends EventEmitter<TopicSubscriptionsEvents> {
  readonly group: ConsumerGroup;
  private readonly discovery: PatternDiscovery | undefined;
  /** Pattern discovery runs (off after unsubscribe-all and disconnect, until connect). */
  private discovering = false;
  /** Pattern mode: matched topics the flow unsubscribed or deleted the subscription of (until connect). */
  private readonly excluded = new Set<string>();
  /** Pattern mode: the topics discovery added (only these does it drop again; a subscribe's stay). */
  private readonly discovered = new Set<string>();
  /** Discovered names the topic parser refused, warned about once each while they are listed. */
  private readonly refusedNames = new Set<string>();
  /** Partition counts and reader starts: what each topic's sessions connect to. */
  private readonly layout: TopicLayout;
  private lastDiscoveryWarning = "";
  private queue: Promise<unknown> = Promise.resolve();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private closed = false;

  constructor(
    private readonly opts: TopicSubscriptionsOptions,
    pattern: TopicPattern | undefined,
  ) {
    super();
    const layout = new TopicLayout(opts.mode, opts.admin, (key, params, cause) => this.emit("warn", key, params, cause));
    this.layout = layout;
    this.group = new ConsumerGroup({
      open: (target, topic, lanes) => opts.open({ target, topic, lanes, readerStart: () => layout.readerStart(target) }),
      maxSessions: opts.maxTopics,
      targets: (topic) => layout.targetsOf(topic),
    });
    this.group.on("message", (frame, lane) => this.emit("message", frame, lane));
    this.group.on("state", (s, lane) => {
      this.emit("sessionState", s, lane);
      this.emit("changed");
    });
    this.group.on("unacked", () => this.emit("changed"));
    this.group.on("protocolError", (err) => this.emit("protocolError", err));
    if (pattern) {
      this.discovery = new PatternDiscovery(opts.admin, pattern);
      this.discovering = true;
    }
  }

  get isPattern(): boolean {
    return this.discovery !== undefined;
  }

  /**
   * Starts consuming `topics` (a list; none with a pattern) and the periodic run. Rejects when
   * the list is longer than the cap (nothing is added then); a topic whose lookups fail is
   * skipped with a warning.
   */
  start(topics: readonly TopicName[]): Promise<void> {
    this.schedule();
    if (this.discovery) return this.enqueue(() => this.discover());
    return this.enqueue(async () => {
      if (topics.length > this.group.maxSessions) this.group.add(topics); // throws the cap's refusal
      await this.addEach(topics, "topic-start-failed");
    });
  }

  subscribe(topics: readonly TopicName[]): Promise<void> {
    return this.enqueue(async () => {
      if (!topics.length) throw inputError("control-topic-missing", { action: "subscribe" });
      for (const tp of topics) this.excluded.delete(tp.full);
      const opened = await this.add(topics);
      this.emit("changed");
      await this.waitOpen(opened);
    });
  }

  /** Topics absent: all of them, and a pattern stops being re-discovered until connect. */
  unsubscribe(topics?: readonly TopicName[]): Promise<void> {
    return this.enqueue(async () => {
      if (!topics) {
        this.discovering = false;
        this.exclude(this.group.topicNames);
        await this.remove(this.group.topicNames);
      } else {
        this.exclude(topics.map((tp) => tp.full));
        await this.remove(topics.map((tp) => tp.full));
      }
    });
  }

  disconnect(): Promise<void> {
    return this.enqueue(async () => {
      this.discovering = false;
      await this.group.disconnect();
    });
  }

  connect(): Promise<void> {
    return this.enqueue(async () => {
      const opened = this.group.connect();
      if (this.discovery) {
        this.excluded.clear();
        this.discovering = true;
        await this.discover();
      }
      this.emit("changed");
      await this.waitOpen([...opened, ...this.group.sessions().map((s) => s.session).filter((s) => !opened.includes(s))]);
    });
  }

  getSubscriptions(): Promise<string[]> {
    return this.enqueue(async () => this.group.topicNames);
  }

  deleteSubscription(topics?: readonly TopicName[]): Promise<void> {
    return this.enqueue(async () => {
      const mode = this.opts.mode;
      if (mode.kind !== "subscription") throw inputError("control-reader", { action: "deleteSubscription" });
      const named = topics ?? this.group.topics;
      if (!named.length) throw inputError("control-topic-missing", { action: "deleteSubscription" });
      // Consuming on would create the subscription again: stop first, then delete on the broker.
      this.exclude(named.map((tp) => tp.full));
      await this.remove(named.map((tp) => tp.full));
      for (const tp of named) await this.opts.admin().deleteSubscription(tp, mode.subscription);
    });
  }

  seek(position: Position, topics?: readonly TopicName[]): Promise<void> {
    return this.enqueue(async () => {
      const consumed = (topics ?? this.group.topics).filter((tp) => this.group.has(tp.full));
      if (!consumed.length) throw inputError("control-no-topics", { action: "seek" });
      // A message id belongs to one topic: applied to several it would move the others to a
      // position that is not theirs.
      if (position.kind === "id" && consumed.length > 1) throw inputError("seek-id-topics", { topics: consumed.length });
      const mode = this.opts.mode;
      const names = consumed.map((tp) => tp.full);
      const opened =
        mode.kind === "reader"
          ? // A reader has no cursor on the broker: its sessions start again at the new position
            // (a time is looked up per partition, so a topic's partitions are looked up first).
            await this.group.restart(names, async () => {
              await this.layout.partitionsForSeek(consumed, position);
              await this.layout.resolveReaderStarts(consumed, position);
            })
          : // The sessions close first, so nothing delivered before the seek is acked after it.
            await this.group.restart(names, async () => {
              for (const tp of consumed) await this.opts.admin().resetCursor(tp, mode.subscription, position);
            });
      this.emit("changed");
      await this.waitOpen(opened);
    });
  }

  pause(): void {
    this.group.pause();
    this.emit("changed");
  }

  resume(): void {
    this.group.resume();
    this.emit("changed");
  }

  /** Undefined when no session could take the ack, else whether the frame went out now. */
  ack(messageId: string, topicHint?: string): boolean | undefined {
    return this.group.ack(messageId, topicHint);
  }

  nack(messageId: string, topicHint?: string): boolean | undefined {
    return this.group.nack(messageId, topicHint);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.discovering = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.group.close();
  }

  /** Runs `op` after every change queued before it; refused once closed. */
  private enqueue<T>(op: () => Promise<T>): Promise<T> {
    const run = this.queue.then(() => {
      if (this.closed) throw new PulsarError("closed", "closing");
      return op();
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** The periodic run: discovery and partition counts, one at a time, in the queue. */
  private schedule(): void {
    const perPartition = this.opts.mode.kind === "subscription" && this.opts.mode.perPartition;
    if (this.closed || (!this.discovery && !perPartition)) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.enqueue(async () => {
        if (this.discovering) await this.discover();
        if (perPartition) await this.refreshPartitions();
      })
        .catch((err: unknown) => {
          if (!this.closed) this.emit("warn", "errors.periodic-failed", {}, err);
        })
        .finally(() => this.schedule());
    }, this.opts.periodMs);
    this.timer.unref?.();
  }

  /** One discovery run: lists the namespace and applies the answer; a failed listing keeps what was found. */
  private async discover(): Promise<void> {
    let names: string[];
    try {
      names = await this.discovery!.list();
    } catch (err) {
      this.warnDiscovery("errors.pattern-discovery", {}, err);
      return;
    }
    if (!this.discovering || this.closed) return;
    await this.applyDiscovered(names);
  }

  private async applyDiscovered(names: readonly string[]): Promise<void> {
    const g = this.group;
    const listed = new Set(names);
    // Forget what the namespace no longer lists: these sets stay as large as the listing.
    for (const n of this.excluded) if (!listed.has(n)) this.excluded.delete(n);
    for (const n of this.refusedNames) if (!listed.has(n)) this.refusedNames.delete(n);
    const gone = [...this.discovered].filter((n) => !listed.has(n));
    if (gone.length) await this.remove(gone);
    const fresh: TopicName[] = [];
    for (const name of names) {
      if (this.excluded.has(name) || g.has(name)) continue;
      try {
        fresh.push(parseListedName(name, this.opts.defaults));
      } catch (err) {
        if (!this.refusedNames.has(name) && this.refusedNames.size < MAX_REFUSED_NAMES) {
          this.refusedNames.add(name);
          this.emit("warn", "errors.pattern-name-refused", {}, err);
        }
      }
    }
    const room = Math.max(0, g.maxSessions - g.size);
    if (fresh.length > room) {
      this.warnDiscovery("errors.pattern-capped", { max: g.maxSessions, matched: names.length - this.excluded.size, left: fresh.length - room });
    } else {
      this.lastDiscoveryWarning = "";
    }
    if (fresh.length && room > 0 && g.isConnected) {
      const added = await this.addEach(fresh.slice(0, room), "pattern-topic-failed");
      for (const tp of added) this.discovered.add(tp.full);
    }
    this.emit("changed");
  }

  private warnDiscovery(key: string, params: Params, cause?: unknown): void {
    const signature = `${key}|${JSON.stringify(params)}|${cause instanceof Error ? cause.message : ""}`;
    if (signature !== this.lastDiscoveryWarning) this.emit("warn", key, params, cause);
    this.lastDiscoveryWarning = signature;
  }

  /**
   * Adds topics one by one: a topic whose lookups fail is skipped with a warning (discovery
   * tries it again next period), the others are added. Returns those added.
   */
  private async addEach(topics: readonly TopicName[], warning: string): Promise<TopicName[]> {
    const added: TopicName[] = [];
    for (const tp of topics) {
      try {
        await this.add([tp]);
        added.push(tp);
      } catch (err) {
        if (err instanceof PulsarError && err.code === "closing") throw err;
        this.emit("warn", `errors.${warning}`, { topic: tp.full }, err);
      }
    }
    return added;
  }

  /** All or nothing: the cap is checked before any lookup, lookups before any session opens. */
  private async add(topics: readonly TopicName[]): Promise<ConsumerSession[]> {
    const g = this.group;
    const fresh = topics.filter((tp) => !g.has(tp.full));
    if (g.size + fresh.length > g.maxSessions) g.add(fresh); // throws the cap's refusal
    await this.layout.prepare(fresh);
    // g.add refuses too once closed: no session opens after the owner closed.
    return g.add(fresh);
  }

  private async remove(names: readonly string[]): Promise<void> {
    const removed = await this.group.remove(names);
    for (const name of removed) {
      this.discovered.delete(name);
      this.layout.forget(name);
    }
    this.emit("changed");
  }

  private exclude(names: readonly string[]): void {
    // Only a pattern would add them again; a topic list has nothing to exclude them from.
    if (this.discovery) for (const n of names) this.excluded.add(n);
  }

  /**
   * One session per partition: Pulsar's own consumer of a partitioned topic picks up added
   * partitions by itself, sessions on the partitions' names do not, so the counts are looked up
   * again. A failed lookup keeps the sessions as they are.
   */
  private async refreshPartitions(): Promise<void> {
    for (const topic of this.group.topics) {
      const changed = await this.layout.recount(topic, () => !this.closed && this.group.has(topic.full));
      if (!changed) continue;
      const { before, partitions } = changed;
      this.emit("log", "log.partitions-changed", { topic: topic.full, before, partitions });
      this.layout.warnIfOneSession(topic, partitions);
      await this.group.retarget(topic.full);
      this.emit("changed");
    }
  }

  private async waitOpen(sessions: ConsumerSession[]): Promise<void> {
    const g = this.group;
    if (!g.isConnected || sessions.length === 0) return;
    try {
      await whenOpen(sessions, this.opts.openWaitMs);
    } catch (err) {
      // A refused session is not subscribed: drop its topic again, so the list says what runs.
      if (err instanceof PulsarError && err.code === "session-refused") {
        const refused = g.sessions().filter((s) => sessions.includes(s.session) && s.session.state.state !== "open").map((s) => s.topic.full);
        await this.remove([...new Set(refused)]);
      }
      throw err;
    }
  }
}
