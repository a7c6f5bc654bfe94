/**
 * The package's editor-side files as Node-RED serves them: the node HTML files (their script blocks and
 * templates), the shared resources/pulsar-ws-editor.js, the help files and the message catalogs merged as the
 * build merges them. Also `translate`, a node's `_`, which records every key asked for so a test can check
 * them all against the catalog at the end (see "every key translated at run time exists").
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";

export type Translate = (key: string, opts?: Record<string, unknown>) => string;

export function findRoot(start: string): string {
  let dir = start;
  for (;;) {
    const pkgFile = path.join(dir, "package.json");
    if (fs.existsSync(pkgFile)) {
      const pkg = JSON.parse(fs.readFileSync(pkgFile, "utf8")) as { "node-red"?: unknown };
      if (pkg["node-red"]) return dir;
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error("package root not found from " + start);
    dir = parent;
  }
}

export const root = findRoot(__dirname);
export const pkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as {
  name: string;
  "node-red": { nodes: Record<string, string> };
};
export const TYPES = ["pulsar-ws-endpoint", "pulsar-out", "pulsar-in", "pulsar-admin"] as const;
export type NodeType = (typeof TYPES)[number];

export const localeDir = path.join(root, "nodes", "locales", "en-US");
export type Catalog = { [key: string]: string | Catalog };
export const editorCatalog = JSON.parse(fs.readFileSync(path.join(localeDir, "editor.json"), "utf8")) as Catalog;
// Test connection and topic suggestions (pulsar.admin.*); checked in pulsar-admin.test.ts.
export const adminCatalog = JSON.parse(fs.readFileSync(path.join(localeDir, "admin.json"), "utf8")) as Catalog;
const runtimeFile = path.join(localeDir, "runtime.json");
export const runtimeCatalog: Catalog | null = fs.existsSync(runtimeFile)
  ? (JSON.parse(fs.readFileSync(runtimeFile, "utf8")) as Catalog)
  : null;

/** Same merge as scripts/copy-assets.js: nested objects merge, a repeated leaf is an error. */
export function mergeCatalogs(target: Catalog, source: Catalog, where: string): Catalog {
  for (const [key, value] of Object.entries(source)) {
    if (typeof value === "object") {
      const existing = target[key];
      if (typeof existing === "string") throw new Error(`duplicate message key ${where}.${key}`);
      target[key] = mergeCatalogs(existing ?? {}, value, `${where}.${key}`);
    } else if (key in target) {
      throw new Error(`duplicate message key ${where}.${key}`);
    } else {
      target[key] = value;
    }
  }
  return target;
}

export const catalog: Catalog = mergeCatalogs({}, editorCatalog, "editor.json");
mergeCatalogs(catalog, adminCatalog, "admin.json");
if (runtimeCatalog) mergeCatalogs(catalog, runtimeCatalog, "runtime.json");

export function lookup(key: string): string | undefined {
  let node: string | Catalog | undefined = catalog;
  for (const part of key.split(".")) {
    if (node === undefined || typeof node === "string") return undefined;
    node = node[part];
  }
  return typeof node === "string" ? node : undefined;
}

/** Every key a script asked to translate, to check against the catalog at the end. */
export const requestedKeys = new Set<string>();

/** A node's `_`: resolves from the merged catalog (falls back to the key, as Node-RED does). */
export const translate: Translate = (key, opts) => {
  requestedKeys.add(key);
  let text = lookup(key) ?? key;
  for (const [name, value] of Object.entries(opts ?? {})) text = text.split(`__${name}__`).join(String(value));
  return text;
};

export function nodeHtml(type: NodeType): string {
  return fs.readFileSync(path.join(root, "nodes", `${type}.html`), "utf8");
}

/** The same extraction node-red-dev validate uses (checknodes.js getNodeDefinitions). */
export function javascriptBlocks(html: string): string[] {
  const re = /<script.+?type=['"]text\/javascript['"].*?>([\S\s]*?)<\/script>/gi;
  const blocks: string[] = [];
  let m: RegExpExecArray | null;
  // Blocks with a src (the shared resources/pulsar-ws-editor.js) have no inline code.
  while ((m = re.exec(html)) !== null) if (m[1].trim() !== "") blocks.push(m[1]);
  return blocks;
}

/** The shared editor helpers every dialog loads first (Node-RED serves them from resources/). */
export const sharedEditorScript = fs.readFileSync(path.join(root, "resources", "pulsar-ws-editor.js"), "utf8");

export function templateOf(html: string, type: NodeType): string {
  const re = new RegExp(`<script type="text/html" data-template-name="${type}">([\\s\\S]*?)</script>`);
  const m = re.exec(html);
  assert.ok(m, `${type}: no data-template-name="${type}" template`);
  return m[1];
}

/** A node's help (nodes/locales/en-US/<type>.html), the inside of its data-help-name script. */
export function help(type: NodeType): string {
  const file = path.join(localeDir, `${type}.html`);
  assert.ok(fs.existsSync(file), `${file} missing`);
  const html = fs.readFileSync(file, "utf8");
  const re = new RegExp(`<script type="text/html" data-help-name="${type}">([\\s\\S]*?)</script>`);
  const m = re.exec(html);
  assert.ok(m, `${type}: no data-help-name script`);
  return m[1];
}

/** Help text without tags, entities decoded enough for plain-text checks. */
export function helpText(html: string): string {
  return html.replace(/<[^>]+>/g, "").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&")
    .replace(/\s+/g, " ");
}
