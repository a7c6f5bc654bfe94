/**
 * A fake browser for the editor side of the nodes: a small DOM built from a node's template, a fake jQuery
 * over it (val, prop, on/trigger, show/hide, autoComplete, ajax to the runtime's admin routes) and a stub
 * `RED` (registerType captures the definition, RED.nodes.node answers from `editorNodes`). A node's
 * `<script type="text/javascript">` block runs in a `vm` context against them, after the shared
 * resources/pulsar-ws-editor.js, as Node-RED's editor would load them. `openEditor` opens an edit dialog the
 * way Node-RED does; `validate`, `accepts` and `rejects` call a property's validator as the editor does.
 */
import assert from "node:assert/strict";
import vm from "node:vm";
import { lookup, nodeHtml, javascriptBlocks, pkg, sharedEditorScript, templateOf, translate, type NodeType, type Translate } from "./editor-files";

// ---------------------------------------------------------------------------------------------
// Types for what the editor scripts hand to RED.nodes.registerType

export type NodeLike = Record<string, unknown> & { id: string; _?: Translate };
export type Validator = (this: NodeLike, v: unknown, opt?: Record<string, unknown>) => unknown;

export interface PropDef {
  value?: unknown;
  type?: string;
  required?: boolean;
  label?: string;
  validate?: Validator;
}

export interface NodeDef {
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
// A small fake jQuery over the elements of a template

/** What a handler gets: the event's type, and preventDefault (the lookup button calls it). */
export interface FakeEvent {
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

export interface FakeElement {
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
export function textOf(el: FakeElement): string {
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

export class FakeQuery {
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
export type AdminAnswer = (path: string, body: Record<string, unknown>) => Record<string, unknown>;

interface FakeJQuery {
  (selector: unknown): FakeQuery;
  ajax(opts: { url: string; data: string }): { done(cb: (res: unknown) => void): { fail(cb: () => void): void } };
  extend(...objects: (Record<string, unknown> | undefined)[]): Record<string, unknown>;
  Event(type: string, props?: Record<string, unknown>): { type: string };
}

export interface Form {
  $: FakeJQuery;
  els: FakeElement[];
  /** Every admin call, in order; `answer` decides what the runtime says. */
  calls: { path: string; body: Record<string, unknown> }[];
  answer: AdminAnswer;
}

export function makeForm(template: string): Form {
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
export const noForm: Form = makeForm("");

// ---------------------------------------------------------------------------------------------
// Running a node's editor script

export interface Loaded {
  defs: Map<string, NodeDef>;
  redKeys: string[];
}

/** A key as RED._ gets it from the shared editor code (the stub answers with the key itself). */
export function shared(key: string): string {
  assert.ok(lookup(key) !== undefined, `${key} not in the catalog`);
  return `${pkg.name}/pulsar-ws-endpoint:${key}`;
}

/** Config nodes the editor holds, by id (RED.nodes.node). */
export const editorNodes = new Map<string, Record<string, unknown>>();

export function runEditorScript(type: NodeType, form: Form = noForm): Loaded {
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

export function definition(type: NodeType, form?: Form): NodeDef {
  const def = runEditorScript(type, form).defs.get(type);
  assert.ok(def, `${type} not registered`);
  return def;
}

/** A node as the editor holds it: the defaults' values, overridden, plus `_`. */
export function nodeOf(def: NodeDef, overrides: Record<string, unknown> = {}, withTranslate = true): NodeLike {
  const node: NodeLike = { id: "n1" };
  for (const [key, prop] of Object.entries(def.defaults)) node[key] = prop.value;
  Object.assign(node, overrides);
  if (withTranslate) node._ = translate;
  return node;
}

export function validate(def: NodeDef, prop: string, value: unknown, node: NodeLike = nodeOf(def)): unknown {
  const v = def.defaults[prop]?.validate;
  assert.ok(v, `no validator for ${prop}`);
  return v.call(node, value, {});
}

export function accepts(def: NodeDef, prop: string, values: unknown[], node?: NodeLike): void {
  for (const value of values) {
    assert.equal(validate(def, prop, value, node), true, `${prop} should accept ${JSON.stringify(value)}`);
  }
}

export function rejects(def: NodeDef, prop: string, values: unknown[], node?: NodeLike): void {
  for (const value of values) {
    const r = validate(def, prop, value, node);
    assert.equal(typeof r, "string", `${prop} should reject ${JSON.stringify(value)} with a message, got ${String(r)}`);
    assert.ok(!String(r).startsWith("pulsar."), `${prop}: message key not in the catalog: ${String(r)}`);
  }
}

/** Opens the edit dialog as Node-RED does: fill the form from the node, then oneditprepare. */
export function openEditor(type: NodeType, overrides: Record<string, unknown> = {}): { def: NodeDef; node: NodeLike; form: Form } {
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
export function plain(value: unknown): unknown {
  return value === undefined ? undefined : JSON.parse(JSON.stringify(value));
}

export function visible(form: Form, selector: string): boolean[] {
  return form.$(selector).els.map((e) => e.visible);
}

