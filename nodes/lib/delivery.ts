/**
 * How pulsar-in hands one consumed frame to the flow, and when it acks it: an encrypted frame is
 * opened first (a batch becomes one message per entry, acked once all entries are), then a
 * payload is decoded with the topic's schema or the node's payload format. What cannot be
 * decoded goes to Catch with its raw bytes; what cannot be decrypted follows cryptoFailureAction
 * (`fail`: Catch, then nack; `discard`: ack, counted; `consume`: the encrypted bytes go on).
 * Auto ack answers right after a message went on (or went to Catch); manual ack leaves it to
 * the flow. With batches (`batch`), what goes on is collected per topic into one msg (a Batcher)
 * and auto acks wait until that msg went on; what goes to Catch still goes alone, at once.
 * The callbacks are the node's: this file knows no Node-RED.
 */
import { Batcher } from "./consume/batcher";
import { openEncrypted, type CryptoFailureAction } from "./encrypted-in";
import type { PulsarError } from "./protocol/errors";
import { toBatchMsg, toConsumedMsg, type ConsumedBatch, type ConsumedMsg, type PayloadFormat } from "./protocol/consume";
import type { ConsumerMessageFrame } from "./protocol/server-frames";
import type { SchemaIn } from "./schema-glue";
import type { Clock } from "./session/clock";
import type { ConsumerSession } from "./session/consumer";
import type { Lane } from "./session/consumer-group";
import type { Decryptor } from "./session/message-keys";

export interface DeliveryOptions {
  manualAck: boolean;
  subscription: string | undefined;
  format: PayloadFormat;
  /** payloadFormat "schema": decodes with the topic's registered schema instead of `format`. */
  schemas?: SchemaIn;
  decryptor?: Decryptor;
  cryptoFailureAction: CryptoFailureAction;
  /** Batches of up to `size` messages of one topic, or what arrived within `timeoutMs` of the first. */
  batch?: { size: number; timeoutMs: number; clock?: Clock };
  send(msg: ConsumedMsg | ConsumedBatch): void;
  /** To Catch, with the message as it could be read (or the batch whose sending threw). */
  fail(err: unknown, raw: ConsumedMsg | ConsumedBatch): void;
  /** An auto ack of a batched message threw (it ran in the batch's timer: reported, never thrown). */
  ackFailed?(err: unknown): void;
  /** A message that could not be decrypted (`discard`: the error only). */
  undecryptable(err: PulsarError, discarded: boolean): void;
}

export class Delivery {
  private readonly batcher: Batcher<ConsumedMsg> | undefined;

  constructor(private readonly opts: DeliveryOptions) {
    const batch = opts.batch;
    if (batch && batch.size > 1) {
      this.batcher = new Batcher<ConsumedMsg>({
        ...batch,
        emit: (topic, msgs) => opts.send(toBatchMsg(topic, msgs)),
        failed: (err, topic, msgs) => opts.fail(err, toBatchMsg(topic, msgs)),
        afterFailed: (err) => opts.ackFailed?.(err),
        idOf: (msg) => msg.pulsar.messageId,
      });
    }
  }

  /**
   * Hands a decoded msg on: alone, or into its topic's batch. `after` (the auto ack) runs once
   * it has gone on. Alone, a send that throws skips `after` and reaches the caller, which sends
   * the msg to Catch and acks it then (a batch's send is caught in the Batcher).
   */
  hand(msg: ConsumedMsg, after: () => void, from?: ConsumerSession): void {
    if (this.batcher) return this.batcher.add(msg.topic, msg, after, from);
    this.opts.send(msg);
    after();
  }

  /** Emits every partial batch now (pause, control messages). */
  flush(): void {
    this.batcher?.flush();
  }

  /**
   * Drops what `session` delivered into partial batches, without emitting or acking it: its
   * connection went down and Pulsar redelivers those messages on the next one (kept, they would
   * share a batch msg with their own redelivered copies). Not for readers: nothing is redelivered
   * to them, a reader resumes after the last message it received.
   */
  dropFrom(session: ConsumerSession): void {
    this.batcher?.drop(session);
  }

  /** Drops partial batches without emitting or acking them (they are redelivered) and clears their timers. */
  close(): void {
    this.batcher?.close();
  }

  /**
   * Never throws: whatever a hostile or broken frame makes a decoder throw goes to Catch with the
   * frame's raw bytes (and is acked in auto mode), instead of reaching the socket's message
   * handler, where it would end Node-RED.
   */
  deliver(frame: ConsumerMessageFrame, lane: Lane): void {
    try {
      this.route(frame, lane);
    } catch (err) {
      this.failed(err, frame, lane);
    }
  }

  /** One frame (or one batch entry: its own id) that threw: to Catch, acked in auto mode. */
  private failed(err: unknown, frame: ConsumerMessageFrame, lane: Lane): void {
    try {
      this.opts.fail(err, rawMsg(frame, lane.topic.full, this.opts.subscription));
    } finally {
      if (!this.opts.manualAck) lane.session.ack(frame.messageId);
    }
  }

  private route(frame: ConsumerMessageFrame, lane: Lane): void {
    if (frame.encryptionContext !== undefined) return this.deliverEncrypted(frame, lane);
    const { topic, session } = lane;
    const { manualAck, subscription, format, schemas } = this.opts;
    const ackNow = (): void => {
      if (!manualAck) session.ack(frame.messageId);
    };
    if (schemas) return schemas.deliver(frame, topic, { topic: topic.full, subscription }, ackNow);
    const ctx = { topic: topic.full, subscription, format };
    let msg: ConsumedMsg;
    try {
      msg = toConsumedMsg(frame, ctx);
    } catch (err) {
      // The payload cannot be decoded as configured: hand it to Catch with its raw bytes and
      // id, so a flow can inspect it and (in manual mode) ack or nack it.
      this.opts.fail(err, toConsumedMsg(frame, { ...ctx, format: "base64" }));
      return ackNow();
    }
    this.hand(msg, ackNow, session);
  }

  private deliverEncrypted(frame: ConsumerMessageFrame, lane: Lane): void {
    const opened = openEncrypted(frame, this.opts.decryptor);
    const { session } = lane;
    if (opened.ok) {
      if (opened.entryIds) {
        if (opened.entryIds.length === 0) {
          session.ack(frame.messageId); // every entry compacted out
          return;
        }
        session.trackBatch(frame.messageId, opened.entryIds);
      }
      // Entry by entry: one that throws goes to Catch under its own id, the others still go on
      // (the batch is acked once every entry is).
      for (const f of opened.frames) {
        try {
          this.route(f, lane);
        } catch (err) {
          this.failed(err, f, lane);
        }
      }
      return;
    }
    const action = this.opts.cryptoFailureAction;
    this.opts.undecryptable(opened.error, action === "discard");
    if (action === "discard") {
      session.ack(frame.messageId);
      return;
    }
    // The encrypted bytes as a Buffer, with encryptionContext as Pulsar gives it.
    const raw = toConsumedMsg(frame, { topic: lane.topic.full, subscription: this.opts.subscription, format: "buffer" });
    (raw.pulsar as typeof raw.pulsar & { encryptionContext?: unknown }).encryptionContext = frame.encryptionContext;
    if (action === "consume") {
      this.hand(
        raw,
        () => {
          if (!this.opts.manualAck) session.ack(frame.messageId);
        },
        session,
      );
      return;
    }
    this.opts.fail(opened.error, raw);
    session.nack(frame.messageId);
  }
}

/** The frame as a msg with its payload as base64, whatever else in it is broken. */
function rawMsg(frame: ConsumerMessageFrame, topic: string, subscription: string | undefined): ConsumedMsg {
  try {
    return toConsumedMsg(frame, { topic, subscription, format: "base64" });
  } catch {
    return { topic, payload: frame.payload, pulsar: { messageId: frame.messageId, topic } } as unknown as ConsumedMsg;
  }
}
