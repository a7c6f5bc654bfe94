/**
 * Session state → node status (spec §5, §6). One place, so the three nodes speak alike and
 * the texts stay short and actionable. Returns an i18n key under `pulsar.status` and its
 * parameters; the node glue translates. Never includes a URL or a token.
 */
import type { SocketState } from "./session/socket";

export interface StatusPart {
  key: string;
  params?: Record<string, string | number>;
}

/** The text is its parts, translated and joined with ", " (e.g. "unauthorized (401), retry in 60s"). */
export interface StatusView {
  fill: "red" | "green" | "yellow" | "grey" | "blue";
  shape: "dot" | "ring";
  parts: StatusPart[];
}

export interface StatusExtras {
  /** pulsar-out: frames waiting while offline. */
  buffered?: number;
  /** pulsar-in manual ack: delivered, not yet answered. */
  unacked?: number;
  paused?: boolean;
  /** pulsar-out with dynamic topics: open producer sessions. */
  sessions?: number;
  /** The endpoint uses legacy v1 URLs (a cluster is set): a 404 then most likely means Pulsar ≥ 4.2. */
  v1?: boolean;
}

export function statusFor(state: SocketState, extras: StatusExtras = {}): StatusView {
  switch (state.state) {
    case "open":
      return openStatus(extras);
    case "connecting":
      return withBuffered({ fill: "yellow", shape: "ring", parts: [{ key: "connecting" }] }, extras);
    case "closed":
      return { fill: "red", shape: "ring", parts: [{ key: "disconnected" }] };
    case "retrying":
    case "failed":
      return withBuffered(failureStatus(state, extras), extras);
  }
}

function openStatus(extras: StatusExtras): StatusView {
  if (extras.paused) return { fill: "yellow", shape: "dot", parts: [{ key: "paused" }, ...unackedPart(extras)] };
  const parts = unackedPart(extras);
  if (parts.length === 0 && extras.sessions !== undefined && extras.sessions > 1) {
    parts.push({ key: "connected-n", params: { count: extras.sessions } });
  }
  return { fill: "green", shape: "dot", parts: parts.length ? parts : [{ key: "connected" }] };
}

function unackedPart(extras: StatusExtras): StatusPart[] {
  return extras.unacked ? [{ key: "unacked", params: { count: extras.unacked } }] : [];
}

function failureStatus(state: Extract<SocketState, { state: "retrying" | "failed" }>, extras: StatusExtras): StatusView {
  const failure = state.failure;
  let view: StatusView;
  if (failure.kind === "handshake") {
    const o = failure.outcome;
    // Pulsar 4.2 removed the v1 endpoints: with a cluster set, a 404 says "clear the cluster".
    const key = o.statusKey === "not-found" && extras.v1 ? "not-found-v1" : o.statusKey;
    view = { fill: o.severity === "waiting" ? "yellow" : "red", shape: "ring", parts: [{ key, params: { status: o.status } }] };
  } else if (failure.kind === "network" && failure.code && isCertificateError(failure.code)) {
    view = { fill: "red", shape: "ring", parts: [{ key: "certificate", params: { code: failure.code } }] };
  } else {
    view = { fill: "yellow", shape: "ring", parts: [{ key: "connecting" }] };
  }
  if (state.state === "retrying") {
    view.parts.push({ key: "retry-in", params: { seconds: Math.max(1, Math.round(state.delayMs / 1000)) } });
  }
  return view;
}

function withBuffered(view: StatusView, extras: StatusExtras): StatusView {
  if (!extras.buffered) return view;
  return { ...view, parts: [...view.parts, { key: "buffered", params: { count: extras.buffered } }] };
}

const CERT_CODES = /CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|ERR_TLS|EPROTO/;

export function isCertificateError(code: string): boolean {
  return CERT_CODES.test(code);
}
