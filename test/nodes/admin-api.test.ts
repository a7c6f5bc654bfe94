/**
 * The runtime's admin endpoints for the editor (nodes/lib/editor-api.ts), through Node-RED's admin
 * app as the editor calls them, against a loopback server posing as Pulsar's admin API. Checks
 * which token reaches Pulsar (typed, stored, none) and that no answer carries it.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { AddressInfo } from "node:net";
import { freePort } from "../support/net";
import { OidcIssuer } from "../support/oidc-issuer";
import { allNodes, endpoint, flow, helper } from "./setup";

const STORED = "stored-token-9f8e7d";
const TYPED = "typed-token-1a2b3c";

interface Seen {
  path: string;
  authorization?: string;
}

describe("admin API for the editor (Test connection, topic suggestions)", function () {
  let pulsar: http.Server;
  let url: string;
  let seen: Seen[];
  let issuer: OidcIssuer | undefined;

  before(async () => {
    pulsar = http.createServer((req, res) => {
      seen.push({ path: req.url ?? "", authorization: req.headers.authorization });
      const bearer = req.headers.authorization?.replace(/^Bearer /, "");
      const ok = bearer === STORED || bearer === TYPED || (issuer?.granted.some((g) => g.token === bearer) ?? false);
      if (!ok) {
        // Echoes the header, as a careless gateway might: the answer must still not carry it.
        res.writeHead(401, { "Content-Type": "application/json" });
        return res.end(JSON.stringify({ reason: `rejected ${req.headers.authorization ?? "nothing"}` }));
      }
      if (req.url?.startsWith("/ws/")) {
        res.writeHead(405);
        return res.end();
      }
      const lists: Record<string, string[]> = {
        "/admin/v2/persistent/public/default": ["persistent://public/default/orders", "persistent://public/default/orders-eu-partition-0", "persistent://public/default/orders-eu-partition-1", "persistent://public/default/other"],
        "/admin/v2/persistent/public/default/partitioned": ["persistent://public/default/orders-eu"],
        "/admin/v2/tenants": ["public"],
      };
      res.writeHead(lists[req.url ?? ""] ? 200 : 404, { "Content-Type": "application/json" });
      res.end(JSON.stringify(lists[req.url ?? ""] ?? { reason: "not found" }));
    });
    await new Promise<void>((resolve) => pulsar.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(pulsar.address() as AddressInfo).port}`;
  });

  after(() => new Promise<void>((resolve) => pulsar.close(() => resolve())));

  beforeEach(async () => {
    seen = [];
    await new Promise<void>((resolve) => helper.startServer(resolve));
  });

  afterEach(async () => {
    await helper.unload();
    await new Promise<void>((resolve) => helper.stopServer(resolve));
    delete process.env.PULSAR_ADMIN_TEST_TOKEN;
  });

  async function post(path: string, body: Record<string, unknown>): Promise<{ text: string; json: { ok: boolean; lines?: { level: string; key: string }[]; items?: string[] } }> {
    const res = await helper.request().post(path).send(body).expect(200);
    return { text: res.text, json: res.body as { ok: boolean; lines?: { level: string; key: string }[]; items?: string[] } };
  }

  async function deploy(token?: string): Promise<void> {
    await helper.load(allNodes, flow(endpoint(url)), token ? { ep: { token } } : {});
  }

  it("uses the stored token for the deployed service URL, and never returns it", async () => {
    await deploy(STORED);
    const { text, json } = await post("/pulsar-ws-endpoint/test", { id: "ep", serviceUrl: url, token: "__PWRD__" });
    assert.equal(json.ok, true, text);
    assert.deepEqual(json.lines!.map((l) => l.key), ["pulsar.admin.result.topics-ok", "pulsar.admin.result.ws-ok"]);
    assert.ok(seen.every((s) => s.authorization === `Bearer ${STORED}`));
    assert.ok(!text.includes(STORED));
  });

  it("prefers the token typed in the dialog; a leading Bearer is dropped", async () => {
    await deploy(STORED);
    const { json } = await post("/pulsar-ws-endpoint/test", { id: "ep", serviceUrl: url, token: `Bearer ${TYPED}` });
    assert.equal(json.ok, true);
    assert.ok(seen.every((s) => s.authorization === `Bearer ${TYPED}`));
  });

  it("resolves a ${VAR} token of the deployed endpoint, for its deployed service URL", async () => {
    process.env.PULSAR_ADMIN_TEST_TOKEN = TYPED;
    await deploy("${PULSAR_ADMIN_TEST_TOKEN}");
    const { json } = await post("/pulsar-ws-endpoint/test", { id: "ep", serviceUrl: url, token: "__PWRD__" });
    assert.equal(json.ok, true);
    assert.equal(seen[0].authorization, `Bearer ${TYPED}`);
  });

  it("never resolves ${VAR} or file:// typed in the request: nothing is sent, the answer names the field", async () => {
    process.env.PULSAR_ADMIN_TEST_TOKEN = "env-secret-4411";
    const file = path.join(os.tmpdir(), `admin-api-typed-${process.pid}`);
    fs.writeFileSync(file, "file-secret-5522");
    try {
      await deploy();
      const fileUrl = pathToFileURL(file).href;
      // Also behind the "Bearer " the endpoint strips: the check sees what would be resolved.
      for (const [field, value] of [["token", "${PULSAR_ADMIN_TEST_TOKEN}"], ["token", fileUrl], ["token", `Bearer ${fileUrl}`], ["token", `bearer\t${fileUrl}`], ["token", " Bearer ${PULSAR_ADMIN_TEST_TOKEN}"], ["tenant", "${PULSAR_ADMIN_TEST_TOKEN}"], ["namespace", "${PULSAR_ADMIN_TEST_TOKEN}"]]) {
        const { text, json } = await post("/pulsar-ws-endpoint/test", { id: "new", serviceUrl: url, [field]: value });
        assert.equal(json.ok, false, text);
        assert.deepEqual(json.lines!.map((l) => l.key), ["pulsar.errors.editor-reference"], text);
        assert.match(text, new RegExp(`"field":"${field}"`));
      }
      assert.deepEqual(seen, [], "nothing went anywhere");
    } finally {
      fs.rmSync(file, { force: true });
    }
  });

  it("a ${VAR} in the dialog of a deployed endpoint is its deployed value, only toward its deployed URLs", async () => {
    process.env.PULSAR_ADMIN_TEST_TOKEN = "env-secret-6633";
    await helper.load(allNodes, flow(endpoint(url, { tenant: "public", namespace: "default" })), { ep: { token: STORED } });
    const same = await post("/pulsar-ws-endpoint/test", { id: "ep", serviceUrl: url, token: "__PWRD__", namespace: "${PULSAR_ADMIN_TEST_TOKEN}" });
    assert.equal(same.json.ok, true, same.text);
    const other = await post("/pulsar-ws-endpoint/test", { id: "ep", serviceUrl: url.replace("127.0.0.1", "localhost"), namespace: "${PULSAR_ADMIN_TEST_TOKEN}" });
    assert.equal(other.json.ok, false);
    assert.ok(seen.every((s) => !s.path.includes("env-secret-6633")));
  });

  it("a typed token made of JSON syntax (\", :, {, \\) is scrubbed from the answer without breaking it: no crash, the answer is JSON", async () => {
    await deploy();
    for (const token of ['"', ":", "{", "\\", '","']) {
      for (const serviceUrl of ["not a url", url]) {
        const { text, json } = await post("/pulsar-ws-endpoint/test", { id: "new", serviceUrl, token });
        assert.equal(json.ok, false, text);
      }
    }
  });

  it("accepts JSON bodies only: a form post (what a cross-site form can send) is refused with 415", async () => {
    await deploy(STORED);
    for (const route of ["test", "lookup", "pattern"]) {
      const res = await helper.request().post(`/pulsar-ws-endpoint/${route}`).type("form").send({ id: "ep", serviceUrl: url, token: "__PWRD__" }).expect(415);
      assert.match(res.text, /application\/json/);
    }
    assert.deepEqual(seen, []);
  });

  it("does not carry the stored token to another URL typed in the dialog", async () => {
    await deploy(STORED);
    const other = url.replace("127.0.0.1", "localhost");
    const { text, json } = await post("/pulsar-ws-endpoint/test", { id: "ep", serviceUrl: other, token: "__PWRD__" });
    assert.equal(json.ok, false);
    assert.deepEqual(json.lines!.map((l) => l.key), ["pulsar.admin.result.token-not-sent", "pulsar.admin.result.unauthorized-no-token"]);
    assert.equal(seen[0].authorization, undefined);
    assert.ok(!text.includes(STORED));
  });

  it("scrubs a token the server echoes back", async () => {
    await deploy();
    const { text, json } = await post("/pulsar-ws-endpoint/test", { id: "new", serviceUrl: url, token: "wrong-token-55aa" });
    assert.equal(json.ok, false);
    assert.ok(!text.includes("wrong-token-55aa"), text);
    assert.ok(text.includes("rejected Bearer ***"), text);
  });

  it("scrubs the bearer actually sent when it was read from the stored token file", async () => {
    const file = path.join(os.tmpdir(), `admin-api-token-${process.pid}`);
    fs.writeFileSync(file, "file-token-77ee\n");
    try {
      await deploy(pathToFileURL(file).href);
      const { text, json } = await post("/pulsar-ws-endpoint/test", { id: "ep", serviceUrl: url, token: "__PWRD__" });
      assert.equal(json.ok, false);
      assert.equal(seen[0].authorization, "Bearer file-token-77ee");
      assert.ok(!text.includes("file-token-77ee"), text);
    } finally {
      fs.rmSync(file, { force: true });
    }
  });

  it("answers a bad service URL with the runtime's own error key", async () => {
    await deploy();
    const { json } = await post("/pulsar-ws-endpoint/test", { id: "ep", serviceUrl: "ftp://x" });
    assert.deepEqual(json, { ok: false, lines: [{ level: "error", key: "pulsar.errors.url-scheme", params: { url: "ftp://x" } }] });
  });

  it("lists topic suggestions with the stored token", async () => {
    await deploy(STORED);
    const { json } = await post("/pulsar-ws-endpoint/lookup", { id: "ep", serviceUrl: url, tenant: "public", namespace: "default", dir: "" });
    assert.deepEqual(json, { ok: true, items: ["orders", "orders-eu", "other", "public/"] });
  });

  it("previews which existing topics a topicPattern matches (a partitioned topic once), with the stored token", async () => {
    await deploy(STORED);
    const { text, json } = await post("/pulsar-ws-endpoint/pattern", { id: "ep", serviceUrl: url, tenant: "public", namespace: "default", pattern: "orders.*" });
    assert.deepEqual(json, { ok: true, items: ["persistent://public/default/orders", "persistent://public/default/orders-eu"], count: 2, namespace: "public/default" });
    assert.ok(seen.every((s) => s.authorization === `Bearer ${STORED}`));
    assert.ok(!text.includes(STORED));
    const bad = await post("/pulsar-ws-endpoint/pattern", { id: "ep", serviceUrl: url, pattern: "orders-(" });
    assert.equal(bad.json.ok, false);
    assert.equal((bad.json as unknown as { error: { key: string } }).error.key, "pulsar.errors.pattern-invalid");
    const missing = await post("/pulsar-ws-endpoint/pattern", { id: "ep", serviceUrl: url, pattern: "persistent://public/nope/x.*" });
    assert.equal((missing.json as unknown as { error: { key: string } }).error.key, "pulsar.admin.result.not-found");
  });

  it("topic suggestions never send a dot segment: ../ is refused, not listed as /admin/v2/tenants", async () => {
    await deploy(STORED);
    const { json } = await post("/pulsar-ws-endpoint/lookup", { id: "ep", serviceUrl: url, dir: "../" });
    assert.equal(json.ok, false);
    assert.equal((json as unknown as { error: { key: string } }).error.key, "pulsar.errors.admin-name-invalid");
    assert.deepEqual(seen, []);
  });

  it("pattern preview refuses a catastrophic regex before listing anything", async () => {
    await deploy(STORED);
    const started = Date.now();
    const { json } = await post("/pulsar-ws-endpoint/pattern", { id: "ep", serviceUrl: url, pattern: "(a+)+b" });
    assert.equal(json.ok, false);
    assert.equal((json as unknown as { error: { key: string } }).error.key, "pulsar.errors.pattern-invalid");
    assert.equal(seen.length, 0);
    assert.ok(Date.now() - started < 1000);
  });

  it("oauth2: Test connection uses the deployed endpoint's OAuth2 client (its cache too) and never returns the secret", async () => {
    issuer = await OidcIssuer.start({ clients: { app: { secret: "oauth-secret-77aa", subject: "r" } } });
    try {
      const oauth = { authType: "oauth2", oauth2IssuerUrl: issuer.url, oauth2ClientId: "app", oauth2Audience: "", oauth2Scope: "" };
      await helper.load(allNodes, flow(endpoint(url, oauth)), { ep: { oauth2ClientSecret: "oauth-secret-77aa" } });
      const body = { id: "ep", serviceUrl: url, ...oauth, oauth2ClientSecret: "__PWRD__" };
      const first = await post("/pulsar-ws-endpoint/test", body);
      assert.equal(first.json.ok, true, first.text);
      const second = await post("/pulsar-ws-endpoint/lookup", { ...body, tenant: "public", namespace: "default", dir: "" });
      assert.deepEqual(second.json, { ok: true, items: ["orders", "orders-eu", "other", "public/"] });
      assert.equal(issuer.granted.length, 1, "one token for both calls: the deployed endpoint's cache");
      assert.ok(!first.text.includes("oauth-secret-77aa") && !second.text.includes("oauth-secret-77aa"));

      // A wrong secret typed in the dialog: the issuer's reason, not the secret.
      const wrong = await post("/pulsar-ws-endpoint/test", { ...body, oauth2ClientSecret: "typed-wrong-secret" });
      assert.equal(wrong.json.ok, false);
      assert.match(wrong.text, /invalid_client/);
      assert.ok(!wrong.text.includes("typed-wrong-secret"), wrong.text);
    } finally {
      await issuer.stop();
      issuer = undefined;
    }
  });

  it("several service URLs: Test connection fails over from a closed port to the next URL", async () => {
    await deploy(STORED);
    const list = `http://127.0.0.1:${await freePort()}, ${url}`;
    const { text, json } = await post("/pulsar-ws-endpoint/test", { id: "new", serviceUrl: list, token: TYPED });
    assert.equal(json.ok, true, text);
  });
});
