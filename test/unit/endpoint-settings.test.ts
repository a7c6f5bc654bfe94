import assert from "node:assert/strict";
import { resolveEndpointSettings, sessionUrl, socketOptions } from "../../nodes/lib/endpoint-settings";
import { parseTopic } from "../../nodes/lib/protocol/topics";

describe("endpoint-settings", () => {
  it("resolves defaults and puts the token in the Authorization header only", () => {
    const s = resolveEndpointSettings({ serviceUrl: "http://localhost:8080" }, "Bearer abc.def");
    assert.equal(s.base, "ws://localhost:8080");
    assert.deepEqual(s.defaults, { tenant: "public", namespace: "default" });
    assert.equal(s.pingIntervalMs, 30000);
    assert.equal(s.reconnectMinMs, 1000);
    assert.equal(s.reconnectMaxMs, 60000);
    assert.equal(s.maxFrameSize, 1048576);
    const url = sessionUrl(s, "producer", parseTopic("x", s.defaults), {});
    assert.ok(!url.includes("abc"));
    assert.deepEqual(socketOptions(s).headers, { Authorization: "Bearer abc.def" });
  });

  it("sends the token as a query parameter only when asked", () => {
    const s = resolveEndpointSettings({ serviceUrl: "ws://h", tokenInQuery: true }, "abc");
    const url = sessionUrl(s, "producer", parseTopic("x", s.defaults), {});
    assert.ok(url.endsWith("?token=abc"));
    assert.deepEqual(socketOptions(s).headers, {});
  });

  it("uses the cluster for v1 URLs", () => {
    const s = resolveEndpointSettings({ serviceUrl: "http://localhost:8080", cluster: "standalone", tenant: "sample", namespace: "ns1" }, undefined);
    assert.equal(sessionUrl(s, "producer", parseTopic("my-topic", s.defaults), {}), "ws://localhost:8080/ws/producer/persistent/sample/standalone/ns1/my-topic");
  });
});
