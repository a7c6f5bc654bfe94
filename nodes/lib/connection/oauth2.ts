/**
 * OAuth2 client credentials, as Pulsar's own clients do it: the token endpoint is found through
 * `<issuer>/.well-known/openid-configuration`, then `grant_type=client_credentials` is POSTed
 * form-encoded with `client_id`, `client_secret` and, when set, `audience` and `scope`.
 *
 * One client per endpoint, shared by all its sessions and admin calls:
 * - the access token is cached and renewed shortly before it expires (a fifth of its lifetime,
 *   at most a minute), only when someone asks for it: Pulsar does not close open sessions when
 *   a token expires, so an idle endpoint asks the issuer nothing;
 * - a token Pulsar refused (401) is dropped and the next ask gets a new one;
 * - one request in flight at a time: a hundred sessions reconnecting at once wait for the same;
 * - a refusal by the issuer is kept for a while (`refusalHoldMs`) and given to every ask, so a
 *   wrong secret does not turn into a request storm.
 *
 * The secret and the tokens never appear in an error message (the issuer's reason is scrubbed).
 *
 * What is taken from the issuer:
 * - `expires_in` as a number or a numeric string (Azure AD v1 sends `"3599"`);
 * - the discovery document's `token_endpoint` only where the secret is safe: on the issuer's
 *   own origin, or over https anywhere; never http behind an https issuer (a downgrade);
 * - a 5xx or 429 answer is the issuer being unavailable: retried with backoff like a network
 *   failure, not held as a refusal.
 *
 * The issuer gets Node.js's default TLS (its CA list, NODE_EXTRA_CA_CERTS): the endpoint's TLS
 * settings are for Pulsar (private CA, client certificate, "don't verify") and are not its.
 */
import http from "node:http";
import https from "node:https";
import { ProxyRefusedError } from "./proxy-agent";
import { checkBearerToken } from "../protocol/bearer-token";
import { oneLine } from "../protocol/secrets";
import { PrepareFailure } from "../session/socket";

export interface OAuth2Settings {
  issuerUrl: string;
  clientId: string;
  clientSecret: string;
  audience?: string;
  scope?: string;
}

export interface OAuth2Options extends OAuth2Settings {
  /** The agent for a URL (a proxy tunnel), or undefined to connect directly. */
  agentFor?: (url: string) => http.Agent | undefined;
  timeoutMs?: number;
  refusalHoldMs?: number;
  now?: () => number;
}

interface Cached {
  token: string;
  /** When to ask for a new one (before it expires); Infinity when the issuer gave no lifetime. */
  renewAt: number;
}

const DEFAULT_TIMEOUT_MS = 10000;
const DEFAULT_REFUSAL_HOLD_MS = 30000;
const MAX_BODY = 256 * 1024;
const MAX_REASON = 200;

export class OAuth2Client {
  private cached: Cached | undefined;
  private inFlight: Promise<string> | undefined;
  private refusal: { error: PrepareFailure; until: number } | undefined;
  private tokenEndpoint: string | undefined;
  private readonly now: () => number;

  constructor(private readonly opts: OAuth2Options) {
    this.now = opts.now ?? Date.now;
  }

  /** A valid access token: the cached one, or a new one (one request at a time). */
  token(): Promise<string> {
    const now = this.now();
    if (this.cached && now < this.cached.renewAt) return Promise.resolve(this.cached.token);
    if (this.refusal && now < this.refusal.until) return Promise.reject(this.refusal.error);
    this.inFlight ??= this.fetchToken().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  /** Pulsar refused this token (401): the next ask gets a new one. */
  refused(token: string | undefined): void {
    if (this.cached && (token === undefined || token === this.cached.token)) this.cached = undefined;
  }

  private async fetchToken(): Promise<string> {
    try {
      const endpoint = (this.tokenEndpoint ??= await this.discover());
      const form = new URLSearchParams({ grant_type: "client_credentials", client_id: this.opts.clientId, client_secret: this.opts.clientSecret });
      if (this.opts.audience) form.set("audience", this.opts.audience);
      if (this.opts.scope) form.set("scope", this.opts.scope);
      const started = this.now();
      const answer = await this.request(endpoint, "POST", form.toString());
      const body = parseJson(answer.body);
      if (unavailable(answer.status)) throw unavailableFailure(answer.status);
      if (answer.status !== 200 || typeof body?.access_token !== "string" || body.access_token === "") {
        const reason = this.scrub(issuerReason(body, answer.body));
        throw new PrepareFailure(`the OAuth2 issuer refused the client credentials: ${answer.status}${reason ? ` ${reason}` : ""}`, "oauth2-refused", {
          status: answer.status,
          reason: reason || "-",
        });
      }
      const problem = checkBearerToken(body.access_token);
      if (problem) throw new PrepareFailure(`the access token from the OAuth2 issuer is not usable: ${problem}`, "token-unusable", { problem }, "slow");
      const lifetimeMs = lifetimeSeconds(body.expires_in) * 1000;
      const margin = Math.min(60000, lifetimeMs / 5);
      this.cached = { token: body.access_token, renewAt: started + lifetimeMs - margin };
      this.refusal = undefined;
      return body.access_token;
    } catch (err) {
      const failure =
        err instanceof PrepareFailure
          ? err
          : err instanceof ProxyRefusedError
            ? new PrepareFailure(`the proxy refused the tunnel to the OAuth2 issuer: ${err.status}`, "proxy-refused", { status: err.status }, err.status === 407 || err.status === 403 ? "slow" : "backoff")
            : new PrepareFailure(`the OAuth2 issuer could not be reached: ${this.scrub(errorText(err))}`, "oauth2-unreachable", { reason: this.scrub(errorCode(err)) }, "backoff");
      if (failure.statusKey === "oauth2-refused") this.refusal = { error: failure, until: this.now() + (this.opts.refusalHoldMs ?? DEFAULT_REFUSAL_HOLD_MS) };
      throw failure;
    }
  }

  private async discover(): Promise<string> {
    const issuer = this.opts.issuerUrl.replace(/\/+$/, "");
    const url = `${issuer}/.well-known/openid-configuration`;
    const answer = await this.request(url, "GET");
    if (unavailable(answer.status)) throw unavailableFailure(answer.status);
    const body = parseJson(answer.body);
    if (answer.status !== 200 || typeof body?.token_endpoint !== "string") {
      throw new PrepareFailure(`the OAuth2 issuer has no usable discovery document at ${url}: ${answer.status}`, "oauth2-discovery", { status: answer.status }, "slow");
    }
    const problem = tokenEndpointProblem(this.opts.issuerUrl, body.token_endpoint);
    if (problem) throw new PrepareFailure(`the OAuth2 issuer's token endpoint is not used: ${problem}`, "oauth2-discovery", { status: problem }, "slow");
    return body.token_endpoint;
  }

  private request(target: string, method: "GET" | "POST", form?: string): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const url = new URL(target);
      const secure = url.protocol === "https:";
      const headers: Record<string, string> = { Accept: "application/json" };
      if (form !== undefined) {
        headers["Content-Type"] = "application/x-www-form-urlencoded";
        headers["Content-Length"] = String(Buffer.byteLength(form));
      }
      const agent = this.opts.agentFor?.(target);
      const req = (secure ? https : http).request(
        url,
        { method, headers, timeout: this.opts.timeoutMs ?? DEFAULT_TIMEOUT_MS, ...(agent ? { agent } : {}) },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on("data", (chunk: Buffer) => {
            size += chunk.length;
            if (size > MAX_BODY) req.destroy(new Error("the issuer's answer is too large"));
            else chunks.push(chunk);
          });
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
          res.on("error", reject);
        },
      );
      const timeoutMs = this.opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
      const timedOut = (): void => {
        req.destroy(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: "ETIMEDOUT" }));
      };
      // `timeout` only measures silence: the whole exchange gets a deadline too.
      const deadline = setTimeout(timedOut, timeoutMs);
      req.on("close", () => clearTimeout(deadline));
      req.on("timeout", timedOut);
      req.on("error", reject);
      req.end(form);
    });
  }

  private scrub(text: string): string {
    const secret = this.opts.clientSecret;
    const cleaned = secret ? text.split(secret).join("***") : text;
    return oneLine(cleaned).replace(/\s+/g, " ").trim().slice(0, MAX_REASON);
  }
}

/**
 * Why the discovery document's `token_endpoint` must not get the client secret, or undefined.
 * The same origin as the issuer is what the issuer vouches for; elsewhere only https keeps the
 * secret from the network; behind an https issuer an http endpoint would be a downgrade.
 */
export function tokenEndpointProblem(issuerUrl: string, tokenEndpoint: string): string | undefined {
  let endpoint: URL;
  let issuer: URL;
  try {
    endpoint = new URL(tokenEndpoint);
    issuer = new URL(issuerUrl);
  } catch {
    return `${JSON.stringify(tokenEndpoint.slice(0, 100))} is not a URL`;
  }
  if (endpoint.protocol !== "https:" && endpoint.protocol !== "http:") return `${endpoint.protocol} is not http or https`;
  if (endpoint.protocol === "https:") return undefined;
  if (issuer.protocol === "https:") return `${endpoint.origin} is http behind an https issuer`;
  if (endpoint.origin !== issuer.origin) return `${endpoint.origin} is http on another origin than the issuer`;
  return undefined;
}

/** A warning for an issuer reached over plain http beyond this machine (the secret goes in clear), or undefined. */
export function issuerUrlWarning(issuerUrl: string): string | undefined {
  let url: URL;
  try {
    url = new URL(issuerUrl);
  } catch {
    return undefined;
  }
  if (url.protocol !== "http:") return undefined;
  const host = url.hostname.replace(/^\[|\]$/g, "");
  const loopback = host === "localhost" || host === "::1" || /^127\.\d+\.\d+\.\d+$/.test(host);
  return loopback ? undefined : `the OAuth2 issuer ${url.origin} is plain http: the client secret and tokens cross the network unencrypted`;
}

/** The issuer is overloaded or down for a while: like a network failure, not a refusal. */
function unavailable(status: number): boolean {
  return status >= 500 || status === 429;
}

function unavailableFailure(status: number): PrepareFailure {
  return new PrepareFailure(`the OAuth2 issuer is unavailable: HTTP ${status}`, "oauth2-unreachable", { reason: `HTTP ${status}` }, "backoff");
}

/** `expires_in` in seconds, a number or a numeric string; Infinity when absent or unusable. */
function lifetimeSeconds(value: unknown): number {
  const n = typeof value === "number" ? value : typeof value === "string" && /^\s*\d+(\.\d+)?\s*$/.test(value) ? Number(value) : NaN;
  return Number.isFinite(n) && n > 0 ? n : Infinity;
}

interface TokenAnswer {
  access_token?: unknown;
  expires_in?: unknown;
  token_endpoint?: unknown;
  error?: unknown;
  error_description?: unknown;
}

function parseJson(body: string): TokenAnswer | undefined {
  try {
    const parsed: unknown = JSON.parse(body);
    return parsed && typeof parsed === "object" && !Array.isArray(parsed) ? (parsed as TokenAnswer) : undefined;
  } catch {
    return undefined;
  }
}

/** RFC 6749, section 5.2: `error` and an optional `error_description`. */
function issuerReason(body: TokenAnswer | undefined, raw: string): string {
  if (body && typeof body.error === "string") {
    return typeof body.error_description === "string" && body.error_description ? `${body.error}: ${body.error_description}` : body.error;
  }
  return raw.startsWith("<") ? "" : raw;
}

function errorCode(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  return typeof e?.code === "string" ? e.code : errorText(err);
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
