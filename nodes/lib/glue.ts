/**
 * Small helpers shared by the three node constructors: translating PulsarErrors and status
 * views with RED._, coalescing frequent status updates, and logging session state changes
 * once per change (never per retry, never with a token).
 */
import fs from "node:fs";
import path from "node:path";
import type { Node, NodeAPI } from "node-red";
import { asPulsarError, PulsarError } from "./errors";
import type { SocketState } from "./session/socket";
import type { StatusView } from "./status";

export type Translate = (key: string, params?: Record<string, string | number>) => string;

/**
 * RED._ with an English fallback: where the runtime has no translation for a key (a catalog
 * not loaded, or a stubbed RED._ as in the test helper) it answers with the key itself, which
 * tells a user nothing. Then the bundled en-US catalog is used, so an error always says what
 * is wrong.
 */
export function translator(RED: NodeAPI): Translate {
  return (key, params) => {
    const text = RED._(key, params);
    return text === key ? englishFallback(key, params) : text;
  };
}

type Catalog = { [key: string]: string | Catalog };
let english: Catalog | undefined;

function englishFallback(key: string, params: Record<string, string | number> = {}): string {
  english ??= loadEnglish();
  let node: string | Catalog | undefined = english;
  for (const part of key.split(".")) node = typeof node === "object" ? node[part] : undefined;
  if (typeof node !== "string") return key;
  return node.replace(/__(\w+)__/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}

function loadEnglish(): Catalog {
  // The build writes the same merged catalog beside every node file; any one will do.
  try {
    return JSON.parse(fs.readFileSync(path.join(__dirname, "..", "locales", "en-US", "pulsar-out.json"), "utf8")) as Catalog;
  } catch {
    return {};
  }
}

/** An Error for done(err) / node.error: translated message, plus the stable code and details. */
export function toNodeError(t: Translate, err: unknown): Error & { code: string; details: PulsarError["details"] } {
  const pe = asPulsarError(err);
  const out = new Error(t(`pulsar.errors.${pe.code}`, pe.details)) as Error & { code: string; details: PulsarError["details"] };
  out.code = pe.code;
  out.details = pe.details;
  return out;
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

/** Logs connects, drops and refusals; a refusal repeated on every retry is logged once. */
export function logStateChange(node: Node, t: Translate, url: string, state: SocketState, previous: { key: string }): void {
  let key = "";
  let line = "";
  if (state.state === "open") {
    key = "open";
    line = t("pulsar.log.connected", { url });
  } else if ((state.state === "retrying" || state.state === "failed") && state.failure.kind === "handshake") {
    key = `refused:${state.failure.outcome.status}`;
    const params = { url, status: state.failure.outcome.status, message: state.failure.message };
    line = t(state.state === "failed" ? "pulsar.log.failed" : "pulsar.log.refused", params);
  } else if (state.state === "retrying") {
    key = `down:${state.failure.kind}`;
    line = t("pulsar.log.down", { url, reason: state.failure.message || state.failure.kind });
  }
  if (!key || key === previous.key) return;
  previous.key = key;
  if (state.state === "open") node.log(line);
  else node.warn(line);
}
