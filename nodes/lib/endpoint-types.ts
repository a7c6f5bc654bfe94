/**
 * What the endpoint config node offers its users (pulsar-out, pulsar-in). Kept apart from the
 * node file because a CommonJS `export =` module cannot export types beside it.
 */
import type { Node, NodeDef } from "node-red";
import type { EndpointConnection } from "./connection/endpoint-connection";
import type { EndpointConfigInput, EndpointSettings } from "./connection/endpoint-settings";
import type { PulsarAdmin } from "./connection/admin-operations";
import type { AdminTarget } from "./connection/admin-client";
import type { PulsarError } from "./protocol/errors";
import type { QueryValue, SessionRole } from "./protocol/urls";
import type { TopicName } from "./protocol/topics";
import type { ConsumerSession, ConsumerSessionOptions } from "./session/consumer";
import type { ProducerSession, ProducerSessionOptions } from "./session/producer";
import type { TlsOptions } from "./session/socket";

export interface EndpointDef extends NodeDef, EndpointConfigInput {
  tls?: string;
  /** Id of a core `http proxy` config node; empty: the proxy environment variables. */
  proxy?: string;
}

export interface EndpointCredentials {
  token?: string;
  oauth2ClientSecret?: string;
}

/** Node-RED core's `http proxy` config node (core/network/06-httpproxy.js). */
export interface HttpProxyNode extends Node<{ username?: string; password?: string }> {
  url?: string;
  noproxy?: unknown;
}

export interface TlsConfigNode extends Node {
  addTLSOptions(options: TlsOptions): void;
}

export interface ProducerRequest {
  topic: TopicName;
  query: Record<string, QueryValue>;
  session: Omit<ProducerSessionOptions, "socket" | "maxFrameSize">;
}

export interface ConsumerRequest {
  role: Extract<SessionRole, "consumer" | "reader">;
  topic: TopicName;
  subscription?: string;
  /** Per attempt: a reader resumes after the last message it emitted (see ConsumerSession). */
  query: (resumeAfter: string | undefined) => Record<string, QueryValue>;
  session: Omit<ConsumerSessionOptions, "socket" | "url" | "kind">;
}

export interface EndpointNode extends Node<EndpointCredentials> {
  /** Undefined when the configuration is invalid; see `configError`. */
  settings?: EndpointSettings;
  /** Token, proxy and failover for sessions and admin calls; set with `settings`. */
  connection?: EndpointConnection;
  /** The `proxy` property it was deployed with (the editor's admin calls compare it). */
  proxyId?: string;
  configError?: PulsarError;
  createProducer(req: ProducerRequest): ProducerSession;
  createConsumer(req: ConsumerRequest): ConsumerSession;
  /** The admin REST API of the same service: URL (http form, path prefix kept), token, TLS. Throws the config error. */
  adminTarget(): AdminTarget;
  /** A client for that admin API (pulsar-in's seek, deleteSubscription, discovery; pulsar-admin). */
  admin(): PulsarAdmin;
}

