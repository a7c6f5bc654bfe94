import assert from "node:assert/strict";
import fc from "fast-check";
import { PulsarError } from "../../nodes/lib/protocol/errors";
import { checkSubscriptionName, parseTopic } from "../../nodes/lib/protocol/topics";
import { buildQuery, buildSessionUrl, httpBaseOf, normalizeServiceUrl, redactUrl } from "../../nodes/lib/protocol/urls";

const defaults = { tenant: "public", namespace: "default" };

function errorCode(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof PulsarError, `expected a PulsarError, got ${String(err)}`);
    return err.code;
  }
  assert.fail("expected an error");
}

describe("protocol/topics", () => {
  it("expands a short name with the endpoint's tenant and namespace", () => {
    assert.deepEqual(parseTopic("my-topic", defaults), {
      domain: "persistent", tenant: "public", namespace: "default", local: "my-topic", full: "persistent://public/default/my-topic",
    });
  });

  it("reads tenant/namespace/topic and full names in both domains", () => {
    assert.equal(parseTopic("t1/ns1/x", defaults).full, "persistent://t1/ns1/x");
    assert.equal(parseTopic("persistent://t/ns/x", defaults).full, "persistent://t/ns/x");
    const np = parseTopic("non-persistent://t/ns/x", defaults);
    assert.equal(np.domain, "non-persistent");
    assert.equal(np.full, "non-persistent://t/ns/x");
  });

  it("names topics as Pulsar does on v1 endpoints, with the cluster, and reads such names back", () => {
    const v1 = { tenant: "sample", namespace: "ns1", cluster: "standalone" };
    assert.equal(parseTopic("my-topic", v1).full, "persistent://sample/standalone/ns1/my-topic");
    const back = parseTopic("persistent://sample/standalone/ns1/my-topic", v1);
    assert.deepEqual([back.tenant, back.namespace, back.local], ["sample", "ns1", "my-topic"]);
    assert.equal(errorCode(() => parseTopic("persistent://sample/other/ns1/my-topic", v1)), "topic-shape");
    assert.equal(errorCode(() => parseTopic("sample/standalone/ns1/my-topic", defaults)), "topic-shape");
  });

  it("keeps characters Pulsar allows in the local name, such as + and spaces", () => {
    assert.equal(parseTopic("a+b c", defaults).local, "a+b c");
  });

  it("refuses names Pulsar would reject or silently truncate, naming the problem", () => {
    assert.equal(errorCode(() => parseTopic("", defaults)), "topic-missing");
    assert.equal(errorCode(() => parseTopic(undefined, defaults)), "topic-missing");
    assert.equal(errorCode(() => parseTopic(42, defaults)), "topic-type");
    assert.equal(errorCode(() => parseTopic("a/b", defaults)), "topic-shape");
    assert.equal(errorCode(() => parseTopic("a/b/c/d", defaults)), "topic-shape");
    assert.equal(errorCode(() => parseTopic("persistent://x", defaults)), "topic-shape");
    assert.equal(errorCode(() => parseTopic("kafka://t/ns/x", defaults)), "topic-domain");
    assert.equal(errorCode(() => parseTopic("t?/ns/x", defaults)), "topic-part");
    assert.equal(errorCode(() => parseTopic("../ns/x", defaults)), "topic-part");
    assert.equal(errorCode(() => parseTopic("t/./x", defaults)), "topic-part");
    assert.equal(errorCode(() => parseTopic("t/ns/..", defaults)), "topic-dots");
    assert.equal(errorCode(() => parseTopic("t/n s/x", defaults)), "topic-part");
    assert.equal(errorCode(() => parseTopic("t/ns/", defaults)), "topic-local");
    assert.equal(errorCode(() => parseTopic("t/ns/a\nb", defaults)), "topic-local");
    assert.equal(errorCode(() => parseTopic("t/ns/a\uD800b", defaults)), "topic-local");
    assert.equal(errorCode(() => parseTopic("t/ns/\uDC00", defaults)), "topic-local");
    assert.equal(parseTopic("t/ns/emoji-\uD83D\uDE00", defaults).local, "emoji-😀");
  });

  it("checks subscription names", () => {
    assert.equal(checkSubscriptionName(" sub "), "sub");
    assert.equal(errorCode(() => checkSubscriptionName("")), "subscription-missing");
    assert.equal(errorCode(() => checkSubscriptionName("a/b")), "subscription-invalid");
    assert.equal(errorCode(() => checkSubscriptionName("..")), "subscription-invalid");
    assert.equal(errorCode(() => checkSubscriptionName("s\uD800")), "subscription-invalid");
  });
});

describe("protocol/urls", () => {
  it("maps http to ws and https to wss, keeping a path prefix", () => {
    assert.equal(normalizeServiceUrl("http://localhost:8080"), "ws://localhost:8080");
    assert.equal(normalizeServiceUrl("https://pulsar.example:8443/"), "wss://pulsar.example:8443");
    assert.equal(normalizeServiceUrl("ws://h:1/gateway/pulsar/"), "ws://h:1/gateway/pulsar");
    assert.equal(normalizeServiceUrl("wss://h"), "wss://h");
    assert.equal(httpBaseOf("wss://h:1/p"), "https://h:1/p");
  });

  it("refuses URLs it cannot use", () => {
    assert.equal(errorCode(() => normalizeServiceUrl("")), "url-missing");
    assert.equal(errorCode(() => normalizeServiceUrl("localhost:8080")), "url-scheme");
    assert.equal(errorCode(() => normalizeServiceUrl("not a url")), "url-invalid");
    assert.equal(errorCode(() => normalizeServiceUrl("ftp://h")), "url-scheme");
    assert.equal(errorCode(() => normalizeServiceUrl("http://h/?token=x")), "url-query");
    assert.equal(errorCode(() => normalizeServiceUrl("http://u:p@h/")), "url-userinfo");
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

  it("builds the seed document's v1 URL when a cluster is given", () => {
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
