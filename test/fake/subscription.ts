// One subscription on one topic: its cursor, per-message ack state, redelivery (nack, ack timeout,
// consumer loss), dead-lettering and dispatch by subscription type. Flow control stays with each consumer
// (SubscriptionConsumer.hasCredit), because on the real server the window lives in the WebSocket handler.

import { creationFailed } from "./handshake-refusal";
import type { RedeliveryPolicy, SubscriptionType } from "./query-params";
import type { TimerRegistry } from "./timers";
import type { StoredMessage, Topic } from "./topic-store";

/** What a subscription needs from a connected consumer socket. */
export interface SubscriptionConsumer {
  readonly redelivery: RedeliveryPolicy;
  hasCredit(): boolean;
  deliver(message: StoredMessage, redeliveryCount: number): void;
}

export interface SubscriptionEnvironment {
  readonly timers: TimerRegistry;
  /** The Java client's dead-letter producer: republish the message to the DLQ topic. */
  sendToDeadLetter(message: StoredMessage, deadLetterTopic: string): void;
}

export interface SubscriptionState {
  readonly type: SubscriptionType;
  /** Messages from the subscription's start that are not acknowledged (delivered or not). */
  readonly backlog: number;
  /** Messages delivered to a consumer and neither acknowledged nor redelivered yet. */
  readonly unacked: number;
  readonly consumers: number;
}

interface Delivery {
  readonly consumer: SubscriptionConsumer;
  /** Ack-timeout timer while outstanding, negative-ack delay timer once nacked. */
  readonly timer?: NodeJS.Timeout;
  readonly nacked: boolean;
}

const SHARED_TYPES: readonly SubscriptionType[] = ["Shared", "Key_Shared"];

export class Subscription {
  private readonly consumers: SubscriptionConsumer[] = [];
  private readPosition: number;
  /** Already-read messages waiting to be (re)delivered, dispatched before anything new. */
  private readonly replay = new Set<number>();
  private readonly deliveries = new Map<number, Delivery>();
  private readonly acked = new Set<number>();
  private readonly redeliveryCounts = new Map<number, number>();
  /** Messages held back by deliverAt/deliverAfterMs. */
  private readonly delayed = new Map<number, NodeJS.Timeout>();
  private nextSharedConsumer = 0;
  private readonly stopListening: () => void;

  constructor(
    readonly name: string,
    readonly topic: Topic,
    private type: SubscriptionType,
    readonly durable: boolean,
    private startPosition: number,
    private readonly env: SubscriptionEnvironment,
  ) {
    this.readPosition = startPosition;
    this.stopListening = topic.onAppend(() => this.dispatch());
  }

  get consumerCount(): number {
    return this.consumers.length;
  }

  /** The broker's ConsumerBusy checks, run during the handshake so a conflict is a 409. */
  checkCanAttach(type: SubscriptionType): void {
    if (this.consumers.length === 0) {
      return;
    }
    if (this.type !== type) {
      throw creationFailed(409, "Subscription is of different type");
    }
    if (type === "Exclusive") {
      throw creationFailed(409, "Exclusive consumer is already connected");
    }
  }

  attach(consumer: SubscriptionConsumer, type: SubscriptionType): void {
    this.checkCanAttach(type);
    this.type = type;
    this.consumers.push(consumer);
    this.dispatch();
  }

  /** A closed consumer's unacked messages go back to the subscription with redeliveryCount + 1. */
  detach(consumer: SubscriptionConsumer): void {
    const position = this.consumers.indexOf(consumer);
    if (position < 0) {
      return;
    }
    this.consumers.splice(position, 1);
    for (const [index, delivery] of this.deliveries) {
      if (delivery.consumer === consumer) {
        this.env.timers.cancel(delivery.timer);
        this.deliveries.delete(index);
        this.returnToBacklog(index);
      }
    }
    this.dispatch();
  }

  acknowledge(index: number): void {
    if (index < this.startPosition || this.acked.has(index)) {
      return;
    }
    this.acked.add(index);
    this.env.timers.cancel(this.deliveries.get(index)?.timer);
    this.deliveries.delete(index);
    this.env.timers.cancel(this.delayed.get(index));
    this.delayed.delete(index);
    this.replay.delete(index);
  }

  /** Redelivery after the consumer's negativeAckRedeliveryDelay; only the holder of the message can nack it. */
  negativeAcknowledge(index: number, consumer: SubscriptionConsumer): void {
    const delivery = this.deliveries.get(index);
    if (delivery?.consumer !== consumer || delivery.nacked) {
      return;
    }
    this.env.timers.cancel(delivery.timer);
    const timer = this.env.timers.schedule(consumer.redelivery.negativeAckDelayMs, () => {
      this.deliveries.delete(index);
      this.redeliverOrDeadLetter(index, consumer.redelivery);
    });
    this.deliveries.set(index, { consumer, timer, nacked: true });
  }

  /** hasReachedEndOfTopic: the topic is terminated and nothing is left to hand out. */
  reachedEndOfTopic(): boolean {
    const nothingPending = this.replay.size === 0 && this.delayed.size === 0
      && [...this.deliveries.values()].every((delivery) => !delivery.nacked);
    return this.topic.terminated && this.readPosition >= this.topic.messages.length && nothingPending;
  }

  /**
   * Admin reset-cursor: `index` is the next message handed out; everything before it counts as
   * acknowledged, everything from it on as not. Pulsar disconnects the consumers to do it; their
   * outstanding deliveries are forgotten here the same way.
   */
  resetTo(index: number): void {
    for (const delivery of this.deliveries.values()) this.env.timers.cancel(delivery.timer);
    this.deliveries.clear();
    this.replay.clear();
    this.acked.clear();
    this.startPosition = Math.max(0, Math.min(index, this.topic.messages.length));
    this.readPosition = this.startPosition;
    this.dispatch();
  }

  state(): SubscriptionState {
    return {
      type: this.type,
      backlog: this.topic.messages.length - this.startPosition - this.acked.size,
      unacked: this.deliveries.size,
      consumers: this.consumers.length,
    };
  }

  close(): void {
    this.stopListening();
    for (const delivery of this.deliveries.values()) {
      this.env.timers.cancel(delivery.timer);
    }
    for (const timer of this.delayed.values()) {
      this.env.timers.cancel(timer);
    }
  }

  /** Hands out replayed messages first, then new ones, while the chosen consumers have credit. */
  dispatch(): void {
    const deferredKeys = new Set<string>();
    for (const index of [...this.replay].sort((a, b) => a - b)) {
      if (!this.canDispatch()) {
        return;
      }
      const consumer = this.pickConsumer(this.topic.messages[index], deferredKeys);
      if (consumer !== undefined) {
        this.replay.delete(index);
        this.deliver(index, consumer);
      }
    }
    while (this.readPosition < this.topic.messages.length && this.canDispatch()) {
      const index = this.readPosition++;
      if (this.acked.has(index) || this.holdUntilDeliverAt(index)) {
        continue;
      }
      const consumer = this.pickConsumer(this.topic.messages[index], deferredKeys);
      if (consumer === undefined) {
        this.replay.add(index); // Key_Shared: its consumer is full, others may go on
      } else {
        this.deliver(index, consumer);
      }
    }
  }

  private canDispatch(): boolean {
    return SHARED_TYPES.includes(this.type)
      ? this.consumers.some((consumer) => consumer.hasCredit())
      : this.consumers[0]?.hasCredit() === true;
  }

  /**
   * Exclusive/Failover: the first connected consumer is the active one. Shared: round-robin over consumers
   * with credit. Key_Shared: a key always maps to the same consumer, and once that consumer is full, later
   * messages with the key wait too so per-key order holds.
   */
  private pickConsumer(message: StoredMessage, deferredKeys: Set<string>): SubscriptionConsumer | undefined {
    if (this.type === "Shared") {
      return this.nextSharedConsumerWithCredit();
    }
    if (this.type !== "Key_Shared") {
      return this.consumers[0];
    }
    const key = message.key ?? "";
    const consumer = this.consumers[keyHash(key) % this.consumers.length];
    if (deferredKeys.has(key) || !consumer.hasCredit()) {
      deferredKeys.add(key);
      return undefined;
    }
    return consumer;
  }

  private nextSharedConsumerWithCredit(): SubscriptionConsumer | undefined {
    for (let offset = 0; offset < this.consumers.length; offset++) {
      const position = (this.nextSharedConsumer + offset) % this.consumers.length;
      if (this.consumers[position].hasCredit()) {
        this.nextSharedConsumer = position + 1;
        return this.consumers[position];
      }
    }
    return undefined;
  }

  /** Delayed delivery is honoured by Shared and Key_Shared subscriptions only, as on the broker. */
  private holdUntilDeliverAt(index: number): boolean {
    const deliverAt = this.topic.messages[index].deliverAt;
    if (deliverAt === undefined || deliverAt <= Date.now() || !SHARED_TYPES.includes(this.type)) {
      return false;
    }
    this.delayed.set(index, this.env.timers.schedule(deliverAt - Date.now(), () => {
      this.delayed.delete(index);
      this.replay.add(index);
      this.dispatch();
    }));
    return true;
  }

  private deliver(index: number, consumer: SubscriptionConsumer): void {
    const ackTimeoutMs = consumer.redelivery.ackTimeoutMs;
    const timer = ackTimeoutMs > 0
      ? this.env.timers.schedule(ackTimeoutMs, () => this.onAckTimeout(index, consumer))
      : undefined;
    this.deliveries.set(index, { consumer, timer, nacked: false });
    consumer.deliver(this.topic.messages[index], this.redeliveryCounts.get(index) ?? 0);
  }

  private onAckTimeout(index: number, consumer: SubscriptionConsumer): void {
    if (this.deliveries.get(index)?.consumer === consumer) {
      this.deliveries.delete(index);
      this.redeliverOrDeadLetter(index, consumer.redelivery);
    }
  }

  /** Like the Java client: a message already delivered maxRedeliverCount times goes to the DLQ instead. */
  private redeliverOrDeadLetter(index: number, policy: RedeliveryPolicy): void {
    const deadLetter = policy.deadLetter;
    if (deadLetter !== undefined && (this.redeliveryCounts.get(index) ?? 0) >= deadLetter.maxRedeliverCount) {
      this.env.sendToDeadLetter(this.topic.messages[index], deadLetter.topic);
      this.acknowledge(index);
      return;
    }
    this.returnToBacklog(index);
    this.dispatch();
  }

  private returnToBacklog(index: number): void {
    this.redeliveryCounts.set(index, (this.redeliveryCounts.get(index) ?? 0) + 1);
    this.replay.add(index);
  }
}

/** FNV-1a: any stable hash will do, Key_Shared only promises "same key, same consumer". */
function keyHash(key: string): number {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(key, "utf8")) {
    hash = Math.imul(hash ^ byte, 0x01000193) >>> 0;
  }
  return hash;
}
