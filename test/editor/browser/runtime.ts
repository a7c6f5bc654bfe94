/**
 * A real Node-RED runtime with this package installed the way a user gets it: `npm pack` of the
 * built project, `npm install <tarball>` into a fresh user directory, then `node-red` (the
 * devDependency's red.js) on a free loopback port. Its log goes to a file beside the screenshots.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { freePort } from "../../support/net";

/** The project root: the nearest folder above this file (test/ or dist/test/) with the package's package.json. */
function findRoot(start: string): string {
  for (let dir = start; ; dir = path.dirname(dir)) {
    const pkgFile = path.join(dir, "package.json");
    if (fs.existsSync(pkgFile) && (JSON.parse(fs.readFileSync(pkgFile, "utf8")) as { "node-red"?: unknown })["node-red"]) return dir;
    if (path.dirname(dir) === dir) throw new Error(`package root not found above ${start}`);
  }
}

export const root = findRoot(__dirname);

export { freePort };

/** `npm pack` of the built project into `dir`; returns the tarball's path. */
export function packTarball(dir: string): string {
  if (!fs.existsSync(path.join(root, "dist", "nodes", "pulsar-ws-endpoint.html"))) {
    throw new Error("dist/nodes is missing: run `npm run build` first");
  }
  // --ignore-scripts: the build already ran; prepack would run it again.
  const out = execFileSync("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", dir], { cwd: root, encoding: "utf8" });
  const [{ filename }] = JSON.parse(out) as { filename: string }[];
  return path.join(dir, filename);
}

/** A Node-RED user directory with only the tarball installed (and its dependency, ws). */
export function prepareUserDir(userDir: string, tarball: string): void {
  fs.mkdirSync(userDir, { recursive: true });
  fs.writeFileSync(path.join(userDir, "package.json"), JSON.stringify({ name: "node-red-project", private: true }));
  execFileSync("npm", ["install", "--no-audit", "--no-fund", tarball], { cwd: userDir, stdio: "pipe" });
}

export interface RuntimeOptions {
  userDir: string;
  logFile: string;
  /** Extra environment, e.g. the token the endpoint names as ${PULSAR_TOKEN}. */
  env?: Record<string, string>;
  /** More settings.js entries (JSON only), e.g. adminAuth with users of different permissions. */
  settings?: Record<string, unknown>;
}

export interface Runtime {
  url: string;
  /** The runtime's log so far. */
  log(): string;
  stop(): Promise<void>;
}

function getStatus(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    http.get(url, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    }).on("error", reject);
  });
}

export async function startNodeRed(opts: RuntimeOptions, startTimeoutMs = 60000): Promise<Runtime> {
  const port = await freePort();
  const settingsFile = path.join(opts.userDir, "settings.js");
  // No catalogue (the editor would fetch it from the internet), no welcome tour over the canvas,
  // credentials in clear text in the temp dir so a failed run can be inspected.
  const settings = {
    uiHost: "127.0.0.1",
    uiPort: port,
    flowFile: "flows.json",
    credentialSecret: false,
    editorTheme: { tours: false, palette: { catalogues: [] }, projects: { enabled: false } },
    telemetry: { enabled: false },
    logging: { console: { level: "info" } },
    ...opts.settings,
  };
  fs.writeFileSync(settingsFile, `module.exports = ${JSON.stringify(settings, null, 2)};\n`);
  const redJs = require.resolve("node-red/red.js", { paths: [root] });
  const logFd = fs.openSync(opts.logFile, "w");
  const child: ChildProcess = spawn(process.execPath, [redJs, "--userDir", opts.userDir, "--settings", settingsFile], {
    env: { ...process.env, ...opts.env },
    stdio: ["ignore", logFd, logFd],
  });
  fs.closeSync(logFd);
  const url = `http://127.0.0.1:${port}/`;
  const log = (): string => fs.readFileSync(opts.logFile, "utf8");
  const stop = (): Promise<void> =>
    new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      const timer = setTimeout(() => child.kill("SIGKILL"), 10000);
      child.once("exit", () => {
        clearTimeout(timer);
        resolve();
      });
      child.kill("SIGTERM");
    });

  const deadline = Date.now() + startTimeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`Node-RED exited with ${child.exitCode}:\n${log()}`);
    if (/Started flows/.test(log()) && (await getStatus(url).catch(() => 0)) === 200) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`Node-RED did not start within ${startTimeoutMs / 1000} s:\n${log()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return { url, log, stop };
}
