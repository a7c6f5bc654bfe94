/**
 * The OAuth2 client against the test issuer (loopback HTTP, RS256): discovery, the form it
 * posts, the cache and its renewal before expiry and after a 401, one request in flight
 * whatever the number of askers, and a refusal that names the issuer's reason, is held (no
 * storm) and never contains the secret.
 */
import assert from "node:assert/strict";
import { OAuth2Client } from "../../../nodes/lib/connection/oauth2";
import { PrepareFailure } from "../../../nodes/lib/session/socket";
import { OidcIssuer } from "../../support/oidc-issuer";

describe("oauth2 client credentials", () => {
  let issuer: OidcIssuer;
  const SECRET = "s3cr3t-value-never-shown";

  beforeEach(async () => {
    issuer = await OidcIssuer.start({ clients: { app: { secret: SECRET, subject: "allowed-role" } }, lifetimeSeconds: 100 });
  });
  afterEach(() => issuer.stop());

  function client(extra: Partial<ConstructorParameters<typeof OAuth2Client>[0]> = {}): OAuth2Client {
    return new OAuth2Client({ issuerUrl: issuer.url, clientId: "app", clientSecret: SECRET, ...extra });
  }

  it("finds the token endpoint by discovery and posts the grant form-encoded with audience and scope", async () => {
    const token = await client({ audience: "urn:pulsar:test", scope: "pulsar produce" }).token();
    assert.equal(issuer.discoveries, 1);
    assert.equal(issuer.requests.length, 1);
    assert.deepEqual(issuer.requests[0].form, {
      grant_type: "client_credentials",
      client_id: "app",
      client_secret: SECRET,
      audience: "urn:pulsar:test",
      scope: "pulsar produce",
    });
    const claims = JSON.parse(Buffer.from(token.split(".")[1], "base64url").toString()) as { sub: string; aud: string };
    assert.equal(claims.sub, "allowed-role");
    assert.equal(claims.aud, "urn:pulsar:test");
  });

  it("asks once for many concurrent askers, caches, renews a fifth of the lifetime before expiry", async () => {
    let now = Date.now();
    const c = client({ now: () => now });
    const tokens = await Promise.all(Array.from({ length: 50 }, () => c.token()));
    assert.equal(new Set(tokens).size, 1);
    assert.equal(issuer.requests.length, 1, "one request in flight for 50 askers");
    now += 79_000;
    assert.equal(await c.token(), tokens[0], "still valid well before expiry: cached");
    assert.equal(issuer.requests.length, 1);
    now += 2_000; // 81 s of 100: inside the renewal margin (20 s)
    await Promise.all([c.token(), c.token(), c.token()]);
    assert.equal(issuer.requests.length, 2, "renewed once");
    assert.equal(issuer.discoveries, 1, "discovery is not repeated");
  });

  it("after Pulsar refuses a token (401) the next ask gets a new one; an older token's refusal changes nothing", async () => {
    const c = client();
    const first = await c.token();
    c.refused("some-older-token");
    assert.equal(await c.token(), first);
    c.refused(first);
    await c.token();
    assert.equal(issuer.requests.length, 2);
  });

  it("a wrong secret: the issuer's reason, never the secret, and held so that askers make no storm", async () => {
    let now = Date.now();
    const c = new OAuth2Client({ issuerUrl: issuer.url, clientId: "app", clientSecret: "wrong-secret-xyz", now: () => now, refusalHoldMs: 30_000 });
    const errors = await Promise.all(Array.from({ length: 20 }, () => c.token().then(() => undefined, (e: unknown) => e)));
    for (const err of errors) {
      assert.ok(err instanceof PrepareFailure);
      assert.equal(err.statusKey, "oauth2-refused");
      assert.equal(err.params.status, 401);
      assert.match(err.message, /invalid_client: client authentication failed/);
      assert.ok(!err.message.includes("wrong-secret-xyz"));
    }
    assert.equal(issuer.requests.length, 1);
    now += 10_000;
    await assert.rejects(c.token(), /invalid_client/);
    assert.equal(issuer.requests.length, 1, "held: no new request within the hold");
    now += 25_000;
    await assert.rejects(c.token(), /invalid_client/);
    assert.equal(issuer.requests.length, 2, "asked again after the hold");
  });

  it("an issuer without discovery, or not listening, says so", async () => {
    const c = new OAuth2Client({ issuerUrl: `${issuer.url}nothing-here`, clientId: "app", clientSecret: SECRET });
    await assert.rejects(c.token(), (e: unknown) => e instanceof PrepareFailure && e.statusKey === "oauth2-discovery" && e.params.status === 404);
    await issuer.stop();
    const gone = client();
    await assert.rejects(gone.token(), (e: unknown) => e instanceof PrepareFailure && e.statusKey === "oauth2-unreachable" && e.retry === "backoff");
    issuer = await OidcIssuer.start({ clients: {} });
  });
  it("an access token that could not go in a header is refused like a failed grant, naming the problem, never the token", async () => {
    const odd = await OidcIssuer.start({ clients: { app: { secret: SECRET, subject: "allowed-role" } }, mangleToken: (t) => `${t}\n` + "x" });
    try {
      const c = new OAuth2Client({ issuerUrl: odd.url, clientId: "app", clientSecret: SECRET });
      await assert.rejects(c.token(), (e: unknown) => e instanceof PrepareFailure && e.statusKey === "token-unusable" && /OAuth2 issuer.*line break/.test(e.message) && !e.message.includes("eyJ"));
    } finally {
      await odd.stop();
    }
  });
});
