/**
 * What the session tests share: a fake Pulsar and a manual clock per test, with whatever a test
 * opened closed after it; socket options on that clock (no pings, 100 ms → 800 ms reconnects);
 * the fake's session paths; and a record of the text frames the fake received.
 */
import { ProducerSession } from "../../../nodes/lib/session/producer";
import { ProducerPool, type ProducerPoolOptions } from "../../../nodes/lib/session/producer-pool";
import type { SocketOptions } from "../../../nodes/lib/session/socket";
import { FakePulsar, type Role } from "../../fake/fake-pulsar";
import { ManualClock } from "../../support/manual-clock";

export const PRODUCER = "/ws/v2/producer/persistent/public/default";
export const CONSUMER = "/ws/v2/consumer/persistent/public/default";
export const READER = "/ws/v2/reader/persistent/public/default";
export const RECONNECT_MIN_MS = 100;
export const RECONNECT_MAX_MS = 800;

/** The close grace of a socket whose server never answers, on the manual clock. */
const CLOSE_GRACE_MS = 1000;

interface Current {
  fake: FakePulsar;
  clock: ManualClock;
  closers: (() => Promise<unknown>)[];
}

export class SessionBed {
  private current: Current | undefined;

  get fake(): FakePulsar {
    return this.started().fake;
  }

  get clock(): ManualClock {
    return this.started().clock;
  }

  /** Runs `close` after the test, before the fake stops; returns `thing` for chaining. */
  closeAfter<T>(thing: T, close: (t: T) => Promise<unknown>): T {
    this.started().closers.push(() => close(thing));
    return thing;
  }

  async start(): Promise<void> {
    this.current = { fake: await FakePulsar.start(), clock: new ManualClock(), closers: [] };
  }

  async stop(): Promise<void> {
    const { fake, clock, closers } = this.started();
    this.current = undefined;
    const closing = closers.map((close) => close());
    clock.advance(CLOSE_GRACE_MS);
    await Promise.all(closing);
    await fake.stop();
  }

  private started(): Current {
    if (!this.current) throw new Error("the session bed is used outside a test");
    return this.current;
  }
}

/** A fresh fake and clock for every test of the calling describe block. */
export function sessionBed(): SessionBed {
  const bed = new SessionBed();
  beforeEach(() => bed.start());
  afterEach(() => bed.stop());
  return bed;
}

export function socketDefaults(clock: ManualClock): Omit<SocketOptions, "url"> {
  return { pingIntervalMs: 0, pongTimeoutMs: 500, reconnectMinMs: RECONNECT_MIN_MS, reconnectMaxMs: RECONNECT_MAX_MS, clock };
}

/** A producer session on the fake's topic `local` (public/default), as the pool tests open them. */
function producerOn(bed: SessionBed, local: string, bufferMessages: number): ProducerSession {
  return new ProducerSession({
    socket: { ...socketDefaults(bed.clock), url: `${bed.fake.wsUrl}${PRODUCER}/${local}` },
    maxInFlight: 10,
    bufferMessages,
    bufferBytes: 1 << 20,
    maxFrameSize: 1 << 20,
  });
}

/** A pool of producerOn sessions (2 at most unless `opts` says otherwise); the local name of each session it opens goes into `created`. */
export function poolOn(bed: SessionBed, created: string[], bufferMessages: number, opts: Partial<ProducerPoolOptions> = {}): ProducerPool {
  return new ProducerPool({
    create: (t) => {
      created.push(t.local);
      return producerOn(bed, t.local, bufferMessages);
    },
    maxSessions: 2,
    idleTimeoutMs: 60_000,
    waitMessages: 100,
    waitBytes: 1 << 20,
    onChange: () => undefined,
    ...opts,
  });
}

export interface ReceivedFrame {
  /** The fake's connection id: frames of one socket share it. */
  connection: number;
  frame: Record<string, unknown>;
}

/** Every JSON text frame clients of `role` send to the fake, from now on. */
export function framesTo(fake: FakePulsar, role: Role): ReceivedFrame[] {
  const frames: ReceivedFrame[] = [];
  fake.on("frame", (event) => {
    if (event.role !== role || event.binary || typeof event.frame !== "object" || event.frame === null || Array.isArray(event.frame)) return;
    frames.push({ connection: event.connection.id, frame: event.frame });
  });
  return frames;
}

/** A payload as the fake stores it or a client sends it (base64 in frames). */
export const text = (base64: unknown): string => Buffer.from(String(base64), "base64").toString();
