/**
 * The endpoint config node's settings, resolved once from the editor's strings into typed
 * values, and the two things every session needs from them: its URL and its socket options.
 * Pure, so a plain script (benchmarks, fault suite) can use sessions without Node-RED.
 */
import { configError, PulsarError } from "./protocol/errors";
import { intWithDefault, secondsOption } from "./protocol/options";
import { buildSessionUrl, normalizeServiceUrl, type QueryValue, type SessionRole } from "./protocol/urls";
import type { TopicDefaults, TopicName } from "./protocol/topics";
import { DEFAULT_MAX_INCOMING_FRAME_BYTES, type SocketOptions, type TlsOptions } from "./session/socket";

type Raw = string | number | boolean | undefined | null;

export interface EndpointConfigInput {
  serviceUrl?: Raw;
  cluster?: Raw;
  tenant?: Raw;
  namespace?: Raw;
  tokenInQuery?: Raw;
  pingInterval?: Raw;
  pongTimeout?: Raw;
  reconnectMin?: Raw;
  reconnectMax?: Raw;
  maxFrameSize?: Raw;
  maxIncomingFrameSize?: Raw;
  handshakeTimeout?: Raw;
  compression?: Raw;
}

export interface EndpointSettings {
  base: string;
  cluster?: string;
  defaults: TopicDefaults;
  token?: string;
  tokenInQuery: boolean;
  pingIntervalMs: number;
  pongTimeoutMs: number;
  reconnectMinMs: number;
  reconnectMaxMs: number;
  maxFrameSize: number;
  maxIncomingFrameSize: number;
  handshakeTimeoutMs: number;
  compression: boolean;
  tls?: TlsOptions;
}

const DEFAULT_MAX_FRAME_SIZE = 1048576;

function text(value: Raw, fallback = ""): string {
  const s = value === undefined || value === null ? "" : String(value).trim();
  return s === "" ? fallback : s;
}

export function resolveEndpointSettings(config: EndpointConfigInput, token: string | undefined, tls?: TlsOptions): EndpointSettings {
  const reconnectMinMs = secondsOption("reconnectMin", config.reconnectMin, 1, 0.001);
  const reconnectMaxMs = Math.max(reconnectMinMs, secondsOption("reconnectMax", config.reconnectMax, 60, 0.001));
  const maxFrameSize = config.maxFrameSize === undefined || config.maxFrameSize === "" ? DEFAULT_MAX_FRAME_SIZE : Number(config.maxFrameSize);
  if (!Number.isInteger(maxFrameSize) || maxFrameSize < 1024) {
    throw configError("option-number", { option: "maxFrameSize", value: String(config.maxFrameSize), min: 1024, max: Number.MAX_SAFE_INTEGER });
  }
  const settings: EndpointSettings = {
    base: normalizeServiceUrl(config.serviceUrl),
    defaults: { tenant: text(config.tenant, "public"), namespace: text(config.namespace, "default") },
    tokenInQuery: config.tokenInQuery === true || config.tokenInQuery === "true",
    pingIntervalMs: secondsOption("pingInterval", config.pingInterval, 30, 0),
    pongTimeoutMs: secondsOption("pongTimeout", config.pongTimeout, 10, 0.001),
    reconnectMinMs,
    reconnectMaxMs,
    maxFrameSize,
    maxIncomingFrameSize: intWithDefault("maxIncomingFrameSize", config.maxIncomingFrameSize, DEFAULT_MAX_INCOMING_FRAME_BYTES, 1024),
    handshakeTimeoutMs: secondsOption("handshakeTimeout", config.handshakeTimeout, 30, 1, 600),
    compression: config.compression === true || config.compression === "true",
  };
  const cluster = text(config.cluster);
  if (cluster) {
    settings.cluster = cluster;
    settings.defaults.cluster = cluster;
  }
  const trimmedToken = token?.trim();
  if (trimmedToken) settings.token = trimmedToken.replace(/^Bearer\s+/i, "");
  if (tls) settings.tls = tls;
  return settings;
}

/**
 * The settings of an endpoint its users can open sessions with, or the config error that says
 * why there are none (no endpoint selected, or one whose configuration is invalid).
 */
export function usableSettings(endpoint: { settings?: EndpointSettings; configError?: PulsarError } | null | undefined): EndpointSettings {
  if (!endpoint) throw new PulsarError("config", "no-endpoint");
  if (!endpoint.settings) throw endpoint.configError ?? new PulsarError("config", "url-missing");
  return endpoint.settings;
}

export function sessionUrl(
  settings: EndpointSettings,
  role: SessionRole,
  topic: TopicName,
  query: Record<string, QueryValue>,
  subscription?: string,
): string {
  // The query-parameter token is only for gateways that strip headers: it ends up in access logs.
  const withToken = settings.token && settings.tokenInQuery ? { ...query, token: settings.token } : query;
  return buildSessionUrl({ base: settings.base, role, topic, cluster: settings.cluster, subscription, query: withToken });
}

/** Everything a session's socket needs from the endpoint but its URL. */
export function socketOptions(settings: EndpointSettings): Omit<SocketOptions, "url"> {
  const headers: Record<string, string> = {};
  if (settings.token && !settings.tokenInQuery) headers.Authorization = `Bearer ${settings.token}`;
  return {
    headers,
    tls: settings.tls,
    pingIntervalMs: settings.pingIntervalMs,
    pongTimeoutMs: settings.pongTimeoutMs,
    reconnectMinMs: settings.reconnectMinMs,
    reconnectMaxMs: settings.reconnectMaxMs,
    handshakeTimeoutMs: settings.handshakeTimeoutMs,
    maxIncomingFrameBytes: settings.maxIncomingFrameSize,
    compression: settings.compression,
  };
}
