/**
 * The baselines: plain `ws` clients of the Pulsar WebSocket API, written as tight as a Node.js
 * program can reasonably be (no permessage-deflate, one write per tick, no per-message work
 * beyond the protocol's own: base64, JSON, the context map).
 *
 * - RawProducer with the same in-flight window as pulsar-out: the physical limit of a client.
 * - RawProducer with a window of 1: the naive client that waits for each ack before the next
 *   send, as the examples of Pulsar's WebSocket API documentation do.
 * - RawConsumer: auto-acks every message on arrival; with receiverQueueSize=1 it is the naive
 *   consumer (the server waits for each ack before pushing the next message).
 */
import type { Socket } from "node:net";
import WebSocket from "ws";
import type { Consumer, Producer, SendDone } from "./drivers";
import { ackCommand, produceFrame, TickCork } from "./wire";

interface Opened {
  ws: WebSocket;
  cork: TickCork;
}

/**
 * Connects. A consumer passes `onMessage`, attached before the upgrade completes, because its
 * first messages may arrive in the same read as the upgrade response.
 */
function open(url: string, onMessage?: (data: string, opened: Opened) => void): Promise<Opened> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false, handshakeTimeout: 30_000 });
    let opened: Opened | undefined;
    ws.once("upgrade", (res) => {
      opened = { ws, cork: new TickCork(res.socket as Socket) };
    });
    if (onMessage) ws.on("message", (data) => onMessage(String(data), opened!));
    ws.on("error", () => undefined); // a close follows; the run's own deadline reports the loss
    ws.once("open", () => resolve(opened!));
    ws.once("unexpected-response", (_req, res) => reject(new Error(`${url}: HTTP ${res.statusCode}`)));
    ws.once("error", reject);
  });
}

function closeSocket(ws: WebSocket): Promise<void> {
  if (ws.readyState === WebSocket.CLOSED) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      ws.terminate();
      resolve();
    }, 2000);
    ws.once("close", () => {
      clearTimeout(timer);
      resolve();
    });
    ws.close(1000);
  });
}

interface Pending {
  payload: string;
  done: SendDone;
}

interface Ack {
  result?: string;
  context?: string;
  errorMsg?: string;
}

export class RawProducer implements Producer {
  private readonly inFlight = new Map<string, SendDone>();
  private readonly waiting: Pending[] = [];
  private waitingHead = 0;
  private nextContext = 1;

  private constructor(
    private readonly ws: WebSocket,
    private readonly cork: TickCork,
    private readonly window: number,
  ) {
    ws.on("message", (data) => this.onAck(JSON.parse(String(data)) as Ack));
  }

  static async open(url: string, window: number): Promise<RawProducer> {
    const { ws, cork } = await open(url);
    return new RawProducer(ws, cork, window);
  }

  send(payload: string, done: SendDone): void {
    if (this.inFlight.size < this.window) this.transmit(payload, done);
    else this.waiting.push({ payload, done });
  }

  close(): Promise<void> {
    return closeSocket(this.ws);
  }

  private transmit(payload: string, done: SendDone): void {
    const context = String(this.nextContext++);
    this.inFlight.set(context, done);
    this.cork.beforeWrite();
    this.ws.send(produceFrame(Buffer.from(payload).toString("base64"), context));
  }

  private onAck(ack: Ack): void {
    const done = ack.context === undefined ? undefined : this.inFlight.get(ack.context);
    if (!done) return;
    this.inFlight.delete(ack.context!);
    done(ack.result === "ok" ? undefined : new Error(`${ack.result}: ${ack.errorMsg ?? ""}`));
    if (this.waitingHead < this.waiting.length) {
      const next = this.waiting[this.waitingHead++];
      if (this.waitingHead === this.waiting.length) this.waiting.length = this.waitingHead = 0;
      this.transmit(next.payload, next.done);
    }
  }
}

interface Pushed {
  messageId: string;
  payload: string;
}

export class RawConsumer implements Consumer {
  private constructor(private readonly ws: WebSocket) {}

  /** Subscribes and acks every message as soon as `onMessage` returned. */
  static async open(url: string, onMessage: (payload: string) => void): Promise<RawConsumer> {
    const { ws } = await open(url, (data, { ws, cork }) => {
      const frame = JSON.parse(data) as Pushed;
      onMessage(Buffer.from(frame.payload, "base64").toString("utf8"));
      cork.beforeWrite();
      ws.send(ackCommand(frame.messageId));
    });
    return new RawConsumer(ws);
  }

  close(): Promise<void> {
    return closeSocket(this.ws);
  }
}

/**
 * Several producers as one, taking turns message by message (round robin, as Pulsar routes
 * messages without a key): raw producers, one per partition, are the client-side limit of a
 * client with one session per partition.
 */
export class RoundRobinProducer implements Producer {
  private next = 0;

  constructor(private readonly producers: Producer[]) {}

  send(payload: string, done: SendDone): void {
    this.producers[this.next].send(payload, done);
    this.next = (this.next + 1) % this.producers.length;
  }

  async close(): Promise<void> {
    await Promise.all(this.producers.map((p) => p.close()));
  }
}
