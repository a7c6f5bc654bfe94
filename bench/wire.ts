/**
 * Frames of the Pulsar WebSocket protocol as the benchmark's own server (a) and raw clients write
 * them (docs/pulsar-websocket.md). Independent of the product code on purpose: the
 * baselines must not share the code they are measured against.
 */
import type { Socket } from "node:net";

/** A produce frame exactly as pulsar-out writes it: payload first, then the context. */
export function produceFrame(payloadBase64: string, context: string): string {
  return `{"payload":"${payloadBase64}","context":"${context}"}`;
}

export function ackCommand(messageId: string): string {
  return `{"messageId":"${messageId}"}`;
}

/** The server's success ack, as Pulsar writes it (errorCode and schemaVersion included). */
export function okAck(messageId: string, context: string | undefined): string {
  const ctx = context === undefined ? "" : `,"context":"${context}"`;
  return `{"result":"ok","messageId":"${messageId}"${ctx},"errorCode":0,"schemaVersion":0}`;
}

const CONTEXT_KEY = '"context":"';

/**
 * The context of a produce frame without decoding or parsing it: both clients put it last, so a
 * scan from the end finds it. A server that parsed every frame would measure its own JSON work.
 */
export function contextOf(frame: Buffer): string | undefined {
  const at = frame.lastIndexOf(CONTEXT_KEY);
  if (at < 0) return undefined;
  const start = at + CONTEXT_KEY.length;
  const end = frame.indexOf(0x22, start); // closing quote
  return end > start ? frame.toString("latin1", start, end) : undefined;
}

/** A printable ASCII payload of `bytes` bytes: what a flow typically publishes (a string). */
export function textPayload(bytes: number): string {
  const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
  return alphabet.repeat(Math.ceil(bytes / alphabet.length)).slice(0, bytes);
}

/** Protobuf MessageIdData {ledgerId, entryId, batch_size=0} in base64, as Pulsar encodes ids (docs/pulsar-websocket.md, "Message ids"). */
export function messageIdFor(ledgerId: number, entryId: number): string {
  const bytes = [0x08, ...varint(ledgerId), 0x10, ...varint(entryId), 0x30, 0x00];
  return Buffer.from(bytes).toString("base64");
}

function varint(value: number): number[] {
  const out: number[] = [];
  let v = value;
  while (v > 0x7f) {
    out.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return out;
}

/**
 * A pushed consumer message split around its id: `head + id + tail`. Everything but the id is the
 * same for every message of a run, so the server builds it once.
 */
export function consumerFrameParts(payloadBase64: string, publishTime: string): { head: string; tail: string } {
  return {
    head: '{"messageId":"',
    tail: `","payload":"${payloadBase64}","properties":{},"publishTime":"${publishTime}","redeliveryCount":0}`,
  };
}

/**
 * Coalesces every write made in one tick into one syscall: `net.Socket#write` otherwise tries a
 * write per frame (websockets/ws#1797). Call `beforeWrite()` before each `ws.send`.
 */
export class TickCork {
  private pending = false;

  constructor(private readonly socket: Socket) {}

  beforeWrite(): void {
    if (this.pending) return;
    this.pending = true;
    this.socket.cork();
    process.nextTick(() => {
      this.pending = false;
      this.socket.uncork();
    });
  }
}
