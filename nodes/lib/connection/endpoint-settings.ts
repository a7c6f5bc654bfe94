/**
 * The endpoint config node's settings, resolved once from the editor's strings into typed
 * values, and the two things every session needs from them: its URL and its socket options.
 * Pure, so a plain script (benchmarks, fault suite) can use sessions without Node-RED.
 */
import type { AuthSettings } from "./endpoint-connection";
import { bareToken, checkBearerToken, tokenSource } from "../protocol/bearer-token";
import { configError, PulsarError } from "../protocol/errors";
import { intWithDefault, secondsOption } from "../protocol/options";
import { buildSessionUrl, normalizeServiceUrl, type QueryValue, type SessionRole } from "../protocol/urls";
import type { TopicDefaults, TopicName } from "../protocol/topics";
import { DEFAULT_MAX_INCOMING_FRAME_BYTES, type SocketOptions, type TlsOptions } from "../session/socket";

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
  authType?: Raw;
  oauth2IssuerUrl?: Raw;
  oauth2ClientId?: Raw;
  oauth2Audience?: Raw;
  oauth2Scope?: Raw;
}

export interface EndpointSettings {
  /** The first service URL; `bases` holds them all, in failover order. */
  base: string;
  bases: string[];
  auth: AuthSettings;
  cluster?: string;
  defaults: TopicDefaults;
  /** The token credential as given: a token, `${ENV}` or `file:///path` (resolved per connect). */
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

/** `serviceUrl` may list several URLs separated by commas: failover in that order. */
export function serviceUrlList(input: Raw): string[] {
  const raw = input === undefined || input === null ? "" : String(input);
  const parts = raw.split(",").map((p) => p.trim()).filter((p) => p !== "");
  if (parts.length === 0) return [normalizeServiceUrl(raw)];
  return [...new Set(parts.map((p) => normalizeServiceUrl(p)))];
}

export const AUTH_TYPES = ["none", "token", "oauth2"] as const;

function authSettings(config: EndpointConfigInput, token: string | undefined, oauth2ClientSecret: string | undefined): AuthSettings {
  const given = text(config.authType);
  if (given && !(AUTH_TYPES as readonly string[]).includes(given)) throw configError("auth-type", { value: given });
  const type = given || (token ? "token" : "none");
  if (type === "token") {
    if (!token) return { type: "none" };
    // A stored token is known now: one that could not go in a header is a deploy-time error
    // (later it would throw inside every connect). ${ENV} and file:// are checked per attempt.
    const problem = tokenSource(token).kind === "value" ? checkBearerToken(token) : undefined;
    if (problem) throw configError("token-invalid", { problem });
    return { type: "token", token };
  }
  if (type === "oauth2") {
    const issuerUrl = text(config.oauth2IssuerUrl);
    const clientId = text(config.oauth2ClientId);
    const clientSecret = oauth2ClientSecret?.trim() ?? "";
    if (!issuerUrl) throw configError("oauth2-missing", { field: "oauth2IssuerUrl" });
    if (!/^https?:\/\/[^/]/i.test(issuerUrl)) throw configError("oauth2-issuer-url", { url: issuerUrl });
    if (!clientId) throw configError("oauth2-missing", { field: "oauth2ClientId" });
    if (!clientSecret) throw configError("oauth2-missing", { field: "oauth2ClientSecret" });
    const oauth2 = { issuerUrl, clientId, clientSecret, audience: text(config.oauth2Audience) || undefined, scope: text(config.oauth2Scope) || undefined };
    return { type: "oauth2", oauth2 };
  }
  return { type: "none" };
}

export function resolveEndpointSettings(config: EndpointConfigInput, token: string | undefined, tls?: TlsOptions, oauth2ClientSecret?: string): EndpointSettings {
  const bases = serviceUrlList(config.serviceUrl);
  const reconnectMinMs = secondsOption("reconnectMin", config.reconnectMin, 1, 0.001);
  const reconnectMaxMs = Math.max(reconnectMinMs, secondsOption("reconnectMax", config.reconnectMax, 60, 0.001));
  const maxFrameSize = config.maxFrameSize === undefined || config.maxFrameSize === "" ? DEFAULT_MAX_FRAME_SIZE : Number(config.maxFrameSize);
  if (!Number.isInteger(maxFrameSize) || maxFrameSize < 1024) {
    throw configError("option-number", { option: "maxFrameSize", value: String(config.maxFrameSize), min: 1024, max: Number.MAX_SAFE_INTEGER });
  }
  const trimmedToken = token?.trim() ? bareToken(token) : undefined;
  const settings: EndpointSettings = {
    base: bases[0],
    bases,
    auth: authSettings(config, trimmedToken, oauth2ClientSecret),
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
  if (settings.auth.type === "token") settings.token = trimmedToken;
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

/**
 * A session's URL on `base` (default: the first service URL). `token` is the one resolved for
 * this attempt; it goes in the query only for gateways that strip headers (access logs keep it).
 */
export function sessionUrl(
  settings: EndpointSettings,
  role: SessionRole,
  topic: TopicName,
  query: Record<string, QueryValue>,
  subscription?: string,
  attempt: { base?: string; token?: string } = {},
): string {
  const token = attempt.token;
  const withToken = token && settings.tokenInQuery ? { ...query, token } : query;
  return buildSessionUrl({ base: attempt.base ?? settings.base, role, topic, cluster: settings.cluster, subscription, query: withToken });
}

/**
 * Everything a session's socket needs from the endpoint but its URL and the per-attempt hooks
 * (token, proxy, failover: see endpoint-connection.ts).
 */
export function socketOptions(settings: EndpointSettings): Omit<SocketOptions, "url"> {
  const headers: Record<string, string> = {};
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
