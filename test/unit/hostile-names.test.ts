/**
 * Every name a user or a server can hand the nodes, fed with hostile strings (fast-check): control
 * characters, commas, `.` and `..`, `/`, `%2F`, lone surrogates, non-Latin-1 text and very long
 * strings. Each parser answers with a usable name or a PulsarError that says what is wrong, never
 * another kind of throw, and what it accepts is safe to put in a URL path segment.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { hostileString } from "../support/hostile";
import { adminPath } from "../../nodes/lib/connection/admin-client";
import http from "node:http";
import { checkBearerToken } from "../../nodes/lib/protocol/bearer-token";
import { PulsarError } from "../../nodes/lib/protocol/errors";
import { parseTopicList, parseTopicPattern } from "../../nodes/lib/protocol/topic-list";
import { checkSubscriptionName, parseTopic } from "../../nodes/lib/protocol/topics";

const defaults = { tenant: "public", namespace: "default" };
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

function parsesOrRefuses<T>(run: () => T): T | undefined {
  try {
    return run();
  } catch (err) {
    assert.ok(err instanceof PulsarError, `threw ${String(err)} instead of a PulsarError`);
    assert.ok(err.code.length > 0);
    return undefined;
  }
}

function assertSegmentSafe(value: string, what: string): void {
  assert.ok(!CONTROL.test(value), `${what} keeps a control character: ${JSON.stringify(value)}`);
  assert.ok(value !== "." && value !== "..", `${what} is a dot segment`);
  assert.doesNotThrow(() => encodeURIComponent(value), `${what} cannot be URL-encoded`);
}

describe("hostile names and secrets (fast-check)", () => {
  it("topics: a usable name or a PulsarError; what is accepted is safe in a URL path", () => {
    fc.assert(
      fc.property(hostileString, fc.constantFrom("", "persistent://", "public/default/", "persistent://t/ns/", "non-persistent://t/ns/"), (s, prefix) => {
        const topic = parsesOrRefuses(() => parseTopic(prefix + s, defaults));
        if (!topic) return;
        for (const [part, value] of [["tenant", topic.tenant], ["namespace", topic.namespace], ["local", topic.local]] as const) assertSegmentSafe(value, part);
        assert.ok(!topic.local.includes("/"));
      }),
      { numRuns: 3000 },
    );
  });

  it("topic lists (strings and arrays) and patterns: a list of usable names or a PulsarError", () => {
    fc.assert(
      fc.property(fc.oneof(hostileString, fc.array(hostileString, { maxLength: 4 })), (input) => {
        const list = parsesOrRefuses(() => parseTopicList(input, defaults));
        for (const t of list ?? []) assertSegmentSafe(t.local, "local name");
      }),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(hostileString, fc.constantFrom("", "persistent://public/default/", "persistent://../default/", "persistent://public/../", "persistent://t/ns/"), (s, prefix) => {
        const pattern = parsesOrRefuses(() => parseTopicPattern(prefix + s, defaults));
        if (!pattern) return;
        assertSegmentSafe(pattern.tenant, "pattern tenant");
        assertSegmentSafe(pattern.namespace, "pattern namespace");
      }),
      { numRuns: 2000 },
    );
  });

  it("subscription names: a usable name or a PulsarError", () => {
    fc.assert(
      fc.property(hostileString, (s) => {
        const name = parsesOrRefuses(() => checkSubscriptionName(s));
        if (name !== undefined) {
          assertSegmentSafe(name, "subscription");
          assert.ok(!name.includes("/"));
        }
      }),
      { numRuns: 3000 },
    );
  });

  it("admin REST paths: every name is one encoded segment, or a PulsarError naming the field and nothing is sent", () => {
    fc.assert(
      fc.property(hostileString, hostileString, (tenant, namespace) => {
        const path = parsesOrRefuses(() => adminPath("admin", "v2", "namespaces", ["tenant", tenant], ["namespace", namespace]));
        if (path === undefined) return;
        const segments = path.split("/").slice(1);
        assert.equal(segments.length, 5, `${JSON.stringify(path)} is not five segments`);
        assert.deepEqual(segments.slice(3).map(decodeURIComponent), [tenant, namespace]);
        for (const segment of segments) assertSegmentSafe(segment, "admin path segment");
      }),
      { numRuns: 3000 },
    );
  });

  it("tokens: what checkBearerToken accepts, Node's HTTP client sends as a header; what it refuses it explains without the token", () => {
    fc.assert(
      fc.property(hostileString, (token) => {
        const problem = checkBearerToken(token);
        const header = (): void => http.validateHeaderValue("Authorization", `Bearer ${token}`);
        if (problem === undefined) assert.doesNotThrow(header);
        else if (token.length >= 6) assert.ok(!problem.includes(token), "the explanation repeats the token");
      }),
      { numRuns: 3000 },
    );
  });
});
