// What the fake does with one accepted socket. Each role's session reacts to client text frames and to
// the socket closing; resume() lets it send what it held back while frozen or while acks were held.

import type { FakeConnection } from "./connection";

export interface Session {
  readonly connection: FakeConnection;
  handleText(text: string): void;
  /** The socket is gone: give back whatever the session holds. */
  closed(): void;
  /** Send what was held back (after unfreeze or releaseAcks). */
  resume(): void;
}

/**
 * Close code for malformed consumer/reader commands. The server calls close(3), an invalid RFC 6455 code
 * that Jetty turns into an error close; 1011 is what a Jetty handler error produces, so clients see the
 * same thing here whichever of the two paths the real server takes.
 */
export const MALFORMED_COMMAND_CLOSE = 1011;
export const FAILED_TO_DESERIALIZE = "Failed to de-serialize from JSON";
