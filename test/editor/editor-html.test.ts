/**
 * Editor side of the three nodes, without a browser: each `<script type="text/javascript">` block of
 * nodes/<type>.html runs in a `vm` context with a stub `RED` (registerType captures the definition)
 * and a small fake jQuery built from the node's template. Checks the definitions Node-RED and
 * `node-red-dev validate` read, the validators, labels, form behaviour, i18n keys and help.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import vm from "node:vm";
import fc from "fast-check";
import { checkSubscriptionName, parseTopic } from "../../nodes/lib/protocol/topics";
import { parseTopicList, parseTopicPattern } from "../../nodes/lib/protocol/topic-list";
import { normalizeServiceUrl } from "../../nodes/lib/protocol/urls";
import { consumerQuery, normalizeStartMessageId, producerQuery } from "../../nodes/lib/protocol/options";
import { resolveEndpointSettings } from "../../nodes/lib/endpoint-settings";

// ---------------------------------------------------------------------------------------------
// Types for what the editor scripts hand to RED.nodes.registerType

type Translate = (key: string, opts?: Record<string, unknown>) => string;
type NodeLike = Record<string, unknown> & { id: string; _?: Translate };
type Validator = (this: NodeLike, v: unknown, opt?: Record<string, unknown>) => unknown;

interface PropDef {
  value?: unknown;
  type?: string;
  required?: boolean;
  label?: string;
  validate?: Validator;
}

interface NodeDef {
  category?: string;
  color?: string;
  defaults: Record<string, PropDef>;
  credentials?: Record<string, { type: string }>;
  inputs?: number;
  outputs?: number;
  icon?: string;
  align?: string;
  paletteLabel?: string | ((this: { _: Translate }) => string);
  label?: string | ((this: NodeLike) => string);
  labelStyle?: string | ((this: NodeLike) => string);
  oneditprepare?: (this: NodeLike) => void;
  oneditsave?: (this: NodeLike) => unknown;
  oneditcancel?: (this: NodeLike) => void;
}

// ---------------------------------------------------------------------------------------------
// Files

function findRoot(start: string): string {
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

const root = findRoot(__dirname);
const pkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as {
  name: string;
  "node-red": { nodes: Record<string, string> };
};
const TYPES = ["pulsar-ws-endpoint", "pulsar-out", "pulsar-in", "pulsar-admin"] as const;
type NodeType = (typeof TYPES)[number];

const localeDir = path.join(root, "nodes", "locales", "en-US");
type Catalog = { [key: string]: string | Catalog };
const editorCatalog = JSON.parse(fs.readFileSync(path.join(localeDir, "editor.json"), "utf8")) as Catalog;
// Test connection and topic suggestions (pulsar.admin.*); checked in pulsar-admin.test.ts.
const adminCatalog = JSON.parse(fs.readFileSync(path.join(localeDir, "admin.json"), "utf8")) as Catalog;
const runtimeFile = path.join(localeDir, "runtime.json");
const runtimeCatalog: Catalog | null = fs.existsSync(runtimeFile)
  ? (JSON.parse(fs.readFileSync(runtimeFile, "utf8")) as Catalog)
  : null;

/** Same merge as scripts/copy-assets.js: nested objects merge, a repeated leaf is an error. */
function mergeCatalogs(target: Catalog, source: Catalog, where: string): Catalog {
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

const catalog: Catalog = mergeCatalogs({}, editorCatalog, "editor.json");
mergeCatalogs(catalog, adminCatalog, "admin.json");
if (runtimeCatalog) mergeCatalogs(catalog, runtimeCatalog, "runtime.json");

function lookup(key: string): string | undefined {
  let node: string | Catalog | undefined = catalog;
  for (const part of key.split(".")) {
    if (node === undefined || typeof node === "string") return undefined;
    node = node[part];
  }
  return typeof node === "string" ? node : undefined;
}

/** Every key a script asked to translate, to check against the catalog at the end. */
const requestedKeys = new Set<string>();

/** A node's `_`: resolves from the merged catalog (falls back to the key, as Node-RED does). */
const translate: Translate = (key, opts) => {
  requestedKeys.add(key);
  let text = lookup(key) ?? key;
  for (const [name, value] of Object.entries(opts ?? {})) text = text.split(`__${name}__`).join(String(value));
  return text;
};

function nodeHtml(type: NodeType): string {
  return fs.readFileSync(path.join(root, "nodes", `${type}.html`), "utf8");
}

/** The same extraction node-red-dev validate uses (checknodes.js getNodeDefinitions). */
function javascriptBlocks(html: string): string[] {
  const re = /<script.+?type=['"]text\/javascript['"].*?>([\S\s]*?)<\/script>/gi;
  const blocks: string[] = [];
  let m: RegExpExecArray | null;
  // Blocks with a src (the shared resources/pulsar-ws-editor.js) have no inline code.
  while ((m = re.exec(html)) !== null) if (m[1].trim() !== "") blocks.push(m[1]);
  return blocks;
}

/** The shared editor helpers every dialog loads first (Node-RED serves them from resources/). */
const sharedEditorScript = fs.readFileSync(path.join(root, "resources", "pulsar-ws-editor.js"), "utf8");

function templateOf(html: string, type: NodeType): string {
  const re = new RegExp(`<script type="text/html" data-template-name="${type}">([\\s\\S]*?)</script>`);
  const m = re.exec(html);
  assert.ok(m, `${type}: no data-template-name="${type}" template`);
  return m[1];
}

// ---------------------------------------------------------------------------------------------
// A small fake jQuery over the elements of a template

/** What a handler gets: the event's type, and preventDefault (the lookup button calls it). */
interface FakeEvent {
  type: string;
  keyCode?: number;
  preventDefault(): void;
}
type Handler = (evt: FakeEvent) => void;

/** The options a script gives Node-RED's autoComplete widget. */
interface AutoCompleteOptions {
  search: (value: string, done: (items: string[]) => void) => void;
  minLength?: number;
}

interface FakeElement {
  tag: string;
  id: string;
  classes: string[];
  type: string;
  options: string[];
  value: string | null;
  checked: boolean;
  visible: boolean;
  extraClasses: Set<string>;
  handlers: Map<string, Handler[]>;
  /** Text set with .text(), and elements appended (the lines of a status area). */
  text: string;
  children: FakeElement[];
  autoComplete?: AutoCompleteOptions;
  /** What autoComplete's search offered on the last keyup, as the widget would list it. */
  offered?: string[];
}

function newElement(tag: string, id = "", classes: string[] = [], type = ""): FakeElement {
  return {
    tag, id, classes, type, options: [], value: "", checked: false, visible: true,
    extraClasses: new Set<string>(), handlers: new Map<string, Handler[]>(), text: "", children: [],
  };
}

/** The text an element shows, its children's included. */
function textOf(el: FakeElement): string {
  return el.text + el.children.map(textOf).join("");
}

function parseElements(template: string): FakeElement[] {
  const elements: FakeElement[] = [];
  const tagRe = /<(input|select|option|div|span|ul|label|a|button)\b([^>]*)>/g;
  let select: FakeElement | null = null;
  let m: RegExpExecArray | null;
  while ((m = tagRe.exec(template)) !== null) {
    const attrs = m[2];
    const attr = (name: string): string => {
      const a = new RegExp(`\\b${name}="([^"]*)"`).exec(attrs);
      return a ? a[1] : "";
    };
    if (m[1] === "option") {
      if (select) select.options.push(attr("value"));
      continue;
    }
    const el = newElement(m[1], attr("id"), attr("class").split(/\s+/).filter(Boolean), attr("type"));
    elements.push(el);
    select = el.tag === "select" ? el : select;
  }
  for (const el of elements) if (el.tag === "select") el.value = el.options[0] ?? null;
  return elements;
}

class FakeQuery {
  constructor(readonly els: FakeElement[]) {}

  get length(): number {
    return this.els.length;
  }

  val(): string | null | undefined;
  val(value: unknown): FakeQuery;
  val(value?: unknown): string | null | undefined | FakeQuery {
    if (value === undefined) return this.els.length ? this.els[0].value : undefined;
    for (const el of this.els) {
      const s = String(value);
      el.value = el.tag === "select" && !el.options.includes(s) ? null : s;
    }
    return this;
  }

  prop(name: string): boolean | undefined;
  prop(name: string, value: boolean): FakeQuery;
  prop(name: string, value?: boolean): boolean | undefined | FakeQuery {
    assert.equal(name, "checked", "fake jQuery only knows prop('checked')");
    if (value === undefined) return this.els.length ? this.els[0].checked : undefined;
    for (const el of this.els) el.checked = value;
    return this;
  }

  is(selector: string): boolean {
    if (!this.els.length) return false;
    if (selector === ":checked") return this.els[0].checked;
    if (selector === ":visible") return this.els[0].visible;
    if (selector === ":focus") return false;
    throw new Error("fake jQuery: is(" + selector + ")");
  }

  attr(name: string): string | undefined {
    if (!this.els.length) return undefined;
    if (name === "type") return this.els[0].type || undefined;
    if (name === "id") return this.els[0].id || undefined;
    return undefined;
  }

  on(events: string, handler: Handler): FakeQuery {
    for (const el of this.els) {
      for (const ev of events.split(/\s+/).filter(Boolean)) {
        const list = el.handlers.get(ev) ?? [];
        list.push(handler);
        el.handlers.set(ev, list);
      }
    }
    return this;
  }

  trigger(event: string | { type: string; keyCode?: number }): FakeQuery {
    const evt: FakeEvent = { ...(typeof event === "string" ? { type: event } : event), preventDefault: () => undefined };
    for (const el of this.els) {
      for (const h of el.handlers.get(evt.type) ?? []) h(evt);
      // Node-RED's autoComplete searches on keyup and lists what search gives back.
      if (evt.type === "keyup" && el.autoComplete) {
        el.autoComplete.search(el.value ?? "", (items) => {
          // Copied: an array made inside the vm has the other realm's prototype.
          el.offered = [...items];
        });
      }
    }
    return this;
  }

  autoComplete(options: AutoCompleteOptions): FakeQuery {
    for (const el of this.els) el.autoComplete = options;
    return this;
  }

  focus(): FakeQuery {
    return this;
  }

  empty(): FakeQuery {
    for (const el of this.els) {
      el.children = [];
      el.text = "";
    }
    return this;
  }

  text(value: string): FakeQuery {
    for (const el of this.els) el.text = value;
    return this;
  }

  addClass(cls: string): FakeQuery {
    return this.toggleClass(cls, true);
  }

  append(child: FakeQuery): FakeQuery {
    if (this.els.length) this.els[0].children.push(...child.els);
    return this;
  }

  appendTo(target: FakeQuery): FakeQuery {
    target.append(this);
    return this;
  }

  toggle(state?: boolean): FakeQuery {
    for (const el of this.els) el.visible = state === undefined ? !el.visible : !!state;
    return this;
  }

  show(): FakeQuery {
    return this.toggle(true);
  }

  hide(): FakeQuery {
    return this.toggle(false);
  }

  toggleClass(cls: string, state?: boolean): FakeQuery {
    for (const el of this.els) {
      const on = state === undefined ? !el.extraClasses.has(cls) : state;
      if (on) el.extraClasses.add(cls);
      else el.extraClasses.delete(cls);
    }
    return this;
  }

  hasClass(cls: string): boolean {
    return this.els.some((el) => el.classes.includes(cls) || el.extraClasses.has(cls));
  }

  children(): FakeQuery {
    return new FakeQuery([]);
  }
}

/** An admin call of the editor (POST pulsar-ws-endpoint/<path>) and what the runtime answers. */
type AdminAnswer = (path: string, body: Record<string, unknown>) => Record<string, unknown>;

interface FakeJQuery {
  (selector: unknown): FakeQuery;
  ajax(opts: { url: string; data: string }): { done(cb: (res: unknown) => void): { fail(cb: () => void): void } };
  extend(...objects: (Record<string, unknown> | undefined)[]): Record<string, unknown>;
  Event(type: string, props?: Record<string, unknown>): { type: string };
}

interface Form {
  $: FakeJQuery;
  els: FakeElement[];
  /** Every admin call, in order; `answer` decides what the runtime says. */
  calls: { path: string; body: Record<string, unknown> }[];
  answer: AdminAnswer;
}

function makeForm(template: string): Form {
  const els = parseElements(template);
  const query = (selector: unknown): FakeQuery => {
    if (typeof selector !== "string") return new FakeQuery([]);
    if (selector.startsWith("#")) return new FakeQuery(els.filter((e) => e.id === selector.slice(1)));
    if (selector.startsWith(".")) return new FakeQuery(els.filter((e) => e.classes.includes(selector.slice(1))));
    // A new element, e.g. $('<div class="x"></div>').
    const created = /^<(\w+)(?:\s+class="([^"]*)")?\s*>/.exec(selector);
    if (created) return new FakeQuery([newElement(created[1], "", (created[2] ?? "").split(/\s+/).filter(Boolean))]);
    return new FakeQuery([]);
  };
  const form: Form = {
    $: Object.assign(query, {
      ajax(opts: { url: string; data: string }) {
        const path = opts.url.replace(/^pulsar-ws-endpoint\//, "");
        const body = JSON.parse(opts.data) as Record<string, unknown>;
        form.calls.push({ path, body });
        const res = form.answer(path, body);
        return { done: (cb: (r: unknown) => void) => (cb(res), { fail: (): void => undefined }) };
      },
      extend: (...objects: (Record<string, unknown> | undefined)[]) => Object.assign({}, ...objects.map((o) => o ?? {})),
      Event: (type: string, props?: Record<string, unknown>) => ({ type, ...props }),
    }),
    els,
    calls: [],
    answer: () => ({ ok: true, items: [] }),
  };
  return form;
}

/** An empty page: what validators see when no edit dialog is open. */
const noForm: Form = makeForm("");

// ---------------------------------------------------------------------------------------------
// Running a node's editor script

interface Loaded {
  defs: Map<string, NodeDef>;
  redKeys: string[];
}

/** A key as RED._ gets it from the shared editor code (the stub answers with the key itself). */
function shared(key: string): string {
  assert.ok(lookup(key) !== undefined, `${key} not in the catalog`);
  return `${pkg.name}/pulsar-ws-endpoint:${key}`;
}

/** Config nodes the editor holds, by id (RED.nodes.node). */
const editorNodes = new Map<string, Record<string, unknown>>();

function runEditorScript(type: NodeType, form: Form = noForm): Loaded {
  const blocks = javascriptBlocks(nodeHtml(type));
  const defs = new Map<string, NodeDef>();
  const redKeys: string[] = [];
  const RED = {
    nodes: {
      registerType(nodeType: string, def: NodeDef): void {
        assert.ok(!defs.has(nodeType), `${nodeType} registered twice`);
        defs.set(nodeType, def);
      },
      node(id: string): Record<string, unknown> | null {
        return editorNodes.get(id) ?? null;
      },
    },
    validators: {
      number: (blankAllowed: boolean) => (v: unknown) =>
        (blankAllowed && (v === "" || v === undefined)) || (v !== "" && !isNaN(Number(v))),
      regex: (re: RegExp) => (v: unknown) => re.test(String(v)),
      typedInput: () => () => true,
    },
    _: (key: string): string => {
      redKeys.push(key);
      return key;
    },
    tabs: {
      create: () => ({ addTab: (): void => undefined, resize: (): void => undefined }),
    },
  };
  const context = vm.createContext({ RED, $: form.$, setTimeout, console });
  context.window = context;
  assert.match(nodeHtml(type), /<script type="text\/javascript" src="resources\/@pulsar-ws\/node-red-pulsar\/pulsar-ws-editor\.js"><\/script>/);
  vm.runInContext(sharedEditorScript, context, { filename: "resources/pulsar-ws-editor.js" });
  for (const block of blocks) vm.runInContext(block, context, { filename: `nodes/${type}.html` });
  return { defs, redKeys };
}

function definition(type: NodeType, form?: Form): NodeDef {
  const def = runEditorScript(type, form).defs.get(type);
  assert.ok(def, `${type} not registered`);
  return def;
}

/** A node as the editor holds it: the defaults' values, overridden, plus `_`. */
function nodeOf(def: NodeDef, overrides: Record<string, unknown> = {}, withTranslate = true): NodeLike {
  const node: NodeLike = { id: "n1" };
  for (const [key, prop] of Object.entries(def.defaults)) node[key] = prop.value;
  Object.assign(node, overrides);
  if (withTranslate) node._ = translate;
  return node;
}

function validate(def: NodeDef, prop: string, value: unknown, node: NodeLike = nodeOf(def)): unknown {
  const v = def.defaults[prop]?.validate;
  assert.ok(v, `no validator for ${prop}`);
  return v.call(node, value, {});
}

function accepts(def: NodeDef, prop: string, values: unknown[], node?: NodeLike): void {
  for (const value of values) {
    assert.equal(validate(def, prop, value, node), true, `${prop} should accept ${JSON.stringify(value)}`);
  }
}

function rejects(def: NodeDef, prop: string, values: unknown[], node?: NodeLike): void {
  for (const value of values) {
    const r = validate(def, prop, value, node);
    assert.equal(typeof r, "string", `${prop} should reject ${JSON.stringify(value)} with a message, got ${String(r)}`);
    assert.ok(!String(r).startsWith("pulsar."), `${prop}: message key not in the catalog: ${String(r)}`);
  }
}

/** Opens the edit dialog as Node-RED does: fill the form from the node, then oneditprepare. */
function openEditor(type: NodeType, overrides: Record<string, unknown> = {}): { def: NodeDef; node: NodeLike; form: Form } {
  const form = makeForm(templateOf(nodeHtml(type), type));
  const def = definition(type, form);
  const node = nodeOf(def, overrides);
  const prefix = def.category === "config" ? "node-config-input" : "node-input";
  for (const key of Object.keys(def.defaults)) {
    const field = form.$(`#${prefix}-${key}`);
    if (!field.length) continue;
    if (field.attr("type") === "checkbox") field.prop("checked", !!node[key]);
    else field.val(node[key] === undefined || node[key] === null ? "" : node[key]);
  }
  def.oneditprepare?.call(node);
  return { def, node, form };
}

/** Objects made inside the vm have another realm's prototypes: compare them as plain JSON. */
function plain(value: unknown): unknown {
  return value === undefined ? undefined : JSON.parse(JSON.stringify(value));
}

function visible(form: Form, selector: string): boolean[] {
  return form.$(selector).els.map((e) => e.visible);
}

// ---------------------------------------------------------------------------------------------
// Expectations: the flow JSON contract (property names of exported flows) and the options the runtime reads

const EXPECTED_DEFAULTS: Record<NodeType, Record<string, unknown>> = {
  "pulsar-ws-endpoint": {
    name: "", serviceUrl: "http://localhost:8080", cluster: "", tenant: "public", namespace: "default", tls: "",
    tokenInQuery: false, pingInterval: 30, pongTimeout: 10, reconnectMin: 1, reconnectMax: 60, maxFrameSize: 1048576,
    maxIncomingFrameSize: 8388608, handshakeTimeout: 30, compression: false,
    authType: "", oauth2IssuerUrl: "", oauth2ClientId: "", oauth2Audience: "", oauth2Scope: "", proxy: "",
  },
  "pulsar-out": {
    name: "", endpoint: undefined, topic: "", maxInFlight: 500, bufferMessages: 10000, bufferBytes: 16777216,
    closeTimeout: 5, maxProducers: 10, sessionPerPartition: false, schema: "none", producerIdleTimeout: 60, producerName: "", sendTimeoutMillis: "",
    batchingEnabled: false, batchingMaxMessages: "", batchingMaxPublishDelay: "", maxPendingMessages: "",
    compressionType: "", messageRoutingMode: "", hashingScheme: "", initialSequenceId: "",
  },
  "pulsar-in": {
    name: "", endpoint: undefined, topic: "", mode: "subscription", subscription: "", subscriptionType: "Exclusive",
    initialPosition: "Latest", durable: true, consumerName: "", priorityLevel: "", ackMode: "auto", ackTimeoutMillis: "",
    negativeAckRedeliveryDelay: "", maxRedeliverCount: "", deadLetterTopic: "", receiverQueueSize: "", sessions: 1, pullMode: false,
    pullWindow: 100, payloadFormat: "auto", startMessageId: "latest", readerName: "", inputs: 1,
    topicPattern: "", patternDiscoverySeconds: 60, maxTopics: 100,
  },
  "pulsar-admin": { name: "", endpoint: undefined, operation: "stats", topic: "", subscription: "" },
};

const CONTRACT_PROPERTIES: Record<NodeType, string[]> = {
  "pulsar-ws-endpoint": ["name", "serviceUrl", "cluster", "tenant", "namespace", "tls"],
  "pulsar-out": ["name", "endpoint", "topic"],
  "pulsar-in": ["name", "endpoint", "topic", "mode", "subscription", "subscriptionType", "initialPosition", "ackMode",
    "payloadFormat", "startMessageId", "topicPattern", "patternDiscoverySeconds"],
  "pulsar-admin": ["name", "endpoint", "operation", "topic", "subscription"],
};

// appearance.md's list of colours.
const PALETTE = ["#3FADB5", "#87A980", "#A6BBCF", "#AAAA66", "#C0C0C0", "#C0DEED", "#C7E9C0", "#D7D7A0", "#D8BFD8",
  "#DAC4B4", "#DEB887", "#DEBD5C", "#E2D96E", "#E6E0F8", "#E7E7AE", "#E9967A", "#F3B567", "#FDD0A2", "#FDF0C2",
  "#FFAAAA", "#FFCC66", "#FFF0F0", "#FFFFFF"];

/** The keys of a node definition that Node-RED reads (docs: creating-nodes/node-html, properties). */
const NODE_RED_KEYS = ["category", "color", "defaults", "credentials", "inputs", "outputs", "icon", "align", "paletteLabel",
  "label", "labelStyle", "inputLabels", "outputLabels", "oneditprepare", "oneditsave", "oneditcancel", "oneditdelete",
  "oneditresize", "onpaletteadd", "onpaletteremove", "button", "exportable"];

const ALLOWED_SUBKEYS = ["label", "placeholder", "tip", "option", "validation", "paletteLabel", "section"];

// ---------------------------------------------------------------------------------------------

describe("editor html", () => {
  describe("files and definitions", () => {
    for (const type of TYPES) {
      it(`${type}: one template, one text/javascript block, one inline registerType, no inline help`, () => {
        const html = nodeHtml(type);
        templateOf(html, type);
        assert.equal(javascriptBlocks(html).length, 1);
        assert.ok(!/data-help-name/.test(html), "help belongs in locales/en-US");
        const { defs } = runEditorScript(type);
        assert.deepEqual([...defs.keys()], [type]);
        assert.match(javascriptBlocks(html)[0], new RegExp(`RED\\.nodes\\.registerType\\('${type}',\\s*\\{`));
      });

      it(`${type}: node-red-dev sees icon, colour, category, inputs and outputs as inline literals`, () => {
        const js = javascriptBlocks(nodeHtml(type))[0];
        assert.match(js, /\n\s*category: "(network|config)",\n/);
        assert.match(js, /\n\s*defaults: \{\n/);
        if (type !== "pulsar-ws-endpoint") {
          assert.match(js, /\n\s*color: "#[0-9A-Fa-f]{6}",\n/);
          // pulsar-admin has an icon of its own (icons/pulsar-admin.svg); the flow nodes share pulsar.svg.
          assert.match(js, type === "pulsar-admin" ? /\n\s*icon: "pulsar-admin\.svg",\n/ : /\n\s*icon: "pulsar\.svg",\n/);
          assert.match(js, /\n\s*inputs: \d,\n/);
          assert.match(js, /\n\s*outputs: \d,\n/);
        } else {
          assert.match(js, /\n\s*credentials: \{\n/);
        }
      });

      it(`${type}: the catalog namespace matches package.json`, () => {
        const js = javascriptBlocks(nodeHtml(type))[0];
        const m = /var NS = "([^"]+)";/.exec(js);
        assert.ok(m);
        const set = Object.entries(pkg["node-red"].nodes).find(([, file]) => path.basename(file, ".js") === type);
        assert.ok(set, `${type} not in package.json node-red.nodes`);
        assert.equal(m[1], `${pkg.name}/${set[0]}:`);
      });

      it(`${type}: every default has the documented value and nothing else is stored`, () => {
        const def = definition(type);
        assert.deepEqual(Object.keys(def.defaults).sort(), Object.keys(EXPECTED_DEFAULTS[type]).sort());
        for (const [key, value] of Object.entries(EXPECTED_DEFAULTS[type])) {
          assert.deepEqual(plain(def.defaults[key].value), value, `${type}.${key}`);
        }
        for (const key of CONTRACT_PROPERTIES[type]) assert.ok(key in def.defaults, `flow JSON contract: ${type}.${key}`);
      });

      it(`${type}: the defaults validate, so a flow with only the contract's properties deploys`, () => {
        const def = definition(type);
        const overrides: Record<string, unknown> =
          type === "pulsar-ws-endpoint" ? {} : { endpoint: "e1", topic: "orders", subscription: "flow-1" };
        const node = nodeOf(def, overrides);
        for (const [key, prop] of Object.entries(def.defaults)) {
          if (prop.validate) assert.equal(prop.validate.call(node, node[key], {}), true, `${type}.${key}`);
        }
      });

      it(`${type}: validators are Node-RED 3+ validators (v, opt), returning true or a message`, () => {
        const def = definition(type);
        for (const [key, prop] of Object.entries(def.defaults)) {
          if (prop.validate) assert.equal(prop.validate.length, 2, `${type}.${key}.validate must declare (v, opt)`);
        }
      });

      it(`${type}: every stored property has a field in the form`, () => {
        const def = definition(type);
        const template = templateOf(nodeHtml(type), type);
        const prefix = def.category === "config" ? "node-config-input" : "node-input";
        for (const key of Object.keys(def.defaults)) {
          assert.ok(template.includes(`id="${prefix}-${key}"`), `${type}: no #${prefix}-${key}`);
        }
      });
    }

    it("the three dialogs share resources/pulsar-ws-editor.js and .css, with no styles of their own", () => {
      const css = fs.readFileSync(path.join(root, "resources", "pulsar-ws-editor.css"), "utf8");
      for (const type of TYPES) {
        const html = nodeHtml(type);
        assert.match(html, /<link rel="stylesheet" href="resources\/@pulsar-ws\/node-red-pulsar\/pulsar-ws-editor\.css">/, type);
        assert.ok(!/<style\b/.test(html), `${type}: a <style> of its own`);
        assert.match(templateOf(html, type), /^\s*<div class="pulsar-ws-form">/, `${type}: the template's root has class pulsar-ws-form`);
        // Every layout class a template uses is styled by the shared file.
        for (const [, cls] of templateOf(html, type).matchAll(/class="[^"]*\b(pulsar-ws-(?:num|unit|topic|pattern|lookup|section))\b/g)) {
          assert.ok(css.includes(`.${cls}`), `${type}: .${cls} not in pulsar-ws-editor.css`);
        }
      }
      for (const cls of ["pulsar-ws-test-line", "pulsar-ws-level-error"]) assert.ok(css.includes(`.${cls}`), cls);
    });

    it("package.json lists pulsar-in before pulsar-out: the editor's palette keeps that order (in before out, as core's mqtt)", () => {
      const order = Object.values(pkg["node-red"].nodes).map((file) => path.basename(file, ".js"));
      assert.deepEqual([...order].sort(), [...TYPES].sort());
      assert.ok(order.indexOf("pulsar-in") < order.indexOf("pulsar-out"), order.join(", "));
    });

    it("pulsar-out and pulsar-in: network, one on-palette colour (not MQTT's), pulsar.svg, ports", () => {
      const out = definition("pulsar-out");
      const inn = definition("pulsar-in");
      for (const def of [out, inn]) {
        assert.equal(def.category, "network");
        assert.equal(def.icon, "pulsar.svg");
        assert.ok(PALETTE.includes(String(def.color).toUpperCase()), `colour ${String(def.color)} not on the palette`);
        assert.notEqual(String(def.color).toLowerCase(), "#d8bfd8");
      }
      assert.equal(out.color, inn.color);
      assert.equal(out.inputs, 1);
      assert.equal(out.outputs, 1);
      assert.equal(out.align, "right");
      // Always an input: control messages (subscribe, seek, …) besides manual acks.
      assert.equal(inn.inputs, 1);
      assert.equal(inn.outputs, 1);
      assert.equal(inn.align, undefined);
      for (const def of [out, inn]) {
        assert.equal(def.defaults.endpoint.type, "pulsar-ws-endpoint");
        assert.equal(def.defaults.endpoint.required, true);
        assert.equal(def.defaults.endpoint.label, `${pkg.name}/${def === out ? "pulsar-out" : "pulsar-in"}:pulsar.label.endpoint`);
      }
    });

    it("pulsar-ws-endpoint: config category, token is a password credential and never a default, tls-config", () => {
      const def = definition("pulsar-ws-endpoint");
      assert.equal(def.category, "config");
      assert.deepEqual(plain(def.credentials), { token: { type: "password" }, oauth2ClientSecret: { type: "password" } });
      assert.equal(def.credentials?.token.type, "password");
      assert.ok(!("token" in def.defaults));
      assert.equal(def.defaults.tls.type, "tls-config");
      assert.equal(def.defaults.tls.required, false);
      assert.equal(def.defaults.serviceUrl.required, true);
    });

    it("icons/pulsar.svg exists, is white on transparent and 2:3", () => {
      const file = path.join(root, "icons", "pulsar.svg");
      assert.ok(fs.existsSync(file));
      const svg = fs.readFileSync(file, "utf8");
      const tag = /<svg\b[^>]*>/.exec(svg);
      assert.ok(tag);
      const num = (name: string): number => Number((new RegExp(`\\b${name}="([\\d.]+)"`).exec(tag[0]) ?? [])[1]);
      const width = num("width");
      const height = num("height");
      assert.ok(width >= 40 && height >= 60, "at least 40 x 60");
      assert.equal(width * 3, height * 2);
      const box = /viewBox="([^"]+)"/.exec(tag[0]);
      assert.ok(box);
      const [, , w, h] = box[1].split(/[\s,]+/).map(Number);
      assert.equal(w * 3, h * 2);
      const paints = [...svg.matchAll(/\b(fill|stroke)="([^"]+)"/g)].map((m) => m[2].toLowerCase());
      assert.ok(paints.length > 0);
      for (const p of paints) assert.ok(["#fff", "#ffffff", "white", "none"].includes(p), `paint ${p} is not white`);
      assert.ok(!/<(rect|path|circle|ellipse)\b[^>]*\bfill="(?!#fff|#ffffff|white|none)/.test(svg));
      assert.ok(!/style="[^"]*(fill|background)/.test(svg), "no background");
    });
  });

  describe("labels", () => {
    it("pulsar-out / pulsar-in: name, else topic, else the type; italic when named", () => {
      for (const [type, fallback] of [["pulsar-out", "pulsar out"], ["pulsar-in", "pulsar in"]] as const) {
        const def = definition(type);
        assert.equal(typeof def.label, "function");
        assert.equal(typeof def.labelStyle, "function");
        const label = def.label as (this: NodeLike) => string;
        const style = def.labelStyle as (this: NodeLike) => string;
        assert.equal(label.call(nodeOf(def, { name: "Orders", topic: "t" })), "Orders");
        assert.equal(label.call(nodeOf(def, { topic: "persistent://t/ns/x" })), "persistent://t/ns/x");
        assert.equal(label.call(nodeOf(def)), fallback);
        assert.equal(style.call(nodeOf(def, { name: "Orders" })), "node_label_italic");
        assert.equal(style.call(nodeOf(def)), "");
      }
    });

    it("palette labels are pulsar out / pulsar in / pulsar endpoint / pulsar admin, through i18n", () => {
      const expected: Record<NodeType, string> = {
        "pulsar-out": "pulsar out", "pulsar-in": "pulsar in", "pulsar-ws-endpoint": "pulsar endpoint", "pulsar-admin": "pulsar admin",
      };
      for (const type of TYPES) {
        const def = definition(type);
        assert.equal(typeof def.paletteLabel, "function");
        const palette = def.paletteLabel as (this: { _: Translate }) => string;
        assert.equal(palette.call({ _: translate }), expected[type]);
      }
    });

    it("pulsar-ws-endpoint: name, else the service URL (with the cluster), never the token", () => {
      const def = definition("pulsar-ws-endpoint");
      const label = def.label as (this: NodeLike) => string;
      assert.equal(label.call(nodeOf(def, { name: "prod" })), "prod");
      assert.equal(label.call(nodeOf(def, { serviceUrl: "https://pulsar.example.com:8443" })), "https://pulsar.example.com:8443");
      const withCluster = label.call(nodeOf(def, { serviceUrl: "http://h:8080", cluster: "standalone" }));
      assert.ok(withCluster.includes("http://h:8080") && withCluster.includes("standalone"), withCluster);
      const secret = "eyJhbGciOiJIUzI1NiJ9.c2VjcmV0.sig";
      const leaky = nodeOf(def, {
        serviceUrl: `http://user:${secret}@h:8080/?token=${secret}`,
        credentials: { token: secret, has_token: true },
      });
      const text = label.call(leaky);
      assert.ok(!text.includes(secret), text);
      assert.ok(text.startsWith("http://h:8080"), text);
      assert.equal(label.call(nodeOf(def, { serviceUrl: "" })), "pulsar-ws-endpoint");
    });
  });

  describe("validators", () => {
    it("serviceUrl: http(s)/ws(s) with host, optional port and path, or ${VAR}", () => {
      const def = definition("pulsar-ws-endpoint");
      accepts(def, "serviceUrl", ["http://localhost:8080", "https://pulsar.example.com:8443", "ws://10.0.0.1:8080",
        "wss://gw.example.com/pulsar", "http://h:8080/", "http://[::1]:8080", "${PULSAR_URL}"]);
      rejects(def, "serviceUrl", ["", "localhost:8080", "ftp://h", "http://", "http://h?x=1", "http://h#frag",
        "http://u:p@h:8080", "http://h /x", "pulsar://h:6650"]);
    });

    it("serviceUrl validation agrees with the runtime's normalizeServiceUrl on these samples", () => {
      const def = definition("pulsar-ws-endpoint");
      for (const url of ["http://localhost:8080", "https://h:8443/", "ws://h", "wss://gw/x/y", "http://[::1]:8080",
        "localhost:8080", "ftp://h", "http://h?x=1", "http://h#f", "http://u:p@h", "pulsar://h:6650"]) {
        let runtimeOk = true;
        try {
          normalizeServiceUrl(url);
        } catch {
          runtimeOk = false;
        }
        assert.equal(validate(def, "serviceUrl", url) === true, runtimeOk, url);
      }
    });

    it("cluster, tenant, namespace: empty or Pulsar names", () => {
      const def = definition("pulsar-ws-endpoint");
      for (const prop of ["cluster", "tenant", "namespace"]) {
        accepts(def, prop, ["", "standalone", "my-tenant", "a.b_c=d:e", "${T}"]);
        rejects(def, prop, ["a/b", "a b", "ä", "x?", ".", ".."]);
      }
    });

    it("endpoint numbers", () => {
      const def = definition("pulsar-ws-endpoint");
      accepts(def, "pingInterval", [0, "30", "1.5", "${PING}"]);
      rejects(def, "pingInterval", ["", -1, "abc", "1,5"]);
      accepts(def, "pongTimeout", [1, "10", "0.5"]);
      rejects(def, "pongTimeout", [0, "", "-1"]);
      accepts(def, "reconnectMin", [1, 5, ".25"]);
      rejects(def, "reconnectMin", [0, "x"]);
      accepts(def, "maxFrameSize", [1048576, "10485760", 1024]);
      rejects(def, "maxFrameSize", [0, 1023, "", "1e6", "1.5"]);
      accepts(def, "reconnectMax", [60, 10], nodeOf(def, { reconnectMin: 10 }));
      rejects(def, "reconnectMax", [5, 0], nodeOf(def, { reconnectMin: 10 }));
    });

    for (const type of ["pulsar-out", "pulsar-in"] as const) {
      it(`${type}: topic forms`, () => {
        const def = definition(type);
        accepts(def, "topic", ["my-topic", "public/default/orders", "persistent://public/default/orders",
          "non-persistent://t/ns/x", "a+b", "tenant-1/ns.v2/topic_x", "t/ns/with space", "${TOPIC}"]);
        rejects(def, "topic", ["a/b", "a/b/c/d", "persistent://t/x", "persistent://t/ns/x/y", "persistent://my-topic",
          "http://t/ns/x", "t!/ns/x", "t/ns/", "/ns/x", "bad\u0001name", "t/ns/x\u0085", ".", "..", "t/../x", "./ns/x",
          "persistent://t/ns/.."]);
      });
    }

    it("topic: optional on pulsar-out (msg.topic is used) and on pulsar-in (a pattern, or waiting for subscribe); pulsar-in takes a list", () => {
      accepts(definition("pulsar-out"), "topic", ["", "  "]);
      accepts(definition("pulsar-in"), "topic", ["", "  ", "a, b", "a,\n t/ns/b\n", "persistent://t/ns/x,y"]);
      rejects(definition("pulsar-in"), "topic", ["a, x/y", "a,,t/ns/"]);
    });

    it("topicPattern: agrees with the runtime's parseTopicPattern; maxTopics 1 to 1000", () => {
      const inn = definition("pulsar-in");
      for (const pattern of ["", "sensor-.*", "persistent://t/ns/a|b", "non-persistent://t/ns/.+", "sensor-(", "persistent://t.*/ns/x", "http://a/b/c", "a[", "${PATTERN}"]) {
        if (pattern.startsWith("${")) {
          assert.equal(validate(inn, "topicPattern", pattern), true);
          continue;
        }
        let runtimeOk = true;
        try {
          parseTopicPattern(pattern, { tenant: "public", namespace: "default" });
        } catch {
          runtimeOk = false;
        }
        assert.equal(validate(inn, "topicPattern", pattern) === true, runtimeOk, pattern);
      }
      accepts(inn, "maxTopics", ["1", "1000", ""]);
      rejects(inn, "maxTopics", ["0", "1001", "x"]);
      accepts(inn, "patternDiscoverySeconds", ["1", "60"]);
      rejects(inn, "patternDiscoverySeconds", ["0", "-1", "x"]);
    });

    it("topic validation agrees with the runtime's parseTopic", () => {
      const out = definition("pulsar-out");
      const inn = definition("pulsar-in");
      const piece = fc.constantFrom("a", "t", "ns", "x-1", "_", ".", "..", "=", ":", "+", " ", "/", "//", "é", "\u0001",
        "persistent://", "non-persistent://", "http://", "$", "{", "}");
      fc.assert(
        fc.property(fc.array(piece, { minLength: 1, maxLength: 8 }).map((parts) => parts.join("")), (topic) => {
          if (/^\s*\$\{[^}]+\}\s*$/.test(topic)) return;
          let runtimeOk = true;
          try {
            parseTopic(topic, { tenant: "public", namespace: "default" });
          } catch {
            runtimeOk = false;
          }
          let listOk = true;
          try {
            parseTopicList(topic, { tenant: "public", namespace: "default" });
          } catch {
            listOk = false;
          }
          assert.equal(validate(inn, "topic", topic) === true, listOk, `pulsar-in topic ${JSON.stringify(topic)}`);
          if (topic.trim() !== "") {
            assert.equal(validate(out, "topic", topic) === true, runtimeOk, `pulsar-out topic ${JSON.stringify(topic)}`);
          }
        }),
        { numRuns: 2000 },
      );
    });

    it("subscription: required and without / in subscription mode only; agrees with the runtime", () => {
      const def = definition("pulsar-in");
      accepts(def, "subscription", ["flow-1", "my sub", "${SUB}"]);
      rejects(def, "subscription", ["", "  ", "a/b", "x\u0000", ".", ".."]);
      accepts(def, "subscription", ["", "a/b"], nodeOf(def, { mode: "reader" }));
      fc.assert(
        fc.property(fc.oneof(fc.string({ maxLength: 6 }), fc.constantFrom(".", "..", " . ", "...", "a/.")), (name) => {
          if (/^\s*\$\{[^}]+\}\s*$/.test(name)) return;
          let runtimeOk = true;
          try {
            checkSubscriptionName(name);
          } catch {
            runtimeOk = false;
          }
          assert.equal(validate(def, "subscription", name) === true, runtimeOk, JSON.stringify(name));
        }),
        { numRuns: 500 },
      );
    });

    it("pulsar-in numbers: receiverQueueSize 0..1000, sessions 1..16, pullWindow 1..1000, ack timeout 0 or >= 1000", () => {
      const def = definition("pulsar-in");
      accepts(def, "receiverQueueSize", ["", 0, "1000", 500, "${RQ}"]);
      rejects(def, "receiverQueueSize", [1001, -1, "1.5", "abc"]);
      accepts(def, "sessions", ["", 1, "4", 16, "${SESSIONS}"]);
      rejects(def, "sessions", [0, 17, "1.5", "two"]);
      const pulling = nodeOf(def, { pullMode: true });
      accepts(def, "pullWindow", [1, "100", 1000], pulling);
      rejects(def, "pullWindow", ["", 0, 1001, "x"], pulling);
      accepts(def, "pullWindow", [""], nodeOf(def, { pullMode: false }));
      accepts(def, "ackTimeoutMillis", ["", 0, 1000, "30000"]);
      rejects(def, "ackTimeoutMillis", [1, 999, "500", -1, "x"]);
      accepts(def, "priorityLevel", ["", 0, 3]);
      rejects(def, "priorityLevel", [-1, "a"]);
      accepts(def, "negativeAckRedeliveryDelay", ["", 0, 60000]);
      rejects(def, "negativeAckRedeliveryDelay", [-5, "1s"]);
      accepts(def, "maxRedeliverCount", ["", 1, 5]);
      rejects(def, "maxRedeliverCount", [0, "x"]);
    });

    it("pulsar-in: dead-letter topic needs maxRedeliverCount and a valid name", () => {
      const def = definition("pulsar-in");
      accepts(def, "deadLetterTopic", [""]);
      rejects(def, "deadLetterTopic", ["dlq"], nodeOf(def, { maxRedeliverCount: "" }));
      accepts(def, "deadLetterTopic", ["dlq", "persistent://t/ns/orders-DLQ"], nodeOf(def, { maxRedeliverCount: 3 }));
      rejects(def, "deadLetterTopic", ["a/b"], nodeOf(def, { maxRedeliverCount: 3 }));
    });

    it("pulsar-in: startMessageId is earliest, latest or a base64 id in reader mode", () => {
      const def = definition("pulsar-in");
      const reader = nodeOf(def, { mode: "reader" });
      accepts(def, "startMessageId", ["earliest", "latest", "LATEST", "CAcQAzAA", "CAwQADAA+/==", "${START}"], reader);
      rejects(def, "startMessageId", ["", "not an id!", "first"], reader);
      accepts(def, "startMessageId", ["anything"], nodeOf(def, { mode: "subscription" }));
    });

    it("enumerations", () => {
      const inn = definition("pulsar-in");
      accepts(inn, "mode", ["subscription", "reader"]);
      rejects(inn, "mode", ["consumer", ""]);
      accepts(inn, "subscriptionType", ["Exclusive", "Shared", "Failover", "Key_Shared"]);
      rejects(inn, "subscriptionType", ["KeyShared", "shared"]);
      accepts(inn, "initialPosition", ["Latest", "Earliest"]);
      rejects(inn, "initialPosition", ["latest"]);
      accepts(inn, "ackMode", ["auto", "manual"]);
      rejects(inn, "ackMode", ["client"]);
      accepts(inn, "payloadFormat", ["auto", "utf8", "buffer", "json", "base64"]);
      rejects(inn, "payloadFormat", ["auto-detect", "string"]);
      const out = definition("pulsar-out");
      accepts(out, "compressionType", ["", "NONE", "LZ4", "ZLIB", "ZSTD", "SNAPPY"]);
      rejects(out, "compressionType", ["GZIP", "lz4"]);
      accepts(out, "messageRoutingMode", ["", "SinglePartition", "RoundRobinPartition"]);
      rejects(out, "messageRoutingMode", ["CustomPartition"]);
      accepts(out, "hashingScheme", ["", "JavaStringHash", "Murmur3_32Hash"]);
      rejects(out, "hashingScheme", ["Murmur"]);
    });

    it("pulsar-out numbers", () => {
      const def = definition("pulsar-out");
      accepts(def, "maxInFlight", [1, "500", 100000]);
      rejects(def, "maxInFlight", [0, "", "x", 100001]);
      accepts(def, "bufferMessages", [0, 10000]);
      rejects(def, "bufferMessages", [-1, ""]);
      accepts(def, "bufferBytes", [0, "16777216"]);
      rejects(def, "bufferBytes", ["16MB"]);
      accepts(def, "closeTimeout", [0, 5, 12, "2.5"]);
      rejects(def, "closeTimeout", [12.5, 15, -1, ""]);
      accepts(def, "maxProducers", [1, 10]);
      rejects(def, "maxProducers", [0]);
      accepts(def, "producerIdleTimeout", [1, 60, "1.5"]);
      rejects(def, "producerIdleTimeout", [0, "0.5", "x"]);
      for (const prop of ["sendTimeoutMillis", "batchingMaxPublishDelay"]) {
        accepts(def, prop, ["", 0, "1000"]);
        rejects(def, prop, [-1, "1.5", "x"]);
      }
      for (const prop of ["batchingMaxMessages", "maxPendingMessages"]) {
        accepts(def, prop, ["", 1, 1000]);
        rejects(def, prop, [0, "x"]);
      }
      accepts(def, "initialSequenceId", ["", 0, "123456789012"]);
      rejects(def, "initialSequenceId", ["-1", "1.5", "x"]);
    });

    it("option validation agrees with the runtime's option parsing", () => {
      const agree = (def: NodeDef, prop: string, value: unknown, runtime: () => unknown, node?: NodeLike): void => {
        let runtimeOk = true;
        try {
          runtime();
        } catch {
          runtimeOk = false;
        }
        assert.equal(validate(def, prop, value, node) === true, runtimeOk, `${prop} = ${JSON.stringify(value)}`);
      };
      type Raw = string | number | boolean | undefined;
      const inn = definition("pulsar-in");
      for (const [prop, values] of Object.entries({
        priorityLevel: ["", 0, 7, -1, "x"],
        ackTimeoutMillis: ["", 0, 999, 1000, -1],
        negativeAckRedeliveryDelay: ["", 0, 60000, -1, "2.5"],
        maxRedeliverCount: ["", 0, 1, 10, "x"],
        receiverQueueSize: ["", 0, 1000, 1001, -1],
        subscriptionType: ["Exclusive", "Key_Shared", "KeyShared"],
        initialPosition: ["Latest", "Earliest", "Now"],
      })) {
        for (const value of values) agree(inn, prop, value, () => consumerQuery({ [prop]: value as Raw }));
      }
      for (const value of ["", "dlq"]) {
        agree(inn, "deadLetterTopic", value, () => consumerQuery({ deadLetterTopic: value }), nodeOf(inn, { maxRedeliverCount: "" }));
      }
      const reader = nodeOf(inn, { mode: "reader" });
      for (const value of ["earliest", "latest", "Earliest", "CAcQAzAA", "not an id"]) {
        agree(inn, "startMessageId", value, () => normalizeStartMessageId(value), reader);
      }
      const out = definition("pulsar-out");
      for (const [prop, values] of Object.entries({
        sendTimeoutMillis: ["", 0, 30000, -1, "x"],
        batchingMaxMessages: ["", 1, 0],
        batchingMaxPublishDelay: ["", 0, 10, -1],
        maxPendingMessages: ["", 1, 0],
        compressionType: ["", "LZ4", "GZIP"],
        messageRoutingMode: ["", "RoundRobinPartition", "CustomPartition"],
        hashingScheme: ["", "Murmur3_32Hash", "Murmur"],
        initialSequenceId: ["", 0, 42, -1],
      })) {
        for (const value of values) {
          agree(out, prop, value, () => producerQuery({ batchingEnabled: true, [prop]: value as Raw }));
        }
      }
      const ep = definition("pulsar-ws-endpoint");
      for (const [prop, values] of Object.entries({
        pingInterval: [0, 30, "0.5", -1, "x"],
        pongTimeout: [10, "0.5", 0, -2],
        reconnectMin: [1, "0.25", 0],
        maxFrameSize: [1024, 1048576, 1023, "1.5"],
        maxIncomingFrameSize: [1024, 8388608, 1023, "2.5", "x"],
        handshakeTimeout: [1, 30, "0.5", 601, 0, "x"],
      })) {
        for (const value of values) {
          agree(ep, prop, value, () => resolveEndpointSettings({ serviceUrl: "http://h:8080", [prop]: value as Raw }, undefined));
        }
      }
      for (const value of ["", "none", "token", "kerberos", "OAuth2"]) {
        agree(ep, "authType", value, () => resolveEndpointSettings({ serviceUrl: "http://h:8080", authType: value }, undefined));
      }
      // With OAuth2, the issuer URL is required and http(s); the runtime also has the client id and secret here.
      const oauth2 = nodeOf(ep, { authType: "oauth2", oauth2ClientId: "c" });
      for (const value of ["https://issuer.example/", "http://127.0.0.1:9000/realms/x", "", "issuer.example", "ftp://issuer"]) {
        agree(ep, "oauth2IssuerUrl", value, () => resolveEndpointSettings({ serviceUrl: "http://h:8080", authType: "oauth2", oauth2ClientId: "c", oauth2IssuerUrl: value }, undefined, undefined, "s"), oauth2);
      }
      for (const value of ["c", ""]) {
        agree(ep, "oauth2ClientId", value, () => resolveEndpointSettings({ serviceUrl: "http://h:8080", authType: "oauth2", oauth2IssuerUrl: "https://i/", oauth2ClientId: value }, undefined, undefined, "s"), oauth2);
      }
      // A comma-separated list of service URLs: every entry must be valid, as the runtime reads them.
      for (const value of ["http://a:8080, http://b:8080", "http://a:8080,wss://b/gw", "http://a:8080, ftp://b", "http://a:8080,,", ", ,"]) {
        agree(ep, "serviceUrl", value, () => resolveEndpointSettings({ serviceUrl: value }, undefined));
      }
    });

    // The flow JSON contract: a flow setting only these properties must deploy with defaults, also through the
    // editor (an import must not come out marked invalid).
    const CONTRACT_ONLY: Record<NodeType, Record<string, unknown>> = {
      "pulsar-ws-endpoint": { name: "", serviceUrl: "http://localhost:8080", cluster: "", tenant: "public", namespace: "default", tls: "" },
      "pulsar-out": { name: "", endpoint: "ep", topic: "t" },
      "pulsar-in": { name: "", endpoint: "ep", topic: "t", mode: "subscription", subscription: "s", subscriptionType: "Exclusive", initialPosition: "Latest", ackMode: "auto", payloadFormat: "auto", startMessageId: "latest" },
      "pulsar-admin": { name: "", endpoint: "ep", operation: "stats", topic: "", subscription: "" },
    };
    for (const type of TYPES) {
      it(`${type}: a node with only the flow JSON contract's properties passes every validator`, () => {
        const def = definition(type);
        const node: NodeLike = { id: "n9", _: translate, ...CONTRACT_ONLY[type] };
        for (const [prop, spec] of Object.entries(def.defaults)) {
          if (!spec.validate) continue;
          assert.equal(spec.validate.call(node, node[prop], {}), true, `${type}.${prop} = ${JSON.stringify(node[prop])}`);
        }
      });
    }

    it("validators also translate without the node's own _ (catalog namespace of the set)", () => {
      const loaded = runEditorScript("pulsar-in");
      const def = loaded.defs.get("pulsar-in");
      assert.ok(def);
      const bare = nodeOf(def, {}, false);
      const r = validate(def, "topic", "a/b", bare);
      // The shared helpers translate in one set's namespace: the sets share one catalog.
      assert.equal(r, `${pkg.name}/pulsar-ws-endpoint:pulsar.validation.topicShape`);
    });
  });

  describe("form behaviour", () => {
    it("pulsar-ws-endpoint: a Test connection button with a result line; no dialog borrows another's code", () => {
      const template = templateOf(nodeHtml("pulsar-ws-endpoint"), "pulsar-ws-endpoint");
      assert.match(template, /<button type="button" id="pulsar-ws-endpoint-test"[^>]*>.*data-i18n="pulsar\.admin\.test\.button"/);
      assert.match(template, /id="pulsar-ws-endpoint-test-result"/);
      // Shared code lives in resources/pulsar-ws-editor.js, not on another node's definition.
      for (const type of TYPES) {
        const js = javascriptBlocks(nodeHtml(type))[0];
        assert.ok(!/RED\.nodes\.getType\(/.test(js), `${type} reaches into another node's definition`);
        assert.deepEqual(Object.keys(definition(type)).filter((key) => !NODE_RED_KEYS.includes(key)), [], `${type}: keys Node-RED does not know`);
      }
    });

    it("pulsar-in: a topic list gets suggestions for the entry being typed, keeping the ones before it", () => {
      editorNodes.set("ep1", { id: "ep1", serviceUrl: "http://h1:8080", tenant: "public", namespace: "default" });
      const { form } = openEditor("pulsar-in", { endpoint: "ep1" });
      form.answer = (_path, body) => ({ ok: true, items: body.dir === "" ? ["orders", "payments", "public/"] : [`${String(body.dir)}default/`] });
      const topic = form.$("#node-input-topic");
      topic.val("orders, p").trigger("keyup");
      assert.deepEqual(topic.els[0].offered?.map((o) => JSON.parse(JSON.stringify(o))), [{ value: "orders, payments", label: "payments" }, { value: "orders, public/", label: "public/" }]);
      topic.val("orders,public/").trigger("keyup");
      assert.deepEqual(topic.els[0].offered?.map((o) => JSON.parse(JSON.stringify(o))), [{ value: "orders, public/default/", label: "public/default/" }]);
      assert.deepEqual(form.calls.map((c) => c.body.dir), ["", "public/"]);
      editorNodes.clear();
    });

    it("pulsar-in: the pattern preview asks the runtime (pattern route) with the endpoint in the form and lists the matches", () => {
      editorNodes.set("ep1", { id: "ep1", serviceUrl: "http://h1:8080", tenant: "public", namespace: "default", credentials: { token: "__PWRD__" } });
      const { form } = openEditor("pulsar-in", { endpoint: "ep1" });
      form.answer = (path, body) => (path === "pattern" && body.pattern === "orders.*"
        ? { ok: true, items: ["persistent://public/default/orders", "persistent://public/default/orders-eu"], count: 2, namespace: "public/default" }
        : { ok: false, items: [], error: { level: "error", key: "pulsar.errors.pattern-invalid", params: {} } });
      form.$("#node-input-topicPattern").val("orders.*").trigger("change");
      assert.deepEqual(visible(form, ".pulsar-in-topics"), [false, false], "a pattern hides the topic list");
      assert.deepEqual(visible(form, ".pulsar-in-pattern"), [true]);
      // The pattern field has the Topic field's suggestions too.
      const patternInput = form.$("#node-input-topicPattern").els[0];
      assert.ok(patternInput.autoComplete, "the pattern field has Node-RED's autoComplete");
      form.$("#pulsar-in-pattern-preview").trigger("click");
      assert.deepEqual([form.calls[0].path, form.calls[0].body.id, form.calls[0].body.pattern, form.calls[0].body.token], ["pattern", "ep1", "orders.*", ""]);
      const status = textOf(form.$("#pulsar-in-pattern-status").els[0]);
      assert.ok(status.includes("persistent://public/default/orders-eu"), status);
      assert.ok(status.includes(shared("pulsar.admin.pattern.matches")), status);
      form.$("#node-input-topicPattern").val("orders-(").trigger("change");
      form.$("#pulsar-in-pattern-preview").trigger("click");
      assert.equal(textOf(form.$("#pulsar-in-pattern-status").els[0]), shared("pulsar.errors.pattern-invalid"));
      editorNodes.clear();
    });

    it("pulsar-in: a reader can start at a time, kept in startMessageId", () => {
      const { def, node, form } = openEditor("pulsar-in", { mode: "reader", startMessageId: "2026-05-01T08:00:00Z" });
      assert.equal(form.$("#pulsar-in-start-type").val(), "time");
      assert.equal(form.$("#pulsar-in-start-time").val(), "2026-05-01T08:00:00Z");
      form.$("#pulsar-in-start-time").val("1767225600000").trigger("keyup");
      assert.equal(form.$("#node-input-startMessageId").val(), "1767225600000");
      assert.equal(validate(def, "startMessageId", "1767225600000", nodeOf(def, { mode: "reader" })), true);
      def.oneditsave?.call(node);
      assert.equal(form.$("#node-input-startMessageId").val(), "1767225600000");
    });

    for (const type of ["pulsar-out", "pulsar-in", "pulsar-admin"] as const) {
      it(`${type}: the topic field gets suggestions from the endpoint chosen in the form, one level at a time`, () => {
        editorNodes.set("ep1", { id: "ep1", serviceUrl: "http://h1:8080", tenant: "public", namespace: "default" });
        editorNodes.set("ep2", { id: "ep2", serviceUrl: "http://h2:8080", tenant: "public", namespace: "default", credentials: { token: "__PWRD__" } });
        const { form } = openEditor(type, { endpoint: "ep1" });
        form.answer = (_path, body) => ({
          ok: true,
          items: body.dir === "" ? ["orders", "payments", "public/", "pulsar/"] : [`${String(body.dir)}default/`, `${String(body.dir)}other/`],
        });
        const topic = form.$("#node-input-topic");
        const input = topic.els[0];
        assert.ok(input.autoComplete, "the topic field has Node-RED's autoComplete");
        assert.equal(input.autoComplete.minLength, 0);

        topic.val("o").trigger("keyup");
        assert.deepEqual(input.offered, ["orders"]);
        assert.deepEqual(form.calls.map((c) => [c.path, c.body.id, c.body.dir]), [["lookup", "ep1", ""]]);
        assert.equal(form.calls[0].body.serviceUrl, "http://h1:8080");
        // The level is asked once per dialog.
        topic.val("p").trigger("keyup");
        assert.deepEqual(input.offered, ["payments", "public/", "pulsar/"]);
        assert.equal(form.calls.length, 1);

        // The endpoint chosen in the form, not the saved one; a stored token stays on the runtime.
        form.$("#node-input-endpoint").val("ep2");
        topic.val("public/d").trigger("keyup");
        assert.deepEqual(input.offered, ["public/default/"]);
        assert.deepEqual([form.calls[1].body.id, form.calls[1].body.dir, form.calls[1].body.token], ["ep2", "public/", ""]);

        // The lookup button opens the list for what is typed.
        topic.val("public/").trigger("change");
        form.$(`#${type}-topic-lookup`).trigger("click");
        assert.deepEqual(input.offered, ["public/default/", "public/other/"]);
        editorNodes.clear();
      });

      it(`${type}: a filled Topic field offers what starts with it, the exact name included; internal topics never`, () => {
        editorNodes.set("ep1", { id: "ep1", serviceUrl: "http://h1:8080" });
        const { form } = openEditor(type, { endpoint: "ep1" });
        form.answer = (_path, body) => ({
          ok: true,
          items: body.dir === ""
            ? ["__harness_ready", "orders", "orders-dlq", "payments", "public/", "pulsar/"]
            : ["public/default/__change_events", "public/default/__change_events-partition-0", "public/default/browser-e2e", "public/default/browser-e2e-2"],
        });
        const topic = form.$("#node-input-topic");
        const offered = (value: string): string[] | undefined => {
          topic.val(value).trigger("keyup");
          return topic.els[0].offered;
        };
        assert.deepEqual(offered(""), ["orders", "orders-dlq", "payments", "public/", "pulsar/"]);
        assert.deepEqual(offered("orders"), ["orders", "orders-dlq"]);
        assert.deepEqual(offered("Orders-DLQ"), ["orders-dlq"]);
        assert.deepEqual(offered("_"), []);
        assert.deepEqual(offered("__harness"), []);
        assert.deepEqual(offered("public/default/"), ["public/default/browser-e2e", "public/default/browser-e2e-2"]);
        assert.deepEqual(offered("public/default/browser-e2e"), ["public/default/browser-e2e", "public/default/browser-e2e-2"]);
        assert.deepEqual(offered("public/default/__change"), []);
        // The lookup button next to a filled field opens the same list.
        topic.val("public/default/browser-e2e");
        form.$(`#${type}-topic-lookup`).trigger("click");
        assert.deepEqual(topic.els[0].offered, ["public/default/browser-e2e", "public/default/browser-e2e-2"]);
        assert.equal(textOf(form.$(`#${type}-topic-lookup-status`).els[0]), "");
        editorNodes.clear();
      });

      it(`${type}: the lookup button says so when nothing matches, or when Pulsar lists only internal topics`, () => {
        editorNodes.set("ep1", { id: "ep1", serviceUrl: "http://h1:8080" });
        const { form } = openEditor(type, { endpoint: "ep1" });
        form.answer = (_path, body) => ({ ok: true, items: body.dir === "" ? ["orders", "public/"] : ["t/ns/__change_events"] });
        const topic = form.$("#node-input-topic");
        const status = form.$(`#${type}-topic-lookup-status`);
        topic.val("zz");
        form.$(`#${type}-topic-lookup`).trigger("click");
        assert.deepEqual(topic.els[0].offered, []);
        assert.equal(textOf(status.els[0]), shared("pulsar.admin.lookup.noMatch"));
        // Typing on to something that matches clears the hint.
        topic.val("or").trigger("keyup");
        assert.deepEqual(topic.els[0].offered, ["orders"]);
        assert.equal(textOf(status.els[0]), "");
        // A namespace with internal topics only: as good as empty.
        topic.val("t/ns/");
        form.$(`#${type}-topic-lookup`).trigger("click");
        assert.deepEqual(topic.els[0].offered, []);
        assert.equal(textOf(status.els[0]), shared("pulsar.admin.lookup.empty"));
        editorNodes.clear();
      });

      it(`${type}: the lookup button says why nothing is offered (no endpoint, Pulsar's refusal)`, () => {
        const { form } = openEditor(type, { endpoint: "_ADD_" });
        const status = form.$(`#${type}-topic-lookup-status`);
        form.$(`#${type}-topic-lookup`).trigger("click");
        // Outside a node's own `_`, the shared code translates in the endpoint set's namespace (RED._ stub: the key).
        assert.equal(textOf(status.els[0]), shared("pulsar.admin.lookup.noEndpoint"));
        assert.equal(form.calls.length, 0);

        editorNodes.set("ep1", { id: "ep1", serviceUrl: "http://h1:8080" });
        form.$("#node-input-endpoint").val("ep1");
        form.answer = () => ({ ok: false, items: [], error: { level: "error", key: "pulsar.admin.result.unauthorized", params: { reason: "bad token" } } });
        form.$(`#${type}-topic-lookup`).trigger("click");
        assert.equal(textOf(status.els[0]), shared("pulsar.admin.result.unauthorized"));
        assert.deepEqual(form.$("#node-input-topic").els[0].offered, []);
        editorNodes.clear();
      });
    }

    it("pulsar-ws-endpoint: Use TLS shows the tls-config selector; unticked, tls is saved empty", () => {
      const { def, node, form } = openEditor("pulsar-ws-endpoint");
      assert.deepEqual(visible(form, "#pulsar-ws-endpoint-row-tls"), [false]);
      form.$("#pulsar-ws-endpoint-usetls").prop("checked", true).trigger("change");
      assert.deepEqual(visible(form, "#pulsar-ws-endpoint-row-tls"), [true]);
      form.$("#node-config-input-tls").val("tls1");
      def.oneditsave?.call(node);
      assert.equal(form.$("#node-config-input-tls").val(), "tls1");

      const second = openEditor("pulsar-ws-endpoint", { tls: "tls1" });
      assert.equal(second.form.$("#pulsar-ws-endpoint-usetls").is(":checked"), true);
      assert.deepEqual(visible(second.form, "#pulsar-ws-endpoint-row-tls"), [true]);
      second.form.$("#pulsar-ws-endpoint-usetls").prop("checked", false).trigger("change");
      second.def.oneditsave?.call(second.node);
      // "_ADD_" is the editor's "none" entry of a config-node selector; Node-RED saves it as "".
      assert.equal(second.form.$("#node-config-input-tls").val(), "_ADD_");
    });

    it("pulsar-ws-endpoint: Authentication shows the token or the OAuth2 fields; an old flow means token when it has one", () => {
      const fresh = openEditor("pulsar-ws-endpoint");
      assert.equal(fresh.form.$("#node-config-input-authType").val(), "none");
      assert.deepEqual(visible(fresh.form, "#pulsar-ws-endpoint-auth-token"), [false]);
      assert.deepEqual(visible(fresh.form, "#pulsar-ws-endpoint-auth-oauth2"), [false]);
      fresh.form.$("#node-config-input-authType").val("oauth2").trigger("change");
      assert.deepEqual(visible(fresh.form, "#pulsar-ws-endpoint-auth-oauth2"), [true]);
      assert.deepEqual(visible(fresh.form, "#pulsar-ws-endpoint-auth-token"), [false]);

      const old = openEditor("pulsar-ws-endpoint", { credentials: { has_token: true } });
      assert.equal(old.form.$("#node-config-input-authType").val(), "token");
      assert.deepEqual(visible(old.form, "#pulsar-ws-endpoint-auth-token"), [true]);
      const chosen = openEditor("pulsar-ws-endpoint", { authType: "oauth2", credentials: { has_token: true } });
      assert.equal(chosen.form.$("#node-config-input-authType").val(), "oauth2");
    });

    it("pulsar-ws-endpoint: reconnectMax is checked against the form's reconnectMin while editing", () => {
      const { def, node, form } = openEditor("pulsar-ws-endpoint");
      form.$("#node-config-input-reconnectMin").val("30");
      rejects(def, "reconnectMax", [20], node);
      def.oneditcancel?.call(node);
      accepts(def, "reconnectMax", [20], node);
    });

    it("checkboxes are laid out as core nodes do: an empty label column, the box, then its own label", () => {
      for (const type of TYPES) {
        const template = templateOf(nodeHtml(type), type);
        const boxes = [...template.matchAll(/<input type="checkbox"[^>]*>/g)];
        // pulsar-admin's dialog has no checkbox.
        assert.ok(boxes.length >= (type === "pulsar-admin" ? 0 : 1), type);
        assert.ok(!/<label\b[^>]*>\s*<input/.test(template), `${type}: a label wraps a checkbox (its text then wraps under the label column)`);
        for (const [input] of boxes) {
          const id = /id="([^"]+)"/.exec(input)?.[1];
          assert.ok(id, input);
          assert.match(input, /style="[^"]*width: ?auto/, `${type} #${id}: the box keeps its own width`);
          const row = new RegExp(`<label>&nbsp;</label>\\s*${input.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\s*<label for="${id}" style="width: ?auto;?"[^>]*>`);
          assert.match(template, row, `${type} #${id}: <label>&nbsp;</label><input type="checkbox" …> <label for="${id}" style="width:auto">`);
        }
      }
    });

    it("pulsar-out: batching options show only with batching on", () => {
      const { form } = openEditor("pulsar-out");
      assert.ok(visible(form, ".pulsar-out-batching").every((v) => !v));
      form.$("#node-input-batchingEnabled").prop("checked", true).trigger("change");
      assert.equal(visible(form, ".pulsar-out-batching").length, 3);
      assert.ok(visible(form, ".pulsar-out-batching").every((v) => v));
    });

    it("pulsar-in: subscription fields in subscription mode, reader fields in reader mode", () => {
      const { def, node, form } = openEditor("pulsar-in");
      // Rows that depend on another field as well (dead-letter topic, pull window) are checked below.
      const always = (f: Form): boolean[] =>
        f.$(".pulsar-in-sub").els.filter((e) => !e.classes.includes("pulsar-in-dlq") && !e.classes.includes("pulsar-in-pull"))
          .map((e) => e.visible);
      assert.ok(always(form).length >= 12);
      assert.ok(always(form).every((v) => v));
      assert.ok(visible(form, ".pulsar-in-reader").every((v) => !v));
      for (const id of ["subscription", "subscriptionType", "initialPosition", "durable", "consumerName", "priorityLevel",
        "ackTimeoutMillis", "negativeAckRedeliveryDelay", "maxRedeliverCount"]) {
        assert.ok(form.$(`#node-input-${id}`).length, id);
      }
      // The subscription validator reads the mode from the open form.
      rejects(def, "subscription", [""], node);
      form.$("#node-input-mode").val("reader").trigger("change");
      assert.ok(visible(form, ".pulsar-in-sub").every((v) => !v));
      assert.ok(visible(form, ".pulsar-in-reader").every((v) => v));
      accepts(def, "subscription", [""], node);
    });

    it("pulsar-in: dead-letter topic only with maxRedeliverCount, pull window only in pull mode", () => {
      const { form } = openEditor("pulsar-in");
      assert.deepEqual(visible(form, ".pulsar-in-dlq"), [false]);
      form.$("#node-input-maxRedeliverCount").val("3").trigger("keyup");
      assert.deepEqual(visible(form, ".pulsar-in-dlq"), [true]);
      form.$("#node-input-maxRedeliverCount").val("").trigger("change");
      assert.deepEqual(visible(form, ".pulsar-in-dlq"), [false]);

      assert.deepEqual(visible(form, ".pulsar-in-pull"), [false]);
      form.$("#node-input-pullMode").prop("checked", true).trigger("change");
      assert.deepEqual(visible(form, ".pulsar-in-pull"), [true]);
      form.$("#node-input-mode").val("reader").trigger("change");
      assert.deepEqual(visible(form, ".pulsar-in-pull"), [false]);
    });

    it("pulsar-in: start position is a choice plus a message id, kept in startMessageId", () => {
      const { form } = openEditor("pulsar-in", { mode: "reader", startMessageId: "CAcQAzAA" });
      assert.equal(form.$("#pulsar-in-start-type").val(), "messageId");
      assert.equal(form.$("#pulsar-in-start-id").val(), "CAcQAzAA");
      assert.equal(form.$("#node-input-startMessageId").val(), "CAcQAzAA");
      form.$("#pulsar-in-start-type").val("earliest").trigger("change");
      assert.equal(form.$("#node-input-startMessageId").val(), "earliest");
      assert.deepEqual(visible(form, "#pulsar-in-start-id"), [false]);
      form.$("#pulsar-in-start-type").val("messageId").trigger("change");
      form.$("#pulsar-in-start-id").val("not valid!").trigger("keyup");
      assert.ok(form.$("#pulsar-in-start-id").hasClass("input-error"));
      form.$("#pulsar-in-start-id").val("CAwQADAA").trigger("keyup");
      assert.ok(!form.$("#pulsar-in-start-id").hasClass("input-error"));
      assert.equal(form.$("#node-input-startMessageId").val(), "CAwQADAA");
    });

    it("pulsar-in: oneditsave always gives an input port (control messages), also to flows saved with none", () => {
      const cases: Array<[Record<string, unknown>, number]> = [
        [{ ackMode: "auto", pullMode: false, inputs: 0 }, 1],
        [{ ackMode: "manual", pullMode: false }, 1],
        [{ ackMode: "auto", pullMode: true }, 1],
        [{ ackMode: "manual", pullMode: true }, 1],
        // A reader has no pull mode: it is cleared on save.
        [{ ackMode: "auto", pullMode: true, mode: "reader" }, 1],
        // A reader acknowledges by itself (the runtime ignores manual ack for readers).
        [{ ackMode: "manual", pullMode: false, mode: "reader" }, 1],
      ];
      for (const [values, inputs] of cases) {
        const { def, node, form } = openEditor("pulsar-in", values);
        def.oneditsave?.call(node);
        assert.equal(node.inputs, inputs, JSON.stringify(values));
        assert.equal(form.$("#node-input-inputs").val(), String(inputs));
        if (values.mode === "reader") {
          assert.equal(form.$("#node-input-pullMode").is(":checked"), false);
          assert.equal(form.$("#node-input-ackMode").val(), "auto");
        }
      }
    });

    it("pulsar-in: oneditsave drops a dead-letter topic without maxRedeliverCount", () => {
      const { def, node, form } = openEditor("pulsar-in", { deadLetterTopic: "dlq", maxRedeliverCount: "" });
      def.oneditsave?.call(node);
      assert.equal(form.$("#node-input-deadLetterTopic").val(), "");
      const kept = openEditor("pulsar-in", { deadLetterTopic: "dlq", maxRedeliverCount: "3" });
      kept.def.oneditsave?.call(kept.node);
      assert.equal(kept.form.$("#node-input-deadLetterTopic").val(), "dlq");
    });
  });

  describe("i18n", () => {
    it("editor.json keeps to pulsar.{label,placeholder,tip,option,validation,paletteLabel,section}", () => {
      assert.deepEqual(Object.keys(editorCatalog), ["pulsar"]);
      const pulsar = editorCatalog.pulsar;
      assert.ok(typeof pulsar === "object");
      for (const key of Object.keys(pulsar)) assert.ok(ALLOWED_SUBKEYS.includes(key), `pulsar.${key}`);
    });

    it("every data-i18n key in the templates exists", () => {
      for (const type of TYPES) {
        const template = templateOf(nodeHtml(type), type);
        const attrs = [...template.matchAll(/data-i18n="([^"]+)"/g)].map((m) => m[1]);
        assert.ok(attrs.length > 5, type);
        for (const attr of attrs) {
          for (const part of attr.split(";")) {
            const key = part.replace(/^\[[^\]]+\]/, "");
            assert.ok(lookup(key) !== undefined, `${type}: data-i18n key ${key} missing`);
          }
        }
      }
    });

    it("every pulsar.* key named in the scripts exists", () => {
      for (const type of TYPES) {
        const js = `${javascriptBlocks(nodeHtml(type))[0]}\n${sharedEditorScript}`;
        const keys = [...js.matchAll(/["'](pulsar\.(?:label|placeholder|tip|option|validation|paletteLabel|section)\.[A-Za-z0-9_.-]+)["']/g)]
          .map((m) => m[1]);
        const calls = [...js.matchAll(/\b(?:this|node|RED)\._\(\s*(?:NS\s*\+\s*)?["']([^"']+)["']/g)].map((m) => m[1]);
        assert.ok(keys.length > 5 && calls.length > 0, type);
        for (const key of [...keys, ...calls]) assert.ok(lookup(key) !== undefined, `${type}: key ${key} missing`);
      }
    });

    it("every key translated at run time exists (validators, labels, tabs)", () => {
      // Exercise the remaining translated paths, then check everything any test asked for.
      for (const type of TYPES) openEditor(type);
      for (const type of TYPES) {
        const loaded = runEditorScript(type);
        for (const key of loaded.redKeys) {
          const prefix = `${pkg.name}/${type}:`;
          assert.ok(key.startsWith(prefix), `RED._ without the set's namespace: ${key}`);
          assert.ok(lookup(key.slice(prefix.length)) !== undefined, `missing ${key}`);
        }
      }
      assert.ok(requestedKeys.size > 20);
      for (const key of requestedKeys) assert.ok(lookup(key) !== undefined, `missing ${key}`);
    });

    it("every editor.json key is used by a template or script", () => {
      const sources = [...TYPES.map((type) => nodeHtml(type)), sharedEditorScript].join("\n");
      const leaves = (c: Catalog, prefix: string): string[] =>
        Object.entries(c).flatMap(([k, v]) => (typeof v === "string" ? [prefix + k] : leaves(v, `${prefix}${k}.`)));
      for (const key of leaves(editorCatalog, "")) {
        assert.ok(sources.includes(`"${key}"`) || sources.includes(`]${key}"`), `${key} is never used`);
      }
    });

    it("editor.json, admin.json and runtime.json merge without duplicate keys (as the build does)", () => {
      const merged = mergeCatalogs({}, editorCatalog, "editor.json");
      mergeCatalogs(merged, adminCatalog, "admin.json");
      if (runtimeCatalog) mergeCatalogs(merged, runtimeCatalog, "runtime.json");
      assert.deepEqual(Object.keys(adminCatalog), ["pulsar"]);
      assert.deepEqual(Object.keys(adminCatalog.pulsar), ["admin"]);
    });
  });

  describe("help", () => {
    function help(type: NodeType): string {
      const file = path.join(localeDir, `${type}.html`);
      assert.ok(fs.existsSync(file), `${file} missing`);
      const html = fs.readFileSync(file, "utf8");
      const re = new RegExp(`<script type="text/html" data-help-name="${type}">([\\s\\S]*?)</script>`);
      const m = re.exec(html);
      assert.ok(m, `${type}: no data-help-name script`);
      return m[1];
    }

    /** Help text without tags, entities decoded enough for plain-text checks. */
    function text(html: string): string {
      return html.replace(/<[^>]+>/g, "").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&")
        .replace(/\s+/g, " ");
    }

    for (const type of TYPES) {
      it(`${type}: Node-RED help style`, () => {
        const h = help(type);
        assert.match(h.trim(), /^<p>[^<]{20,}/, "the first element is the palette tooltip <p>");
        for (const section of ["Inputs", "Outputs", "Details", "References"]) {
          assert.ok(h.includes(`<h3>${section}</h3>`), `${type}: <h3>${section}</h3>`);
        }
        assert.ok(h.indexOf("<h3>Inputs</h3>") < h.indexOf("<h3>Details</h3>"));
        assert.ok(/<dl class="message-properties">/.test(h));
        // balanced tags that matter to the help panel
        for (const tag of ["dl", "dt", "dd", "ul", "li", "p", "h3", "h4"]) {
          const open = (h.match(new RegExp(`<${tag}[\\s>]`, "g")) ?? []).length;
          const close = (h.match(new RegExp(`</${tag}>`, "g")) ?? []).length;
          assert.equal(open, close, `${type}: <${tag}> ${open} opened, ${close} closed`);
        }
      });

      it(`${type}: documents every option by its editor label`, () => {
        const plain = text(help(type)).toLowerCase();
        const labels = editorCatalog.pulsar;
        assert.ok(typeof labels === "object" && typeof labels.label === "object");
        const labelTable = labels.label;
        const def = definition(type);
        for (const key of Object.keys(def.defaults)) {
          if (["name", "endpoint", "inputs"].includes(key)) continue;
          const label = labelTable[key];
          assert.equal(typeof label, "string", `pulsar.label.${key}`);
          const short = String(label).replace(/\s*\(.*$/, "").toLowerCase();
          assert.ok(plain.includes(short), `${type} help does not mention "${short}" (${key})`);
        }
      });
    }

    it("pulsar-out: every msg property, errors, at-least-once and statuses", () => {
      const h = help("pulsar-out");
      for (const prop of ["payload", "properties", "key", "topic", "pulsar.eventTime", "pulsar.deliverAt",
        "pulsar.deliverAfterMs", "pulsar.replicationClusters", "pulsar.messageId", "pulsar.topic"]) {
        assert.match(h, new RegExp(`<dt( class="optional")?>${prop.replace(".", "\\.")} <span class="property-type">`), prop);
      }
      const plain = text(h);
      for (const s of ["send-error:N", "Max frame size", "offline buffer", "at least once", "twice", "Close timeout",
        "Max producers", "connecting", "retry in Ns", "connected", "buffering N", "unauthorized (401)",
        "forbidden (403)", "topic not found (404)", "bad request (400)", "(409)", "disconnected"]) {
        assert.ok(plain.toLowerCase().includes(s.toLowerCase()), s);
      }
    });

    it("pulsar-in: every msg property, manual ack, the receiver-queue stall, statuses", () => {
      const h = help("pulsar-in");
      for (const prop of ["pulsar.messageId", "ack", "action", "payload", "topic", "key", "properties", "pulsar"]) {
        assert.match(h, new RegExp(`<dt( class="optional")?>${prop.replace(".", "\\.")} <span class="property-type">`), prop);
      }
      const plain = text(h);
      for (const s of ["messageId", "publishTime", "eventTime", "redeliveryCount", "subscription", "msg.ack = false",
        "\"pause\"", "\"resume\"", "stops sending after Receiver queue unacknowledged messages", "at least once",
        "duplicates", "Key_Shared", "Failover", "dead-letter", "connecting", "retry in Ns", "connected",
        "N unacked", "paused", "busy (409)", "unauthorized (401)", "forbidden (403)",
        "topic not found (404)", "bad request (400)", "disconnected", "resumes after the last message it emitted"]) {
        assert.ok(plain.includes(s), s);
      }
    });

    it("every status the runtime can show is explained in the help", () => {
      const all = text(TYPES.map((type) => help(type)).join(" "));
      let statuses: string[] = ["connecting", "connected", "disconnected", "buffering __count__", "__count__ unacked",
        "paused", "bad request (__status__)", "unauthorized (__status__)", "forbidden (__status__)",
        "topic not found (__status__)", "retry in __seconds__s"];
      const runtimeStatus = runtimeCatalog?.pulsar;
      if (runtimeStatus && typeof runtimeStatus === "object" && typeof runtimeStatus.status === "object") {
        // Only the keys the runtime actually shows (status.ts, handshake.ts, the node files).
        const code = [path.join(root, "nodes"), path.join(root, "nodes", "lib"), path.join(root, "nodes", "lib", "protocol")]
          .flatMap((dir) => fs.readdirSync(dir).filter((f) => f.endsWith(".ts")).map((f) => fs.readFileSync(path.join(dir, f), "utf8")))
          .join("\n");
        statuses = Object.entries(runtimeStatus.status)
          // A key the code names as a string (status parts, handshake outcomes, e.g. a ternary's "not-found-v1").
          .filter(([key]) => new RegExp(`("${key}"|pulsar\\.status\\.${key}\\b)`).test(code))
          .map(([, value]) => String(value));
        assert.ok(statuses.length >= 10, statuses.join(" | "));
      }
      for (const status of statuses) {
        const re = new RegExp(status.split(/__\w+__/).map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("[^\\s<)]+"));
        assert.match(all, re, `status "${status}" is not in the help`);
      }
    });

    it("pulsar-out / pulsar-in: a 404 with a Cluster on Pulsar 4.2 is the status the node shows, not topic not found", () => {
      const v1 = lookup("pulsar.status.not-found-v1");
      assert.ok(v1, "pulsar.status.not-found-v1");
      const shown = v1.replace("__status__", "404");
      for (const type of ["pulsar-out", "pulsar-in", "pulsar-ws-endpoint"] as const) {
        const plain = text(help(type));
        assert.ok(plain.includes(shown), `${type} help lacks "${shown}"`);
        const notFound = /topic not found \(404\)[^.]*\./.exec(plain.slice(plain.indexOf("(red ring)") - 40));
        assert.ok(notFound && !/Cluster/.test(notFound[0]), `${type}: topic not found (404) still explained by the Cluster: ${notFound?.[0] ?? ""}`);
      }
    });

    it("long code spans wrap in the help sidebar (Node-RED keeps code on one line)", () => {
      for (const type of TYPES) {
        const style = /<style>([\s\S]*?)<\/style>/.exec(help(type));
        assert.ok(style, `${type}: no <style> in the help`);
        assert.match(style[1], /\.red-ui-help code\s*\{[^}]*white-space:\s*normal[^}]*overflow-wrap:\s*anywhere/);
        assert.ok(help(type).trim().startsWith("<p>"), `${type}: the palette tooltip is still the first <p>`);
      }
    });

    it("pulsar-ws-endpoint: token handling and troubleshooting", () => {
      const plain = text(help("pulsar-ws-endpoint"));
      for (const s of ["credential", "never exported", "Authorization: Bearer", "?token=", "v2", "v1", "Cluster",
        "tls", "unauthorized (401)", "topic not found (404)", "bad request (400)"]) {
        assert.ok(plain.toLowerCase().includes(s.toLowerCase()), s);
      }
    });
  });
});
