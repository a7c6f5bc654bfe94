/**
 * A small OAuth2 / OIDC issuer on 127.0.0.1 for tests: RS256 keys generated here with
 * node:crypto, `/.well-known/openid-configuration` naming its token endpoint, and the
 * client-credentials grant (form-encoded; `audience` and `scope` recorded). Access tokens are
 * RS256 JWTs whose `sub` is the client's role, so a real Pulsar validating the public key
 * (`tokenPublicKey`) accepts them. Every token request is recorded (time, form), so a test can
 * count them and see that they never come in a burst.
 */
import { createSign, generateKeyPairSync, randomUUID, type KeyObject } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";

export interface IssuerClient {
  secret: string;
  /** The token's `sub`: the Pulsar role. */
  subject: string;
}

export interface TokenRequest {
  at: number;
  form: Record<string, string>;
  status: number;
  /** The access token granted (status 200). */
  token?: string;
}

export interface IssuerOptions {
  clients: Record<string, IssuerClient>;
  /** Lifetime of an access token (default 3600 s). */
  lifetimeSeconds?: number;
  /** Keys to sign with (default: a fresh RSA 2048 pair). */
  keys?: { publicKey: KeyObject; privateKey: KeyObject };
  /** Changes the access token handed out (an issuer answering something odd). */
  mangleToken?: (token: string) => string;
}

export function rsaKeys(): { publicKey: KeyObject; privateKey: KeyObject } {
  return generateKeyPairSync("rsa", { modulusLength: 2048 });
}

/** An RS256 JWT with these claims. */
export function signRs256(claims: Record<string, unknown>, privateKey: KeyObject): string {
  const encode = (value: object): string => Buffer.from(JSON.stringify(value)).toString("base64url");
  const unsigned = `${encode({ alg: "RS256", typ: "JWT" })}.${encode(claims)}`;
  const signature = createSign("RSA-SHA256").update(unsigned).sign(privateKey).toString("base64url");
  return `${unsigned}.${signature}`;
}

export class OidcIssuer {
  readonly requests: TokenRequest[] = [];
  discoveries = 0;
  lifetimeSeconds: number;
  readonly keys: { publicKey: KeyObject; privateKey: KeyObject };
  private readonly server: http.Server;
  private port = 0;

  private constructor(private readonly opts: IssuerOptions) {
    this.lifetimeSeconds = opts.lifetimeSeconds ?? 3600;
    this.keys = opts.keys ?? rsaKeys();
    this.server = http.createServer((req, res) => this.handle(req, res));
  }

  static async start(opts: IssuerOptions): Promise<OidcIssuer> {
    const issuer = new OidcIssuer(opts);
    await new Promise<void>((resolve, reject) => {
      issuer.server.once("error", reject);
      issuer.server.listen(0, "127.0.0.1", () => resolve());
    });
    issuer.port = (issuer.server.address() as AddressInfo).port;
    return issuer;
  }

  /** The issuer URL, as a user types it (with a trailing slash). */
  get url(): string {
    return `http://127.0.0.1:${this.port}/`;
  }

  /** Token requests answered 200. */
  get granted(): TokenRequest[] {
    return this.requests.filter((r) => r.status === 200);
  }

  /** A token signed by this issuer's key for `subject`, e.g. the harness's admin role. */
  sign(subject: string, lifetimeSeconds = 24 * 3600): string {
    const now = Math.floor(Date.now() / 1000);
    return signRs256({ sub: subject, iat: now, exp: now + lifetimeSeconds, iss: this.url }, this.keys.privateKey);
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = new URL(req.url ?? "/", this.url);
    const json = (status: number, body: object): void => {
      res.writeHead(status, { "Content-Type": "application/json" }).end(JSON.stringify(body));
    };
    if (req.method === "GET" && url.pathname === "/.well-known/openid-configuration") {
      this.discoveries++;
      return json(200, { issuer: this.url, token_endpoint: `${this.url}oauth/token`, grant_types_supported: ["client_credentials"] });
    }
    if (req.method !== "POST" || url.pathname !== "/oauth/token") return json(404, { error: "not_found" });
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const form = Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString("utf8")));
      const record = (status: number, token?: string): void => {
        this.requests.push({ at: Date.now(), form, status, ...(token ? { token } : {}) });
      };
      if (!/application\/x-www-form-urlencoded/.test(req.headers["content-type"] ?? "")) {
        record(400);
        return json(400, { error: "invalid_request", error_description: "form-encoded body expected" });
      }
      if (form.grant_type !== "client_credentials") {
        record(400);
        return json(400, { error: "unsupported_grant_type" });
      }
      const client = this.opts.clients[form.client_id ?? ""];
      if (!client || client.secret !== form.client_secret) {
        record(401);
        return json(401, { error: "invalid_client", error_description: "client authentication failed" });
      }
      const now = Math.floor(Date.now() / 1000);
      // jti: two tokens issued in the same second still differ.
      const claims: Record<string, unknown> = { sub: client.subject, iat: now, exp: now + this.lifetimeSeconds, iss: this.url, jti: randomUUID() };
      if (form.audience) claims.aud = form.audience;
      if (form.scope) claims.scope = form.scope;
      const signed = signRs256(claims, this.keys.privateKey);
      const token = this.opts.mangleToken ? this.opts.mangleToken(signed) : signed;
      record(200, token);
      json(200, { access_token: token, token_type: "Bearer", expires_in: this.lifetimeSeconds });
    });
  }
}
