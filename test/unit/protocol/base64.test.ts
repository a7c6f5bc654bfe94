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
  it("property: the shape check without decoding agrees with decoding strictly and reading the first byte", () => {
    const byDecoding = (t: string): boolean => {
      if (t.length === 0 || t.length > 2048) return false;
      const bytes = decodeBase64Strict(t);
      return bytes !== undefined && bytes.length >= 4 && bytes[0] === 0x08;
    };
    const alphabet = fc.constantFrom(..."ABCIPQxyz019+/=-_ \n!é".split(""));
    const id = fc.uint8Array({ minLength: 0, maxLength: 24 }).map((b) => Buffer.from([0x08, ...b]).toString("base64"));
    const text = fc.oneof(fc.string({ unit: alphabet, maxLength: 24 }), id, id.map((t) => t.replace(/=+$/, "")), fc.uint8Array({ maxLength: 30 }).map((b) => Buffer.from(b).toString("base64")));
    fc.assert(
      fc.property(text, (t) => assert.equal(isMessageIdShape(t), byDecoding(t), JSON.stringify(t))),
      { numRuns: 10000 },
    );
  });

  it("are kept only when shaped like Pulsar's: bounded, strict base64 of a MessageIdData", () => {
    assert.equal(isMessageIdShape("CAcQAzAA"), true);
    assert.equal(isMessageIdShape("CAEQAiAAMAA="), true);
    assert.equal(isMessageIdShape(`CA${"A".repeat(5000)}`), false, "50 MB ids are not ids");
    assert.equal(isMessageIdShape("AAAAAAAA"), false, "no ledgerId first");
    assert.equal(isMessageIdShape("CAcQ-zAA"), false, "URL-safe alphabet");
    assert.equal(isMessageIdShape(""), false);
  });
});
