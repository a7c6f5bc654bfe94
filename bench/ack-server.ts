/**
 * Server (a): the least a Pulsar WebSocket server can do, so that a benchmark against it measures
 * the client. It runs in its own process (bench/ack-server-main.ts): with client and server in
 * one event loop, the server's work would count against the client (lpinca, nodejs/undici#3203).
 *
 * - Producer sessions get an `ok` ack for every frame at once.
 * - Consumer sessions on a topic named `prefill-<count>-<bytes>-<tag>` are pushed `count` messages
 *   of `bytes` bytes, as if the topic were pre-filled, honouring the push window (docs/pulsar-websocket.md, "Flow control"):
 *   at most receiverQueueSize (≤ 1000, 0 → 1) unacked messages; every client frame frees a slot.
 * - Consumer sessions on any other topic receive what producers publish to that topic while they
 *   are connected, each session all of it, as a subscription of its own would (end-to-end latency,
 *   where the raw and the node consumer share one topic).
 */
import type { IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { WebSocketServer, type RawData, type WebSocket } from "ws";
import { consumerFrameParts, contextOf, messageIdFor, okAck, TickCork, textPayload } from "./wire";

const PUBLISH_TIME = "2026-01-01T00:00:00.123Z";
const ACK_MESSAGE_ID = "CAcQAzAA";
const PREFILL = /^prefill-(\d+)-(\d+)-/;

/** Where a consumer session's messages come from: `undefined` means none right now. */
interface Source {
  next(): string | undefined;
}

class PushSession {
  private unacked = 0;

  constructor(
    private readonly ws: WebSocket,
    private readonly cork: TickCork,
    private readonly window: number,
    private readonly source: Source,
  ) {
    ws.on("message", () => {
      // Any client frame (ack, nack) frees a slot, as in Pulsar's push mode.
      if (this.unacked > 0) this.unacked--;
      this.pump();
    });
  }

  pump(): void {
    while (this.unacked < this.window) {
      const frame = this.source.next();
      if (frame === undefined) return;
      this.unacked++;
      this.cork.beforeWrite();
      this.ws.send(frame);
    }
  }
}

function prefilledSource(count: number, bytes: number): Source {
  const { head, tail } = consumerFrameParts(Buffer.from(textPayload(bytes)).toString("base64"), PUBLISH_TIME);
  let sent = 0;
  return { next: () => (sent < count ? head + messageIdFor(7, sent++) + tail : undefined) };
}

/** Frames relayed from producers, oldest first. */
class RelaySource implements Source {
  private readonly frames: string[] = [];
  private entry = 0;
  /** The consumer session this relay feeds (set once the session exists). */
  session: PushSession | undefined;

  publish(payloadBase64: string): void {
    const { head, tail } = consumerFrameParts(payloadBase64, new Date().toISOString());
    this.frames.push(head + messageIdFor(9, this.entry++) + tail);
    this.session?.pump();
  }

  next(): string | undefined {
    return this.frames.shift();
  }
}

export class AckServer {
  /** Per topic, one relay per connected consumer session. */
  private readonly relays = new Map<string, Set<RelaySource>>();

  private constructor(private readonly wss: WebSocketServer) {
    wss.on("connection", (ws, req) => this.onConnection(ws, req));
  }

  static start(host = "127.0.0.1"): Promise<AckServer> {
    return new Promise((resolve, reject) => {
      const wss = new WebSocketServer({ host, port: 0, perMessageDeflate: false });
      wss.once("listening", () => resolve(new AckServer(wss)));
      wss.once("error", reject);
    });
  }

  get port(): number {
    return (this.wss.address() as AddressInfo).port;
  }

  close(): Promise<void> {
    for (const client of this.wss.clients) client.terminate();
    return new Promise((resolve) => this.wss.close(() => resolve()));
  }

  private onConnection(ws: WebSocket, req: IncomingMessage): void {
    const url = new URL(req.url ?? "/", "ws://server");
    const parts = url.pathname.split("/");
    const cork = new TickCork(req.socket);
    const topic = decodeURIComponent(parts[7] ?? "");
    if (parts[3] === "producer") this.producer(ws, cork, topic);
    else if (parts[3] === "consumer") this.consumer(ws, cork, topic, url.searchParams.get("receiverQueueSize"));
    else ws.close(1008, "unknown path");
  }

  private producer(ws: WebSocket, cork: TickCork, topic: string): void {
    ws.on("message", (data: RawData) => {
      const frame = data as Buffer;
      cork.beforeWrite();
      ws.send(okAck(ACK_MESSAGE_ID, contextOf(frame)));
      const relays = this.relays.get(topic);
      if (relays && relays.size > 0) {
        const { payload } = JSON.parse(frame.toString()) as { payload: string };
        for (const relay of relays) relay.publish(payload);
      }
    });
  }

  private consumer(ws: WebSocket, cork: TickCork, topic: string, queueSize: string | null): void {
    const requested = queueSize === null ? 1000 : Number(queueSize);
    const window = Math.max(1, Math.min(1000, requested));
    const prefill = PREFILL.exec(topic);
    if (prefill) {
      new PushSession(ws, cork, window, prefilledSource(Number(prefill[1]), Number(prefill[2]))).pump();
      return;
    }
    const relay = new RelaySource();
    relay.session = new PushSession(ws, cork, window, relay);
    const relays = this.relays.get(topic) ?? new Set<RelaySource>();
    relays.add(relay);
    this.relays.set(topic, relays);
    ws.on("close", () => {
      relays.delete(relay);
      if (relays.size === 0 && this.relays.get(topic) === relays) this.relays.delete(topic);
    });
  }
}
