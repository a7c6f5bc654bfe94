import assert from "node:assert/strict";
import { resolveEndpointSettings, sessionUrl, socketOptions } from "../../../nodes/lib/connection/endpoint-settings";
import { PulsarError } from "../../../nodes/lib/protocol/errors";
import { parseTopic } from "../../../nodes/lib/protocol/topics";

describe("endpoint-settings", () => {
  it("resolves defaults and puts the token in the Authorization header only", () => {
    const s = resolveEndpointSettings({ serviceUrl: "http://localhost:8080" }, "Bearer abc.def");
    assert.equal(s.base, "ws://localhost:8080");
    assert.deepEqual(s.defaults, { tenant: "public", namespace: "default" });
    assert.equal(s.pingIntervalMs, 30000);
    assert.equal(s.reconnectMinMs, 1000);
    assert.equal(s.reconnectMaxMs, 60000);
    assert.equal(s.maxFrameSize, 1048576);
    assert.ok(!sessionUrl(s, "producer", parseTopic("x", s.defaults), {}, undefined, { token: "abc.def" }).includes("abc"));
    assert.deepEqual(s.auth, { type: "token", token: "abc.def" });
    // The header is added per attempt (endpoint-connection.ts), never fixed in the socket options.
    assert.deepEqual(socketOptions(s).headers, {});
  });

  it("sends the token as a query parameter only when asked", () => {
    const s = resolveEndpointSettings({ serviceUrl: "ws://h", tokenInQuery: true }, "abc");
    const url = sessionUrl(s, "producer", parseTopic("x", s.defaults), {}, undefined, { token: "abc" });
    assert.ok(url.endsWith("?token=abc"));
    assert.deepEqual(socketOptions(s).headers, {});
  });

  it("reads a comma-separated service URL list, in order, without duplicates; sessions use the base given", () => {
    const s = resolveEndpointSettings({ serviceUrl: " http://a:8080 , https://b:8443/gw,http://a:8080" }, undefined);
    assert.deepEqual(s.bases, ["ws://a:8080", "wss://b:8443/gw"]);
    assert.equal(s.base, "ws://a:8080");
    assert.equal(sessionUrl(s, "producer", parseTopic("x", s.defaults), {}, undefined, { base: s.bases[1] }), "wss://b:8443/gw/ws/v2/producer/persistent/public/default/x");
    assert.throws(() => resolveEndpointSettings({ serviceUrl: "http://a:8080, ftp://b" }, undefined), /url-scheme/);
  });

  it("authType: absent means token when one is stored, else none; oauth2 needs issuer, client id and secret", () => {
    assert.deepEqual(resolveEndpointSettings({ serviceUrl: "http://h" }, undefined).auth, { type: "none" });
    assert.deepEqual(resolveEndpointSettings({ serviceUrl: "http://h", authType: "none" }, "abc").auth, { type: "none" });
    assert.equal(resolveEndpointSettings({ serviceUrl: "http://h", authType: "none" }, "abc").token, undefined);
    const oauth = { serviceUrl: "http://h", authType: "oauth2", oauth2IssuerUrl: "https://issuer/", oauth2ClientId: "c", oauth2Audience: "urn:pulsar", oauth2Scope: "" };
    assert.deepEqual(resolveEndpointSettings(oauth, undefined, undefined, "s3cret").auth, {
      type: "oauth2",
      oauth2: { issuerUrl: "https://issuer/", clientId: "c", clientSecret: "s3cret", audience: "urn:pulsar", scope: undefined },
    });
    assert.throws(() => resolveEndpointSettings(oauth, undefined), /oauth2-missing/);
    assert.throws(() => resolveEndpointSettings({ ...oauth, oauth2IssuerUrl: "issuer" }, undefined, undefined, "s"), /oauth2-issuer-url/);
    assert.throws(() => resolveEndpointSettings({ serviceUrl: "http://h", authType: "kerberos" }, undefined), /auth-type/);
  });

  it("uses the cluster for v1 URLs", () => {
    const s = resolveEndpointSettings({ serviceUrl: "http://localhost:8080", cluster: "standalone", tenant: "sample", namespace: "ns1" }, undefined);
    assert.equal(sessionUrl(s, "producer", parseTopic("my-topic", s.defaults), {}), "ws://localhost:8080/ws/producer/persistent/sample/standalone/ns1/my-topic");
  });
  it("a stored token that could not go in a header is a config error naming the problem, never the token", () => {
    for (const [token, problem] of [["s3cr3t\u200b", /U\+200B/], ["s3cr3t\npart", /line break/]] as const) {
      assert.throws(
        () => resolveEndpointSettings({ serviceUrl: "http://localhost:8080" }, token),
        (e: unknown) => e instanceof PulsarError && e.errorClass === "config" && e.code === "token-invalid" && problem.test(String(e.details.problem)) && !JSON.stringify(e.details).includes("s3cr3t"),
      );
    }
    // ${ENV} and file:// are resolved per attempt (endpoint-connection.ts), so they are checked there.
    assert.equal(resolveEndpointSettings({ serviceUrl: "http://localhost:8080" }, "${PULSAR_TOKEN}").token, "${PULSAR_TOKEN}");
    // A token of another auth type is not used at all: nothing to refuse.
    assert.equal(resolveEndpointSettings({ serviceUrl: "http://localhost:8080", authType: "none" }, "s3cr3t\npart").auth.type, "none");
  });
});
