import assert from "node:assert/strict";
import fc from "fast-check";
import { decodeBase64Strict, isMessageIdShape } from "../../../nodes/lib/protocol/base64";

describe("protocol/base64", () => {
  it("property: accepts exactly the RFC 4648 base64 texts (padding optional) and decodes them as Node does", () => {
    const strict = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}(?:==)?|[A-Za-z0-9+/]{3}=?)?$/;
    const alphabet = fc.constantFrom(..."ABCxyz019+/=-_ \n!é".split(""));
    const text = fc.oneof(fc.string({ unit: alphabet, maxLength: 24 }), fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.from(b).toString("base64")));
    fc.assert(
      fc.property(text, (t) => {
        const decoded = decodeBase64Strict(t);
        assert.equal(decoded !== undefined, strict.test(t), JSON.stringify(t));
        if (decoded) assert.deepEqual(decoded, Buffer.from(t, "base64"));
      }),
      { numRuns: 5000 },
    );
  });

  it("decodes base64 strictly", () => {
    assert.deepEqual(decodeBase64Strict("aGk="), Buffer.from("hi"));
    assert.deepEqual(decodeBase64Strict("aGk"), Buffer.from("hi"));
    assert.deepEqual(decodeBase64Strict(""), Buffer.alloc(0));
    assert.equal(decodeBase64Strict("a-b_"), undefined);
    assert.equal(decodeBase64Strict("!!!"), undefined);
  });
});

describe("message ids", () => {
  it("are kept only when shaped like Pulsar's: bounded, strict base64 of a MessageIdData", () => {
    assert.equal(isMessageIdShape("CAcQAzAA"), true);
    assert.equal(isMessageIdShape("CAEQAiAAMAA="), true);
    assert.equal(isMessageIdShape(`CA${"A".repeat(5000)}`), false, "50 MB ids are not ids");
    assert.equal(isMessageIdShape("AAAAAAAA"), false, "no ledgerId first");
    assert.equal(isMessageIdShape("CAcQ-zAA"), false, "URL-safe alphabet");
    assert.equal(isMessageIdShape(""), false);
  });
});
