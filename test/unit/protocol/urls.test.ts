import assert from "node:assert/strict";
import fc from "fast-check";
import { parseTopic } from "../../../nodes/lib/protocol/topics";
import { buildQuery, buildSessionUrl, httpBaseOf, normalizeServiceUrl, redactUrl } from "../../../nodes/lib/protocol/urls";
import { codeOf } from "../../support/errors";

const defaults = { tenant: "public", namespace: "default" };

describe("protocol/urls", () => {
  it("maps http to ws and https to wss, keeping a path prefix", () => {
    assert.equal(normalizeServiceUrl("http://localhost:8080"), "ws://localhost:8080");
    assert.equal(normalizeServiceUrl("https://pulsar.example:8443/"), "wss://pulsar.example:8443");
    assert.equal(normalizeServiceUrl("ws://h:1/gateway/pulsar/"), "ws://h:1/gateway/pulsar");
    assert.equal(normalizeServiceUrl("wss://h"), "wss://h");
    assert.equal(httpBaseOf("wss://h:1/p"), "https://h:1/p");
  });

  it("refuses URLs it cannot use", () => {
    assert.equal(codeOf(() => normalizeServiceUrl("")), "url-missing");
    assert.equal(codeOf(() => normalizeServiceUrl("localhost:8080")), "url-scheme");
    assert.equal(codeOf(() => normalizeServiceUrl("not a url")), "url-invalid");
    assert.equal(codeOf(() => normalizeServiceUrl("ftp://h")), "url-scheme");
    assert.equal(codeOf(() => normalizeServiceUrl("http://h/?token=x")), "url-query");
    assert.equal(codeOf(() => normalizeServiceUrl("http://u:p@h/")), "url-userinfo");
  });

  it("builds v2 producer, consumer and reader URLs", () => {
    const topic = parseTopic("my-topic", defaults);
    assert.equal(buildSessionUrl({ base: "ws://h:8080", role: "producer", topic }), "ws://h:8080/ws/v2/producer/persistent/public/default/my-topic");
    assert.equal(
      buildSessionUrl({ base: "ws://h:8080", role: "consumer", topic, subscription: "sub", query: { subscriptionType: "Shared" } }),
      "ws://h:8080/ws/v2/consumer/persistent/public/default/my-topic/sub?subscriptionType=Shared",
    );
    assert.equal(
      buildSessionUrl({ base: "ws://h:8080", role: "reader", topic: parseTopic("non-persistent://t/n/x", defaults), query: { messageId: "CAcQAzAA" } }),
      "ws://h:8080/ws/v2/reader/non-persistent/t/n/x?messageId=CAcQAzAA",
    );
  });

  it("builds the v1 URL of Pulsar's WebSocket docs when a cluster is given", () => {
    const topic = parseTopic("sample/ns1/my-topic", defaults);
    assert.equal(
      buildSessionUrl({ base: "ws://localhost:8080", role: "producer", topic, cluster: "standalone" }),
      "ws://localhost:8080/ws/producer/persistent/sample/standalone/ns1/my-topic",
    );
    assert.equal(
      buildSessionUrl({ base: "ws://localhost:8080", role: "consumer", topic, cluster: "standalone", subscription: "s" }),
      "ws://localhost:8080/ws/consumer/persistent/sample/standalone/ns1/my-topic/s",
    );
  });

  it("encodes + as %2B (Java's URLDecoder would make it a space) and never lets a name change the path", () => {
    const topic = parseTopic("a+b c?#%2F", defaults);
    const url = buildSessionUrl({ base: "ws://h", role: "consumer", topic, subscription: "s+1" });
    assert.equal(url, "ws://h/ws/v2/consumer/persistent/public/default/a%2Bb%20c%3F%23%252F/s%2B1");
  });

  it("property: any local name and subscription keeps the path at exactly 9 segments and decodes back", () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), fc.string({ minLength: 1 }), (local, sub) => {
        // eslint-disable-next-line no-control-regex
        const usable = (s: string): boolean => !/[\u0000-\u001f\u007f-\u009f/]/.test(s) && s !== "." && s !== ".." && s.trim() !== "";
        fc.pre(usable(local) && usable(sub));
        const topic = parseTopic(`t/ns/${local}`, defaults);
        const url = buildSessionUrl({ base: "ws://h", role: "consumer", topic, subscription: sub });
        const path = url.slice("ws://h".length);
        const parts = path.split("/");
        assert.equal(parts.length, 9);
        assert.equal(decodeURIComponent(parts[7]), local.trim() === local ? local : parseTopic(`t/ns/${local}`, defaults).local);
        assert.equal(decodeURIComponent(parts[8]), sub);
        // What the server would see after its own URL parsing: the same 9 segments.
        assert.equal(new URL(url).pathname, path);
        assert.ok(!path.includes("?") && !path.includes("#"));
      }),
    );
  });

  it("leaves empty options out of the query and encodes values", () => {
    assert.equal(buildQuery({ a: undefined, b: "", c: null, d: 0, e: false, f: "x y&z" }), "?d=0&e=false&f=x%20y%26z");
    assert.equal(buildQuery({}), "");
  });

  it("redacts a token from any URL", () => {
    assert.equal(redactUrl("ws://h/ws/v2/producer/persistent/a/b/c?x=1&token=secret.jwt&y=2"), "ws://h/ws/v2/producer/persistent/a/b/c?x=1&token=***&y=2");
    assert.ok(!redactUrl("ws://u:secret@h/x").includes("secret"));
  });
});
