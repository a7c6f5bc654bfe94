/**
 * The published artefact, as a user gets it: `npm pack`, then
 * - its contents: what must be there (the built nodes, LICENSE, CHANGELOG, README) and nothing that
 *   must not (tests, bench, harness, scripts, sources, compat, docs); source maps whose sources
 *   are in them, since the .ts files are not shipped;
 * - its README as npm and the Flow Library show it, where the repository's docs/ does not exist:
 *   every link and image absolute, and each one into this repository naming a file (and heading)
 *   that is there;
 * - `npm install <tarball>` into a fresh Node-RED user directory → a real Node-RED runtime lists
 *   the five node types (four nodes and the keys config node) and logs no warning or error about them.
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
const pkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as { version: string; repository: { url: string } };
/** https://github.com/<owner>/<name>, from package.json's repository. */
const repository = pkg.repository.url.replace(/^git\+/, "").replace(/\.git$/, "");
const { pathname: repoPath } = new URL(repository);

/** GitHub's anchor for a Markdown heading. */
function slug(heading: string): string {
  return heading.trim().toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, "").replace(/\s/g, "-");
}

function anchors(markdown: string): Set<string> {
  return new Set(markdown.split("\n").filter((line) => /^#{1,6} /.test(line)).map((line) => slug(line.replace(/^#+ /, ""))));
}

/** The repository file a link points at (blob/main or raw main), with its anchor; undefined for other hosts. */
function repositoryTarget(url: string): { file: string; anchor?: string } | undefined {
  const u = new URL(url);
  let match: RegExpExecArray | null = null;
  if (u.host === "github.com") match = new RegExp(`^${repoPath}/(?:blob|tree)/main/(.+)$`).exec(u.pathname);
  else if (u.host === "raw.githubusercontent.com") match = new RegExp(`^${repoPath}/main/(.+)$`).exec(u.pathname);
  if (u.host === "github.com" && (u.pathname === repoPath || u.pathname === `${repoPath}/issues`)) return { file: "." };
  if (!match) return undefined;
  return { file: decodeURIComponent(match[1]), anchor: u.hash ? u.hash.slice(1) : undefined };
}
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

describe("npm pack → the tarball's contents, its README, an install into a fresh Node-RED user directory", function () {
  this.timeout(240000);
  let work: string;
  let runtime: ChildProcess | undefined;
  let log = "";
  let filename: string;
  let packed: string[];
  /** The tarball unpacked: its package/ folder. */
  let unpacked: string;

  before(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), "pulsar-ws-pack-"));
    // The build already ran (npm test builds first); skip prepack's second build.
    const out = execFileSync("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", work], { cwd: root, encoding: "utf8" });
    const [result] = JSON.parse(out) as { filename: string; files: { path: string }[] }[];
    filename = result.filename;
    packed = result.files.map((f) => f.path);
    execFileSync("tar", ["-xzf", path.join(work, filename), "-C", work]);
    unpacked = path.join(work, "package");
    console.log(`      tarball ${filename}: ${packed.length} files`);
  });

  after(() => {
    runtime?.kill("SIGKILL");
    fs.rmSync(work, { recursive: true, force: true });
  });

  it("holds what a user needs: the built nodes, LICENSE, CHANGELOG, README, examples", () => {
    for (const required of ["dist/nodes/pulsar-out.js", "dist/nodes/pulsar-out.html", "dist/nodes/locales/en-US/pulsar-in.json", "dist/nodes/icons/pulsar.svg",
      "README.md", "package.json", "LICENSE", "CHANGELOG.md", "examples/Basic produce and consume.json", "resources/pulsar-ws-editor.js",
      // The Pulsar sidebar plugin: runtime, editor template, its catalog, its script and style.
      "dist/nodes/pulsar-sidebar.js", "dist/nodes/pulsar-sidebar.html", "dist/nodes/locales/en-US/pulsar-sidebar.json", "resources/pulsar-sidebar.js", "resources/pulsar-sidebar.css"]) {
      assert.ok(packed.includes(required), `${required} is missing from the tarball`);
    }
    const license = fs.readFileSync(path.join(unpacked, "LICENSE"), "utf8");
    for (const part of ["Apache License", "Version 2.0, January 2004", "TERMS AND CONDITIONS FOR USE, REPRODUCTION, AND DISTRIBUTION",
      "9. Accepting Warranty or Additional Liability.", "END OF TERMS AND CONDITIONS", "APPENDIX: How to apply the Apache License to your work."]) {
      assert.ok(license.includes(part), `LICENSE lacks "${part}": not the whole Apache License 2.0 text`);
    }
    const changelog = fs.readFileSync(path.join(unpacked, "CHANGELOG.md"), "utf8");
    const first = /^## (\d+\.\d+\.\d+)/m.exec(changelog);
    assert.equal(first?.[1], pkg.version, "the changelog's newest entry is the package's version");
    assert.match(changelog, /^## 0\.1\.0 /m, "the changelog goes back to 0.1.0");
  });

  it("holds nothing that must not be published: tests, bench, harness, scripts, TypeScript sources, compat, docs", () => {
    const forbidden = /^(dist\/)?(test|bench|harness|scripts|compat|docs|\.ci|\.node-red)\/|\.ts$|^tsconfig|^\.mocharc|^eslint/;
    assert.deepEqual(packed.filter((p) => forbidden.test(p)), []);
    assert.deepEqual(packed.filter((p) => !/^(dist\/nodes|examples|resources|icons)\/|^(README\.md|LICENSE|CHANGELOG\.md|package\.json)$/.test(p)), [],
      "only the package's own folders and files");
  });

  it("ships source maps that carry their sources, and every map a built file names", () => {
    const maps = packed.filter((p) => p.endsWith(".js.map"));
    assert.ok(maps.length > 0, "the built nodes come with maps (stack traces name the .ts lines)");
    for (const map of maps) {
      const { sources, sourcesContent } = JSON.parse(fs.readFileSync(path.join(unpacked, map), "utf8")) as { sources: string[]; sourcesContent?: (string | null)[] };
      sources.forEach((source, i) => {
        const shipped = packed.includes(path.posix.normalize(path.posix.join(path.posix.dirname(map), source)));
        assert.ok(shipped || typeof sourcesContent?.[i] === "string", `${map}: its source ${source} is neither in the tarball nor in the map`);
      });
    }
    for (const js of packed.filter((p) => p.endsWith(".js"))) {
      const named = /\/\/# sourceMappingURL=(\S+)\s*$/.exec(fs.readFileSync(path.join(unpacked, js), "utf8"))?.[1];
      if (named) assert.ok(packed.includes(path.posix.join(path.posix.dirname(js), named)), `${js} names ${named}, which is not in the tarball`);
    }
  });

  it("has a README whose links and image work on npm and in the Flow Library (absolute, into files that exist)", () => {
    const readme = fs.readFileSync(path.join(unpacked, "README.md"), "utf8");
    const targets = [...readme.matchAll(/!?\[[^\]]*\]\(([^)\s]+)\)/g)].map((m) => m[1]);
    assert.ok(targets.length >= 10, `links found: ${targets.length}`);
    let inRepository = 0;
    for (const target of targets) {
      if (target.startsWith("#")) {
        assert.ok(anchors(readme).has(target.slice(1)), `README links to #${target.slice(1)}, which is no heading of it`);
        continue;
      }
      assert.match(target, /^https:\/\//, `README links to ${target}: relative links do not exist on npm or in the Flow Library`);
      const file = repositoryTarget(target);
      if (!file) continue;
      inRepository++;
      const local = path.join(root, file.file);
      assert.ok(fs.existsSync(local), `README links to ${target}: ${file.file} is not in the repository`);
      if (file.anchor) assert.ok(anchors(fs.readFileSync(local, "utf8")).has(file.anchor), `README links to ${target}: no such heading in ${file.file}`);
    }
    assert.ok(inRepository >= 5, `links into the repository: ${inRepository}`);
    const images = [...readme.matchAll(/!\[[^\]]*\]\(([^)\s]+)\)/g)].map((m) => m[1]);
    assert.ok(images.length >= 1 && images.every((i) => i.startsWith(`https://raw.githubusercontent.com${repoPath}/main/`)), `images: ${images.join(", ")}`);
  });

  it("installs the tarball and Node-RED loads the five node types and the sidebar plugin without warnings", async () => {
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
    assert.deepEqual(types, ["pulsar-admin", "pulsar-in", "pulsar-out", "pulsar-ws-endpoint", "pulsar-ws-keys"]);
    for (const set of ours) {
      assert.equal(set.err, undefined, `node set error: ${set.err}`);
      assert.ok(set.enabled, `node set not enabled: ${JSON.stringify(set)}`);
    }
    // The sidebar plugin is loaded too (a plugin, not a node type).
    const plugins = (await getJson(`http://127.0.0.1:${port}/plugins`)) as { id: string; module: string; plugins?: { id: string }[] }[];
    const sidebar = plugins.find((p) => p.module === "@pulsar-ws/node-red-pulsar");
    assert.ok(sidebar, `plugin sets: ${JSON.stringify(plugins)}`);
    assert.deepEqual((sidebar.plugins ?? []).map((p) => p.id), ["pulsar-sidebar"]);
    const complaints = log.split("\n").filter((l) => /\[(warn|error)\]/.test(l) && /pulsar/i.test(l));
    assert.deepEqual(complaints, [], `Node-RED complained:\n${complaints.join("\n")}`);
  });
});
