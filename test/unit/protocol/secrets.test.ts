import assert from "node:assert/strict";
import { oneLine, scrubSecrets, scrubSecretsInText } from "../../../nodes/lib/protocol/secrets";

describe("protocol/secrets", () => {
  it("scrubs decoded strings and keys, and leaves other values as they are", () => {
    assert.deepEqual(scrubSecrets({ a: "x tok y", tok: [1, "tok", null, { b: true }] }, ["tok"]), { a: "x *** y", "***": [1, "***", null, { b: true }] });
  });

  it("a secret made of JSON syntax or escaped by the server is scrubbed, and the text stays JSON", () => {
    for (const secret of ['"', ":", "{", "\\", "a/b=="]) {
      const text = JSON.stringify({ reason: `rejected Bearer ${secret}` }).replace(/\//g, "\\/").replace(/=/g, "\\u003d");
      const out = scrubSecretsInText(text, [secret]);
      assert.equal((JSON.parse(out) as { reason: string }).reason, "rejected Bearer ***", `${secret}: ${out}`);
    }
    assert.equal(scrubSecretsInText("<html>tok</html>", ["tok"]), "<html>***</html>");
  });

  it("oneLine turns control characters into spaces", () => {
    assert.equal(oneLine("a\u001b[31mb\nc\u0085d"), "a [31mb c d");
  });
});
