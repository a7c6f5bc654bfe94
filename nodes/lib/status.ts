/**
 * Everything that turns a session's state into what a user sees: the node status (a short,
 * actionable text under `pulsar.status`, translated here) and the log lines for connects,
 * drops and refusals. One place, so the four nodes speak alike. Never a token; URLs only in
 * log lines, redacted and after the reason.
 */
import type { Node } from "node-red";
import { isTlsErrorCode } from "./connection/endpoint-connection";
import type { Translate } from "./i18n";
import { shortUrl } from "./protocol/urls";
import type { SocketFailure, SocketState } from "./session/socket";

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
  /** Open sessions (pulsar-out: producer sessions; pulsar-in: consumer sessions of all topics). */
  sessions?: number;
  /** The topics those sessions are for, when a topic can have several (absent: one each). */
  topics?: number;
  /** The endpoint uses legacy v1 URLs (a cluster is set): a 404 then most likely means Pulsar ≥ 4.2. */
  v1?: boolean;
}

export function statusFor(state: SocketState, extras: StatusExtras = {}): StatusView {
  switch (state.state) {
    case "open":
      return openStatus(extras, state.server);
    case "connecting":
      return withBuffered({ fill: "yellow", shape: "ring", parts: [{ key: "connecting" }] }, extras);
    case "closed":
      return { fill: "red", shape: "ring", parts: [{ key: "disconnected" }] };
    case "retrying":
    case "failed":
      return withBuffered(failureStatus(state, extras), extras);
  }
}

/**
 * The status of a node with several sessions: the state of the one that most needs attention
 * (failed, refused at the handshake, retrying, connecting, in that order; the first of equals),
 * else the first open one's (it names the server in use when there are several service URLs),
 * with the node's extras. No session at all shows as connected.
 */
export function statusOfSessions(states: Iterable<SocketState>, extras: StatusExtras = {}): StatusView {
  let worst: SocketState | undefined;
  for (const state of states) if (!worst || attention(state) > attention(worst)) worst = state;
  return statusFor(worst ?? { state: "open" }, extras);
}

function attention(s: SocketState): number {
  return s.state === "failed" ? 4 : s.state === "retrying" && s.failure.kind === "handshake" ? 3 : s.state === "retrying" ? 2 : s.state === "connecting" ? 1 : 0;
}

/** "connected (3 topics)", or with several sessions a topic "connected (4 sessions)" / "(2 topics, 8 sessions)". */
function sessionsPart(sessions: number, topics: number): StatusPart {
  if (topics === sessions) return { key: "connected-n", params: { count: topics } };
  if (topics === 1) return { key: "connected-sessions", params: { count: sessions } };
  return { key: "connected-topics-sessions", params: { topics, count: sessions } };
}

function openStatus(extras: StatusExtras, server: string | undefined): StatusView {
  // With several service URLs, the status says which one is in use.
  const via: StatusPart[] = server ? [{ key: "via", params: { server } }] : [];
  if (extras.paused) return { fill: "yellow", shape: "dot", parts: [{ key: "paused" }, ...unackedPart(extras), ...via] };
  const parts = unackedPart(extras);
  if (parts.length === 0 && extras.sessions !== undefined && extras.sessions > 1) parts.push(sessionsPart(extras.sessions, extras.topics ?? extras.sessions));
  return { fill: "green", shape: "dot", parts: [...(parts.length ? parts : [{ key: "connected" }]), ...via] };
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
  } else if (failure.kind === "prepare") {
    // No attempt was made: the token could not be had (OAuth2 issuer, file, environment).
    view = { fill: failure.retry === "slow" ? "red" : "yellow", shape: "ring", parts: [{ key: failure.statusKey, params: failure.params }] };
  } else if (failure.kind === "network" && failure.code === "EPROXY") {
    view = { fill: "red", shape: "ring", parts: [{ key: "proxy-refused", params: { status: failure.status ?? 0 } }] };
  } else if (failure.kind === "network" && failure.code && isTlsErrorCode(failure.code)) {
    view = { fill: "red", shape: "ring", parts: [{ key: "certificate", params: { code: failure.code } }] };
  } else {
    view = { fill: "yellow", shape: "ring", parts: [connectingBecause(failure)] };
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

/** "connecting (refused)": why the last attempt or session ended, in a word or two. */
function connectingBecause(failure: SocketFailure): StatusPart {
  switch (failure.kind) {
    case "keepalive":
      return { key: "connecting-no-pong" };
    case "closed":
      return { key: "connecting-closed", params: { code: failure.code } };
    case "network":
      if (failure.code === "ECONNREFUSED") return { key: "connecting-refused" };
      if (failure.code === "ENOTFOUND" || failure.code === "EAI_AGAIN") return { key: "connecting-no-host" };
      if (failure.code === "ECONNRESET" || failure.code === "EPIPE") return { key: "connecting-reset" };
      if (failure.code === "WS_ERR_UNSUPPORTED_MESSAGE_LENGTH") return { key: "connecting-frame-too-large" };
      if (failure.code === "ETIMEDOUT" || /timed out/i.test(failure.message)) return { key: "connecting-timeout" };
      return { key: "connecting" };
    default:
      return { key: "connecting" };
  }
}

export function statusText(t: Translate, view: StatusView): string {
  return view.parts.map((p) => t(`pulsar.status.${p.key}`, p.params)).join(", ");
}

/**
 * Applies status views, at most one every `intervalMs` for the same kind of change: status goes
 * to every open editor, and a consumer at thousands of messages a second must not flood it.
 * Connection changes (a different fill or first part) are shown at once.
 */
export class StatusReporter {
  private last = "";
  private lastShape = "";
  private pending: StatusView | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly node: Node,
    private readonly t: Translate,
    private readonly intervalMs = 250,
  ) {}

  show(view: StatusView): void {
    const shape = `${view.fill}/${view.shape}/${view.parts[0]?.key}`;
    if (shape !== this.lastShape) {
      this.apply(view);
      return;
    }
    this.pending = view;
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      if (this.pending) this.apply(this.pending);
    }, this.intervalMs);
  }

  clear(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.pending = undefined;
    this.node.status({});
  }

  private apply(view: StatusView): void {
    this.pending = undefined;
    const text = statusText(this.t, view);
    this.lastShape = `${view.fill}/${view.shape}/${view.parts[0]?.key}`;
    if (text === this.last && this.lastShape) return;
    this.last = text;
    this.node.status({ fill: view.fill, shape: view.shape, text });
  }
}

/**
 * Logs connects, drops and refusals; a refusal repeated on every retry is logged once. The reason
 * comes first and the (shortened) URL last: a collapsed debug-sidebar entry shows its start.
 */
export function logStateChange(node: Node, t: Translate, url: string, state: SocketState, previous: { key: string }, v1 = false): void {
  let key = "";
  let line = "";
  const where = shortUrl(url);
  if (state.state === "open") {
    key = "open";
    line = t("pulsar.log.connected", { url: where });
  } else if ((state.state === "retrying" || state.state === "failed") && state.failure.kind === "handshake") {
    const status = state.failure.outcome.status;
    key = `refused:${status}`;
    const hint = status === 404 && v1 ? t("pulsar.log.hint-v1") : "";
    if (state.failure.outcome.statusKey === "schema-enforced") {
      // What to change, not only what Pulsar said.
      key = `refused:${status}:schema`;
      if (key !== previous.key) {
        previous.key = key;
        node.warn(t("pulsar.log.schema-enforced", { url: where, reason: state.failure.message }));
      }
      return;
    }
    const detail = [`${status}${state.failure.message ? ` ${state.failure.message}` : ""}`, hint].filter(Boolean).join(": ");
    line = t(state.state === "failed" ? "pulsar.log.failed" : "pulsar.log.refused", { url: where, detail });
  } else if ((state.state === "retrying" || state.state === "failed") && state.failure.kind === "prepare") {
    // The reason names the issuer's answer or the file; it never holds a secret (connection/endpoint-connection.ts, connection/oauth2.ts).
    key = `prepare:${state.failure.statusKey}:${state.failure.message}`;
    line = t("pulsar.log.prepare-failed", { url: where, reason: state.failure.message });
  } else if (state.state === "retrying") {
    key = `down:${state.failure.kind}`;
    const f = state.failure;
    const reason = f.kind === "closed" ? `closed ${f.code}${f.message ? `: ${f.message}` : ""}` : f.message || f.kind;
    line = t("pulsar.log.down", { url: where, reason });
  }
  if (!key || key === previous.key) return;
  previous.key = key;
  if (state.state === "open") node.log(line);
  else node.warn(line);
}
