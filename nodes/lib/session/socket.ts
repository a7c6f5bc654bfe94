/**
 * One WebSocket session with Pulsar and its whole life: connect (headers, TLS, no
 * permessage-deflate), read refused upgrades, keep-alive pings with a pong deadline, and
 * reconnect with backoff as the handshake status says (docs/pulsar-websocket.md, "Handshake status codes"). Producer, consumer and
 * reader sessions sit on top of it and only see `open`, `message` and `down`.
 *
 * This is the one place that owns a socket's lifecycle. No Node-RED types here.
 */
import { EventEmitter } from "node:events";
import type { Agent, ClientRequest, IncomingMessage } from "node:http";
import type { Socket } from "node:net";
import type { SecureContextOptions } from "node:tls";
import WebSocket from "ws";
import { classifyHandshake, extractErrorMessage, type HandshakeOutcome } from "../protocol/handshake";
import { redactUrl } from "../protocol/urls";
import { Backoff } from "./backoff";
import { systemClock, type Clock, type TimerHandle } from "./clock";

export interface TlsOptions extends SecureContextOptions {
  rejectUnauthorized?: boolean;
  servername?: string;
  ALPNProtocols?: string[];
}

export interface SocketOptions {
  /** A function when the URL changes between attempts (a reader resumes after its last message). */
  url: string | (() => string);
  headers?: Record<string, string>;
  tls?: TlsOptions;
  /** 0 disables client pings. */
  pingIntervalMs: number;
  pongTimeoutMs: number;
  reconnectMinMs: number;
  reconnectMaxMs: number;
  /** A session that stayed open this long resets the backoff. */
  stableAfterMs?: number;
  handshakeTimeoutMs?: number;
  /** Larger frames from the server are refused: the socket is closed (1009) and replaced. */
  maxIncomingFrameBytes?: number;
  compression?: boolean;
  /**
   * Asked before every attempt, so each (re)connect carries what is valid now: a token re-read
   * from its file or renewed from its issuer, the proxy agent for the URL in use. A rejection
   * with a `PrepareFailure` is an attempt that failed before any byte went to Pulsar.
   */
  prepare?: () => Promise<ConnectExtras>;
  /** Told of every failed attempt and every lost session (failover and token renewal listen). */
  onFailure?: (failure: SocketFailure) => void;
  /** Which server an open session is on, for the status (e.g. when there are several). */
  describeServer?: () => string | undefined;
  clock?: Clock;
}

/** What `prepare` adds to one attempt; `headers` are merged over the fixed ones. */
export interface ConnectExtras {
  headers?: Record<string, string>;
  agent?: Agent;
}

/** Why `prepare` could not give an attempt what it needs (e.g. the OAuth2 issuer refused). */
export class PrepareFailure extends Error {
  constructor(
    message: string,
    /** i18n key under `pulsar.status`. */
    readonly statusKey: string,
    readonly params: Record<string, string | number> = {},
    readonly retry: "slow" | "backoff" = "slow",
  ) {
    super(message);
    this.name = "PrepareFailure";
  }
}

/** Why a session is not (or no longer) open. `message` never contains a token. */
export type SocketFailure =
  | { kind: "handshake"; outcome: HandshakeOutcome; message: string }
  /** `status`: the HTTP status of a proxy that refused the tunnel (code `EPROXY`). */
  | { kind: "network"; code?: string; status?: number; message: string }
  | { kind: "closed"; code: number; message: string }
  | { kind: "keepalive"; message: string }
  /** `prepare` failed: no attempt was made (the message is safe to log: never a secret). */
  | { kind: "prepare"; statusKey: string; params: Record<string, string | number>; retry: "slow" | "backoff"; message: string };

export type SocketState =
  | { state: "connecting"; attempt: number }
  /** `server`: set when the options describe it (several service URLs). */
  | { state: "open"; server?: string }
  | { state: "retrying"; delayMs: number; failure: SocketFailure }
  /** Stopped retrying until redeploy (e.g. 400: the configuration is wrong). */
  | { state: "failed"; failure: SocketFailure }
  | { state: "closed" };

export interface ManagedSocketEvents {
  state: [SocketState];
  open: [];
  message: [string];
  /** An open session was lost; a reconnect is already scheduled. */
  down: [SocketFailure];
}

const MAX_ERROR_BODY = 4096;
/** Pulsar's largest message (maxMessageSize, 5 MiB) as base64 in a JSON frame fits with room. */
export const DEFAULT_MAX_INCOMING_FRAME_BYTES = 8 * 1024 * 1024;
const CLOSE_GRACE_MS = 1000;

export class ManagedSocket extends EventEmitter<ManagedSocketEvents> {
  private readonly clock: Clock;
  private readonly backoff: Backoff;
  private ws: WebSocket | undefined;
  /** Set while `prepare` runs for the current attempt. */
  private preparing: object | undefined;
  /** The TCP (or TLS) socket under `ws`, once upgraded: corked while a tick's frames are sent. */
  private transport: Socket | undefined;
  private corked = false;
  private attempt = 0;
  private openedAt = 0;
  private stopped = false;
  private reconnectTimer: TimerHandle | undefined;
  private pingTimer: TimerHandle | undefined;
  private pongDeadline: TimerHandle | undefined;
  private current: SocketState = { state: "closed" };

  constructor(private readonly opts: SocketOptions) {
    super();
    this.clock = opts.clock ?? systemClock;
    this.backoff = new Backoff({ minMs: opts.reconnectMinMs, maxMs: opts.reconnectMaxMs, random: this.clock.random });
  }

  get state(): SocketState {
    return this.current;
  }

  get isOpen(): boolean {
    return this.ws?.readyState === WebSocket.OPEN;
  }

  /** The URL for logs: never with a token. */
  get safeUrl(): string {
    return redactUrl(this.currentUrl());
  }

  start(): void {
    if (this.stopped || this.ws || this.preparing) return;
    this.connect();
  }

  /** Writes a text frame if the session is open; false means "not sent, try after reconnect". */
  send(text: string): boolean {
    const ws = this.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN) return false;
    this.corkUntilNextTick();
    ws.send(text);
    return true;
  }

  /**
   * Frames sent in one tick leave in one write. Uncorked, every frame is its own writev syscall
   * (websockets/ws#1797), which costs more than the frame itself at thousands of small frames a
   * second (an ack burst releasing the next window, a consumer acking a burst of messages).
   */
  private corkUntilNextTick(): void {
    const transport = this.transport;
    if (this.corked || !transport) return;
    this.corked = true;
    transport.cork();
    process.nextTick(() => {
      this.corked = false;
      transport.uncork();
    });
  }

  /** Stops for good: no reconnect; resolves once the socket is closed (bounded). */
  close(): Promise<void> {
    this.stopped = true;
    this.preparing = undefined;
    this.clearTimers();
    const ws = this.ws;
    this.ws = undefined;
    this.setState({ state: "closed" });
    if (!ws || ws.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = this.clock.setTimeout(() => {
        ws.terminate();
        resolve();
      }, CLOSE_GRACE_MS);
      ws.once("close", () => {
        this.clock.clearTimeout(timer);
        resolve();
      });
      if (ws.readyState === WebSocket.CONNECTING) ws.terminate();
      else ws.close(1000);
    });
  }

  private connect(): void {
    this.attempt++;
    this.setState({ state: "connecting", attempt: this.attempt });
    const prepare = this.opts.prepare;
    if (!prepare) return this.open({});
    const token = {};
    this.preparing = token;
    prepare().then(
      (extras) => {
        if (this.preparing !== token) return;
        this.preparing = undefined;
        if (!this.stopped) this.open(extras);
      },
      (err: unknown) => {
        if (this.preparing !== token) return;
        this.preparing = undefined;
        if (this.stopped) return;
        const f = err instanceof PrepareFailure ? err : new PrepareFailure(redactUrl(err instanceof Error ? err.message : String(err)), "connecting", {}, "backoff");
        this.retryAfter({ kind: "prepare", statusKey: f.statusKey, params: f.params, retry: f.retry, message: f.message });
      },
    );
  }

  private open(extras: ConnectExtras): void {
    let ws: WebSocket;
    try {
      ws = new WebSocket(this.currentUrl(), {
        headers: { ...this.opts.headers, ...extras.headers },
        ...(extras.agent ? { agent: extras.agent } : {}),
        // Jetty negotiates permessage-deflate whenever offered and `ws` offers it by default;
        // it costs CPU and memory on both ends for small JSON frames.
        perMessageDeflate: this.opts.compression ?? false,
        handshakeTimeout: this.opts.handshakeTimeoutMs ?? 30000,
        maxPayload: this.opts.maxIncomingFrameBytes ?? DEFAULT_MAX_INCOMING_FRAME_BYTES,
        ...this.opts.tls,
      });
    } catch (err) {
      // `ws` and Node's HTTP client throw synchronously on what they cannot send: a header value
      // with a line break or a character above U+00FF (a token), an unusable URL or TLS option.
      // Here that runs in a timer or a promise callback, where a throw would take the process
      // down. It is an attempt that failed before any byte went out; the next one asks
      // `prepare` again (a token file may have been fixed), slowly since the same values fail
      // the same way.
      const reason = redactUrl(err instanceof Error ? err.message : String(err));
      this.retryAfter({ kind: "prepare", statusKey: "open-failed", params: { reason }, retry: "slow", message: `the connection could not be opened: ${reason}` });
      return;
    }
    this.ws = ws;
    this.transport = undefined;
    ws.on("upgrade", (res) => {
      if (ws === this.ws) this.transport = res.socket as Socket;
    });
    ws.on("open", () => this.onOpen(ws));
    ws.on("message", (data, isBinary) => {
      // Pulsar only sends text frames; a binary frame is not part of the protocol.
      if (!isBinary && ws === this.ws) this.emit("message", data.toString());
    });
    ws.on("pong", () => {
      this.clock.clearTimeout(this.pongDeadline);
      this.pongDeadline = undefined;
    });
    ws.on("unexpected-response", (req, res) => this.onRefused(ws, req, res));
    ws.on("error", (err: Error & { code?: string; status?: unknown }) =>
      this.fail(ws, { kind: "network", code: err.code, ...(typeof err.status === "number" ? { status: err.status } : {}), message: this.describeError(err) }),
    );
    ws.on("close", (code, reason) => this.fail(ws, { kind: "closed", code, message: reason.toString() }));
  }

  private describeError(err: Error & { code?: string }): string {
    if (err.code === "WS_ERR_UNSUPPORTED_MESSAGE_LENGTH") {
      return `a frame from the server was over ${this.opts.maxIncomingFrameBytes ?? DEFAULT_MAX_INCOMING_FRAME_BYTES} bytes (the endpoint's Max incoming frame) and was refused`;
    }
    return redactUrl(err.message);
  }

  private currentUrl(): string {
    return typeof this.opts.url === "function" ? this.opts.url() : this.opts.url;
  }

  private onOpen(ws: WebSocket): void {
    if (ws !== this.ws) return;
    this.openedAt = this.clock.now();
    const server = this.opts.describeServer?.();
    this.setState(server ? { state: "open", server } : { state: "open" });
    this.schedulePing(ws);
    this.emit("open");
  }

  private onRefused(ws: WebSocket, req: ClientRequest, res: IncomingMessage): void {
    const status = res.statusCode ?? 0;
    let body = "";
    res.setEncoding("utf8");
    res.on("data", (chunk: string) => {
      if (body.length < MAX_ERROR_BODY) body += chunk;
    });
    const finish = (): void => {
      const message = extractErrorMessage(body);
      this.fail(ws, { kind: "handshake", outcome: classifyHandshake(status, message), message });
      req.destroy();
    };
    res.once("end", finish);
    res.once("error", finish);
    res.once("aborted", finish);
  }

  /** Every way a socket can end leads here once; later events of that socket are ignored. */
  private fail(ws: WebSocket, failure: SocketFailure): void {
    if (ws !== this.ws) return;
    this.ws = undefined;
    this.clearTimers();
    ws.removeAllListeners("message");
    ws.on("error", () => undefined); // a dead socket may still report errors; they are known
    if (ws.readyState !== WebSocket.CLOSED) ws.terminate();
    if (this.stopped) return;

    const wasOpen = this.openedAt > 0;
    if (wasOpen && this.clock.now() - this.openedAt >= (this.opts.stableAfterMs ?? 10000)) this.backoff.reset();
    this.openedAt = 0;
    if (wasOpen) this.emit("down", failure);
    this.retryAfter(failure);
  }

  /** Tells `onFailure`, then waits as the failure says (or stops for good). */
  private retryAfter(failure: SocketFailure): void {
    this.opts.onFailure?.(failure);
    if (this.stopped) return;
    const retry =
      failure.kind === "handshake"
        ? failure.outcome.retry
        : failure.kind === "prepare"
          ? failure.retry
          : failure.kind === "network" && failure.code === "EPROXY" && (failure.status === 407 || failure.status === 403)
            ? "slow" // the proxy refused us: an operator must act first
            : "backoff";
    if (retry === "none") {
      this.setState({ state: "failed", failure });
      return;
    }
    const delayMs = retry === "slow" ? this.backoff.slowest() : this.backoff.next();
    this.setState({ state: "retrying", delayMs, failure });
    this.reconnectTimer = this.clock.setTimeout(() => {
      this.reconnectTimer = undefined;
      if (!this.stopped) this.connect();
    }, delayMs);
  }

  private schedulePing(ws: WebSocket): void {
    if (this.opts.pingIntervalMs <= 0) return;
    this.pingTimer = this.clock.setTimeout(() => {
      if (ws !== this.ws) return;
      // The pong deadline: a half-open TCP connection (NAT, proxy, frozen server) answers
      // nothing and would otherwise hold in-flight frames forever. An older deadline still
      // running is kept: it is the stricter one.
      this.pongDeadline ??= this.clock.setTimeout(
        () => this.fail(ws, { kind: "keepalive", message: `no pong within ${this.opts.pongTimeoutMs} ms` }),
        this.opts.pongTimeoutMs,
      );
      ws.ping();
      this.schedulePing(ws);
    }, this.opts.pingIntervalMs);
  }

  private clearTimers(): void {
    this.clock.clearTimeout(this.reconnectTimer);
    this.clock.clearTimeout(this.pingTimer);
    this.clock.clearTimeout(this.pongDeadline);
    this.reconnectTimer = this.pingTimer = this.pongDeadline = undefined;
  }

  private setState(state: SocketState): void {
    this.current = state;
    this.emit("state", state);
  }
}
