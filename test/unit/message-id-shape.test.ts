import assert from "node:assert/strict";
import { isMessageIdShape } from "../../nodes/lib/protocol/base64";

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
