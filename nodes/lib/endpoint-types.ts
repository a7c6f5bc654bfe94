/**
 * What the endpoint config node offers its users (pulsar-out, pulsar-in). Kept apart from the
 * node file because a CommonJS `export =` module cannot export types beside it.
 */
import type { Node, NodeDef } from "node-red";
import type { EndpointConfigInput, EndpointSettings } from "./endpoint-settings";
import type { PulsarAdmin } from "./admin/operations";
import type { AdminTarget } from "./admin/client";
import type { PulsarError } from "./protocol/errors";
import type { QueryValue, SessionRole } from "./protocol/urls";
import type { TopicName } from "./protocol/topics";
import type { ConsumerSession, ConsumerSessionOptions } from "./session/consumer";
import type { ProducerSession, ProducerSessionOptions } from "./session/producer";
import type { TlsOptions } from "./session/socket";

export interface EndpointDef extends NodeDef, EndpointConfigInput {
  tls?: string;
}

export interface EndpointCredentials {
  token?: string;
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
  configError?: PulsarError;
  createProducer(req: ProducerRequest): ProducerSession;
  createConsumer(req: ConsumerRequest): ConsumerSession;
  /** The admin REST API of the same service: URL (http form, path prefix kept), token, TLS. Throws the config error. */
  adminTarget(): AdminTarget;
  /** A client for that admin API (pulsar-in's seek, deleteSubscription, discovery; pulsar-admin). */
  admin(): PulsarAdmin;
}

