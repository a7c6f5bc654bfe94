/**
 * How an endpoint reaches Pulsar, shared by every session and admin call it makes:
 * - the service URL list: the one in use, and failover to the next one (in order, then round
 *   again) when a server cannot be reached or goes away;
 * - the proxy: an HTTP CONNECT tunnel from a core `http proxy` config node, or from the
 *   `https_proxy` / `http_proxy` / `no_proxy` environment variables as core nodes read them;
 * - the bearer token, asked for on every (re)connect: a fixed token, `${ENV}`, a file
 *   (`file:///path`, re-read each time: Kubernetes rotates mounted tokens) or an OAuth2 client.
 *
 * Node-RED types stay out: the endpoint node passes what it looked up (env, proxy node).
 */
import fs from "node:fs";
import type { Agent } from "node:http";
import { fileURLToPath } from "node:url";
import { OAuth2Client, type OAuth2Settings } from "./oauth2";
import { checkBearerToken, tokenSource } from "../protocol/bearer-token";
import { httpBaseOf, shortUrl } from "../protocol/urls";
import { ConnectProxyAgent, proxyFromEnv } from "./proxy-agent";
import { PrepareFailure, type ConnectExtras, type SocketFailure, type TlsOptions } from "../session/socket";

/** An admin call's target (admin-client.ts AdminTarget), kept structural to avoid a cycle. */
export interface AdminTargetHooks {
  httpBase: string;
  httpBases: () => readonly string[];
  bearer?: () => Promise<string | undefined>;
  refused: (token: string | undefined) => void;
  worked: (httpBase: string) => void;
  agentFor: (url: string) => Agent | undefined;
  tls?: TlsOptions;
}

export type AuthSettings = { type: "none" } | { type: "token"; token: string } | { type: "oauth2"; oauth2: OAuth2Settings };

/** From a core `http proxy` config node: its URL, `noproxy` list and optional credentials. */
export interface ProxyNodeSettings {
  url: string;
  noProxy: string[];
  username?: string;
  password?: string;
}

export interface ConnectionOptions {
  bases: string[];
  auth: AuthSettings;
  /** A proxy config node's settings; undefined: the environment decides. */
  proxy?: ProxyNodeSettings;
  tls?: TlsOptions;
  /** `${NAME}` in a token resolves through this (Node-RED: env of the flow, then the process). */
  env?: (name: string) => string | undefined;
  /** Only for tests: the environment the proxy variables are read from. */
  processEnv?: NodeJS.ProcessEnv;
  handshakeTimeoutMs?: number;
}

/**
 * Node's and OpenSSL's error codes of a failed TLS handshake or certificate check (e.g.
 * SELF_SIGNED_CERT_IN_CHAIN, UNABLE_TO_VERIFY_LEAF_SIGNATURE, ERR_TLS_CERT_ALTNAME_INVALID,
 * ERR_SSL_WRONG_VERSION_NUMBER, EPROTO): the one list, for the node status and the editor's checks.
 */
const TLS_ERROR_CODES = /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|HOSTNAME|ALTNAME|EPROTO/;

export function isTlsErrorCode(code: string): boolean {
  return TLS_ERROR_CODES.test(code);
}

/**
 * The failures that say "this server is not there (any more)": the next URL is tried. Only the
 * connection failing counts (refused, DNS, TLS, timeouts, a connection lost or a server going
 * away). A server that answers about one topic (a 1011 close when the topic is unloaded, a 500
 * or 503 handshake while it is loaded elsewhere) is still there: moving the whole endpoint, and
 * every other session with it, for one topic's trouble would only spread it.
 */
export function isServerGone(failure: SocketFailure): boolean {
  switch (failure.kind) {
    case "network":
      // A proxy's 502/503/504 says the server is not there; its 407 or 403 is about us.
      return failure.code !== "EPROXY" || (failure.status !== undefined && failure.status >= 502 && failure.status <= 504);
    case "keepalive":
      return true;
    case "closed":
      // 1006: lost without a close frame (crash, network); 1001: the server is going away.
      return failure.code === 1006 || failure.code === 1001;
    case "handshake":
      // 0: no HTTP answer; 502/504: a gateway in front could not reach its server.
      return failure.outcome.status === 0 || failure.outcome.status === 502 || failure.outcome.status === 504;
    case "prepare":
      return false;
  }
}

/** The list of service URLs and the one in use, shared by an endpoint's sessions. */
export class ServiceUrls {
  private index = 0;

  constructor(readonly bases: string[]) {
    if (bases.length === 0) throw new Error("no service URL");
  }

  get current(): string {
    return this.bases[this.index];
  }

  get several(): boolean {
    return this.bases.length > 1;
  }

  /** `base` failed: move on, unless another session already did. */
  failed(base: string): void {
    if (this.bases[this.index] === base) this.index = (this.index + 1) % this.bases.length;
  }

  /** `base` works: the others follow it at their next attempt. */
  worked(base: string): void {
    const i = this.bases.indexOf(base);
    if (i >= 0) this.index = i;
  }
}

/** One attempt's choices: the base used, the token sent (for a 401 to drop). */
export interface Attempt {
  base: string;
  token?: string;
}

export class EndpointConnection {
  readonly urls: ServiceUrls;
  readonly oauth2: OAuth2Client | undefined;
  private readonly agents = new Map<string, Agent>();

  constructor(private readonly opts: ConnectionOptions) {
    this.urls = new ServiceUrls(opts.bases);
    this.oauth2 =
      opts.auth.type === "oauth2" ? new OAuth2Client({ ...opts.auth.oauth2, agentFor: (url) => this.agentFor(url) }) : undefined;
  }

  /** The proxy for `url` (ws, wss, http or https), or "" to connect directly. */
  proxyFor(url: string): string {
    const node = this.opts.proxy;
    if (node) return node.noProxy.some((entry) => entry.trim() !== "" && url.includes(entry.trim())) ? "" : node.url;
    return proxyFromEnv(url, this.opts.processEnv);
  }

  /** An agent tunnelling through the proxy for `url`, or undefined when `url` goes directly. */
  agentFor(url: string): Agent | undefined {
    const proxy = this.proxyFor(url);
    if (!proxy) return undefined;
    const secure = /^(wss|https):/i.test(url);
    const key = `${secure}:${proxy}`;
    let agent = this.agents.get(key);
    if (!agent) {
      const node = this.opts.proxy;
      agent = new ConnectProxyAgent({ url: proxy, username: node?.username, password: node?.password, timeoutMs: this.opts.handshakeTimeoutMs }, secure);
      this.agents.set(key, agent);
    }
    return agent;
  }

  /** The bearer token for the next attempt or call, without "Bearer "; undefined for none. */
  async bearer(): Promise<string | undefined> {
    const auth = this.opts.auth;
    if (auth.type === "none") return undefined;
    if (auth.type === "oauth2") return this.oauth2!.token();
    return this.staticToken(auth.token);
  }

  /** Pulsar answered 401 to `token`: an OAuth2 token is renewed at the next ask. */
  refused(token: string | undefined): void {
    this.oauth2?.refused(token);
  }

  private async staticToken(raw: string): Promise<string> {
    let value = raw;
    let from = "the stored token";
    const source = tokenSource(raw);
    if (source.kind === "env") {
      value = this.opts.env?.(source.name) ?? process.env[source.name] ?? "";
      if (!value.trim()) throw new PrepareFailure(`the token's environment variable ${source.name} is empty`, "token-env-empty", { name: source.name });
      from = `the token from the environment variable ${source.name}`;
    }
    if (tokenSource(value).kind === "file") {
      const file = fileURLToPath(value.trim());
      try {
        value = await fs.promises.readFile(file, "utf8");
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code ?? "error";
        throw new PrepareFailure(`the token file ${file} could not be read: ${code}`, "token-file", { code }, "backoff");
      }
      if (!value.trim()) throw new PrepareFailure(`the token file ${file} is empty`, "token-file", { code: "empty" }, "backoff");
      from = `the token from the file ${file}`;
    }
    const token = value.trim().replace(/^Bearer\s+/i, "");
    // Checked here, before any request is built: Node's HTTP client throws on such a header.
    // A file may be rewritten (rotation), so it is read again at the normal backoff.
    const problem = checkBearerToken(token);
    if (problem) throw new PrepareFailure(`${from} is not usable: ${problem}`, "token-unusable", { problem }, source.kind === "env" ? "slow" : "backoff");
    return token;
  }

  /**
   * What a session's socket needs on every attempt: `prepare` picks the base and the token,
   * `url` builds the session URL with them, `onFailure` fails over and drops refused tokens.
   */
  sessionHooks(
    tokenInQuery: boolean,
    url: (attempt: Attempt) => string,
  ): { url: () => string; prepare: () => Promise<ConnectExtras>; onFailure: (f: SocketFailure) => void; describeServer: () => string | undefined } {
    let attempt: Attempt = { base: this.urls.current };
    return {
      prepare: async () => {
        const base = this.urls.current;
        attempt = { base };
        const token = await this.bearer();
        attempt = { base, token };
        const headers: Record<string, string> = {};
        if (token && !tokenInQuery) headers.Authorization = `Bearer ${token}`;
        const extras: ConnectExtras = { headers };
        try {
          const agent = this.agentFor(base);
          if (agent) extras.agent = agent;
        } catch (err) {
          throw new PrepareFailure(`the proxy is not usable: ${(err as Error).message}`, "proxy-invalid", {}, "slow");
        }
        return extras;
      },
      url: () => url(attempt),
      onFailure: (f) => {
        if (f.kind === "handshake" && f.outcome.status === 401) this.refused(attempt.token);
        if (isServerGone(f)) this.urls.failed(attempt.base);
      },
      describeServer: () => (this.urls.several ? serverLabel(attempt.base) : undefined),
    };
  }

  /** HTTP bases for admin calls, the one in use first. */
  httpBases(): string[] {
    const first = this.urls.current;
    return [first, ...this.urls.bases.filter((b) => b !== first)].map(httpBaseOf);
  }

  /**
   * What every admin call of this endpoint needs (editor checks, pulsar-in, pulsar-admin): the
   * bases in failover order at each call, the token per call (none without authentication), the
   * proxy and TLS. A base that answers becomes the sessions' one too.
   */
  adminTarget(): AdminTargetHooks {
    return {
      httpBase: httpBaseOf(this.urls.current),
      httpBases: () => this.httpBases(),
      bearer: this.opts.auth.type === "none" ? undefined : () => this.bearer(),
      refused: (token) => this.refused(token),
      worked: (httpBase) => {
        const base = this.urls.bases.find((b) => httpBaseOf(b) === httpBase);
        if (base) this.urls.worked(base);
      },
      agentFor: (url) => this.agentFor(url),
      tls: this.opts.tls,
    };
  }
}

/** `host:port` of a base, for the status. */
export function serverLabel(base: string): string {
  try {
    return new URL(base).host;
  } catch {
    return shortUrl(base, 40);
  }
}
