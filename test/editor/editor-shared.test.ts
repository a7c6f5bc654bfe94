/**
 * What the nodes' editors share or must agree on, in the fake browser (support/fake-browser.ts): the shared
 * resources/pulsar-ws-editor.js and .css, palette order, colour and icon, labels, the topic validators of
 * pulsar-out and pulsar-in against the runtime's parsers, option validation against the runtime's option
 * parsing, checkbox layout, the message catalogs (i18n) and what every help must explain.
 * Runs after the node files (mocha loads files in name order), so "every key translated at run time exists"
 * also checks the keys their tests asked for.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import fs from "node:fs";
import path from "node:path";
import { parseTopic } from "../../nodes/lib/protocol/topics";
import { parseTopicList } from "../../nodes/lib/protocol/topic-list";
import { consumerQuery, normalizeStartMessageId, producerQuery } from "../../nodes/lib/protocol/options";
import { resolveEndpointSettings } from "../../nodes/lib/connection/endpoint-settings";
import { TYPES, adminCatalog, editorCatalog, help, helpText, javascriptBlocks, lookup, mergeCatalogs, nodeHtml, pkg, requestedKeys, root, runtimeCatalog, sharedEditorScript, templateOf, translate, type NodeType, type Catalog, type Translate } from "./support/editor-files";
import { accepts, definition, nodeOf, openEditor, rejects, runEditorScript, validate, type NodeLike, type NodeDef } from "./support/fake-browser";

// appearance.md's list of colours.
const PALETTE = ["#3FADB5", "#87A980", "#A6BBCF", "#AAAA66", "#C0C0C0", "#C0DEED", "#C7E9C0", "#D7D7A0", "#D8BFD8",
  "#DAC4B4", "#DEB887", "#DEBD5C", "#E2D96E", "#E6E0F8", "#E7E7AE", "#E9967A", "#F3B567", "#FDD0A2", "#FDF0C2",
  "#FFAAAA", "#FFCC66", "#FFF0F0", "#FFFFFF"];

const ALLOWED_SUBKEYS = ["label", "placeholder", "tip", "option", "validation", "paletteLabel", "section"];

describe("editor html: shared", () => {
  describe("files and definitions", () => {
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
      // pulsar-ws-keys (end-to-end encryption's config node) is not under this suite's dialog checks yet.
      assert.deepEqual([...order].sort(), [...TYPES, "pulsar-ws-keys"].sort());
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
  });

  describe("validators", () => {
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
  });

  describe("form behaviour", () => {
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

    it("every pulsar.* key of the keys dialog exists (template and script)", () => {
      const keysHtml = fs.readFileSync(path.join(root, "nodes", "pulsar-ws-keys.html"), "utf8");
      const keys = [
        ...[...keysHtml.matchAll(/data-i18n="([^"]+)"/g)].flatMap((m) => m[1].split(";").map((part) => part.replace(/^\[[^\]]+\]/, ""))),
        ...[...keysHtml.matchAll(/\bnode\._\(\s*["']([^"']+)["']/g)].map((m) => m[1]),
      ];
      assert.ok(keys.length >= 8, keys.join(", "));
      for (const key of keys) assert.ok(lookup(key) !== undefined, `pulsar-ws-keys: key ${key} missing`);
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
      // The keys config node's dialog (not one of TYPES: no shared editor code) uses the catalog too.
      const keysHtml = fs.readFileSync(path.join(root, "nodes", "pulsar-ws-keys.html"), "utf8");
      const sources = [...TYPES.map((type) => nodeHtml(type)), keysHtml, sharedEditorScript].join("\n");
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
    it("every status the runtime can show is explained in the help", () => {
      const all = helpText(TYPES.map((type) => help(type)).join(" "));
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
        const plain = helpText(help(type));
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
  });
});
