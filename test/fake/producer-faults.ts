// Fault settings shared by every producer session: slow or stuck acks and injected send failures.

import { SEND_ERROR_UNKNOWN } from "./producer-frames";

export interface SendFailure {
  readonly result: string;
  readonly errorMsg: string;
}

export const DEFAULT_SEND_FAILURE_MESSAGE =
  "org.apache.pulsar.client.api.PulsarClientException$TimeoutException: injected send failure (fake)";

export class ProducerFaults {
  /** Added to every success/send-error:8 ack from the moment the frame arrives. */
  ackDelayMs = 0;
  /** While true, acks queue up (in order) and none is sent. */
  acksHeld = false;
  private failure: SendFailure = { result: SEND_ERROR_UNKNOWN, errorMsg: DEFAULT_SEND_FAILURE_MESSAGE };
  private failuresLeft = 0;

  failNext(count: number, failure: SendFailure): void {
    this.failure = failure;
    this.failuresLeft = count;
  }

  /** The failure to answer the next valid publish with, if any is still queued. */
  takeSendFailure(): SendFailure | undefined {
    if (this.failuresLeft <= 0) {
      return undefined;
    }
    this.failuresLeft -= 1;
    return this.failure;
  }

  reset(): void {
    this.ackDelayMs = 0;
    this.acksHeld = false;
    this.failuresLeft = 0;
  }
}
