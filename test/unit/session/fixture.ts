/**
 * What the session tests share: socket options on a manual clock (no pings, 100 ms → 800 ms
 * reconnects), the fake's session paths, and a record of the text frames the fake received.
 */
import type { SocketOptions } from "../../../nodes/lib/session/socket";
import type { FakePulsar, Role } from "../../fake/fake-pulsar";
import type { ManualClock } from "../../support/manual-clock";

export const PRODUCER = "/ws/v2/producer/persistent/public/default";
export const CONSUMER = "/ws/v2/consumer/persistent/public/default";
export const READER = "/ws/v2/reader/persistent/public/default";
export const RECONNECT_MIN_MS = 100;

export function socketDefaults(clock: ManualClock): Omit<SocketOptions, "url"> {
  return { pingIntervalMs: 0, pongTimeoutMs: 500, reconnectMinMs: RECONNECT_MIN_MS, reconnectMaxMs: 800, clock };
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
