// One accepted WebSocket plus its raw TCP socket and its record: sending, closing, half-open freezing,
// and the server-side keep-alive (idle timeout, optional pings) the real service applies.

import type { IncomingHttpHeaders } from "node:http";
import type { Duplex } from "node:stream";
import WebSocket from "ws";
import type { Role } from "./routes";
import type { TimerRegistry } from "./timers";

/** Every handshake attempt, accepted or refused, so tests can count reconnects and inspect requests. */
export interface ConnectionRecord {
  readonly id: number;
  /** Date.now() when the upgrade request arrived. */
  readonly at: number;
  /** Raw request target, query included. */
  readonly url: string;
  /** Raw (undecoded) path without the query. */
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  readonly headers: Readonly<IncomingHttpHeaders>;
  role?: Role;
  topic?: string;
  subscription?: string;
  /** 101 once upgraded, the refusal status otherwise. */
  status: number;
  /** Body of a refused handshake. */
  refusal?: string;
  pingsReceived: number;
  closedAt?: number;
  closeCode?: number;
  closeReason?: string;
}

export interface KeepAliveSettings {
  /** webSocketSessionIdleTimeoutMillis; 0 disables. */
  readonly idleTimeoutMs: number;
  /** webSocketPingDurationSeconds in ms; 0 disables. */
  readonly pingIntervalMs: number;
}

const MAX_CLOSE_REASON_BYTES = 123;

export class FakeConnection {
  private frozenState = false;
  private idleTimer?: NodeJS.Timeout;
  private pingTimer?: NodeJS.Timeout;

  constructor(
    readonly record: ConnectionRecord,
    private readonly ws: WebSocket,
    private readonly socket: Duplex,
    private readonly timers: TimerRegistry,
    private readonly keepAlive: KeepAliveSettings,
  ) {
    this.noteActivity();
    this.schedulePing();
  }

  get isOpen(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  get frozen(): boolean {
    return this.frozenState;
  }

  send(data: string | Buffer): void {
    if (this.isOpen) {
      this.noteActivity();
      this.ws.send(data);
    }
  }

  sendJson(value: object): void {
    this.send(JSON.stringify(value));
  }

  /** Server-initiated close; the reason is cut to the 123 bytes a close frame can carry. */
  close(code: number, reason: string): void {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) {
      this.ws.close(code, truncateUtf8(reason, MAX_CLOSE_REASON_BYTES));
    }
  }

  /** Abrupt TCP destroy: no close frame, anything in flight is lost. */
  terminate(): void {
    this.ws.terminate();
  }

  /** Half-open: stop reading (so pings go unanswered) and let sessions hold back everything they send. */
  freeze(): void {
    this.frozenState = true;
    this.socket.pause();
  }

  unfreeze(): void {
    this.frozenState = false;
    this.socket.resume();
  }

  /** Jetty's idle timer counts traffic in both directions, pings included. */
  noteActivity(): void {
    if (this.keepAlive.idleTimeoutMs <= 0) {
      return;
    }
    this.timers.cancel(this.idleTimer);
    this.idleTimer = this.timers.schedule(this.keepAlive.idleTimeoutMs, () => this.close(1001, "Connection Idle Timeout"));
  }

  stopKeepAlive(): void {
    this.timers.cancel(this.idleTimer);
    this.timers.cancel(this.pingTimer);
  }

  /** The service pings with payload "PING" when webSocketPingDurationSeconds > 0. */
  private schedulePing(): void {
    if (this.keepAlive.pingIntervalMs <= 0) {
      return;
    }
    this.pingTimer = this.timers.schedule(this.keepAlive.pingIntervalMs, () => {
      if (this.isOpen && !this.frozenState) {
        this.ws.ping("PING");
      }
      this.schedulePing();
    });
  }
}

function truncateUtf8(text: string, maxBytes: number): string {
  let result = text;
  while (Buffer.byteLength(result, "utf8") > maxBytes) {
    result = result.slice(0, -1);
  }
  return result;
}
