#!/usr/bin/env node
// What `npm start` runs (as `exec node scripts/npm-start.js`, so that npm's shell is replaced and
// the signals npm forwards, SIGINT and SIGTERM, reach this process). Plain JavaScript because it
// runs before the TypeScript is built: it builds when dist/ is missing or older than the sources,
// then loads dist/scripts/start.js into this same process, which handles the signals itself.
"use strict";
const { spawn } = require("child_process");
const fs = require("fs");
const path = require("path");

const root = path.resolve(__dirname, "..");
const entry = path.join(root, "dist", "scripts", "start.js");
/** What the build reads (tsconfig's sources and the assets copy-assets.js puts beside them). */
const sources = ["nodes", "harness", "scripts", "test", "bench", "icons", "tsconfig.json", "package.json"];
const skip = new Set([path.join(root, "harness", "pulsar", "work"), __filename]);

const [major, minor] = process.versions.node.split(".").map(Number);
if (major < 18 || (major === 18 && minor < 5)) {
  console.error(`npm start needs Node.js 18.5 or later (Node-RED 4); this is ${process.version}.`);
  process.exit(1);
}

function newestMtime(file) {
  if (skip.has(file) || !fs.existsSync(file)) return 0;
  const stat = fs.statSync(file);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = 0;
  for (const name of fs.readdirSync(file)) newest = Math.max(newest, newestMtime(path.join(file, name)));
  return newest;
}

function needsBuild() {
  if (!fs.existsSync(entry)) return true;
  const built = fs.statSync(entry).mtimeMs;
  return sources.some((source) => newestMtime(path.join(root, source)) > built);
}

/** Runs one build step; a signal meanwhile is passed on to it and ends npm start. */
function run(args) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: root, stdio: "inherit" });
    const forward = (signal) => child.kill(signal);
    const signals = ["SIGINT", "SIGTERM", "SIGHUP"];
    for (const signal of signals) process.on(signal, forward);
    child.once("error", reject);
    child.once("exit", (code, signal) => {
      for (const s of signals) process.removeListener(s, forward);
      if (signal) process.exit(1);
      if (code === 0) resolve();
      else reject(new Error(`${args.map((a) => path.relative(root, a)).join(" ")} failed (exit ${code})`));
    });
  });
}

async function main() {
  if (needsBuild()) {
    console.log("Building (the sources are newer than dist/)...");
    await run([require.resolve("typescript/bin/tsc", { paths: [root] }), "-p", path.join(root, "tsconfig.json")]);
    await run([path.join(root, "scripts", "copy-assets.js")]);
  }
  require(entry);
}

main().catch((err) => {
  console.error(err.message);
  process.exit(1);
});
