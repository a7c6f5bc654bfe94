import assert from "node:assert/strict";
import { MAX_MATCHED_NAME_CHARS, MAX_PATTERN_CHARS, regexProblem } from "../../../nodes/lib/protocol/regex-safety";
import { matchPattern, parseTopicPattern } from "../../../nodes/lib/protocol/topic-list";
import { codeOf, errorOf } from "../../support/errors";

const defaults = { tenant: "public", namespace: "default" };

describe("protocol/regex-safety", () => {
  it("accepts the shapes topic patterns have", () => {
    for (const ok of ["orders-.*", "sensor-.*-eu", ".*-dlq", "a|b", "(eu|us)-orders", "(-eu|-us)?x.*", "[0-9]{4}-.*", "a[)(+*]b", "x\\(y\\)+", "(?:ab)+", "(?<region>eu|us)-.+", "a{3}b{2}c"]) {
      assert.equal(regexProblem(ok), undefined, ok);
    }
  });

  it("refuses a repeated group that contains a repetition or alternatives (exponential backtracking)", () => {
    // Also an optional part (`?`, a variable width) and what a nested group holds: `(aa?)+` and
    // `((a|aa))+` are `(a|aa)+` in other words.
    for (const bad of ["(a+)+b", "(a*)*", "(.*a){2,}", "(a|aa)+b", "(?:a|a)*b", "((ab)*c)+", "(x(a+))*", "(a+){2,5}", "(aa?)+", "(\\w\\w?)+x", "(\\w\\w?){1,40}", "((a|aa))+", "((a+))+", "(a(b|bb))+", "(a{1,2})+"]) {
      assert.match(regexProblem(bad) ?? "", /repeated group/, bad);
    }
  });

  it("refuses more than two open-ended repetitions (polynomial backtracking), backreferences and long patterns", () => {
    assert.match(regexProblem(".*a.*a.*b") ?? "", /repetitions/);
    assert.match(regexProblem(".{0,99}a.{0,99}a.{0,99}b") ?? "", /repetitions/);
    assert.match(regexProblem("(a)\\1") ?? "", /backreference/);
    assert.match(regexProblem("(?<x>a)\\k<x>") ?? "", /backreference/);
    assert.match(regexProblem("a".repeat(MAX_PATTERN_CHARS + 1)) ?? "", /longer than/);
  });

  it("parseTopicPattern refuses them, naming why", () => {
    assert.equal(codeOf(() => parseTopicPattern("(a+)+b", defaults)), "pattern-invalid");
    assert.match(String(errorOf(() => parseTopicPattern("persistent://public/default/(a+)+b", defaults)).details.reason), /repeated group/);
  });

  it("what it accepts stays fast on the names that make the refused shapes exponential", () => {
    for (const source of ["(?:aa)+", "(ab){1,40}x", "a+a?b", "(-eu|-us)?a.*"]) {
      assert.equal(regexProblem(source), undefined, source);
      const p = parseTopicPattern(source, defaults)!;
      const started = Date.now();
      matchPattern(p, [`persistent://public/default/${"a".repeat(MAX_MATCHED_NAME_CHARS - 1)}-`, `persistent://public/default/${"ab".repeat(200)}-`]);
      assert.ok(Date.now() - started < 200, `${source}: ${Date.now() - started} ms`);
    }
  });

  it("the worst accepted pattern over the longest tested names stays fast; longer names are not matched", () => {
    const p = parseTopicPattern(".*a.*b", defaults)!;
    const names = Array.from({ length: 200 }, (_, i) => `persistent://public/default/${"a".repeat(MAX_MATCHED_NAME_CHARS - 3)}${String(i).padStart(3, "0")}`);
    const started = Date.now();
    assert.deepEqual(matchPattern(p, names), []);
    assert.ok(Date.now() - started < 500, `${Date.now() - started} ms`);
    const long = `persistent://public/default/${"a".repeat(MAX_MATCHED_NAME_CHARS)}b`;
    assert.deepEqual(matchPattern(p, [long]), []);
  });
});
