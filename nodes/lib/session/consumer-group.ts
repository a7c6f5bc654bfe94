/**
 * Several topics in one pulsar-in: one or more ConsumerSessions (v2 consumer or reader endpoint)
 * per topic, owned here. Why not Pulsar's multi-topic endpoint (`/ws/v3/consumer`, 3.2+): its frames
 * do not say which topic a message came from, so msg.topic could not be set and an ack could
 * not be checked against its topic; it exists only on 3.2+; one refused topic refuses them all.
 * One session per topic costs a socket per topic, hence the cap (`maxSessions`, in topics).
 *
 * A topic can have several sessions (`targets`): the same Shared / Key_Shared subscription
 * opened N times (the broker spreads messages over them, on Key_Shared a key always to the same
 * one), or one session per partition of a partitioned topic. One Pulsar WebSocket session
 * delivers one message per read on the broker, so this is how a node gets more than one
 * session's throughput. They present one stream: messages are emitted under the topic's name,
 * in each session's order.
 *
 * The group keeps the wanted topic list across `disconnect` / `connect`, routes an ack or nack
 * to the session that delivered the id (or, for an id from an earlier socket, to the session of
 * the topic the msg names), sums the unacked counts, and applies pause / resume to every
 * session, also to those opened later.
 */
import { EventEmitter } from "node:events";
import { PulsarError } from "../protocol/errors";
import type { ConsumerMessageFrame } from "../protocol/server-frames";
import { partitionOf } from "../protocol/message-id";
import type { TopicName } from "../protocol/topics";
import type { ConsumerSession } from "./consumer";
import type { SocketState } from "./socket";

/** One session of a topic: where it connects (the topic, or one of its partitions). */
export interface Lane {
  /** The topic as the flow named it: msg.topic, acks by topic, the group's keys. */
  topic: TopicName;
  /** What the session connects to: `topic` itself, or `topic-partition-K`. */
  target: TopicName;
  /** The partition `target` is (K), when the topic's sessions are one per partition. */
  partition?: number;
  session: ConsumerSession;
}

export interface ConsumerGroupOptions {
  /**
   * Opens one session (the endpoint's factory, with this node's options). `lanes` is how many
   * sessions the topic has, for options that are the topic's in all (a pull window is split).
   */
  open: (target: TopicName, topic: TopicName, lanes: number) => ConsumerSession;
  /**
   * What a topic's sessions connect to, one entry each (default: one session on the topic). Asked
   * when the topic is added; partition entries carry their index.
   */
  targets?: (topic: TopicName) => Array<{ target: TopicName; partition?: number }>;
  /** The most sessions at once; `add` refuses what would go beyond. */
  maxSessions: number;
}

export interface ConsumerGroupEvents {
  message: [ConsumerMessageFrame, Lane];
  /** Some session's state changed (the lane says which). */
  state: [SocketState, Lane];
  /** The unacked count may have changed (read `unackedCount`: summing it per message would cost a pass over every session). */
  unacked: [];
  protocolError: [PulsarError, TopicName];
}

interface Member {
  topic: TopicName;
  targets: Array<{ target: TopicName; partition?: number }>;
  /** One per target while connected; empty while disconnected. */
  lanes: Lane[];
}

const MAX_REMEMBERED_REMOVED = 1000;

export class ConsumerGroup extends EventEmitter<ConsumerGroupEvents> {
  /** The wanted topics by full name, in the order they were added; their sessions while connected. */
  private readonly members = new Map<string, Member>();
  /**
   * Topics removed again, so that an ack naming one is not sent to another topic's session. The
   * most recent MAX_REMEMBERED_REMOVED only: under topic churn it must not grow without bound,
   * and an ack for a topic removed that long ago is covered by redelivery anyway.
   */
  private readonly removed = new Set<string>();
  private connected = true;
  private paused = false;
  private closed = false;

  constructor(private readonly opts: ConsumerGroupOptions) {
    super();
  }

  get topics(): TopicName[] {
    return [...this.members.values()].map((m) => m.topic);
  }

  get topicNames(): string[] {
    return [...this.members.keys()];
  }

  get size(): number {
    return this.members.size;
  }

  get isConnected(): boolean {
    return this.connected;
  }

  get isPaused(): boolean {
    return this.paused;
  }

  get maxSessions(): number {
    return this.opts.maxSessions;
  }

  get unackedCount(): number {
    let n = 0;
    for (const lane of this.lanes()) n += lane.session.unackedCount;
    return n;
  }

  has(fullName: string): boolean {
    return this.members.has(fullName);
  }

  /** The sessions of one topic (none while disconnected). */
  sessionsOf(fullName: string): ConsumerSession[] {
    return this.members.get(fullName)?.lanes.map((l) => l.session) ?? [];
  }

  /** Every session there is (for status: all open, or the state of one that is not). */
  sessions(): Lane[] {
    return [...this.lanes()];
  }

  private *lanes(): Iterable<Lane> {
    for (const m of this.members.values()) yield* m.lanes;
  }

  /**
   * Adds topics (those already there are left as they are) and opens their sessions unless
   * disconnected. All or nothing: beyond the cap nothing is added and a PulsarError
   * `too-many-topics` says how many would be needed. Returns the sessions opened.
   */
  add(topics: readonly TopicName[]): ConsumerSession[] {
    if (this.closed) throw new PulsarError("closed", "closing");
    const fresh = topics.filter((t, i) => !this.members.has(t.full) && topics.findIndex((u) => u.full === t.full) === i);
    if (this.members.size + fresh.length > this.opts.maxSessions) {
      throw new PulsarError("overflow", "too-many-topics", { max: this.opts.maxSessions, current: this.members.size, asked: fresh.length });
    }
    const opened: ConsumerSession[] = [];
    for (const topic of fresh) {
      this.removed.delete(topic.full);
      const member: Member = { topic, targets: this.opts.targets?.(topic) ?? [{ target: topic }], lanes: [] };
      this.members.set(topic.full, member);
      if (this.connected) opened.push(...this.openMember(member));
    }
    return opened;
  }

  /** Removes topics (absent: all) and closes their sessions. Returns the names removed. */
  async remove(fullNames?: readonly string[]): Promise<string[]> {
    const names = fullNames ?? [...this.members.keys()];
    const removed: Member[] = [];
    for (const name of names) {
      const m = this.members.get(name);
      if (!m) continue;
      this.members.delete(name);
      this.removed.add(name);
      if (this.removed.size > MAX_REMEMBERED_REMOVED) this.removed.delete(this.removed.values().next().value!);
      removed.push(m);
    }
    await Promise.all(removed.map((m) => this.closeMember(m)));
    if (removed.length) this.emit("unacked");
    return removed.map((m) => m.topic.full);
  }

  /**
   * Asks `targets` again for a topic (its partition count changed). Targets added after the
   * present ones get sessions of their own and the others carry on (partitions are only ever
   * added); any other change closes the topic's sessions and opens the new ones. Returns the
   * sessions opened.
   */
  async retarget(fullName: string): Promise<ConsumerSession[]> {
    const member = this.members.get(fullName);
    if (!member || this.closed) return [];
    const next = this.opts.targets?.(member.topic) ?? [{ target: member.topic }];
    const same = (a: { target: TopicName; partition?: number }, b: { target: TopicName; partition?: number }): boolean => a.target.full === b.target.full && a.partition === b.partition;
    const kept = member.targets.every((t, i) => next[i] !== undefined && same(t, next[i]));
    if (kept && next.length === member.targets.length) return [];
    if (!kept) {
      await this.closeMember(member);
      member.targets = next;
      return this.connected && this.members.get(fullName) === member ? this.openMember(member) : [];
    }
    const added = next.slice(member.targets.length);
    member.targets = next;
    if (!this.connected || member.lanes.length === 0) return [];
    const lanes = this.openLanes(member, added);
    member.lanes = [...member.lanes, ...lanes];
    return lanes.map((l) => l.session);
  }

  /** Closes every session, keeping the topic list for `connect`. */
  async disconnect(): Promise<void> {
    this.connected = false;
    await Promise.all([...this.members.values()].map((m) => this.closeMember(m)));
    this.emit("unacked");
  }

  /** Opens a session for every topic that has none. Returns the sessions opened. */
  connect(): ConsumerSession[] {
    if (this.closed) throw new PulsarError("closed", "closing");
    this.connected = true;
    const opened: ConsumerSession[] = [];
    for (const m of this.members.values()) if (m.lanes.length === 0) opened.push(...this.openMember(m));
    return opened;
  }

  /**
   * Closes the sessions of `fullNames`, runs `between` (e.g. an admin reset-cursor), and opens
   * them again (when connected), also when `between` failed; its error is rethrown after.
   */
  async restart(fullNames: readonly string[], between: () => Promise<void>): Promise<ConsumerSession[]> {
    const members = fullNames.map((n) => this.members.get(n)).filter((m): m is Member => m !== undefined);
    await Promise.all(members.map((m) => this.closeMember(m)));
    this.emit("unacked");
    let failure: unknown;
    try {
      await between();
    } catch (err) {
      failure = err;
    }
    const opened: ConsumerSession[] = [];
    // A topic removed meanwhile stays removed. The others reopen on their targets as they are
    // now: `between` may have changed them (a reader seeked to a time reads per partition).
    if (this.connected && !this.closed) {
      for (const m of members) {
        if (this.members.get(m.topic.full) !== m || m.lanes.length !== 0) continue;
        m.targets = this.opts.targets?.(m.topic) ?? [{ target: m.topic }];
        opened.push(...this.openMember(m));
      }
    }
    if (failure !== undefined) throw failure;
    return opened;
  }

  /**
   * Acks on the session that delivered the id on its current socket; else (an id from an earlier
   * socket, which Pulsar still acks by id) on a session of `topicHint` (msg.topic), or without
   * one on the only topic's session. With one session per partition, only the session of the
   * partition the id names will do: an ack on another partition's cursor would not count.
   * Undefined when no session could take it, else whether the frame went out now.
   */
  ack(messageId: string, topicHint?: string): boolean | undefined {
    return this.route(messageId, topicHint)?.ack(messageId);
  }

  nack(messageId: string, topicHint?: string): boolean | undefined {
    return this.route(messageId, topicHint)?.nack(messageId);
  }

  pause(): void {
    this.paused = true;
    for (const lane of this.lanes()) lane.session.pause();
  }

  resume(): void {
    this.paused = false;
    for (const lane of this.lanes()) lane.session.resume();
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.members.values()].map((m) => this.closeMember(m)));
  }

  private route(messageId: string, topicHint?: string): ConsumerSession | undefined {
    let member = topicHint === undefined ? undefined : this.members.get(topicHint);
    // The hinted topic's sessions first (a batch msg's ids all come from them), then the others':
    // with many topics, every session checked for every id made an ack cost grow with the topics.
    if (member) for (const lane of member.lanes) if (lane.session.isUnacked(messageId)) return lane.session;
    for (const m of this.members.values()) {
      if (m !== member) for (const lane of m.lanes) if (lane.session.isUnacked(messageId)) return lane.session;
    }
    // A topic consumed before (unsubscribed, disconnected) has no session to go to, even if another is open.
    if (topicHint !== undefined && !member && this.removed.has(topicHint)) return undefined;
    // Otherwise (msg.topic changed by the flow) the only topic, the behaviour of one topic per node.
    if (!member && this.members.size === 1) member = this.members.values().next().value;
    return member ? laneFor(member.lanes, messageId)?.session : undefined;
  }

  private openMember(member: Member): ConsumerSession[] {
    member.lanes = this.openLanes(member, member.targets);
    return member.lanes.map((l) => l.session);
  }

  /**
   * The one way sessions are opened, so the one place that refuses once the group is closed.
   * Callers resume after awaits (a retarget or restart closing sessions first) and close() may
   * have run meanwhile: a session opened then would belong to nobody, reconnect for ever, hold
   * an Exclusive subscription and, acking automatically, ack messages no flow received.
   */
  private openLanes(member: Member, targets: ReadonlyArray<{ target: TopicName; partition?: number }>): Lane[] {
    if (this.closed) return [];
    return targets.map((t) => this.openLane(member, t));
  }

  private openLane(member: Member, { target, partition }: { target: TopicName; partition?: number }): Lane {
    const lane: Lane = { topic: member.topic, target, partition, session: this.opts.open(target, member.topic, member.targets.length) };
    const session = lane.session;
    if (this.paused) session.pause();
    session.on("message", (frame) => this.emit("message", frame, lane));
    session.on("state", (s) => {
      if (member.lanes.includes(lane)) this.emit("state", s, lane);
    });
    session.on("unacked", () => this.emit("unacked"));
    session.on("protocolError", (err) => this.emit("protocolError", err, member.topic));
    return lane;
  }

  private async closeMember(member: Member): Promise<void> {
    const lanes = member.lanes;
    member.lanes = [];
    await Promise.all(
      lanes.map(async ({ session }) => {
        await session.close();
        session.removeAllListeners("message");
      }),
    );
  }
}

/**
 * The lane an id from an earlier socket goes to: with one session per partition the one of the
 * id's partition (none if the id names none of them); else an open one, else any.
 */
function laneFor(lanes: readonly Lane[], messageId: string): Lane | undefined {
  if (lanes.length === 0) return undefined;
  if (lanes[0].partition !== undefined) {
    const partition = partitionOf(messageId);
    return lanes.find((l) => l.partition === partition);
  }
  return lanes.find((l) => l.session.state.state === "open") ?? lanes[0];
}

/**
 * Resolves once every session is open; rejects with a PulsarError naming the first refusal
 * (a handshake answer other than 101, or a session that stopped retrying), or `open-timeout`
 * after `timeoutMs`. For control messages that must end in done() or done(err).
 */
export function whenOpen(sessions: readonly ConsumerSession[], timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const pending = new Set(sessions.filter((s) => s.state.state !== "open"));
    if (pending.size === 0) return resolve();
    const listeners = new Map<ConsumerSession, (s: SocketState) => void>();
    const finish = (err?: PulsarError): void => {
      clearTimeout(timer);
      for (const [s, l] of listeners) s.off("state", l);
      if (err) reject(err);
      else resolve();
    };
    // A session already refused or stopped says so now: it will not change state before the
    // timeout (a failed one never, a refused one only after its slow backoff).
    for (const s of pending) {
      const err = refusalOf(s, s.state);
      if (err) return reject(err);
    }
    const timer = setTimeout(() => finish(new PulsarError("timeout", "open-timeout", { seconds: Math.round(timeoutMs / 1000), pending: pending.size })), timeoutMs);
    for (const s of pending) {
      const listener = (state: SocketState): void => {
        if (state.state === "open") {
          pending.delete(s);
          if (pending.size === 0) finish();
          return;
        }
        const err = refusalOf(s, state);
        if (err) finish(err);
      };
      listeners.set(s, listener);
      s.on("state", listener);
    }
  });
}

/** The error for a session state that means "will not open soon": closed, refused, or failed for good. */
function refusalOf(s: ConsumerSession, state: SocketState): PulsarError | undefined {
  if (state.state === "closed") return new PulsarError("closed", "closing");
  if ((state.state === "retrying" || state.state === "failed") && state.failure.kind === "handshake") {
    return new PulsarError("server", "session-refused", { status: state.failure.outcome.status, message: state.failure.message || "-", url: s.safeUrl });
  }
  // Stopped for good, or waiting at the slowest backoff for something an operator must fix (a
  // token that cannot be sent, an issuer's refusal).
  const stuck = state.state === "failed" || (state.state === "retrying" && state.failure.kind === "prepare" && state.failure.retry === "slow");
  if (stuck) return new PulsarError("connection", "session-not-connecting", { message: state.failure.message || state.failure.kind, url: s.safeUrl });
  return undefined;
}
