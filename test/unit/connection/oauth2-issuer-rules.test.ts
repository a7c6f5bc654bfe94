/**
 * The OAuth2 client against a scripted issuer: what it accepts from the issuer (a lifetime as a
 * string, where its token endpoint may be), which answers are transient, and that the issuer
 * gets default TLS, never the TLS settings meant for Pulsar.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { EndpointConnection } from "../../../nodes/lib/connection/endpoint-connection";
import { issuerUrlWarning, OAuth2Client, tokenEndpointProblem } from "../../../nodes/lib/connection/oauth2";
import { PrepareFailure } from "../../../nodes/lib/session/socket";

type Reply = { status: number; body: object };

class ScriptedIssuer {
  tokenRequests = 0;
  tokenEndpoint?: string;
  replies: Reply[] = [];
  readonly server: http.Server | https.Server;

  constructor(tls?: { key: string; cert: string }) {
    const handler = (req: http.IncomingMessage, res: http.ServerResponse): void => {
      const json = (status: number, body: object): void => void res.writeHead(status, { "Content-Type": "application/json" }).end(JSON.stringify(body));
      if (req.url === "/.well-known/openid-configuration") return json(200, { token_endpoint: this.tokenEndpoint ?? `${this.url}/oauth/token` });
      this.tokenRequests++;
      req.resume();
      const reply = this.replies.shift() ?? { status: 200, body: { access_token: `tok-${this.tokenRequests}`, expires_in: 3600 } };
      json(reply.status, reply.body);
    };
    this.server = tls ? https.createServer(tls, handler) : http.createServer(handler);
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    return this;
  }

  get url(): string {
    const secure = this.server instanceof https.Server;
    return `${secure ? "https" : "http"}://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

async function failure(p: Promise<unknown>): Promise<PrepareFailure> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof PrepareFailure, String(err));
    return err;
  }
  assert.fail("expected a PrepareFailure");
}

describe("oauth2: what the client takes from the issuer", () => {
  let issuer: ScriptedIssuer;
  let now = 1_000_000;
  const client = (): OAuth2Client => new OAuth2Client({ issuerUrl: issuer.url, clientId: "app", clientSecret: "s", now: () => now });

  beforeEach(async () => {
    issuer = await new ScriptedIssuer().start();
  });
  afterEach(() => issuer.stop());

  it("expires_in as a numeric string (Azure AD v1) is a lifetime: the token is renewed before it ends", async () => {
    issuer.replies.push({ status: 200, body: { access_token: "first", expires_in: "3599" } });
    const c = client();
    assert.equal(await c.token(), "first");
    now += 3600 * 1000;
    assert.equal(await c.token(), "tok-2");
  });

  it("an issuer's 5xx or 429 is transient: retried with backoff, not held as a refusal", async () => {
    const c = client();
    for (const status of [503, 429]) {
      issuer.replies.push({ status, body: { error: "temporarily_unavailable" } });
      const f = await failure(c.token());
      assert.equal(f.statusKey, "oauth2-unreachable");
      assert.equal(f.retry, "backoff");
    }
    assert.equal(await c.token(), "tok-3", "the next ask goes to the issuer at once");
  });

  it("a token endpoint on another origin over http is refused", async () => {
    issuer.tokenEndpoint = issuer.url.replace("127.0.0.1", "localhost") + "/oauth/token";
    const f = await failure(client().token());
    assert.equal(f.statusKey, "oauth2-discovery");
    assert.match(f.message, /token endpoint/);
    assert.equal(issuer.tokenRequests, 0, "the secret was not posted there");
  });

  it("tokenEndpointProblem: same origin or https elsewhere; never http behind an https issuer", () => {
    assert.equal(tokenEndpointProblem("https://idp.example/realms/x", "https://idp.example/realms/x/token"), undefined);
    assert.equal(tokenEndpointProblem("https://idp.example/", "https://login.other.example/token"), undefined);
    assert.equal(tokenEndpointProblem("http://127.0.0.1:9000/", "http://127.0.0.1:9000/token"), undefined);
    assert.match(tokenEndpointProblem("https://idp.example/", "http://idp.example/token") ?? "", /https/);
    assert.match(tokenEndpointProblem("http://idp.example/", "http://other.example/token") ?? "", /another origin/);
    assert.match(tokenEndpointProblem("https://idp.example/", "ftp://idp.example/token") ?? "", /http/);
    assert.match(tokenEndpointProblem("https://idp.example/", "not a url") ?? "", /not a URL/);
  });

  it("issuerUrlWarning: an http issuer that is not loopback", () => {
    assert.match(issuerUrlWarning("http://idp.example/") ?? "", /http/);
    assert.equal(issuerUrlWarning("https://idp.example/"), undefined);
    for (const loopback of ["http://127.0.0.1:8080/", "http://localhost/", "http://[::1]:80/", "http://127.1.2.3/"]) {
      assert.equal(issuerUrlWarning(loopback), undefined, loopback);
    }
  });
});

describe("oauth2: the issuer gets default TLS, not the endpoint's TLS for Pulsar", () => {
  let dir: string;
  let issuer: ScriptedIssuer;

  before(async function () {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "oauth2-tls-"));
    try {
      execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", path.join(dir, "key.pem"), "-out", path.join(dir, "cert.pem"), "-days", "1", "-subj", "/CN=127.0.0.1"], { stdio: "ignore" });
    } catch {
      this.skip();
    }
    issuer = await new ScriptedIssuer({ key: fs.readFileSync(path.join(dir, "key.pem"), "utf8"), cert: fs.readFileSync(path.join(dir, "cert.pem"), "utf8") }).start();
  });
  after(async () => {
    await issuer?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("an endpoint whose TLS says \"don't verify\" still verifies the issuer's certificate", async () => {
    const connection = new EndpointConnection({
      bases: ["wss://pulsar.invalid:8443"],
      auth: { type: "oauth2", oauth2: { issuerUrl: issuer.url, clientId: "app", clientSecret: "s" } },
      tls: { rejectUnauthorized: false },
    });
    const f = await failure(connection.bearer());
    assert.equal(f.statusKey, "oauth2-unreachable");
    assert.match(f.message, /certificate/i);
    assert.equal(issuer.tokenRequests, 0);
  });
});
