// URL → (role, topic, subscription), following the server's servlet registration and
// AbstractWebSocketHandler.extractTopicName / ConsumerHandler.extractSubscription (docs/pulsar-websocket.md, "URLs").

import { HandshakeRefusal, invalidQueryParams, refuseOnError, uncaughtHandlerError } from "./handshake-refusal";
import { javaUrlDecode } from "./java-compat";

export type Role = "producer" | "consumer" | "reader";

/** topic is the full name, e.g. "persistent://public/default/orders"; subscription is decoded. */
export type Route =
  | { readonly role: "producer" | "reader"; readonly topic: string }
  | { readonly role: "consumer"; readonly topic: string; readonly subscription: string };

const V2_CONTEXTS: ReadonlyArray<readonly [string, Role]> = [
  ["/ws/v2/producer", "producer"],
  ["/ws/v2/consumer", "consumer"],
  ["/ws/v2/reader", "reader"],
];

// Registered only by Pulsar 4.0.x and older (removed by PIP-457 before 4.2.0).
const V1_CONTEXTS: ReadonlyArray<readonly [string, Role]> = [
  ["/ws/producer", "producer"],
  ["/ws/consumer", "consumer"],
  ["/ws/reader", "reader"],
];

const NAMESPACE_PART = /^[-=:.\w]+$/;

/**
 * Parses a raw (undecoded) request path. `legacy40` selects Pulsar 4.0.x behaviour: v1 endpoints exist
 * and producer/reader topic names may span several segments. Throws HandshakeRefusal like the server.
 */
export function parseRoute(rawPath: string, legacy40: boolean): Route {
  const role = matchServletContext(rawPath, legacy40);
  if (role === undefined) {
    throw new HandshakeRefusal(404, "Not Found");
  }
  const parts = rawPath.split("/");
  const topic = parseTopicName(parts, role, legacy40);
  return role === "consumer" ? { role, topic, subscription: parseSubscription(parts) } : { role, topic };
}

/** Jetty context matching: the path equals a context path or continues it with "/". */
function matchServletContext(rawPath: string, legacy40: boolean): Role | undefined {
  const contexts = legacy40 ? [...V2_CONTEXTS, ...V1_CONTEXTS] : V2_CONTEXTS;
  const match = contexts.find(([context]) => rawPath === context || rawPath.startsWith(`${context}/`));
  return match?.[1];
}

function parseTopicName(parts: readonly string[], role: Role, legacy40: boolean): string {
  const isV2 = parts[2] === "v2";
  const domain = parts[isV2 ? 4 : 3];
  if (parts.length < 8 || parts[1] !== "ws" || (domain !== "persistent" && domain !== "non-persistent")) {
    throw uncaughtHandlerError("Invalid topic name format");
  }
  const namespace = isV2 ? parts.slice(5, 7) : parts.slice(4, 7);
  const invalid = namespace.find((part) => !NAMESPACE_PART.test(part));
  if (invalid !== undefined) {
    throw uncaughtHandlerError(`Invalid named entity: ${invalid}`);
  }
  const encodedLocalName = legacy40 ? joinTopicSegments(parts, role) : parts[7];
  const localName = refuseOnError(() => javaUrlDecode(encodedLocalName), uncaughtHandlerError);
  if (localName === "") {
    throw uncaughtHandlerError("Invalid topic name: empty local name");
  }
  return `${domain}://${namespace.join("/")}/${localName}`;
}

/** 4.0.x joined segments 7..n (7..n-1 for consumers), skipping empty ones, so "a/b" topics worked. */
function joinTopicSegments(parts: readonly string[], role: Role): string {
  const end = role === "consumer" ? parts.length - 1 : parts.length;
  return parts.slice(7, end).filter((part) => part !== "").join("/");
}

function parseSubscription(parts: readonly string[]): string {
  if (parts.length !== 9) {
    throw invalidQueryParams("Invalid topic name format");
  }
  if (parts[8] === "") {
    throw invalidQueryParams("Empty subscription name");
  }
  return refuseOnError(() => javaUrlDecode(parts[8]), invalidQueryParams);
}
