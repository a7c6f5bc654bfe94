// The in-memory broker behind the fake: topics plus subscriptions keyed by (topic, subscription name),
// with the lifecycle rules the WebSocket layer relies on (creation position, NonDurable cleanup, DLQ).

import type { ConsumerSettings, SubscriptionType } from "./query-params";
import { Subscription, SubscriptionConsumer, SubscriptionEnvironment } from "./subscription";
import type { TimerRegistry } from "./timers";
import { StoredMessage, Topic, TopicStore } from "./topic-store";

export class Broker {
  readonly topics = new TopicStore();
  /**
   * What `GET …/partitions` answers, by full topic name: partition counts a test declares (the
   * fake stores every topic, `x-partition-K` too, as an ordinary one). Absent: 0.
   */
  readonly partitionCounts = new Map<string, number>();
  /** Set by a test: `GET …/partitions` is refused with this status and reason. */
  partitionsRefusal: { status: number; reason: string } | undefined;
  /** Set by a test: `GET …/partitions` calls wait here unanswered (a slow admin API). */
  heldPartitionLookups: (() => void)[] | undefined;
  /** How many `GET …/partitions` calls arrived. */
  partitionLookups = 0;
  /** The full topic name of each `GET …/partitions` call, in order. */
  readonly partitionLookupTopics: string[] = [];
  /** Set by a test: namespace listings (`GET /admin/v2/{domain}/{tenant}/{ns}[/partitioned]`) wait here unanswered. */
  heldListings: (() => void)[] | undefined;
  /** Set by a test: `GET …/messageid/{time}` is refused with this status and reason. */
  messageIdRefusal: { status: number; reason: string } | undefined;
  private readonly subscriptions = new Map<string, Map<string, Subscription>>();
  private readonly environment: SubscriptionEnvironment;

  constructor(timers: TimerRegistry) {
    this.environment = {
      timers,
      sendToDeadLetter: (message, deadLetterTopic) => this.sendToDeadLetter(message, deadLetterTopic),
    };
  }

  findSubscription(topic: string, name: string): Subscription | undefined {
    return this.subscriptions.get(topic)?.get(name);
  }

  /** Run during the handshake so a busy subscription is refused with 409 before the upgrade. */
  checkCanSubscribe(topic: Topic, name: string, type: SubscriptionType): void {
    this.findSubscription(topic.name, name)?.checkCanAttach(type);
  }

  subscribe(topic: Topic, name: string, settings: ConsumerSettings, consumer: SubscriptionConsumer): Subscription {
    const subscription = this.findSubscription(topic.name, name) ?? this.createSubscription(topic, name, settings);
    subscription.attach(consumer, settings.subscriptionType);
    return subscription;
  }

  /** A consumer left; a NonDurable subscription disappears with its last consumer. */
  leave(subscription: Subscription, consumer: SubscriptionConsumer): void {
    subscription.detach(consumer);
    if (!subscription.durable && subscription.consumerCount === 0) {
      this.deleteSubscription(subscription);
    }
  }

  deleteSubscription(subscription: Subscription): void {
    subscription.close();
    this.subscriptions.get(subscription.topic.name)?.delete(subscription.name);
  }

  close(): void {
    for (const byName of this.subscriptions.values()) {
      for (const subscription of byName.values()) {
        subscription.close();
      }
    }
    this.subscriptions.clear();
  }

  /** subscriptionInitialPosition only matters here, when the subscription is first created. */
  private createSubscription(topic: Topic, name: string, settings: ConsumerSettings): Subscription {
    const start = settings.initialPosition === "Earliest" ? 0 : topic.messages.length;
    const subscription = new Subscription(
      name, topic, settings.subscriptionType, settings.durable, start, this.environment);
    const byName = this.subscriptions.get(topic.name) ?? new Map<string, Subscription>();
    byName.set(name, subscription);
    this.subscriptions.set(topic.name, byName);
    return subscription;
  }

  /** What the Java client's DLQ producer writes: same payload and key, plus REAL_TOPIC/ORIGIN_MESSAGE_ID. */
  private sendToDeadLetter(message: StoredMessage, deadLetterTopic: string): void {
    this.topics.getOrCreate(deadLetterTopic).append({
      payload: message.payload,
      properties: {
        ...message.properties,
        REAL_TOPIC: message.topic,
        ORIGIN_MESSAGE_ID: `${message.ledgerId}:${message.entryId}:-1`,
      },
      ...(message.key !== undefined && { key: message.key }),
      ...(message.eventTimeMs !== undefined && { eventTime: message.eventTime, eventTimeMs: message.eventTimeMs }),
    });
  }
}
