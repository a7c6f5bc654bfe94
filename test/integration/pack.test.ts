/**
 * The published artefact, as a user gets it: `npm pack` → `npm install <tarball>` into a fresh
 * Node-RED user directory → a real Node-RED runtime lists the four node types and logs no
 * warning or error about them.
 */
import assert from "node:assert/strict";
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { freePort } from "../support/net";
import { until } from "../support/wait";

const root = path.resolve(__dirname, "../../..");
const nodeRedMain = require.resolve("node-red/red.js", { paths: [root] });

function getJson(url: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers: { Accept: "application/json" } }, (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => (body += c));
        res.on("end", () => {
          try {
            resolve(JSON.parse(body));
          } catch (err) {
            reject(err);
          }
        });
      })
      .on("error", reject);
  });
}

describe("npm pack → install into a fresh Node-RED user directory", function () {
  this.timeout(240000);
  let work: string;
  let runtime: ChildProcess | undefined;
  let log = "";

  before(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), "pulsar-ws-pack-"));
  });

  after(() => {
    runtime?.kill("SIGKILL");
    fs.rmSync(work, { recursive: true, force: true });
  });

  it("installs the tarball and Node-RED loads the four node types without warnings", async () => {
    // The build already ran (npm test builds first); skip prepack's second build.
    const out = execFileSync("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", work], { cwd: root, encoding: "utf8" });
    const [{ filename, files }] = JSON.parse(out) as { filename: string; files: { path: string }[] }[];
    const packed = files.map((f) => f.path);
    for (const required of ["dist/nodes/pulsar-out.js", "dist/nodes/pulsar-out.html", "dist/nodes/locales/en-US/pulsar-in.json", "dist/nodes/icons/pulsar.svg", "README.md", "package.json"]) {
      assert.ok(packed.includes(required), `${required} is missing from the tarball`);
    }
    assert.ok(!packed.some((p) => p.startsWith("dist/test/") || p.startsWith("test/")), "tests must not be published");
    console.log(`      tarball ${filename}: ${files.length} files`);

    const userDir = path.join(work, "userdir");
    fs.mkdirSync(userDir);
    fs.writeFileSync(path.join(userDir, "package.json"), JSON.stringify({ name: "node-red-project", private: true }));
    execFileSync("npm", ["install", "--no-audit", "--no-fund", path.join(work, filename)], { cwd: userDir, stdio: "pipe" });

    const port = await freePort();
    fs.writeFileSync(path.join(userDir, "settings.js"), `module.exports = { uiHost: "127.0.0.1", uiPort: ${port}, flowFile: "flows.json", logging: { console: { level: "info" } } };`);
    runtime = spawn(process.execPath, [nodeRedMain, "--userDir", userDir, "--settings", path.join(userDir, "settings.js")], { stdio: ["ignore", "pipe", "pipe"] });
    runtime.stdout!.on("data", (d: Buffer) => (log += d.toString()));
    runtime.stderr!.on("data", (d: Buffer) => (log += d.toString()));

    type NodeSet = { module: string; types: string[]; enabled: boolean; err?: string };
    const sets = await until(async () => {
      const list = (await getJson(`http://127.0.0.1:${port}/nodes`)) as NodeSet[];
      return Array.isArray(list) ? list : undefined;
    }, 60000, "the node list", { intervalMs: 250, retryErrors: true });
    const ours = sets.filter((s) => s.module === "@pulsar-ws/node-red-pulsar");
    const types = ours.flatMap((s) => s.types).sort();
    assert.deepEqual(types, ["pulsar-admin", "pulsar-in", "pulsar-out", "pulsar-ws-endpoint"]);
    for (const set of ours) {
      assert.equal(set.err, undefined, `node set error: ${set.err}`);
      assert.ok(set.enabled, `node set not enabled: ${JSON.stringify(set)}`);
    }
    const complaints = log.split("\n").filter((l) => /\[(warn|error)\]/.test(l) && /pulsar/i.test(l));
    assert.deepEqual(complaints, [], `Node-RED complained:\n${complaints.join("\n")}`);
  });
});
