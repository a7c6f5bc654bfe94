// Consumer socket: the push window or pull permits of ConsumerHandler in front of a shared Subscription.

import type { Broker } from "./broker";
import type { FakeConnection } from "./connection";
import { ConsumerCommand, messageFrame, parseConsumerCommand } from "./consumer-frames";
import { NULL_BASE64_INPUT_MESSAGE } from "./java-compat";
import { JsonBindingError } from "./json-binding";
import { parseBase64MessageId } from "./message-id";
import type { ConsumerSettings, RedeliveryPolicy } from "./query-params";
import { FAILED_TO_DESERIALIZE, MALFORMED_COMMAND_CLOSE, Session } from "./session";
import type { Subscription, SubscriptionConsumer } from "./subscription";
import type { StoredMessage, Topic } from "./topic-store";

export class ConsumerSession implements Session, SubscriptionConsumer {
  readonly redelivery: RedeliveryPolicy;
  /** ConsumerHandler.pendingMessages: deliveries minus ack/nack frames (push) or minus permits (pull). */
  private outstanding = 0;
  private subscription: Subscription | undefined;

  constructor(
    readonly connection: FakeConnection,
    private readonly settings: ConsumerSettings,
    private readonly broker: Broker,
    private readonly utcOffsetMinutes: number,
  ) {
    this.redelivery = settings.redelivery;
  }

  /** Subscribes; messages already in the backlog start flowing immediately (push mode). */
  start(topic: Topic, subscriptionName: string): void {
    this.subscription = this.broker.subscribe(topic, subscriptionName, this.settings, this);
    // subscribe() dispatches while attaching, before `subscription` is set, when this session
    // has no credit yet: dispatch again so an existing backlog flows at once.
    this.subscription.dispatch();
  }

  hasCredit(): boolean {
    const window = this.settings.pullMode ? 0 : this.settings.window;
    return this.subscription !== undefined && this.connection.isOpen && !this.connection.frozen
      && this.outstanding < window;
  }

  deliver(message: StoredMessage, redeliveryCount: number): void {
    this.outstanding += 1;
    this.connection.sendJson(messageFrame(message, redeliveryCount, this.utcOffsetMinutes));
  }

  handleText(text: string): void {
    try {
      this.handleCommand(parseConsumerCommand(text));
    } catch (error) {
      const reason = error instanceof JsonBindingError ? FAILED_TO_DESERIALIZE : (error as Error).message;
      this.connection.close(MALFORMED_COMMAND_CLOSE, reason);
    }
  }

  closed(): void {
    if (this.subscription !== undefined) {
      this.broker.leave(this.subscription, this);
      this.subscription = undefined;
    }
  }

  resume(): void {
    this.subscription?.dispatch();
  }

  private handleCommand(command: ConsumerCommand): void {
    switch (command.type) {
      case "permit": return this.permit(command.permitMessages);
      case "unsubscribe": return this.unsubscribe();
      case "isEndOfTopic": return this.connection.sendJson({ endOfTopic: this.subscription?.reachedEndOfTopic() ?? false });
      case "negativeAcknowledge": return this.settle(command.messageId, (index) => this.subscription?.negativeAcknowledge(index, this));
      default: return this.settle(command.messageId, (index) => this.subscription?.acknowledge(index));
    }
  }

  /** Pull mode only; a permit without permitMessages fails even in push mode, like on the server. */
  private permit(permitMessages: number | undefined): void {
    if (permitMessages === undefined) {
      throw new JsonBindingError("Missing required permitMessages field for 'permit' command");
    }
    if (this.settings.pullMode) {
      this.outstanding -= permitMessages;
      this.subscription?.dispatch();
    }
  }

  /** Ack or nack: the id must decode, but even an unknown id frees a push-mode slot. */
  private settle(messageId: string | undefined, apply: (index: number) => void): void {
    if (messageId === undefined) {
      throw new Error(NULL_BASE64_INPUT_MESSAGE);
    }
    const id = parseBase64MessageId(messageId);
    const index = this.subscription?.topic.indexOf(id);
    if (index !== undefined) {
      apply(index);
    }
    if (!this.settings.pullMode) {
      this.outstanding -= 1;
    }
    this.subscription?.dispatch();
  }

  /** The broker refuses while other consumers are attached; the handler does not catch that error. */
  private unsubscribe(): void {
    const subscription = this.subscription;
    if (subscription === undefined) {
      throw new Error("Consumer already closed");
    }
    if (subscription.consumerCount > 1) {
      throw new Error("Unconnected or shared consumer attempting to unsubscribe");
    }
    this.broker.deleteSubscription(subscription);
    this.subscription = undefined;
  }
}
