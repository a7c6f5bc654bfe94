/**
 * The pulsar-ws-endpoint config node's editor (nodes/pulsar-ws-endpoint.html) in the fake browser
 * (support/fake-browser.ts): its definition, label, validators, form (TLS, authentication, Test connection)
 * and help.
 */
import assert from "node:assert/strict";
import { normalizeServiceUrl } from "../../nodes/lib/protocol/urls";
import { TYPES, help, helpText, javascriptBlocks, nodeHtml, templateOf } from "./support/editor-files";
import { accepts, definition, nodeOf, openEditor, plain, rejects, validate, visible, type NodeLike } from "./support/fake-browser";
import { contractOnlyCheck, definitionChecks, helpChecks, type NodeExpectations } from "./support/node-checks";

const EXPECTED: NodeExpectations = {
  defaults: {
    name: "", serviceUrl: "http://localhost:8080", cluster: "", tenant: "public", namespace: "default", tls: "",
    tokenInQuery: false, pingInterval: 30, pongTimeout: 10, reconnectMin: 1, reconnectMax: 60, maxFrameSize: 1048576,
    maxIncomingFrameSize: 8388608, handshakeTimeout: 30, compression: false,
    authType: "", oauth2IssuerUrl: "", oauth2ClientId: "", oauth2Audience: "", oauth2Scope: "", proxy: "",
  },
  contract: ["name", "serviceUrl", "cluster", "tenant", "namespace", "tls"],
  contractOnly: { name: "", serviceUrl: "http://localhost:8080", cluster: "", tenant: "public", namespace: "default", tls: "" },
};

/** The keys of a node definition that Node-RED reads (docs: creating-nodes/node-html, properties). */
const NODE_RED_KEYS = ["category", "color", "defaults", "credentials", "inputs", "outputs", "icon", "align", "paletteLabel",
  "label", "labelStyle", "inputLabels", "outputLabels", "oneditprepare", "oneditsave", "oneditcancel", "oneditdelete",
  "oneditresize", "onpaletteadd", "onpaletteremove", "button", "exportable"];

describe("editor html: pulsar-ws-endpoint", () => {
  describe("files and definitions", () => {
    definitionChecks("pulsar-ws-endpoint", EXPECTED);

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
  });

  describe("labels", () => {
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

    contractOnlyCheck("pulsar-ws-endpoint", EXPECTED);
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
  });

  describe("help", () => {
    helpChecks("pulsar-ws-endpoint");

    it("pulsar-ws-endpoint: token handling and troubleshooting", () => {
      const plain = helpText(help("pulsar-ws-endpoint"));
      for (const s of ["credential", "never exported", "Authorization: Bearer", "?token=", "v2", "v1", "Cluster",
        "tls", "unauthorized (401)", "topic not found (404)", "bad request (400)"]) {
        assert.ok(plain.toLowerCase().includes(s.toLowerCase()), s);
      }
    });
  });
});
