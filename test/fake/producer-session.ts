// Producer socket: publish frames in, acks out in publish order, shaped by the shared ProducerFaults.

import type { FakeConnection } from "./connection";
import type { ProducerFaults } from "./producer-faults";
import { ProducerAck, SEND_ERROR_UNKNOWN, errorAck, okAck, parsePublishFrame } from "./producer-frames";
import type { Session } from "./session";
import type { TimerRegistry } from "./timers";
import type { Topic } from "./topic-store";

const TOPIC_TERMINATED =
  "org.apache.pulsar.client.api.PulsarClientException$TopicTerminatedException: Topic was already terminated";

interface PendingAck {
  readonly ack: ProducerAck;
  readonly releaseAt: number;
}

export class ProducerSession implements Session {
  private readonly pendingAcks: PendingAck[] = [];
  private flushTimer?: NodeJS.Timeout;

  constructor(
    readonly connection: FakeConnection,
    readonly topic: Topic,
    readonly producerName: string | undefined,
    private readonly faults: ProducerFaults,
    private readonly timers: TimerRegistry,
  ) {}

  /** Parse/encoding errors are answered at once; send results go through the ordered ack queue. */
  handleText(text: string): void {
    const parsed = parsePublishFrame(text, Date.now());
    if (!parsed.ok) {
      this.connection.sendJson(parsed.ack);
      return;
    }
    const failure = this.faults.takeSendFailure();
    if (failure !== undefined) {
      this.enqueueAck(errorAck(failure.result, failure.errorMsg, parsed.context));
    } else if (this.topic.terminated) {
      this.enqueueAck(errorAck(SEND_ERROR_UNKNOWN, TOPIC_TERMINATED, parsed.context));
    } else {
      const stored = this.topic.append({ ...parsed.message, ...(this.producerName !== undefined && { producerName: this.producerName }) });
      this.enqueueAck(okAck(stored.messageId, parsed.context));
    }
  }

  closed(): void {
    this.timers.cancel(this.flushTimer);
    this.pendingAcks.length = 0;
  }

  resume(): void {
    this.flushAcks();
  }

  private enqueueAck(ack: ProducerAck): void {
    this.pendingAcks.push({ ack, releaseAt: Date.now() + this.faults.ackDelayMs });
    this.flushAcks();
  }

  /** Acks leave in publish order once due, never while acks are held or the socket is frozen. */
  private flushAcks(): void {
    this.timers.cancel(this.flushTimer);
    this.flushTimer = undefined;
    while (this.pendingAcks.length > 0 && !this.faults.acksHeld && !this.connection.frozen) {
      const wait = this.pendingAcks[0].releaseAt - Date.now();
      if (wait > 0) {
        this.flushTimer = this.timers.schedule(wait, () => this.flushAcks());
        return;
      }
      this.connection.sendJson(this.pendingAcks.shift()!.ack);
    }
  }
}
