/**
 * The admin REST checks behind "Test connection" and topic suggestions (admin-checks.ts), against
 * canned answers (an AdminGet that looks paths up in a table), plus the real HTTP client
 * (admin-client.ts) against a loopback server.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { errorOf } from "../../support/errors";
import { freePort } from "../../support/net";
import { httpGetter, lookup, networkFailure, parseDir, testConnection, webSocketProbePath, type AdminGet } from "../../../nodes/lib/connection/admin-checks";
import { adminCaller, adminPath, reasonOf, type AdminTarget, type HttpAnswer } from "../../../nodes/lib/connection/admin-client";

const defaults = { tenant: "public", namespace: "default" };
const target: AdminTarget = { httpBase: "http://pulsar.test:8080" };
const R = "pulsar.admin.result.";

function json(value: unknown, status = 200): HttpAnswer {
  return { status, body: JSON.stringify(value) };
}

/** Answers from a table; unknown paths are 404 with Pulsar's JSON reason. Records what was asked. */
function table(answers: Record<string, HttpAnswer | Error>): AdminGet & { asked: string[] } {
  const asked: string[] = [];
  const get = (path: string): Promise<HttpAnswer> => {
    asked.push(path);
    const answer = answers[path];
    if (answer instanceof Error) return Promise.reject(answer);
    return Promise.resolve(answer ?? json({ reason: "Not found" }, 404));
  };
  return Object.assign(get, { asked });
}

const errno = (code: string): Error => Object.assign(new Error(`connect ${code}`), { code });
const WS_PROBE = "/ws/v2/producer/persistent/public/default/__pulsar_ws_probe";
const LIST_DEFAULT = "/admin/v2/persistent/public/default";

describe("pulsar-admin: Test connection", () => {
  it("passes when the admin API lists the default namespace and the WebSocket path exists", async () => {
    const get = table({ [LIST_DEFAULT]: json(["persistent://public/default/a", "persistent://public/default/b"]), [WS_PROBE]: { status: 405, body: "<html>" } });
    const result = await testConnection(get, target, defaults);
    assert.deepEqual(result, {
      ok: true,
      lines: [
        { level: "ok", key: R + "topics-ok", params: { namespace: "public/default", count: 2 } },
        { level: "ok", key: R + "ws-ok", params: { status: 405 } },
      ],
    });
    assert.deepEqual(get.asked, [LIST_DEFAULT, WS_PROBE]);
  });

  it("reports a disabled WebSocket service (404 on the session path)", async () => {
    const result = await testConnection(table({ [LIST_DEFAULT]: json([]), [WS_PROBE]: { status: 404, body: "<html>" } }), target, defaults);
    assert.equal(result.ok, false);
    assert.equal(result.lines[1].key, R + "ws-missing");
  });

  it("probes the legacy v1 path when a cluster is set, and names that case", async () => {
    const v1 = webSocketProbePath(defaults, "standalone");
    assert.equal(v1, "/ws/producer/persistent/public/standalone/default/__pulsar_ws_probe");
    const result = await testConnection(table({ [LIST_DEFAULT]: json([]), [v1]: { status: 404, body: "" } }), target, defaults, "standalone");
    assert.equal(result.lines[1].key, R + "ws-v1-missing");
  });

  it("tells a missing token from a rejected one (401), and stops there", async () => {
    const refused = { [LIST_DEFAULT]: json({ reason: "Authentication required" }, 401) };
    const without = await testConnection(table(refused), target, defaults);
    assert.deepEqual(without.lines, [{ level: "error", key: R + "unauthorized-no-token", params: { status: 401, what: "public/default", reason: "Authentication required" } }]);
    const get = table(refused);
    const withToken = await testConnection(get, { ...target, token: "t0k3n" }, defaults);
    assert.equal(withToken.lines[0].key, R + "unauthorized");
    assert.deepEqual(get.asked, [LIST_DEFAULT], "no WebSocket probe after a failed admin call");
  });

  it("treats 403 on the topic list as a warning: producing and consuming may still be allowed", async () => {
    const result = await testConnection(table({ [LIST_DEFAULT]: json({ reason: "Unauthorized" }, 403), [WS_PROBE]: { status: 405, body: "" } }), target, defaults);
    assert.equal(result.ok, true);
    assert.deepEqual(result.lines.map((l) => l.level), ["warn", "ok"]);
    assert.equal(result.lines[0].key, R + "forbidden-list");
  });

  it("tells a missing namespace (Pulsar's JSON 404) from a URL that is not Pulsar (other 404, 200 non-list)", async () => {
    const missing = await testConnection(table({ [LIST_DEFAULT]: json({ reason: "Namespace does not exist" }, 404) }), target, defaults);
    assert.equal(missing.lines[0].key, R + "not-found");
    assert.equal(missing.lines[0].params?.reason, "Namespace does not exist");
    const html = await testConnection(table({ [LIST_DEFAULT]: { status: 404, body: "<html>Not Found</html>" } }), target, defaults);
    assert.equal(html.lines[0].key, R + "not-pulsar");
    const page = await testConnection(table({ [LIST_DEFAULT]: { status: 200, body: "<html>welcome</html>" } }), target, defaults);
    assert.equal(page.lines[0].key, R + "not-pulsar");
  });

  it("reports network failures with the host and the error code", async () => {
    const refused = await testConnection(table({ [LIST_DEFAULT]: errno("ECONNREFUSED") }), target, defaults);
    assert.deepEqual(refused, { ok: false, lines: [{ level: "error", key: R + "unreachable", params: { host: "pulsar.test:8080", reason: "ECONNREFUSED" } }] });
    assert.equal(networkFailure(errno("DEPTH_ZERO_SELF_SIGNED_CERT"), "https://h:8443").key, R + "tls");
    assert.equal(networkFailure(errno("ETIMEDOUT_ADMIN"), "https://h:8443").key, R + "timeout");
  });

  it("keeps only Pulsar's short reason from an error body", () => {
    assert.equal(reasonOf('{"reason":"Namespace does not exist"}'), "Namespace does not exist");
    assert.equal(reasonOf("<html>500</html>"), "");
    // Pulsar appends the Java stack trace to an unexpected error: not for a status line or the editor.
    assert.equal(reasonOf('{"reason":"--- An unexpected error occurred in the server --- Message: Incorrect parameter input Stacktrace: org.apache.X: y"}'), "--- An unexpected error occurred in the server --- Message: Incorrect parameter input");
    assert.equal(reasonOf(JSON.stringify({ reason: "x".repeat(500) })).length, 200);
  });
});

describe("pulsar-admin: topic suggestions", () => {
  it("parses only directory prefixes it can complete", () => {
    assert.deepEqual(parseDir(""), { domain: undefined, segments: [] });
    assert.deepEqual(parseDir("t/"), { domain: undefined, segments: ["t"] });
    assert.deepEqual(parseDir("t/ns/"), { domain: undefined, segments: ["t", "ns"] });
    assert.deepEqual(parseDir("persistent://"), { domain: "persistent", segments: [] });
    assert.deepEqual(parseDir("non-persistent://t/ns/"), { domain: "non-persistent", segments: ["t", "ns"] });
    for (const bad of ["t", "t/ns/x/", "t//", "mqtt://", "persistent://t"]) assert.equal(parseDir(bad), undefined, bad);
  });

  it("top level: short names of the default namespace, then tenants to descend into", async () => {
    const get = table({
      [LIST_DEFAULT]: json(["persistent://public/default/orders", "persistent://public/default/audit"]),
      [`${LIST_DEFAULT}/partitioned`]: json([]),
      "/admin/v2/tenants": json(["public", "acme"]),
    });
    const result = await lookup(get, target, "", defaults);
    assert.deepEqual(result, { ok: true, items: ["audit", "orders", "acme/", "public/"] });
  });

  it("a non-super-user who may not list tenants still gets the default tenant", async () => {
    const get = table({ [LIST_DEFAULT]: json([]), [`${LIST_DEFAULT}/partitioned`]: json([]), "/admin/v2/tenants": json({ reason: "no" }, 401) });
    assert.deepEqual(await lookup(get, target, "", defaults), { ok: true, items: ["public/"] });
    const ns = table({ "/admin/v2/namespaces/public": json({ reason: "no" }, 403) });
    assert.deepEqual(await lookup(ns, target, "public/", defaults), { ok: true, items: ["public/default/"] });
  });

  it("namespaces of a tenant, keeping the domain the user typed", async () => {
    const get = table({ "/admin/v2/namespaces/acme": json(["acme/sensors", "acme/billing"]) });
    assert.deepEqual(await lookup(get, target, "acme/", defaults), { ok: true, items: ["acme/billing/", "acme/sensors/"] });
    assert.deepEqual(await lookup(get, target, "persistent://acme/", defaults), { ok: true, items: ["persistent://acme/billing/", "persistent://acme/sensors/"] });
  });

  it("topics of a namespace: a partitioned topic once, short form without a domain", async () => {
    const get = table({
      "/admin/v2/persistent/acme/sensors": json(["persistent://acme/sensors/temp-partition-0", "persistent://acme/sensors/temp-partition-1", "persistent://acme/sensors/raw"]),
      "/admin/v2/persistent/acme/sensors/partitioned": json(["persistent://acme/sensors/temp"]),
      "/admin/v2/non-persistent/acme/sensors": json(["non-persistent://acme/sensors/live"]),
      "/admin/v2/non-persistent/acme/sensors/partitioned": json([]),
    });
    assert.deepEqual(await lookup(get, target, "acme/sensors/", defaults), { ok: true, items: ["acme/sensors/raw", "acme/sensors/temp"] });
    assert.deepEqual(await lookup(get, target, "non-persistent://acme/sensors/", defaults), { ok: true, items: ["non-persistent://acme/sensors/live"] });
  });

  it("says why nothing could be listed", async () => {
    const denied = await lookup(table({ "/admin/v2/namespaces/acme": json({ reason: "Unauthorized" }, 401) }), { ...target, token: "x" }, "acme/", defaults);
    assert.equal(denied.ok, false);
    assert.equal(denied.error?.key, R + "unauthorized");
    const down = await lookup(table({ [LIST_DEFAULT]: errno("ECONNREFUSED") }), target, "", defaults);
    assert.equal(down.error?.key, R + "unreachable");
    assert.deepEqual(await lookup(table({}), target, "a/b/c/", defaults), { ok: true, items: [] });
  });
});

describe("pulsar-admin: HTTP client", () => {
  let server: http.Server;
  let base: string;
  const seen: http.IncomingHttpHeaders[] = [];
  const methods: string[] = [];

  before(async () => {
    server = http.createServer((req, res) => {
      seen.push(req.headers);
      methods.push(req.method ?? "");
      if (req.url === "/prefix/slow") return; // never answers
      if (req.url === "/prefix/auth") {
        const ok = req.headers.authorization === "Bearer new";
        res.writeHead(ok ? 200 : 401, { "Content-Type": "application/json" }).end(ok ? "[]" : '{"reason":"expired"}');
        return;
      }
      res.writeHead(req.url === "/prefix/admin/v2/tenants" ? 200 : 404, { "Content-Type": "application/json" });
      res.end(req.url === "/prefix/admin/v2/tenants" ? '["public"]' : '{"reason":"nope"}');
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/prefix`;
  });

  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("GETs below the base (path prefix kept) with the token as a Bearer header", async () => {
    const answer = await httpGetter({ httpBase: base, token: "s3cret" })("/admin/v2/tenants");
    assert.deepEqual(answer, { status: 200, body: '["public"]' });
    assert.equal(seen.at(-1)?.authorization, "Bearer s3cret");
    await httpGetter({ httpBase: base })("/other");
    assert.equal(seen.at(-1)?.authorization, undefined);
  });

  it("fails over to the next base on a network error, and says which one answered", async () => {
    const closed = `http://127.0.0.1:${await freePort()}/prefix`;
    const worked: string[] = [];
    const answer = await httpGetter({ httpBase: closed, httpBases: [closed, base], worked: (b) => worked.push(b) })("/admin/v2/tenants");
    assert.equal(answer.status, 200);
    assert.deepEqual(worked, [base]);
    await assert.rejects(httpGetter({ httpBase: closed, httpBases: [closed] })("/admin/v2/tenants"), /ECONNREFUSED/);
  });

  it("a call that changes something fails over only when it cannot have reached a server; the list is asked per call", async () => {
    const closed = `http://127.0.0.1:${await freePort()}/prefix`;
    let bases = [closed, base];
    const call = adminCaller({ httpBase: closed, httpBases: () => bases });
    assert.equal((await call({ method: "POST", path: "/admin/v2/tenants" })).status, 200, "refused by the closed port, then answered by the next");
    assert.equal(methods.at(-1), "POST");
    bases = [closed];
    await assert.rejects(call({ method: "DELETE", path: "/x" }), /ECONNREFUSED/);
    // Sent, then no answer in time: not sent again elsewhere, it may have been applied.
    const slow = adminCaller({ httpBase: base, httpBases: [base, base], timeoutMs: 100 });
    const before = seen.length;
    await assert.rejects(slow({ method: "PUT", path: "/slow" }), (e: NodeJS.ErrnoException) => e.code === "ETIMEDOUT_ADMIN");
    assert.equal(seen.length - before, 1);
  });

  it("asks for the token on every call; a 401 to it is retried once with a renewed one", async () => {
    let current = "old";
    const refused: (string | undefined)[] = [];
    const get = httpGetter({ httpBase: base, bearer: () => Promise.resolve(current), refused: (t) => {
      refused.push(t);
      current = "new";
    } });
    assert.equal((await get("/admin/v2/tenants")).status, 200);
    assert.equal(seen.at(-1)?.authorization, "Bearer old");
    assert.deepEqual(refused, []);
    assert.equal((await get("/auth")).status, 200, "renewed after the 401");
    assert.deepEqual(refused, ["old"]);
    assert.equal(seen.at(-1)?.authorization, "Bearer new");
  });

  it("gives up after its timeout with a code networkFailure reports as a timeout", async () => {
    const err = await httpGetter({ httpBase: base, timeoutMs: 100 })("/slow").then(() => undefined, (e: unknown) => e);
    assert.equal(networkFailure(err, base).key, R + "timeout");
  });
});

describe("pulsar-admin: messages", () => {
  const root = path.resolve(__dirname, "../../../..");
  const read = (file: string): string => fs.readFileSync(path.join(root, file), "utf8");
  const catalog = JSON.parse(read("nodes/locales/en-US/admin.json")) as { pulsar: { admin: { result: Record<string, string> } } };
  const results = catalog.pulsar.admin.result;

  it("every result key the runtime or the editor produces is in admin.json, and every one there is produced", () => {
    const sources = ["nodes/lib/connection/admin-checks.ts", "nodes/lib/editor-api.ts", "nodes/pulsar-ws-endpoint.html", "resources/pulsar-ws-editor.js"].map(read).join("\n");
    // `R + "key"`, `R + (cond ? "a" : "b")` and full "pulsar.admin.result.key" literals.
    const uses = [...sources.matchAll(/R \+ (\([^)]*\)|"[^"]*")|"pulsar\.admin\.result\.([a-z0-9-]+)"/g)];
    const produced = new Set(uses.flatMap((m) => (m[2] ? [m[2]] : [...m[1].matchAll(/"([a-z0-9-]+)"/g)].map((q) => q[1]))));
    assert.ok(produced.size > 10);
    for (const key of produced) assert.ok(results[key], `pulsar.admin.result.${key} is missing from admin.json`);
    for (const key of Object.keys(results)) assert.ok(produced.has(key), `pulsar.admin.result.${key} is never produced`);
  });
});

describe("connection/admin-client adminPath: every name in an admin path, checked and encoded in one place", () => {
  it("encodes names and keeps the API's own words", () => {
    assert.equal(adminPath("admin", "v2", ["domain", "persistent"], ["tenant", "t"], ["namespace", "n s"], ["topic", "a+b?#%"]), "/admin/v2/persistent/t/n%20s/a%2Bb%3F%23%25");
  });

  it("refuses dot segments, slashes, control characters, empty names and lone surrogates, naming the field", () => {
    for (const bad of ["..", ".", "a/b", "a\u0001b", "a\u0085", "", "\uD800"]) {
      const err = errorOf(() => adminPath("admin", "v2", ["namespace", bad]));
      assert.equal(err.code, "admin-name-invalid", JSON.stringify(bad));
      assert.equal(err.details.field, "namespace");
    }
  });
});

describe("admin HTTP client: a whole call is bounded in time", () => {
  it("a server that answers one byte at a time fails the call at its deadline, not at the body cap", async () => {
    const server = http.createServer((_req, res) => {
      res.writeHead(200, { "Content-Type": "application/json" });
      res.write("[");
      const drip = setInterval(() => res.write(" "), 50);
      res.on("close", () => clearInterval(drip));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const call = adminCaller({ httpBase: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, timeoutMs: 300 });
      const started = Date.now();
      const err = await call({ method: "GET", path: "/admin/v2/persistent/public/default" }).then(
        () => undefined,
        (e: unknown) => e as { code?: string },
      );
      const took = Date.now() - started;
      assert.equal(err?.code, "ETIMEDOUT_ADMIN");
      assert.ok(took < 1500, `took ${took} ms for a 300 ms deadline`);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

describe("admin HTTP client: an echoed token never survives in an error answer", () => {
  it("also when the server escapes it in its JSON (\\u003d for =, \\/ for /), and control characters in a reason are not passed on", async () => {
    const token = "opaque/Tok+en==";
    const server = http.createServer((req, res) => {
      const echoed = JSON.stringify(`rejected ${req.headers.authorization ?? ""}\u001b[31m`).replace(/=/g, "\\u003d").replace(/\//g, "\\/");
      res.writeHead(403, { "Content-Type": "application/json" });
      res.end(`{"reason":${echoed}}`);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const call = adminCaller({ httpBase: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, bearer: () => Promise.resolve(token) });
      const answer = await call({ method: "GET", path: "/admin/v2/tenants" });
      const reason = reasonOf(answer.body);
      assert.equal(answer.status, 403);
      assert.ok(!reason.includes(token) && !answer.body.includes("Tok+en"), `the token is in ${JSON.stringify(answer.body)}`);
      assert.match(reason, /rejected Bearer \*\*\*/);
      // eslint-disable-next-line no-control-regex
      assert.ok(!/[\u0000-\u001f\u007f-\u009f]/.test(reason), `a control character in ${JSON.stringify(reason)}`);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
