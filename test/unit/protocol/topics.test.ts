import assert from "node:assert/strict";
import { checkSubscriptionName, parseTopic } from "../../../nodes/lib/protocol/topics";
import { codeOf } from "../../support/errors";

const defaults = { tenant: "public", namespace: "default" };

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
    assert.equal(codeOf(() => parseTopic("persistent://sample/other/ns1/my-topic", v1)), "topic-shape");
    assert.equal(codeOf(() => parseTopic("sample/standalone/ns1/my-topic", defaults)), "topic-shape");
  });

  it("keeps characters Pulsar allows in the local name, such as + and spaces", () => {
    assert.equal(parseTopic("a+b c", defaults).local, "a+b c");
  });

  it("refuses names Pulsar would reject or silently truncate, naming the problem", () => {
    assert.equal(codeOf(() => parseTopic("", defaults)), "topic-missing");
    assert.equal(codeOf(() => parseTopic(undefined, defaults)), "topic-missing");
    assert.equal(codeOf(() => parseTopic(42, defaults)), "topic-type");
    assert.equal(codeOf(() => parseTopic("a/b", defaults)), "topic-shape");
    assert.equal(codeOf(() => parseTopic("a/b/c/d", defaults)), "topic-shape");
    assert.equal(codeOf(() => parseTopic("persistent://x", defaults)), "topic-shape");
    assert.equal(codeOf(() => parseTopic("kafka://t/ns/x", defaults)), "topic-domain");
    assert.equal(codeOf(() => parseTopic("t?/ns/x", defaults)), "topic-part");
    assert.equal(codeOf(() => parseTopic("../ns/x", defaults)), "topic-part");
    assert.equal(codeOf(() => parseTopic("t/./x", defaults)), "topic-part");
    assert.equal(codeOf(() => parseTopic("t/ns/..", defaults)), "topic-dots");
    assert.equal(codeOf(() => parseTopic("t/n s/x", defaults)), "topic-part");
    assert.equal(codeOf(() => parseTopic("t/ns/", defaults)), "topic-local");
    assert.equal(codeOf(() => parseTopic("t/ns/a\nb", defaults)), "topic-local");
    assert.equal(codeOf(() => parseTopic("t/ns/a\uD800b", defaults)), "topic-local");
    assert.equal(codeOf(() => parseTopic("t/ns/\uDC00", defaults)), "topic-local");
    assert.equal(parseTopic("t/ns/emoji-\uD83D\uDE00", defaults).local, "emoji-😀");
  });

  it("checks subscription names", () => {
    assert.equal(checkSubscriptionName(" sub "), "sub");
    assert.equal(codeOf(() => checkSubscriptionName("")), "subscription-missing");
    assert.equal(codeOf(() => checkSubscriptionName("a/b")), "subscription-invalid");
    assert.equal(codeOf(() => checkSubscriptionName("..")), "subscription-invalid");
    assert.equal(codeOf(() => checkSubscriptionName("s\uD800")), "subscription-invalid");
  });
});
