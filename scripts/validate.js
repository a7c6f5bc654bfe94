// `npm run validate`: the Flow Library's scorecard (`node-red-dev validate`) on this package,
// failing unless every check passes (P01, P03–P08, N01, N02, D01–D03; P02 is disabled in the tool).
//
// The tool downloads the Flow Library catalogue (https://catalogue.nodered.org/catalogue.json) for
// P08 and N01, and this machine reaches no host but the package registries. Its HTTP client (axios
// 0.21) sends a request for an https URL to an http:// proxy as a plain `GET https://…`, so a tiny
// proxy on loopback, named in HTTPS_PROXY, answers that one URL with a stub catalogue and refuses
// everything else. NO_PROXY keeps the npm registry (P06, P07, D02, D03) out of the proxy.
//
// The stub is a real excerpt of the catalogue's shape: the other Pulsar package with its node types,
// and this package itself (the tool skips a package's own entry). Our type names appear under no
// other module, so N01 passes for the right reason; a clash would fail it as it would online.
//
// Needs the build (dist/nodes/*.html is what the tool parses). Scorecard: test-output/validate/.
"use strict";
const { execFileSync, spawn } = require("child_process");
const fs = require("fs");
const http = require("http");
const path = require("path");

const root = path.resolve(__dirname, "..");
const pkg = require(path.join(root, "package.json"));
const CATALOGUE_URL = "https://catalogue.nodered.org/catalogue.json";
const EXPECTED = ["P01", "P03", "P04", "P05", "P06", "P07", "P08", "N01", "N02", "D01", "D02", "D03"];
const TIMEOUT_MS = 180000;

function stubCatalogue() {
  const module = (id, version, types) => ({ id, version, description: "", keywords: ["node-red"], updated_at: "2026-01-01T00:00:00.000Z", types, url: `https://flows.nodered.org/node/${id}` });
  return {
    name: "Node-RED Community catalogue (stub for offline validation)",
    updated_at: "2026-01-01T00:00:00.000Z",
    modules: [
      module("@ng-galien/node-red-pulsar", "1.2.0", ["pulsar-client", "pulsar-authentication", "pulsar-schema", "pulsar-consumer", "pulsar-reader", "pulsar-producer"]),
      module("node-red-node-serialport", "2.0.3", ["serial in", "serial out", "serial request", "serial-port"]),
      module(pkg.name, pkg.version, Object.keys(pkg["node-red"].nodes)),
    ],
  };
}

/** The proxy: the catalogue for its one URL, 502 for anything else (listed, so a new fetch shows up). */
function startProxy() {
  const served = [];
  const refused = [];
  const body = JSON.stringify(stubCatalogue());
  const server = http.createServer((req, res) => {
    if (req.method === "GET" && req.url === CATALOGUE_URL) {
      served.push(req.url);
      res.writeHead(200, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(body) });
      res.end(body);
    } else {
      refused.push(`${req.method} ${req.url}`);
      res.writeHead(502, { "Content-Type": "text/plain" });
      res.end("offline validation proxy: only the Flow Library catalogue is served\n");
    }
  });
  // CONNECT tunnels (what other clients do for https through a proxy) are refused the same way.
  server.on("connect", (req, socket) => {
    refused.push(`CONNECT ${req.url}`);
    socket.end("HTTP/1.1 502 Bad Gateway\r\n\r\n");
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve({ server, port: server.address().port, served, refused }));
  });
}

function registryHost() {
  const registry = execFileSync("npm", ["config", "get", "registry"], { cwd: root, encoding: "utf8" }).trim();
  return new URL(registry).hostname;
}

function runValidate(env, scorecardFile) {
  const bin = require.resolve("node-red-dev/bin/run", { paths: [root] });
  return new Promise((resolve, reject) => {
    // stdin closed: the tool opens a readline on it and must not wait for a terminal.
    const child = spawn(process.execPath, [bin, "validate", "-p", root, "-o", scorecardFile], { cwd: root, env, stdio: ["ignore", "inherit", "inherit"] });
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`node-red-dev validate did not finish within ${TIMEOUT_MS / 1000} s`));
    }, TIMEOUT_MS);
    child.once("error", reject);
    child.once("exit", (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

async function main() {
  for (const js of Object.values(pkg["node-red"].nodes)) {
    if (!fs.existsSync(path.join(root, js.replace(/\.js$/, ".html")))) throw new Error(`${js.replace(/\.js$/, ".html")} is missing: run npm run build first`);
  }
  const outDir = path.join(root, "test-output", "validate");
  fs.mkdirSync(outDir, { recursive: true });
  const scorecardFile = path.join(outDir, "scorecard.json");
  fs.rmSync(scorecardFile, { force: true });

  const proxy = await startProxy();
  const started = Date.now();
  const noProxy = registryHost();
  const env = { ...process.env, HTTPS_PROXY: `http://127.0.0.1:${proxy.port}`, NO_PROXY: noProxy };
  // Lower-case variants win in some clients: set them alike so no inherited value leaks in.
  env.https_proxy = env.HTTPS_PROXY;
  env.no_proxy = env.NO_PROXY;
  delete env.HTTP_PROXY;
  delete env.http_proxy;
  let code;
  try {
    code = await runValidate(env, scorecardFile);
  } finally {
    proxy.server.close();
  }

  const problems = [];
  if (code !== 0) problems.push(`node-red-dev exited with ${code}`);
  if (proxy.served.length === 0) problems.push("the catalogue was never fetched through the proxy");
  if (proxy.refused.length) problems.push(`requests the proxy could not serve: ${proxy.refused.join(", ")}`);
  const scorecard = fs.existsSync(scorecardFile) ? JSON.parse(fs.readFileSync(scorecardFile, "utf8")) : {};
  const results = EXPECTED.map((id) => [id, scorecard[id] ? scorecard[id].test === true : undefined]);
  for (const [id, ok] of results) {
    if (ok !== true) problems.push(`${id} ${ok === undefined ? "missing from the scorecard" : "failed"}: ${JSON.stringify(scorecard[id] || null)}`);
  }
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  console.log(`\nscorecard (${path.relative(root, scorecardFile)}, ${seconds} s, catalogue served ${proxy.served.length}× through 127.0.0.1:${proxy.port}, NO_PROXY=${noProxy}):`);
  console.log(results.map(([id, ok]) => `${id}:${ok === true ? "pass" : "FAIL"}`).join(" "));
  if (problems.length) {
    console.error(`\nvalidate failed:\n  ${problems.join("\n  ")}`);
    process.exit(1);
  }
  console.log(`${results.length} passed, 0 failed`);
}

main().catch((err) => {
  console.error(err && err.stack ? err.stack : err);
  process.exit(1);
});
