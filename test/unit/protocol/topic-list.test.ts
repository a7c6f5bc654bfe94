import assert from "node:assert/strict";
import { matchPattern, parseTopicList, parseTopicPattern } from "../../../nodes/lib/protocol/topic-list";
import { codeOf } from "../../support/errors";

const defaults = { tenant: "public", namespace: "default" };
const NS = "persistent://public/default";

describe("protocol/topic-list", () => {
  it("splits on commas and newlines, trims, drops empties and repeats by full name", () => {
    const list = parseTopicList(" a ,\n b\r\n,, persistent://public/default/a, t/ns/c \n", defaults);
    assert.deepEqual(list.map((t) => t.full), [`${NS}/a`, `${NS}/b`, "persistent://t/ns/c"]);
    assert.deepEqual(parseTopicList(["a", "b, c"], defaults).map((t) => t.local), ["a", "b", "c"]);
    assert.deepEqual(parseTopicList("", defaults), []);
    assert.deepEqual(parseTopicList(undefined, defaults), []);
  });

  it("refuses a bad entry with the topic error", () => {
    assert.equal(codeOf(() => parseTopicList("a, x/y", defaults)), "topic-shape");
    assert.equal(codeOf(() => parseTopicList([3], defaults)), "topic-type");
  });

  it("a pattern with or without its namespace; the regex must match the whole local name", () => {
    const p = parseTopicPattern("sensor-.*", defaults)!;
    assert.deepEqual([p.domain, p.tenant, p.namespace, p.source], ["persistent", "public", "default", "sensor-.*"]);
    assert.ok(p.regex.test("sensor-1") && !p.regex.test("my-sensor-1"));
    const q = parseTopicPattern("non-persistent://t/ns/a|b", defaults)!;
    assert.deepEqual([q.domain, q.tenant, q.namespace], ["non-persistent", "t", "ns"]);
    assert.ok(q.regex.test("a") && q.regex.test("b") && !q.regex.test("ab"));
    assert.equal(parseTopicPattern(" ", defaults), undefined);
  });

  it("refuses a pattern that is not a regex, or with a pattern in tenant or namespace", () => {
    assert.equal(codeOf(() => parseTopicPattern("sensor-(", defaults)), "pattern-invalid");
    assert.equal(codeOf(() => parseTopicPattern("persistent://pub.*/default/x", defaults)), "pattern-invalid");
    assert.equal(codeOf(() => parseTopicPattern("http://x/y/z", defaults)), "pattern-invalid");
  });

  it("matches base names: a partitioned topic once, not its partitions; other namespaces never", () => {
    const p = parseTopicPattern("s-.*", defaults)!;
    const listed = [`${NS}/s-a`, `${NS}/s-p-partition-0`, `${NS}/s-p-partition-1`, `${NS}/other`, "persistent://public/x/s-b", `${NS}/s-q-partition-0`];
    assert.deepEqual(matchPattern(p, listed, [`${NS}/s-p`]), [`${NS}/s-a`, `${NS}/s-p`, `${NS}/s-q-partition-0`]);
  });
});

describe("protocol/topic-list: a pattern stays inside its anchors", () => {
  it("refuses a regex that closes more groups than it opens (it would escape ^(?:…)$)", () => {
    assert.equal(codeOf(() => parseTopicPattern("orders-.*)|(.*", defaults)), "pattern-invalid");
    assert.equal(codeOf(() => parseTopicPattern("a)(b", defaults)), "pattern-invalid");
    assert.equal(codeOf(() => parseTopicPattern("persistent://public/default/x)|(y", defaults)), "pattern-invalid");
  });

  it("a bracket or escaped parenthesis is a character, not a group", () => {
    const p = parseTopicPattern("a[)]b|c\\)", defaults)!;
    assert.ok(p.regex.test("a)b") && p.regex.test("c)") && !p.regex.test("xa)b"));
  });

  it("refuses dot segments as tenant or namespace, as topic names do", () => {
    assert.equal(codeOf(() => parseTopicPattern("persistent://../default/x.*", defaults)), "pattern-invalid");
    assert.equal(codeOf(() => parseTopicPattern("persistent://public/./x.*", defaults)), "pattern-invalid");
    assert.equal(codeOf(() => parseTopicPattern("x.*", { tenant: "..", namespace: "default" })), "pattern-invalid");
  });
});
