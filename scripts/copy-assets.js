// Node-RED loads each node's editor .html, message catalog, help and icons from beside its
// built .js (registry loader: template = file.replace(/\.js$/, ".html"), catalog =
// locales/<lang>/<basename>.json, icons = dirname(js)/icons), so the build puts them next to
// dist/nodes/*.js.
//
// The nodes (and the sidebar plugin) share one vocabulary (status texts, errors, labels), but Node-RED scopes a
// catalog to one node file. So the sources keep each language's strings once, split by
// concern in nodes/locales/<lang>/*.json, and the build merges them into one catalog per
// node file. Help stays per node (<type>.html).
"use strict";
const fs = require("fs");
const path = require("path");

const root = path.resolve(__dirname, "..");
const out = path.join(root, "dist", "nodes");
const pkg = require(path.join(root, "package.json"));
// Plugins (the Pulsar sidebar) load their catalog the same way: locales/<lang>/<basename>.json.
const nodeBasenames = [...Object.values(pkg["node-red"].nodes), ...Object.values(pkg["node-red"].plugins ?? {})].map((f) => path.basename(f, ".js"));

function copyDir(from, to) {
  fs.mkdirSync(to, { recursive: true });
  for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
    const src = path.join(from, entry.name);
    const dst = path.join(to, entry.name);
    if (entry.isDirectory()) copyDir(src, dst);
    else fs.copyFileSync(src, dst);
  }
}

function deepMerge(target, source, where) {
  for (const [key, value] of Object.entries(source)) {
    if (value && typeof value === "object" && !Array.isArray(value)) {
      target[key] = deepMerge(target[key] || {}, value, `${where}.${key}`);
    } else if (key in target) {
      throw new Error(`duplicate message key ${where}.${key}`);
    } else {
      target[key] = value;
    }
  }
  return target;
}

fs.mkdirSync(out, { recursive: true });
for (const f of fs.readdirSync(path.join(root, "nodes"))) {
  if (f.endsWith(".html")) fs.copyFileSync(path.join(root, "nodes", f), path.join(out, f));
}

const localesDir = path.join(root, "nodes", "locales");
for (const lang of fs.readdirSync(localesDir)) {
  const langDir = path.join(localesDir, lang);
  const outLang = path.join(out, "locales", lang);
  fs.mkdirSync(outLang, { recursive: true });
  const catalog = {};
  for (const f of fs.readdirSync(langDir).sort()) {
    const src = path.join(langDir, f);
    if (f.endsWith(".json")) deepMerge(catalog, JSON.parse(fs.readFileSync(src, "utf8")), f);
    else if (f.endsWith(".html")) fs.copyFileSync(src, path.join(outLang, f));
  }
  for (const base of nodeBasenames) {
    fs.writeFileSync(path.join(outLang, `${base}.json`), JSON.stringify(catalog, null, 2));
  }
}
copyDir(path.join(root, "icons"), path.join(out, "icons"));
