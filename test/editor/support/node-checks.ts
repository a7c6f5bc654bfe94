/**
 * The checks every node's editor gets, one call per node from its test file: its definition and form
 * (`definitionChecks`), a flow with only the flow JSON contract's properties (`contractOnlyCheck`), the Topic
 * field's suggestions and lookup button (`topicFieldChecks`, the nodes with a Topic field) and its help
 * (`helpChecks`). What differs between nodes (defaults, contract) is handed in by the node's test file.
 */
import assert from "node:assert/strict";
import path from "node:path";
import { editorCatalog, help, helpText, javascriptBlocks, nodeHtml, pkg, templateOf, translate, type NodeType } from "./editor-files";
import { definition, editorNodes, nodeOf, openEditor, plain, runEditorScript, shared, textOf, type NodeLike } from "./fake-browser";

/** What a node's test file says about it: the flow JSON contract and the options the runtime reads. */
export interface NodeExpectations {
  /** Every default, with its documented value; nothing else may be stored. */
  defaults: Record<string, unknown>;
  /** The properties of exported flows (the flow JSON contract). */
  contract: string[];
  /** A node as a flow setting only the contract's properties gives it; it must deploy, also through the editor. */
  contractOnly: Record<string, unknown>;
}

/** Inside "files and definitions": the node's file, definition, defaults and form. */
export function definitionChecks(type: NodeType, expected: NodeExpectations): void {
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
    assert.deepEqual(Object.keys(def.defaults).sort(), Object.keys(expected.defaults).sort());
    for (const [key, value] of Object.entries(expected.defaults)) {
      assert.deepEqual(plain(def.defaults[key].value), value, `${type}.${key}`);
    }
    for (const key of expected.contract) assert.ok(key in def.defaults, `flow JSON contract: ${type}.${key}`);
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

/** Inside "validators": a flow with only the contract's properties must not come out marked invalid. */
export function contractOnlyCheck(type: NodeType, expected: NodeExpectations): void {
  it(`${type}: a node with only the flow JSON contract's properties passes every validator`, () => {
    const def = definition(type);
    const node: NodeLike = { id: "n9", _: translate, ...expected.contractOnly };
    for (const [prop, spec] of Object.entries(def.defaults)) {
      if (!spec.validate) continue;
      assert.equal(spec.validate.call(node, node[prop], {}), true, `${type}.${prop} = ${JSON.stringify(node[prop])}`);
    }
  });
}

/** Inside "form behaviour": the Topic field's suggestions and its lookup button. */
export function topicFieldChecks(type: "pulsar-out" | "pulsar-in" | "pulsar-admin"): void {
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

/** Inside "help": the node's help follows Node-RED's style and documents every option. */
export function helpChecks(type: NodeType): void {
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
    const plain = helpText(help(type)).toLowerCase();
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
