/**
 * A producer session: pipelines produce frames over one ManagedSocket and completes each send
 * exactly once.
 *
 * - Up to `maxInFlight` frames are on the wire, correlated by `context` (acks may overtake each
 *   other: error acks are written synchronously by the server, ok acks when the send completes).
 * - A send completes only on the server's ack: `ok` → success, `send-error:N` → error.
 * - Frames on the wire when the socket drops are sent again, first and in order, after
 *   reconnect (at-least-once: the broker may already have some of them, so duplicates are
 *   possible; nothing is lost).
 * - Frames that cannot go out yet wait in a bounded queue (messages and bytes); a send that
 *   does not fit is refused at once, never dropped silently.
 * - No frame keeps the session in a reconnect loop. A 1009 close (over the server's frame
 *   limit, which may be below the endpoint's Max frame size) fails the frames over the limit it
 *   names and teaches the session that limit. A refusal close (1002, 1003, 1007, 1008, 1010,
 *   1011), or any drop behind a frame larger than every frame acked so far, that follows the
 *   same first unacked frame MAX_SAME_CLOSE times in a row fails that frame. The rest is resent.
 */
import { EventEmitter } from "node:events";
import { PulsarError } from "../protocol/errors";
import { frameLimitFromReason, isRefusalClose, MESSAGE_TOO_BIG } from "../protocol/close-reasons";
import { CONTEXT_OVERHEAD, contextNumber, frameWithContext, wireBytes, type PreparedFrame } from "../protocol/produce";
import { parseServerFrame } from "../protocol/server-frames";
import { Fifo } from "./queue";
import { ManagedSocket, type SocketFailure, type SocketOptions, type SocketState } from "./socket";

export type SendCallback = (err: PulsarError | undefined, messageId?: string) => void;

export interface ProducerSessionOptions {
  socket: SocketOptions;
  maxInFlight: number;
  bufferMessages: number;
  bufferBytes: number;
  /** The server's webSocketMaxTextFrameSize: larger frames would close the session. */
  maxFrameSize: number;
  /**
   * End-to-end encryption (session/message-keys.ts): each accepted frame is replaced by its
   * encrypted form under this session's data key, which the session URL carries, so a resend
   * after a reconnect is the same readable frame.
   */
  seal?: (frame: PreparedFrame) => PreparedFrame;
}

export interface ProducerCounts {
  inFlight: number;
  queued: number;
  queuedBytes: number;
}

export interface ProducerSessionEvents {
  state: [SocketState];
  /** Something the server sent that we could not use; the session carries on. */
  protocolError: [PulsarError];
  /** Counts changed in a way a status should show (buffering while offline). */
  counts: [ProducerCounts];
  /** Nothing is queued or in flight any more: the session could be closed without loss. */
  idle: [];
}

interface Entry {
  frame: PreparedFrame;
  /** Frame bytes on the wire with the longest context: what buffers and limits count. */
  bytes: number;
  /** Exact bytes of its last transmission. */
  sentBytes?: number;
  /** The refusal close that followed it last (`code reason`), and how many times in a row. */
  lastClose?: string;
  closeStrikes?: number;
  callback: SendCallback;
}

/** A frame that the same refusal close followed this many times in a row is not sent again. */
export const MAX_SAME_CLOSE = 3;
/**
 * Below this (and below twice the largest frame acked) a frame is never blamed for a drop without
 * a refusal code: no WebSocket service is set up to refuse frames this small.
 */
const SUSPECT_FRAME_BYTES = 64 * 1024;

export class ProducerSession extends EventEmitter<ProducerSessionEvents> {
  private readonly socket: ManagedSocket;
  private readonly waiting = new Fifo<Entry>();
  private waitingBytes = 0;
  /**
   * Set when the buffer refused a send, until it has room again: further sends get this same
   * error at once. A flood while offline then costs no frame building and no new error per
   * refused message, which otherwise turns every refusal into kilobytes of garbage.
   */
  private refusing: PulsarError | undefined;
  /**
   * By context, as a number (cheaper to hash than a fresh string per frame). Insertion order =
   * send order, which is the resend order after a drop.
   */
  private inFlight = new Map<number, Entry>();
  private nextContext = 1;
  /** The server's frame limit once a 1009 close has named it. */
  private serverFrameLimit: number | undefined;
  /** The largest frame the server has acked: a frame within it is not what makes a session drop. */
  private largestAcked = 0;
  private closing = false;
  /** The offline buffer's bounds: from the options, changed by setBufferBounds. */
  private bufferMessages: number;
  private bufferBytes: number;
  private drainWaiters: (() => void)[] = [];

  constructor(private readonly opts: ProducerSessionOptions) {
    super();
    this.bufferMessages = opts.bufferMessages;
    this.bufferBytes = opts.bufferBytes;
    this.socket = new ManagedSocket(opts.socket);
    this.socket.on("state", (s) => this.onState(s));
    this.socket.on("open", () => this.pump());
    this.socket.on("message", (text) => this.onMessage(text));
    this.socket.on("down", (failure) => this.onDown(failure));
    this.socket.start();
  }

  get state(): SocketState {
    return this.socket.state;
  }

  get safeUrl(): string {
    return this.socket.safeUrl;
  }

  get counts(): ProducerCounts {
    return { inFlight: this.inFlight.size, queued: this.waiting.length, queuedBytes: this.waitingBytes };
  }

  /** True when nothing is waiting for an ack: the session may be closed without loss. */
  get idle(): boolean {
    return this.inFlight.size === 0 && this.waiting.length === 0;
  }

  /** The error any send gets now without looking at its frame (the buffer is full), if any. */
  get refusal(): PulsarError | undefined {
    return this.refusing;
  }

  /** Queues or sends one frame; `callback` is called exactly once. */
  send(frame: PreparedFrame, callback: SendCallback): void {
    if (this.closing) return callback(new PulsarError("closed", "closing"));
    if (this.socket.state.state === "failed") return callback(this.failedError(this.socket.state.failure));
    if (this.opts.seal) frame = this.opts.seal(frame);
    const bytes = frame.bytes + CONTEXT_OVERHEAD;
    const tooLarge = this.oversize(bytes);
    if (tooLarge) return callback(tooLarge);
    const entry: Entry = { frame, bytes, callback };
    if (this.waiting.length === 0 && this.canTransmit()) {
      this.transmit(entry);
      return;
    }
    if (this.refusing) return callback(this.refusing);
    if (this.waiting.length >= this.bufferMessages || this.waitingBytes + bytes > this.bufferBytes) {
      this.refusing = new PulsarError("overflow", "buffer-full", { messages: this.waiting.length, bytes: this.waitingBytes, maxMessages: this.bufferMessages, maxBytes: this.bufferBytes });
      return callback(this.refusing);
    }
    this.waiting.push(entry);
    this.waitingBytes += bytes;
    if (!this.socket.isOpen) this.emit("counts", this.counts);
  }

  /**
   * New offline buffer bounds (a partitioned topic's share changes when partitions are added).
   * Frames already buffered stay, even above a lower bound: they were accepted, and dropping one
   * would lose it. Later sends meet the new bounds.
   */
  setBufferBounds(messages: number, bytes: number): void {
    this.bufferMessages = messages;
    this.bufferBytes = bytes;
    // The next send decides afresh; a refusal kept from the old bounds could be wrong now.
    this.refusing = undefined;
  }

  /**
   * Stops taking sends, waits up to `timeoutMs` for what is queued or in flight to be acked,
   * then fails the rest with a "closed" error and closes the socket.
   */
  async close(timeoutMs = 0, reason?: PulsarError): Promise<void> {
    this.closing = true;
    // Given up on (e.g. refused by the server): what is left fails with why, without waiting.
    if (reason) this.failAll(reason);
    if (!this.idle && this.socket.state.state !== "failed" && timeoutMs > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, timeoutMs);
        this.drainWaiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    this.failAll(new PulsarError("closed", "closed-before-ack", { timeout: timeoutMs }));
    await this.socket.close();
  }

  /** The error for a frame of `bytes` over the endpoint's limit or the server's known one. */
  private oversize(bytes: number): PulsarError | undefined {
    const server = this.serverFrameLimit;
    if (server !== undefined && bytes > server && server <= this.opts.maxFrameSize) {
      return new PulsarError("input", "frame-over-server-limit", { size: bytes, limit: server, configured: this.opts.maxFrameSize });
    }
    if (bytes > this.opts.maxFrameSize) return new PulsarError("input", "frame-too-large", { size: bytes, limit: this.opts.maxFrameSize });
    return undefined;
  }

  private canTransmit(): boolean {
    return this.inFlight.size < this.opts.maxInFlight && this.socket.isOpen;
  }

  private transmit(entry: Entry): void {
    const context = this.nextContext++;
    entry.sentBytes = wireBytes(entry.frame, context);
    this.inFlight.set(context, entry);
    this.socket.send(frameWithContext(entry.frame, context));
  }

  private pump(): void {
    while (this.waiting.length > 0 && this.canTransmit()) {
      const entry = this.waiting.shift()!;
      this.waitingBytes -= entry.bytes;
      this.refusing = undefined;
      // Queued before the server's limit was known.
      const tooLarge = this.oversize(entry.bytes);
      if (tooLarge) entry.callback(tooLarge);
      else this.transmit(entry);
    }
  }

  private onMessage(text: string): void {
    const frame = parseServerFrame(text);
    if (frame.kind === "unknown") return; // frame types of a newer Pulsar are not errors
    if (frame.kind !== "ack") {
      const reason = frame.kind === "invalid" ? frame.reason : `unexpected ${frame.kind} frame`;
      this.emit("protocolError", new PulsarError("server", "bad-frame", { reason }));
      return;
    }
    const context = contextNumber(frame.context);
    const entry = context === undefined ? undefined : this.inFlight.get(context);
    if (!entry) {
      this.emit("protocolError", new PulsarError("server", "unknown-ack", { context: frame.context ?? "-", result: frame.result, message: frame.errorMsg ?? "" }));
      return;
    }
    this.inFlight.delete(context!);
    if (entry.sentBytes! > this.largestAcked) this.largestAcked = entry.sentBytes!;
    if (frame.result === "ok") entry.callback(undefined, frame.messageId);
    else entry.callback(new PulsarError("server", "send-error", { result: frame.result, message: frame.errorMsg ?? "" }));
    this.pump();
    this.checkDrained();
  }

  /** The socket dropped: what the close does not blame is sent again first after reconnect. */
  private onDown(failure: SocketFailure): void {
    const unacked = this.withoutRefusedFrames([...this.inFlight.values()], failure);
    this.inFlight = new Map();
    for (const entry of unacked) this.waitingBytes += entry.bytes;
    this.waiting.unshiftAll(unacked);
    this.emit("counts", this.counts);
    this.checkDrained();
  }

  /** Fails the frames a close blames (see the class comment); returns the others, in order. */
  private withoutRefusedFrames(unacked: Entry[], failure: SocketFailure): Entry[] {
    if (unacked.length === 0) return unacked;
    if (failure.kind === "closed" && failure.code === MESSAGE_TOO_BIG) {
      const named = frameLimitFromReason(failure.message);
      if (named) {
        this.serverFrameLimit = Math.min(named.limit, this.serverFrameLimit ?? Infinity);
        return this.failWhere(unacked, (e) => (e.sentBytes ?? e.bytes) > named.limit, (e) =>
          new PulsarError("input", "frame-over-server-limit", { size: e.sentBytes ?? e.bytes, limit: named.limit, configured: this.opts.maxFrameSize }));
      }
    }
    const head = unacked[0];
    const headBytes = head.sentBytes ?? head.bytes;
    // A close that refuses what was sent may be the head's fault. So may any drop when the head is
    // far larger than every frame the server has acked: Jetty sometimes resets the connection over
    // an oversize frame instead of closing it with 1009. A drop behind a frame of about the usual
    // size is the network's or a restart's, and never counts against it.
    const refusal = failure.kind === "closed" && isRefusalClose(failure.code);
    if (!refusal && headBytes <= Math.max(2 * this.largestAcked, SUSPECT_FRAME_BYTES)) {
      head.closeStrikes = 0;
      head.lastClose = undefined;
      return unacked;
    }
    const code = failure.kind === "closed" ? failure.code : 0;
    const signature = `${failure.kind} ${code} ${failure.message}`;
    head.closeStrikes = head.lastClose === signature ? (head.closeStrikes ?? 0) + 1 : 1;
    head.lastClose = signature;
    if (head.closeStrikes < MAX_SAME_CLOSE) return unacked;
    const reason = failure.kind === "closed" ? `close ${code}${failure.message ? `: ${failure.message}` : ""}` : failure.message || failure.kind;
    const error = refusal
      ? new PulsarError("server", "frame-closes-session", { count: MAX_SAME_CLOSE, reason })
      : new PulsarError("server", "large-frame-drops-session", { count: MAX_SAME_CLOSE, reason, size: headBytes, largest: this.largestAcked, configured: this.opts.maxFrameSize });
    return this.failWhere(unacked, (e) => e === head, () => error);
  }

  private failWhere(entries: Entry[], blamed: (e: Entry) => boolean, error: (e: Entry) => PulsarError): Entry[] {
    const kept: Entry[] = [];
    for (const entry of entries) {
      if (blamed(entry)) entry.callback(error(entry));
      else kept.push(entry);
    }
    return kept;
  }

  private onState(state: SocketState): void {
    if (state.state === "failed") this.failAll(this.failedError(state.failure));
    this.emit("state", state);
  }

  /** The error a send gets from a session that failed or was refused: the server's status and reason. */
  failedError(failure: SocketFailure): PulsarError {
    const status = failure.kind === "handshake" ? failure.outcome.status : 0;
    return new PulsarError("config", "session-failed", { status, message: failure.message });
  }

  private failAll(err: PulsarError): void {
    const entries = [...this.inFlight.values(), ...this.waiting.drain()];
    this.inFlight = new Map();
    this.waitingBytes = 0;
    this.refusing = undefined;
    for (const entry of entries) entry.callback(err);
    this.checkDrained();
  }

  private checkDrained(): void {
    if (!this.idle) return;
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const w of waiters) w();
    this.emit("idle");
  }
}
