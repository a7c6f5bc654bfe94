import assert from "node:assert/strict";
import { parsePosition, parseReaderStart } from "../../../nodes/lib/protocol/positions";
import { codeOf, errorOf } from "../../support/errors";

describe("protocol/positions", () => {
  it("earliest and latest in any case", () => {
    assert.deepEqual(parsePosition("earliest"), { kind: "earliest" });
    assert.deepEqual(parsePosition(" LATEST "), { kind: "latest" });
  });

  it("a time as epoch ms (number or numeric string), a Date or an ISO-8601 string", () => {
    assert.deepEqual(parsePosition(1767225600000), { kind: "time", ms: 1767225600000 });
    assert.deepEqual(parsePosition("1767225600000"), { kind: "time", ms: 1767225600000 });
    assert.deepEqual(parsePosition(new Date(1767225600000)), { kind: "time", ms: 1767225600000 });
    assert.deepEqual(parsePosition("2026-01-01T00:00:00Z"), { kind: "time", ms: 1767225600000 });
    assert.deepEqual(parsePosition("2026-01-01T01:00:00.000+01:00"), { kind: "time", ms: 1767225600000 });
  });

  it("a message id", () => {
    assert.deepEqual(parsePosition("CAcQAzAA"), { kind: "id", id: "CAcQAzAA" });
  });

  it("refuses anything else, naming the value", () => {
    for (const bad of [undefined, null, "", "yesterday", -5, 1.5, new Date("x"), {}, [], "2026-13-45T99:99Z"]) {
      assert.equal(codeOf(() => parsePosition(bad)), "position-invalid", String(bad));
    }
    assert.equal(errorOf(() => parsePosition("yesterday")).details.value, "yesterday");
  });

  it("a reader start: empty means latest; a bad one is start-message-id", () => {
    assert.deepEqual(parseReaderStart(""), { kind: "latest" });
    assert.deepEqual(parseReaderStart(undefined), { kind: "latest" });
    assert.deepEqual(parseReaderStart("2026-01-01T00:00:00Z"), { kind: "time", ms: 1767225600000 });
    assert.equal(codeOf(() => parseReaderStart("soon")), "start-message-id");
  });
});
