// In-process fake of the Apache Pulsar WebSocket service (docs/pulsar-websocket.md) for fast
// tests and fault injection. It follows the real server's handshake order and status codes, frame shapes,
// flow control and redelivery rules; the real broker still covers partitioned topics, batching, encryption,
// the v3 multi-topic consumer and anything else this file does not model.

import { handleAdmin } from "./admin-rest";
import { EventEmitter } from "node:events";
import http, { IncomingMessage, STATUS_CODES } from "node:http";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import WebSocket, { WebSocketServer } from "ws";
import { AuthOptions, checkAuth } from "./auth";
import { Broker } from "./broker";
import { schemasOf, type FakeSchemas } from "./schema-registry";
import { ConnectionRecord, FakeConnection } from "./connection";
import { ConsumerSession } from "./consumer-session";
import { HandshakeRefusal, creationFailed, readerCreationFailed } from "./handshake-refusal";
import { parseIsoOffsetDateTime } from "./java-compat";
import { JsonValue, tryParseJson } from "./json-binding";
import { DEFAULT_SEND_FAILURE_MESSAGE, ProducerFaults } from "./producer-faults";
import { SEND_ERROR_UNKNOWN } from "./producer-frames";
import { ProducerSession } from "./producer-session";
import {
  consumerSettings, firstQueryValues, producerSettings, readerQueueSize, readerSettings,
} from "./query-params";
import { ReaderSession } from "./reader-session";
import { Role, Route, parseRoute } from "./routes";
import type { Session } from "./session";
import type { SubscriptionState } from "./subscription";
import { TimerRegistry } from "./timers";
import { StoredMessage, Topic, normalizeTopicName } from "./topic-store";

export type { ConnectionRecord } from "./connection";
export type { Role } from "./routes";
export type { StoredMessage } from "./topic-store";
export type { SubscriptionState } from "./subscription";
export type { AuthOptions } from "./auth";
export type { JsonValue } from "./json-binding";
export { decodeMessageId, encodeMessageId, messageIdToBase64, parseBase64MessageId } from "./message-id";
export type { MessageIdParts } from "./message-id";

export interface FakePulsarOptions {
  /** Behave like Pulsar 4.0.x: v1 endpoints exist and producer/reader topics may span segments. Default false (4.2.x). */
  readonly v1?: boolean;
  /** Token authentication + authorization; off by default like a stock standalone. */
  readonly auth?: AuthOptions;
  /** false: producers/consumers on a topic that does not exist yet get 404 (createTopic/publish make one). Default true. */
  readonly topicAutoCreation?: boolean;
  /**
   * webSocketMaxTextFrameSize: a larger text message closes the session with 1009 and the reason
   * Pulsar 4.2 (Jetty 12) gives, with grouped digits: "Text message too large: 1,052,658 >
   * 1,048,576". Default 1048576.
   */
  readonly maxTextFrameSize?: number;
  /** webSocketSessionIdleTimeoutMillis: close 1001 after this long without traffic; 0 disables. Default 300000. */
  readonly idleTimeoutMs?: number;
  /** webSocketPingDurationSeconds (in ms): server pings with payload "PING"; 0 disables. Default 0. */
  readonly pingIntervalMs?: number;
  /** The broker JVM's zone for publishTime/eventTime strings, in minutes east of UTC. Default 0 ("Z"). */
  readonly utcOffsetMinutes?: number;
  /** Negotiate permessage-deflate when a client offers it, as Jetty does. Default true. */
  readonly perMessageDeflate?: boolean;
  /** Listen on this port (e.g. a service URL that was closed until now). Default: a free one. */
  readonly port?: number;
}

/** Selects connections; every given field must match. Topics may be short names ("x", "t/ns/x"). */
export interface ConnectionFilter {
  readonly id?: number;
  readonly role?: Role;
  readonly topic?: string;
  readonly subscription?: string;
  readonly path?: string;
}

export interface DropOptions extends ConnectionFilter {
  /** Close code for a clean server close. Default 1001 (Jetty going away, e.g. a restart). */
  readonly code?: number;
  readonly reason?: string;
  /** Destroy the TCP socket instead: no close frame, frames in flight are lost (client sees 1006). */
  readonly terminate?: boolean;
}

/** What a handshake hook sees: the parsed route plus the raw request. */
export interface HandshakeInfo {
  readonly role: Role;
  readonly topic: string;
  readonly subscription?: string;
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  readonly headers: Readonly<http.IncomingHttpHeaders>;
}

export interface InjectedRefusal {
  readonly status: number;
  readonly body?: string;
}

export type HandshakeHook = (info: HandshakeInfo) => InjectedRefusal | undefined;

export interface PublishOptions {
  readonly payload: Buffer | string;
  readonly properties?: Readonly<Record<string, string>>;
  readonly key?: string;
  /** A Date, or an ISO-8601 string with offset as a producer would send it. */
  readonly eventTime?: Date | string;
  /** Epoch ms; held back by Shared/Key_Shared subscriptions until then. */
  readonly deliverAt?: number;
}

export interface FrameEvent {
  readonly connection: ConnectionRecord;
  readonly role: Role;
  readonly binary: boolean;
  /** UTF-8 text of the frame. */
  readonly text: string;
  /** Parsed JSON, undefined for binary frames and text that is not JSON. */
  readonly frame: JsonValue | undefined;
}

export interface CloseEvent {
  readonly connection: ConnectionRecord;
  readonly code: number;
  readonly reason: string;
}

export type FakePulsarEvents = {
  /** A socket was upgraded and its session created. */
  connection: [ConnectionRecord];
  /** A handshake was answered with an HTTP error instead of 101. */
  refused: [ConnectionRecord];
  /** A client frame arrived (emitted before the session handles it). */
  frame: [FrameEvent];
  close: [CloseEvent];
};

interface QueuedRefusal {
  readonly refusal: HandshakeRefusal;
  readonly filter: ConnectionFilter;
  remaining: number;
}

type SessionFactory = (connection: FakeConnection) => Session;

const DEFAULT_MAX_TEXT_FRAME_SIZE = 1_048_576;
const DEFAULT_IDLE_TIMEOUT_MS = 300_000;

export class FakePulsar extends EventEmitter<FakePulsarEvents> {
  /** Optional per-handshake refusal decided by the test (runs after refuseNext() entries). */
  handshakeHook: HandshakeHook | undefined;

  private readonly timers = new TimerRegistry();
  private readonly broker = new Broker(this.timers);
  private readonly faults = new ProducerFaults();
  private readonly records: ConnectionRecord[] = [];
  private readonly sessions = new Map<number, Session>();
  private readonly queuedRefusals: QueuedRefusal[] = [];
  private readonly server: http.Server;
  private readonly wss: WebSocketServer;
  private listeningPort = 0;

  private constructor(private readonly options: FakePulsarOptions) {
    super();
    this.server = http.createServer((request, response) => {
      void handleAdmin(this.broker, request, response).then((handled) => {
        if (!handled) response.writeHead(404, { "Content-Type": "text/plain" }).end("Not Found");
      });
    });
    this.wss = new WebSocketServer({
      noServer: true,
      clientTracking: false,
      // ws' own limit closes without a reason; Jetty names the sizes, so the check is ours
      // (onMessage) and this only bounds memory against a runaway client.
      maxPayload: 4 * (options.maxTextFrameSize ?? DEFAULT_MAX_TEXT_FRAME_SIZE) + 1_048_576,
      perMessageDeflate: options.perMessageDeflate ?? true,
    });
    this.server.on("upgrade", (request: IncomingMessage, socket: Duplex, head: Buffer) => {
      this.handleUpgrade(request, socket, head);
    });
  }

  /** Starts a fake on 127.0.0.1 with a free port. */
  static async start(options: FakePulsarOptions = {}): Promise<FakePulsar> {
    const fake = new FakePulsar(options);
    await new Promise<void>((resolve, reject) => {
      fake.server.once("error", reject);
      fake.server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
    });
    fake.listeningPort = (fake.server.address() as AddressInfo).port;
    return fake;
  }

  /** Terminates every socket, cancels every timer and closes the server, so nothing outlives a test. */
  async stop(): Promise<void> {
    for (const session of this.sessions.values()) {
      session.connection.terminate();
    }
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.wss.close();
    this.timers.cancelAll();
    this.broker.close();
  }

  /** The TCP port the fake listens on. */
  get port(): number {
    return this.listeningPort;
  }

  /** Base URL for the nodes under test, e.g. "ws://127.0.0.1:PORT". */
  /** The schema registry behind the admin API (test/fake/schema-registry.ts). */
  get schemas(): FakeSchemas {
    return schemasOf(this.broker);
  }

  get wsUrl(): string {
    return `ws://127.0.0.1:${this.port}`;
  }

  /** Same server over HTTP, for clients configured with a web-service URL. */
  get httpUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Every handshake attempt in arrival order, refused ones included (reconnect-storm checks). */
  get connections(): readonly Readonly<ConnectionRecord>[] {
    return this.records;
  }

  /** Handshake attempts matching a filter, e.g. handshakes({ path }) to count reconnects to one URL. */
  handshakes(filter: ConnectionFilter = {}): Readonly<ConnectionRecord>[] {
    return this.records.filter((record) => matches(record, filter));
  }

  /** Currently open sockets matching a filter. */
  openConnections(filter: ConnectionFilter = {}): Readonly<ConnectionRecord>[] {
    return this.matchingSessions(filter).map((session) => session.connection.record);
  }

  /** Answer the next `count` matching handshakes with this HTTP status (after path parsing, before auth). */
  refuseNext(status: number, body = STATUS_CODES[status] ?? "", count = 1, filter: ConnectionFilter = {}): void {
    this.queuedRefusals.push({ refusal: new HandshakeRefusal(status, body), filter, remaining: count });
  }

  /** Delay every producer ack (slow broker); frames already queued keep their own due time. */
  setAckDelay(ms: number): void {
    this.faults.ackDelayMs = ms;
  }

  /** Stop sending producer acks (stuck broker); messages are still stored, acks queue in order. */
  holdAcks(): void {
    this.faults.acksHeld = true;
  }

  /** Send every held ack, in publish order per producer. */
  releaseAcks(): void {
    this.faults.acksHeld = false;
    this.resumeSessions();
  }

  /** Answer the next `count` valid publish frames with an error ack instead of storing them. */
  failNextSends(count: number, result = SEND_ERROR_UNKNOWN, errorMsg = DEFAULT_SEND_FAILURE_MESSAGE): void {
    this.faults.failNext(count, { result, errorMsg });
  }

  /** Server-side close (clean close frame, or abrupt TCP destroy) of matching sockets; returns how many. */
  dropConnections(options: DropOptions = {}): number {
    const sessions = this.matchingSessions(options);
    for (const { connection } of sessions) {
      if (options.terminate === true) {
        connection.terminate();
      } else {
        connection.close(options.code ?? 1001, options.reason ?? "");
      }
    }
    return sessions.length;
  }

  /** Make matching sockets half-open: nothing read (pings unanswered), nothing sent; returns how many. */
  freeze(filter: ConnectionFilter = {}): number {
    const sessions = this.matchingSessions(filter);
    for (const { connection } of sessions) {
      connection.freeze();
    }
    return sessions.length;
  }

  /** Resume every frozen socket and send what its session held back. */
  unfreeze(): void {
    for (const { connection } of this.sessions.values()) {
      if (connection.frozen) {
        connection.unfreeze();
      }
    }
    this.resumeSessions();
  }

  /** Push arbitrary frames (malformed JSON, unknown types, binary) to matching clients; returns how many. */
  sendRaw(filter: ConnectionFilter, data: string | Buffer): number {
    const sessions = this.matchingSessions(filter);
    for (const { connection } of sessions) {
      connection.send(data);
    }
    return sessions.length;
  }

  /** Undo every fault setting (acks, send failures, queued refusals, hook, frozen sockets). */
  clearFaults(): void {
    this.faults.reset();
    this.queuedRefusals.length = 0;
    this.handshakeHook = undefined;
    this.unfreeze();
  }

  /** Create a topic explicitly (the only way to get one when topicAutoCreation is false). */
  createTopic(name: string): void {
    this.broker.topics.getOrCreate(name);
  }

  /** What the admin API answers for the topic's partitions (0: not partitioned); its partitions are ordinary topics here. */
  setPartitions(topic: string, partitions: number): void {
    this.broker.partitionCounts.set(normalizeTopicName(topic), partitions);
  }

  /** Refuse `GET …/partitions` with this status from now on (undefined: answer again). */
  refusePartitionLookups(refusal: { status: number; reason: string } | undefined): void {
    this.broker.partitionsRefusal = refusal;
  }

  /** Leave partition lookups unanswered until releasePartitionLookups (a slow admin API). */
  holdPartitionLookups(): void {
    this.broker.heldPartitionLookups ??= [];
  }

  /** Answer the held partition lookups and every later one at once. */
  releasePartitionLookups(): void {
    const held = this.broker.heldPartitionLookups ?? [];
    this.broker.heldPartitionLookups = undefined;
    for (const answer of held) answer();
  }

  /** Leave namespace listings (pattern discovery) unanswered until releaseListings. */
  holdListings(): void {
    this.broker.heldListings ??= [];
  }

  /** Answer the held namespace listings and every later one at once. */
  releaseListings(): void {
    const held = this.broker.heldListings ?? [];
    this.broker.heldListings = undefined;
    for (const answer of held) answer();
  }

  /** Refuse `GET …/messageid/{time}` (a reader's start at a time) with this status from now on (undefined: answer again). */
  refuseMessageIdLookups(refusal: { status: number; reason: string } | undefined): void {
    this.broker.messageIdRefusal = refusal;
  }

  /** The topics partition lookups asked about (full names), in order. */
  get partitionLookupTopics(): readonly string[] {
    return this.broker.partitionLookupTopics;
  }

  /** How many partition lookups (`GET …/partitions`) arrived. */
  get partitionLookups(): number {
    return this.broker.partitionLookups;
  }

  /** Admin terminateTopic: producers get send-error:8 / 503, consumers see endOfTopic once drained. */
  terminate(topic: string): void {
    this.broker.topics.getOrCreate(topic).terminated = true;
  }

  /** Put a message into a topic as if a producer had sent it (it is dispatched right away). */
  publish(topic: string, message: PublishOptions): StoredMessage {
    const eventTimeMs = message.eventTime === undefined ? undefined : toEpochMs(message.eventTime);
    return this.broker.topics.getOrCreate(topic).append({
      payload: Buffer.isBuffer(message.payload) ? message.payload : Buffer.from(message.payload),
      properties: { ...message.properties },
      ...(message.key !== undefined && { key: message.key }),
      ...(eventTimeMs !== undefined && { eventTime: eventTimeText(message.eventTime), eventTimeMs }),
      ...(message.deliverAt !== undefined && { deliverAt: message.deliverAt }),
    });
  }

  /** Everything stored in a topic, in order (empty if the topic does not exist). */
  messages(topic: string): readonly StoredMessage[] {
    return [...(this.broker.topics.find(topic)?.messages ?? [])];
  }

  /** Backlog/unacked/consumer counts of a subscription, undefined if it does not exist (e.g. unsubscribed). */
  subscriptionState(topic: string, subscription: string): SubscriptionState | undefined {
    return this.broker.findSubscription(normalizeTopicName(topic), subscription)?.state();
  }

  /** Full names of every topic that exists, to catch a client writing to a mis-encoded name. */
  topicNames(): string[] {
    return this.broker.topics.names();
  }

  private handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on("error", () => undefined); // a client vanishing mid-handshake must not crash the test run
    const record = this.recordAttempt(request);
    let createSession: SessionFactory;
    try {
      createSession = this.planSession(record);
    } catch (error) {
      this.refuse(socket, record, error instanceof HandshakeRefusal
        ? error : new HandshakeRefusal(500, `Server Error: ${String(error)}`));
      return;
    }
    this.wss.handleUpgrade(request, socket, head, (ws) => this.open(ws, socket, record, createSession));
  }

  private recordAttempt(request: IncomingMessage): ConnectionRecord {
    const url = request.url ?? "/";
    const queryStart = url.indexOf("?");
    const record: ConnectionRecord = {
      id: this.records.length + 1,
      at: Date.now(),
      url,
      path: queryStart < 0 ? url : url.slice(0, queryStart),
      query: firstQueryValues(queryStart < 0 ? "" : url.slice(queryStart + 1)),
      headers: request.headers,
      status: 0,
      pingsReceived: 0,
    };
    this.records.push(record);
    return record;
  }

  /** All checks happen before the 101, in the server's order; the returned factory runs after it. */
  private planSession(record: ConnectionRecord): SessionFactory {
    const route = parseRoute(record.path, this.options.v1 === true);
    record.role = route.role;
    record.topic = route.topic;
    if (route.role === "consumer") {
      record.subscription = route.subscription;
    }
    this.applyInjectedRefusal(record, route);
    switch (route.role) {
      case "producer": return this.planProducer(record, route.topic);
      case "consumer": return this.planConsumer(record, route.topic, route.subscription);
      case "reader": return this.planReader(record, route.topic);
    }
  }

  private applyInjectedRefusal(record: ConnectionRecord, route: Route): void {
    const queued = this.queuedRefusals.find((entry) => matches(record, entry.filter));
    if (queued !== undefined) {
      queued.remaining -= 1;
      if (queued.remaining <= 0) {
        this.queuedRefusals.splice(this.queuedRefusals.indexOf(queued), 1);
      }
      throw queued.refusal;
    }
    const hooked = this.handshakeHook?.({ ...route, path: record.path, query: record.query, headers: record.headers });
    if (hooked !== undefined) {
      throw new HandshakeRefusal(hooked.status, hooked.body ?? STATUS_CODES[hooked.status] ?? "");
    }
  }

  /** ProducerHandler: auth, then query params, then create() (404 / 503 / 409). */
  private planProducer(record: ConnectionRecord, topicName: string): SessionFactory {
    checkAuth(this.options.auth, record.headers, record.query);
    const { producerName } = producerSettings(record.query);
    const topic = this.openTopic(topicName, () => creationFailed(404, `Topic ${topicName} does not exist`));
    if (topic.terminated) {
      throw creationFailed(503, `Topic ${topicName} was already terminated`);
    }
    if (producerName !== undefined && this.producerNameInUse(topic, producerName)) {
      throw creationFailed(409, `Producer with name '${producerName}' is already connected to topic`);
    }
    return (connection) => new ProducerSession(connection, topic, producerName, this.faults, this.timers);
  }

  /** ConsumerHandler: query params (400), then auth, then subscribe() (404 / 409). */
  private planConsumer(record: ConnectionRecord, topicName: string, subscription: string): SessionFactory {
    const settings = consumerSettings(record.query, topicName, subscription);
    checkAuth(this.options.auth, record.headers, record.query);
    const topic = this.openTopic(topicName, () => creationFailed(404, `Topic ${topicName} does not exist`));
    this.broker.checkCanSubscribe(topic, subscription, settings.subscriptionType);
    return (connection) => {
      const session = new ConsumerSession(connection, settings, this.broker, this.utcOffsetMinutes);
      session.start(topic, subscription);
      return session;
    };
  }

  /** ReaderHandler: receiverQueueSize (bare 500), auth, then everything else is 500 "Failed to create reader". */
  private planReader(record: ConnectionRecord, topicName: string): SessionFactory {
    const queueSize = readerQueueSize(record.query);
    checkAuth(this.options.auth, record.headers, record.query);
    const settings = readerSettings(record.query, queueSize);
    const topic = this.openTopic(topicName, () => readerCreationFailed(`Topic ${topicName} does not exist`));
    return (connection) => {
      const session = new ReaderSession(connection, topic, settings, this.utcOffsetMinutes);
      session.dispatch();
      return session;
    };
  }

  private openTopic(name: string, notFound: () => HandshakeRefusal): Topic {
    const existing = this.broker.topics.find(name);
    if (existing !== undefined) {
      return existing;
    }
    if (this.options.topicAutoCreation === false) {
      throw notFound();
    }
    return this.broker.topics.getOrCreate(name);
  }

  private producerNameInUse(topic: Topic, producerName: string): boolean {
    return [...this.sessions.values()].some((session) => session instanceof ProducerSession
      && session.topic === topic && session.producerName === producerName);
  }

  /** The real server answers through response.sendError: a plain HTTP error response, then close. */
  private refuse(socket: Duplex, record: ConnectionRecord, refusal: HandshakeRefusal): void {
    record.status = refusal.status;
    record.refusal = refusal.body;
    const body = Buffer.from(refusal.body, "utf8");
    socket.end([
      `HTTP/1.1 ${refusal.status} ${STATUS_CODES[refusal.status] ?? "Error"}`,
      "Content-Type: text/plain;charset=utf-8",
      `Content-Length: ${body.length}`,
      "Connection: close",
      "",
      refusal.body,
    ].join("\r\n"));
    this.emit("refused", record);
  }

  private open(ws: WebSocket, socket: Duplex, record: ConnectionRecord, createSession: SessionFactory): void {
    record.status = 101;
    const connection = new FakeConnection(record, ws, socket, this.timers, {
      idleTimeoutMs: this.options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS,
      pingIntervalMs: this.options.pingIntervalMs ?? 0,
    });
    ws.on("error", () => undefined); // e.g. 1009: ws reports the error, then closes the socket itself
    const session = createSession(connection);
    this.sessions.set(record.id, session);
    ws.on("message", (data, isBinary) => this.onMessage(session, toBuffer(data), isBinary));
    ws.on("ping", () => {
      record.pingsReceived += 1;
      connection.noteActivity();
    });
    ws.on("pong", () => connection.noteActivity());
    ws.on("close", (code, reason) => this.onClose(session, code, reason.toString()));
    this.emit("connection", record);
  }

  /** Binary frames are reported but otherwise ignored: no handler overrides onWebSocketBinary. */
  private onMessage(session: Session, data: Buffer, binary: boolean): void {
    const { record } = session.connection;
    // Jetty reads nothing more from a session it has started to close (e.g. after a 1009).
    if (!session.connection.isOpen) return;
    session.connection.noteActivity();
    const limit = this.options.maxTextFrameSize ?? DEFAULT_MAX_TEXT_FRAME_SIZE;
    if (!binary && data.length > limit) {
      session.connection.close(1009, `Text message too large: ${data.length.toLocaleString("en-US")} > ${limit.toLocaleString("en-US")}`);
      return;
    }
    const text = data.toString("utf8");
    this.emit("frame", {
      connection: record, role: record.role!, binary, text, frame: binary ? undefined : tryParseJson(text),
    });
    if (!binary) {
      session.handleText(text);
    }
  }

  private onClose(session: Session, code: number, reason: string): void {
    const { record } = session.connection;
    record.closedAt = Date.now();
    record.closeCode = code;
    record.closeReason = reason;
    session.connection.stopKeepAlive();
    this.sessions.delete(record.id);
    session.closed();
    this.emit("close", { connection: record, code, reason });
  }

  private matchingSessions(filter: ConnectionFilter): Session[] {
    return [...this.sessions.values()].filter((session) => matches(session.connection.record, filter));
  }

  private resumeSessions(): void {
    for (const session of this.sessions.values()) {
      session.resume();
    }
  }

  private get utcOffsetMinutes(): number {
    return this.options.utcOffsetMinutes ?? 0;
  }
}

function matches(record: ConnectionRecord, filter: ConnectionFilter): boolean {
  return (filter.id === undefined || record.id === filter.id)
    && (filter.role === undefined || record.role === filter.role)
    && (filter.topic === undefined || record.topic === normalizeTopicName(filter.topic))
    && (filter.subscription === undefined || record.subscription === filter.subscription)
    && (filter.path === undefined || record.path === filter.path);
}

function toBuffer(data: WebSocket.RawData): Buffer {
  if (Buffer.isBuffer(data)) {
    return data;
  }
  return Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
}

function toEpochMs(eventTime: Date | string): number {
  return eventTime instanceof Date ? eventTime.getTime() : parseIsoOffsetDateTime(eventTime);
}

function eventTimeText(eventTime: Date | string | undefined): string | undefined {
  return eventTime instanceof Date ? eventTime.toISOString() : eventTime;
}
