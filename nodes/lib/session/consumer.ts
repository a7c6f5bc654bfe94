/**
 * A consumer or reader session over one ManagedSocket.
 *
 * Flow control is the server's: in push mode it stops after receiverQueueSize messages this
 * socket has not acked or nacked, so every delivered message must be answered. In pull mode
 * nothing arrives without permits; we keep `pullWindow` permits outstanding, granting one more
 * each time a message is answered, none while paused, and a fresh window on every new socket
 * (a new session starts with zero permits).
 *
 * A reader never acks to the broker, but the server counts any text frame as a window slot,
 * so the reader answers every message with an ack-shaped frame, and remembers the last received
 * id so that a reconnect resumes right after it (the start id is exclusive).
 */
import { EventEmitter } from "node:events";
import { PulsarError } from "../protocol/errors";
import { ackFrame, nackFrame, permitFrame } from "../protocol/commands";
import { parseServerFrame, type ConsumerMessageFrame } from "../protocol/server-frames";
import { BatchAcks } from "./batch-acks";
import { ManagedSocket, type SocketOptions, type SocketState } from "./socket";

export interface ConsumerSessionOptions {
  socket: Omit<SocketOptions, "url">;
  /**
   * The session URL for each attempt. A reader's `resumeAfter` is the id of the last message it
   * emitted (undefined before the first), so a reconnect continues right after it instead of
   * replaying from the configured start; a consumer's subscription keeps its own position.
   */
  url: (resumeAfter: string | undefined) => string;
  kind: "consumer" | "reader";
  pullMode: boolean;
  pullWindow: number;
}

export interface ConsumerSessionEvents {
  state: [SocketState];
  message: [ConsumerMessageFrame];
  protocolError: [PulsarError];
  /** The number of delivered, unanswered messages changed. */
  unacked: [number];
}

export class ConsumerSession extends EventEmitter<ConsumerSessionEvents> {
  private readonly socket: ManagedSocket;
  /** Ids delivered on the current socket and not yet answered. */
  private unacked = new Set<string>();
  private paused = false;
  /** Permits owed to the server (answered messages while paused, or a fresh window). */
  private owedPermits = 0;
  /** Readers: the last message received (set on arrival, before it is emitted), where the next socket starts (exclusive). */
  private lastReceived: string | undefined;
  /** Batches delivered entry by entry (decrypted by pulsar-in): answered when all entries are. */
  private readonly batches = new BatchAcks();

  constructor(private readonly opts: ConsumerSessionOptions) {
    super();
    this.socket = new ManagedSocket({ ...opts.socket, url: () => opts.url(this.lastReceived) });
    this.socket.on("state", (s) => this.emit("state", s));
    this.socket.on("open", () => this.onOpen());
    this.socket.on("message", (text) => this.onMessage(text));
    this.socket.on("down", () => this.onDown());
    this.socket.start();
  }

  get state(): SocketState {
    return this.socket.state;
  }

  get safeUrl(): string {
    return this.socket.safeUrl;
  }

  get unackedCount(): number {
    return this.unacked.size;
  }

  get isPaused(): boolean {
    return this.paused;
  }

  /** Whether `messageId` was delivered on the current socket and is not answered yet. */
  isUnacked(messageId: string): boolean {
    return this.unacked.has(messageId) || this.batches.has(messageId);
  }

  /** The frame `frameId` was delivered as these entries: it is answered once they all are. */
  trackBatch(frameId: string, entryIds: readonly string[]): void {
    this.batches.add(frameId, entryIds);
  }

  /**
   * Acknowledge. Also sent for ids from an earlier socket: the broker acks by id, and acking a
   * message that is about to be redelivered saves a duplicate downstream.
   */
  ack(messageId: string): boolean {
    const entry = this.batches.settle(messageId, "ack");
    if (entry) return entry.answer === "ack" ? this.answer(entry.frameId, ackFrame(entry.frameId)) : true;
    return this.answer(messageId, ackFrame(messageId));
  }

  /** Negative acknowledge: redelivered after negativeAckRedeliveryDelay (or to the DLQ). */
  nack(messageId: string): boolean {
    if (this.opts.kind === "reader") return this.ack(messageId);
    const entry = this.batches.settle(messageId, "nack");
    if (entry) return entry.answer === "nack" ? this.answer(entry.frameId, nackFrame(entry.frameId)) : true;
    return this.answer(messageId, nackFrame(messageId));
  }

  /** Pull mode: stop granting permits (messages already granted still arrive). */
  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    this.grantOwed();
  }

  /**
   * Same shape as a producer's close. Nothing here waits for the server: whatever was delivered
   * and not answered is redelivered to the subscription, so the bound is unused.
   */
  close(_timeoutMs = 0): Promise<void> {
    return this.socket.close();
  }

  private answer(messageId: string, frame: string): boolean {
    const wasCurrent = this.unacked.delete(messageId);
    const sent = this.socket.send(frame);
    if (wasCurrent) {
      this.emit("unacked", this.unacked.size);
      if (this.opts.pullMode) {
        this.owedPermits++;
        this.grantOwed();
      }
    }
    return sent;
  }

  private onOpen(): void {
    if (this.opts.pullMode) {
      this.owedPermits = this.opts.pullWindow;
      this.grantOwed();
    }
  }

  private onDown(): void {
    // The server redelivers whatever this socket had not answered; forget it here.
    this.unacked = new Set();
    this.batches.clear();
    this.owedPermits = 0;
    this.emit("unacked", 0);
  }

  private grantOwed(): void {
    if (this.paused || this.owedPermits <= 0) return;
    if (this.socket.send(permitFrame(this.owedPermits))) this.owedPermits = 0;
  }

  private onMessage(text: string): void {
    const frame = parseServerFrame(text);
    if (frame.kind === "message") {
      this.unacked.add(frame.messageId);
      if (this.opts.kind === "reader") this.lastReceived = frame.messageId;
      this.emit("unacked", this.unacked.size);
      try {
        this.emit("message", frame);
      } catch (err) {
        // A listener that throws must not reach the socket's handler: Node-RED would exit.
        this.emit("protocolError", new PulsarError("server", "bad-frame", { reason: `could not be handled: ${err instanceof Error ? err.message : String(err)}` }));
      }
    } else if (frame.kind === "invalid") {
      this.emit("protocolError", new PulsarError("server", "bad-frame", { reason: frame.reason }));
    } else if (frame.kind === "ack") {
      this.emit("protocolError", new PulsarError("server", "bad-frame", { reason: "unexpected producer ack" }));
    }
    // endOfTopic answers and frame types of a newer Pulsar are ignored.
  }
}
