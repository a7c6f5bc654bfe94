/**
 * How an endpoint reaches Pulsar (connection/endpoint-connection.ts): the service URL list and its failover, which
 * proxy a URL goes through (a proxy node's ignore list, or the environment with no_proxy as
 * core nodes read it), and the token per attempt from a file (re-read) or an environment variable.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { EndpointConnection, isServerGone, ServiceUrls } from "../../../nodes/lib/connection/endpoint-connection";
import { classifyHandshake } from "../../../nodes/lib/protocol/handshake";
import { bypassesProxy, proxyFromEnv } from "../../../nodes/lib/connection/proxy-agent";
import { PrepareFailure } from "../../../nodes/lib/session/socket";

describe("connection", () => {
  it("service URLs: failover in order, then round again; a base another session already left is not skipped twice", () => {
    const urls = new ServiceUrls(["ws://a", "ws://b", "ws://c"]);
    assert.equal(urls.current, "ws://a");
    urls.failed("ws://a");
    assert.equal(urls.current, "ws://b");
    urls.failed("ws://a"); // a second session that was on a: already moved
    assert.equal(urls.current, "ws://b");
    urls.failed("ws://b");
    urls.failed("ws://c");
    assert.equal(urls.current, "ws://a", "round again");
    urls.worked("ws://c");
    assert.equal(urls.current, "ws://c");
  });

  it("fails over for a server gone, not for a refusal that would repeat everywhere", () => {
    assert.equal(isServerGone({ kind: "network", code: "ECONNREFUSED", message: "" }), true);
    assert.equal(isServerGone({ kind: "closed", code: 1006, message: "" }), true);
    assert.equal(isServerGone({ kind: "closed", code: 1000, message: "" }), false);
    assert.equal(isServerGone({ kind: "keepalive", message: "" }), true);
    assert.equal(isServerGone({ kind: "handshake", outcome: classifyHandshake(502), message: "" }), true);
    assert.equal(isServerGone({ kind: "handshake", outcome: classifyHandshake(401), message: "" }), false);
    assert.equal(isServerGone({ kind: "network", code: "EPROXY", status: 407, message: "" }), false);
    assert.equal(isServerGone({ kind: "network", code: "EPROXY", status: 502, message: "" }), true);
  });

  it("a failure of one topic on a server that answers does not move the endpoint; the connection failing does", () => {
    // One topic's trouble: unloaded (1011), the broker's answer about that topic (500, 503), a policy close.
    for (const code of [1011, 1008, 1003, 4000]) assert.equal(isServerGone({ kind: "closed", code, message: "" }), false, `close ${code}`);
    for (const status of [500, 503]) assert.equal(isServerGone({ kind: "handshake", outcome: classifyHandshake(status), message: "" }), false, `handshake ${status}`);
    // The connection itself: lost without a close frame, the server going away, no answer, a gateway without its server.
    for (const code of [1001, 1006]) assert.equal(isServerGone({ kind: "closed", code, message: "" }), true, `close ${code}`);
    for (const status of [0, 502, 504]) assert.equal(isServerGone({ kind: "handshake", outcome: classifyHandshake(status), message: "" }), true, `handshake ${status}`);
    for (const code of ["ECONNREFUSED", "ENOTFOUND", "ETIMEDOUT", "ECONNRESET", "CERT_HAS_EXPIRED", undefined]) {
      assert.equal(isServerGone({ kind: "network", code, message: "" }), true, `network ${code}`);
    }
  });

  it("proxy from the environment: https_proxy for wss/https, http_proxy for ws/http, no_proxy as core reads it", () => {
    const env = { http_proxy: "proxy:3128", HTTPS_PROXY: "http://secure-proxy:3129", no_proxy: "localhost,.internal,pulsar-b:8080" };
    assert.equal(proxyFromEnv("ws://pulsar:8080/x", env), "http://proxy:3128");
    assert.equal(proxyFromEnv("wss://pulsar:8443/x", env), "http://secure-proxy:3129");
    assert.equal(proxyFromEnv("ws://localhost:8080", env), "");
    assert.equal(proxyFromEnv("ws://broker.internal:8080", env), "");
    assert.equal(proxyFromEnv("ws://pulsar-b:8080", env), "");
    assert.equal(proxyFromEnv("ws://pulsar-b:9090", env), "http://proxy:3128", "no_proxy with a port only matches that port");
    assert.equal(proxyFromEnv("ws://x", { ALL_PROXY: "http://all:1" }), "http://all:1");
    assert.equal(bypassesProxy("ws://anything", "*"), true);
    assert.equal(proxyFromEnv("ws://x", {}), "");
  });

  it("a proxy node: its URL for everything but what its ignore list names; credentials kept for CONNECT", () => {
    const c = new EndpointConnection({
      bases: ["ws://127.0.0.1:1"],
      auth: { type: "none" },
      proxy: { url: "http://proxy:3128", noProxy: ["pulsar.internal"], username: "u", password: "p" },
      processEnv: { http_proxy: "http://env-proxy:1" },
    });
    assert.equal(c.proxyFor("ws://pulsar.example:8080"), "http://proxy:3128");
    assert.equal(c.proxyFor("ws://pulsar.internal:8080"), "");
    assert.ok(c.agentFor("ws://pulsar.example:8080"));
    assert.equal(c.agentFor("ws://pulsar.internal:8080"), undefined);
    assert.equal(c.agentFor("ws://pulsar.example:8080"), c.agentFor("ws://pulsar.example:9090"), "one agent per proxy and scheme");
  });

  it("a token file is read again on every attempt; ${ENV} resolves each time; 'Bearer ' is dropped", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pulsar-token-"));
    const file = path.join(dir, "token");
    try {
      fs.writeFileSync(file, "first-token\n");
      const c = new EndpointConnection({ bases: ["ws://h"], auth: { type: "token", token: pathToFileURL(file).href } });
      assert.equal(await c.bearer(), "first-token");
      fs.writeFileSync(file, "Bearer rotated-token");
      assert.equal(await c.bearer(), "rotated-token");
      fs.rmSync(file);
      await assert.rejects(c.bearer(), (e: unknown) => e instanceof PrepareFailure && e.statusKey === "token-file" && e.params.code === "ENOENT");

      let value: string | undefined = "env-token";
      const viaEnv = new EndpointConnection({ bases: ["ws://h"], auth: { type: "token", token: "${PULSAR_TOKEN}" }, env: () => value });
      assert.equal(await viaEnv.bearer(), "env-token");
      value = "";
      await assert.rejects(viaEnv.bearer(), (e: unknown) => e instanceof PrepareFailure && e.statusKey === "token-env-empty");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
  it("a token from ${ENV} or a file that could not go in a header is refused before any attempt, naming the problem, never the token", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pulsar-token-"));
    const file = path.join(dir, "token");
    try {
      const unusable = (where: RegExp) => (e: unknown) =>
        e instanceof PrepareFailure && e.statusKey === "token-unusable" && where.test(e.message) && !e.message.includes("s3cr3t");
      const viaEnv = new EndpointConnection({ bases: ["ws://h"], auth: { type: "token", token: "${PULSAR_TOKEN}" }, env: () => "s3cr3t\npart" });
      await assert.rejects(viaEnv.bearer(), unusable(/environment variable PULSAR_TOKEN.*line break/));
      const zwsp = new EndpointConnection({ bases: ["ws://h"], auth: { type: "token", token: "${PULSAR_TOKEN}" }, env: () => "\u200bs3cr3t" });
      await assert.rejects(zwsp.bearer(), unusable(/U\+200B/));
      fs.writeFileSync(file, "s3cr3t\nsecond-line\n");
      const viaFile = new EndpointConnection({ bases: ["ws://h"], auth: { type: "token", token: pathToFileURL(file).href } });
      await assert.rejects(viaFile.bearer(), unusable(/from the file .*line break/));
      // The admin API asks the same: a call fails with the reason instead of reaching http.request.
      await assert.rejects(viaFile.adminTarget().bearer!(), unusable(/line break/));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
