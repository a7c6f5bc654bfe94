import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import type { Node } from "node-red";
import { classifyHandshake, extractErrorMessage } from "../../nodes/lib/protocol/handshake";
import { shortUrl } from "../../nodes/lib/protocol/urls";
import type { SocketFailure } from "../../nodes/lib/session/socket";
import type { SocketState } from "../../nodes/lib/session/socket";
import { logStateChange, statusFor, statusOfSessions } from "../../nodes/lib/status";
import type { Translate } from "../../nodes/lib/i18n";

type Catalog = { pulsar: { status: Record<string, string> } & Record<string, unknown> };
// From dist/test/unit back to the sources: the catalog as the build copies it.
const runtime = JSON.parse(fs.readFileSync(path.resolve(__dirname, "../../../nodes/locales/en-US/runtime.json"), "utf8")) as Catalog;

const t: Translate = (key, params = {}) => {
  let node: unknown = runtime;
  for (const part of key.split(".")) node = (node as Record<string, unknown>)[part];
  assert.equal(typeof node, "string", `no text for ${key}`);
  return (node as string).replace(/__(\w+)__/g, (_, name: string) => String(params[name]));
};

function lines(): { node: Node; logged: string[] } {
  const logged: string[] = [];
  const node = { log: (l: string) => logged.push(`log ${l}`), warn: (l: string) => logged.push(`warn ${l}`) } as unknown as Node;
  return { node, logged };
}

const LONG_URL = `ws://127.0.0.1:8080/ws/v2/consumer/persistent/public/default/${"sensor-".repeat(12)}x/my-subscription?subscriptionType=Shared&receiverQueueSize=100&token=secret`;

// What a user reads when a session is not open: the status says why in a word or two, and a
// log line leads with the reason and ends with the shortened URL.
describe("status and log texts", () => {
  it("says why it is connecting again, in a word or two", () => {
    const reason = (failure: SocketFailure): string => statusFor({ state: "retrying", delayMs: 5000, failure }).parts.map((p) => t(`pulsar.status.${p.key}`, p.params)).join(", ");
    assert.equal(reason({ kind: "network", code: "ECONNREFUSED", message: "connect ECONNREFUSED 127.0.0.1:8080" }), "connecting (refused), retry in 5s");
    assert.equal(reason({ kind: "network", message: "Opening handshake has timed out" }), "connecting (timeout), retry in 5s");
    assert.equal(reason({ kind: "network", code: "ENOTFOUND", message: "getaddrinfo ENOTFOUND pulsar" }), "connecting (host not found), retry in 5s");
    assert.equal(reason({ kind: "closed", code: 1011, message: "boom" }), "connecting (closed 1011), retry in 5s");
    assert.equal(reason({ kind: "keepalive", message: "no pong within 10000 ms" }), "connecting (no pong), retry in 5s");
    assert.equal(reason({ kind: "handshake", outcome: classifyHandshake(409), message: "busy" }), "waiting: subscription or producer busy (409), retry in 5s");
  });

  it("keeps status texts short (Node-RED's guideline)", () => {
    for (const text of Object.values(runtime.pulsar.status)) assert.ok(text.length <= 60, text);
  });

  it("logs the reason first and the URL last, shortened, without its query or token", () => {
    const { node, logged } = lines();
    logStateChange(node, t, LONG_URL, { state: "retrying", delayMs: 1000, failure: { kind: "network", code: "ECONNREFUSED", message: "connect ECONNREFUSED 127.0.0.1:8080" } }, { key: "" });
    assert.equal(logged.length, 1);
    assert.match(logged[0], /^warn connection lost \(connect ECONNREFUSED 127\.0\.0\.1:8080\), reconnecting: ws:\/\/127\.0\.0\.1:8080\/ws\/v2\/consumer/);
    assert.ok(!logged[0].includes("secret") && !logged[0].includes("receiverQueueSize"), logged[0]);
    assert.ok(logged[0].split("reconnecting: ")[1].length <= 100, logged[0]);
  });

  it("gives the v1 hint on a 404 with a cluster set, and Pulsar's message instead of its JSON", () => {
    const { node, logged } = lines();
    logStateChange(node, t, "ws://h/ws/producer/persistent/t/c/n/x", { state: "retrying", delayMs: 1000, failure: { kind: "handshake", outcome: classifyHandshake(404), message: "" } }, { key: "" }, true);
    assert.equal(logged[0], "warn session refused, HTTP 404: no v1 endpoint, clear the endpoint's Cluster on Pulsar ≥ 4.2: ws://h/ws/producer/persistent/t/c/n/x");
    assert.equal(extractErrorMessage('{"errorMsg":"","reqId":3461298451785371553}'), "");
    assert.equal(extractErrorMessage('{"errorMsg":"Topic not found","reqId":1}'), "Topic not found");
    assert.equal(extractErrorMessage("<html><head><title>Error 404 Not Found</title></head></html>"), "Error 404 Not Found");
  });

  it("shortens a URL in the middle, keeping its start and its topic's end", () => {
    const short = shortUrl(LONG_URL, 100);
    assert.ok(short.length <= 100, short);
    assert.ok(short.startsWith("ws://127.0.0.1:8080/ws/v2/consumer/persistent/"), short);
    assert.ok(short.endsWith("x/my-subscription?…"), short);
    assert.equal(shortUrl("ws://h/ws/v2/producer/persistent/a/b/c"), "ws://h/ws/v2/producer/persistent/a/b/c");
  });
});

describe("status", () => {
  it("maps session states to short status views", () => {
    assert.deepEqual(statusFor({ state: "open" }), { fill: "green", shape: "dot", parts: [{ key: "connected" }] });
    assert.deepEqual(statusFor({ state: "open" }, { unacked: 3 }), { fill: "green", shape: "dot", parts: [{ key: "unacked", params: { count: 3 } }] });
    assert.equal(statusFor({ state: "open" }, { paused: true }).parts[0].key, "paused");
    assert.deepEqual(statusFor({ state: "connecting", attempt: 1 }, { buffered: 5 }).parts, [{ key: "connecting" }, { key: "buffered", params: { count: 5 } }]);
    const unauthorized = statusFor({ state: "retrying", delayMs: 45000, failure: { kind: "handshake", outcome: classifyHandshake(401), message: "Failed to authenticate" } });
    assert.deepEqual(unauthorized, { fill: "red", shape: "ring", parts: [{ key: "unauthorized", params: { status: 401 } }, { key: "retry-in", params: { seconds: 45 } }] });
    assert.equal(statusFor({ state: "retrying", delayMs: 100, failure: { kind: "handshake", outcome: classifyHandshake(409), message: "" } }).fill, "yellow");
    assert.equal(statusFor({ state: "failed", failure: { kind: "handshake", outcome: classifyHandshake(400), message: "" } }).parts.length, 1);
    assert.equal(statusFor({ state: "retrying", delayMs: 1000, failure: { kind: "network", code: "UNABLE_TO_VERIFY_LEAF_SIGNATURE", message: "" } }).parts[0].key, "certificate");
  });

  it("a node's sessions show as the one that most needs attention; open ones as the first", () => {
    const open = (server: string): SocketState => ({ state: "open", server });
    const connecting: SocketState = { state: "connecting", attempt: 1 };
    const retrying: SocketState = { state: "retrying", delayMs: 1000, failure: { kind: "network", code: "ECONNREFUSED", message: "" } };
    const refused: SocketState = { state: "retrying", delayMs: 1000, failure: { kind: "handshake", outcome: classifyHandshake(401), message: "" } };
    const failed: SocketState = { state: "failed", failure: { kind: "handshake", outcome: classifyHandshake(400), message: "" } };
    assert.deepEqual(statusOfSessions([open("a"), open("b")]), statusFor(open("a")));
    assert.deepEqual(statusOfSessions([open("a"), connecting, retrying]), statusFor(retrying));
    assert.deepEqual(statusOfSessions([retrying, refused, open("a")]), statusFor(refused));
    assert.deepEqual(statusOfSessions([refused, failed, connecting]), statusFor(failed));
    assert.deepEqual(statusOfSessions([], { sessions: 0 }), statusFor({ state: "open" }, { sessions: 0 }));
    assert.deepEqual(statusOfSessions([connecting], { buffered: 3 }), statusFor(connecting, { buffered: 3 }));
  });
  it("shows TLS failures of either list as a certificate error", () => {
    for (const code of ["SELF_SIGNED_CERT_IN_CHAIN", "ERR_TLS_CERT_ALTNAME_INVALID", "ERR_SSL_WRONG_VERSION_NUMBER", "EPROTO"]) {
      assert.equal(statusFor({ state: "retrying", delayMs: 1000, failure: { kind: "network", code, message: "" } }).parts[0].key, "certificate", code);
    }
  });
});
