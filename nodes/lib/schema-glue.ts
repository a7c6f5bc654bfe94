/**
 * What pulsar-in (`payloadFormat: "schema"`) and pulsar-out (`schema: "topic"`) do with a
 * topic's schema, without Node-RED types: the nodes give the hooks. Work that has to wait for
 * the schema registry (the first message of a topic, an older version) keeps the order of
 * messages: while anything waits, later messages queue behind it.
 */
import { decodePayload, toConsumedMsg, type ConsumeContext, type ConsumedMsg } from "./protocol/consume";
import { asPulsarError, PulsarError } from "./protocol/errors";
import { ArrayElementError } from "./protocol/produce-array";
import type { EncodedPayload, SchemaCodec } from "./protocol/schema-codec";
import type { Decoded } from "./protocol/schema-versions";
import type { ConsumerMessageFrame } from "./protocol/server-frames";
import type { TopicName } from "./protocol/topics";
import type { SchemaRegistry } from "./schema-registry";

/** Runs steps in order; a step that returns a promise holds back the ones after it. */
export class OrderedSteps {
  private tail: Promise<void> | undefined;
  private waiting = 0;

  run(step: () => void | Promise<void>): void {
    if (this.tail === undefined) {
      const r = step();
      if (r) this.hold(r);
      return;
    }
    this.waiting++;
    this.hold(this.tail.then(() => {
      this.waiting--;
      return step();
    }));
  }

  /** Steps queued behind one that waits. */
  get queued(): number {
    return this.waiting;
  }

  private hold(p: Promise<void>): void {
    const tail = p.catch(() => undefined);
    this.tail = tail;
    const clear = (): void => {
      if (this.tail === tail) this.tail = undefined;
    };
    tail.then(clear, clear);
  }
}

export interface SchemaInHooks {
  /** Hands a decoded msg on; `after` (the auto ack) is for the hook to run once it has gone on, unless it throws. */
  send(msg: ConsumedMsg, after: () => void): void;
  /** A payload no schema version decodes (or the registry could not be read): to Catch, with the raw msg. */
  fail(err: PulsarError, raw: ConsumedMsg): void;
  /** Called once per topic that has no schema: its payloads are delivered as `auto`. */
  noSchema(topic: string): void;
}

/** pulsar-in's "schema" payload format. */
export class SchemaIn {
  private readonly steps = new OrderedSteps();
  private readonly warned = new Set<string>();

  constructor(private readonly registry: SchemaRegistry, private readonly hooks: SchemaInHooks) {}

  /** Decodes and emits (or fails) the frame, in arrival order; `after` runs once it has gone (the auto ack). */
  deliver(frame: ConsumerMessageFrame, topic: TopicName, ctx: Omit<ConsumeContext, "format">, after: () => void): void {
    this.steps.run(() => {
      let raw: ConsumedMsg;
      try {
        raw = toConsumedMsg(frame, { ...ctx, format: "buffer" });
      } catch (err) {
        // Not even base64: as every other format does, Catch with the frame's text.
        this.hooks.fail(asPulsarError(err, "server"), toConsumedMsg(frame, { ...ctx, format: "base64" }));
        after();
        return;
      }
      let result: ReturnType<SchemaRegistry["decode"]>;
      try {
        result = this.registry.decode(topic, raw.payload as Buffer, frame.key);
      } catch (err) {
        this.finish(raw, err, undefined, after);
        return;
      }
      if (result instanceof Promise) {
        return result.then(
          (decoded) => this.finish(raw, undefined, decoded, after),
          (err: unknown) => this.finish(raw, err, undefined, after),
        );
      }
      this.finish(raw, undefined, result, after);
    });
  }

  private finish(raw: ConsumedMsg, err: unknown, decoded: Decoded | undefined, after: () => void): void {
    let handed = false;
    try {
      if (err !== undefined) {
        this.hooks.fail(asPulsarError(err, "server"), raw);
      } else if (decoded === undefined) {
        if (!this.warned.has(raw.topic)) {
          this.warned.add(raw.topic);
          this.hooks.noSchema(raw.topic);
        }
        this.hooks.send({ ...raw, payload: decodePayload((raw.payload as Buffer).toString("base64"), "auto") }, after);
        handed = true;
      } else {
        this.hooks.send({ ...raw, payload: decoded.value, pulsar: { ...raw.pulsar, schema: { type: decoded.type, version: decoded.version } } as ConsumedMsg["pulsar"] }, after);
        handed = true;
      }
    } catch (failure) {
      // Sending threw (after a registry read, nothing above would see it): to Catch, never
      // acked in silence.
      try {
        this.hooks.fail(asPulsarError(failure, "server"), raw);
      } catch {
        // Catch itself failed: the ack below still runs, as for any other message.
      }
    } finally {
      if (!handed) after();
    }
  }
}

/** pulsar-out's `schema: "topic"`: the payload encoded with the topic's newest schema, in order. */
export class SchemaOut {
  private readonly steps = new OrderedSteps();

  /**
   * `stray`: an error thrown by a `then` that was already handed an error, so it has no msg left
   * to end (a log line): nothing thrown in here may vanish in the promise that keeps the order.
   */
  constructor(
    private readonly registry: SchemaRegistry,
    private readonly stray: (err: PulsarError) => void = () => undefined,
  ) {}

  /**
   * `then` gets the encoded payload or the error (`schema-mismatch`, `schema-none`, an admin
   * error). If `then` throws when handed the payload, it is called again with that error.
   */
  encode(topic: TopicName, payload: unknown, then: (err: PulsarError | undefined, encoded?: EncodedPayload) => void): void {
    this.withCodec(topic, then, (codec) => codec.encode(payload));
  }

  /**
   * An array's elements, with one look-up of the schema, in order. The first element that does not
   * fit the schema fails them all (ArrayElementError, naming its index): nothing of it is sent.
   * Every index up to the length is an element: a hole (undefined) is refused as one, as without a schema.
   */
  encodeAll(topic: TopicName, payloads: readonly unknown[], then: (err: PulsarError | undefined, encoded?: EncodedPayload[]) => void): void {
    this.withCodec(topic, then, (codec) => {
      const encoded = new Array<EncodedPayload>(payloads.length);
      for (let index = 0; index < payloads.length; index++) {
        try {
          const payload = payloads[index];
          // A hole reads as undefined; null is left to the schema (a union with "null" takes it).
          if (payload === undefined) throw new PulsarError("input", "payload-missing");
          encoded[index] = codec.encode(payload);
        } catch (err) {
          throw new ArrayElementError(index, asPulsarError(err, "input"));
        }
      }
      return encoded;
    });
  }

  /** Runs `encode` with the topic's newest codec, in order with every other message of the node. */
  private withCodec<T>(topic: TopicName, then: (err: PulsarError | undefined, encoded?: T) => void, encode: (codec: SchemaCodec) => T): void {
    const answer = (err: PulsarError | undefined, encoded?: T): void => {
      try {
        then(err, encoded);
      } catch (thrown) {
        const error = asPulsarError(thrown, "input");
        if (err !== undefined) return this.stray(error);
        try {
          then(error);
        } catch (again) {
          this.stray(asPulsarError(again, "input"));
        }
      }
    };
    this.steps.run(() => {
      let newest: ReturnType<SchemaRegistry["newest"]>;
      try {
        newest = this.registry.newest(topic);
      } catch (err) {
        answer(asPulsarError(err, "server"));
        return;
      }
      const encodeWith = (v: Awaited<typeof newest>): void => {
        if (!v) return answer(new PulsarError("input", "schema-none", { topic: topic.full }));
        let encoded: T;
        try {
          encoded = encode(v.codec);
        } catch (err) {
          return answer(asPulsarError(err, "input"));
        }
        answer(undefined, encoded);
      };
      if (newest instanceof Promise) {
        return newest.then(encodeWith, (err: unknown) => answer(asPulsarError(err, "server")));
      }
      encodeWith(newest);
    });
  }
}
