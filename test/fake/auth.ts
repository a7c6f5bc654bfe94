// Token authentication and authorization as the WebSocket service applies them (docs/pulsar-websocket.md: handshake status codes, authentication).

import type { IncomingHttpHeaders } from "node:http";
import { HandshakeRefusal } from "./handshake-refusal";
import type { QueryParams } from "./query-params";

export interface AuthOptions {
  /** The one token that authenticates and is authorized for everything. */
  readonly token: string;
  /** Tokens that authenticate (they are valid) but lack PRODUCE/CONSUME permission → 403. */
  readonly forbidden?: readonly string[];
}

const BEARER = "Bearer ";

/**
 * WebSocketHttpServletRequestWrapper: a real Authorization header wins; otherwise ?token= acts as
 * "Authorization: Bearer <token>" (the prefix is added unless the value already has it).
 */
function effectiveAuthorization(headers: IncomingHttpHeaders, query: QueryParams): string | undefined {
  if (headers.authorization !== undefined) {
    return headers.authorization;
  }
  const token = query.token;
  if (token === undefined) {
    return undefined;
  }
  return token.startsWith(BEARER) ? token : `${BEARER}${token}`;
}

/** checkAuthentication then checkAuthorization; a no-op when the fake runs without auth. */
export function checkAuth(options: AuthOptions | undefined, headers: IncomingHttpHeaders, query: QueryParams): void {
  if (options === undefined) {
    return;
  }
  const authorization = effectiveAuthorization(headers, query);
  const token = authorization?.startsWith(BEARER) ? authorization.slice(BEARER.length) : undefined;
  if (token !== undefined && options.forbidden?.includes(token)) {
    throw new HandshakeRefusal(403, "Not authorized");
  }
  if (token !== options.token) {
    throw new HandshakeRefusal(401, "Failed to authenticate");
  }
}
