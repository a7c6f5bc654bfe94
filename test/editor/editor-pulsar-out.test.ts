/**
 * The pulsar-out node's editor (nodes/pulsar-out.html) in the fake browser (support/fake-browser.ts): its
 * definition, validators, the batching options, the Topic field, and help.
 */
import assert from "node:assert/strict";
import { help, helpText, nodeHtml, templateOf } from "./support/editor-files";
import { accepts, definition, openEditor, rejects, visible } from "./support/fake-browser";
import { contractOnlyCheck, definitionChecks, helpChecks, topicFieldChecks, type NodeExpectations } from "./support/node-checks";

const EXPECTED: NodeExpectations = {
  defaults: {
    name: "", endpoint: undefined, topic: "", maxInFlight: 500, bufferMessages: 10000, bufferBytes: 16777216,
    closeTimeout: 5, maxProducers: 10, sessionPerPartition: false, splitArrays: false, schema: "none", producerIdleTimeout: 60, producerName: "", sendTimeoutMillis: "",
    batchingEnabled: false, batchingMaxMessages: "", batchingMaxPublishDelay: "", maxPendingMessages: "",
    compressionType: "", messageRoutingMode: "", hashingScheme: "", initialSequenceId: "", keys: "", encryptionKeys: "",
  },
  contract: ["name", "endpoint", "topic"],
  contractOnly: { name: "", endpoint: "ep", topic: "t" },
};

describe("editor html: pulsar-out", () => {
  describe("files and definitions", () => {
    definitionChecks("pulsar-out", EXPECTED);
  });

  describe("validators", () => {
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

    contractOnlyCheck("pulsar-out", EXPECTED);
  });

  describe("form behaviour", () => {
    topicFieldChecks("pulsar-out");

    it("pulsar-out: batching options show only with batching on", () => {
      const { form } = openEditor("pulsar-out");
      assert.ok(visible(form, ".pulsar-out-batching").every((v) => !v));
      form.$("#node-input-batchingEnabled").prop("checked", true).trigger("change");
      assert.equal(visible(form, ".pulsar-out-batching").length, 3);
      assert.ok(visible(form, ".pulsar-out-batching").every((v) => v));
    });

    it("pulsar-out: Split arrays is a checkbox beside the offline buffer rows, labelled, with a tooltip and no tip box", () => {
      const { form } = openEditor("pulsar-out");
      const box = form.$("#node-input-splitArrays");
      assert.equal(box.attr("type"), "checkbox");
      const html = templateOf(nodeHtml("pulsar-out"), "pulsar-out");
      const row = html.indexOf('id="node-input-splitArrays"');
      assert.ok(row > html.indexOf('id="node-input-bufferBytes"') && row < html.indexOf('id="node-input-closeTimeout"'), "right after the buffer rows");
      assert.match(html, /<input type="checkbox" id="node-input-splitArrays"[^>]*data-i18n="\[title\]pulsar\.label\.splitArraysTitle"/);
      assert.match(html, /<label for="node-input-splitArrays"[^>]*data-i18n="pulsar\.label\.splitArrays"/);
      const between = html.slice(html.indexOf('id="node-input-bufferBytes"'), html.indexOf('id="node-input-closeTimeout"'));
      assert.ok(!between.includes("form-tips"), "no tip box of its own");
    });
  });

  describe("help", () => {
    helpChecks("pulsar-out");

    it("pulsar-out: every msg property, errors, at-least-once and statuses", () => {
      const h = help("pulsar-out");
      for (const prop of ["payload", "properties", "key", "topic", "pulsar.eventTime", "pulsar.deliverAt",
        "pulsar.deliverAfterMs", "pulsar.replicationClusters", "pulsar.messageId", "pulsar.messageIds", "pulsar.topic"]) {
        assert.match(h, new RegExp(`<dt( class="optional")?>${prop.replace(".", "\\.")} <span class="property-type">`), prop);
      }
      const plain = helpText(h);
      for (const s of ["send-error:N", "Max frame size", "offline buffer", "at least once", "twice", "Close timeout",
        "Max producers", "connecting", "retry in Ns", "connected", "buffering N", "unauthorized (401)",
        "forbidden (403)", "topic not found (404)", "bad request (400)", "(409)", "disconnected", "Split arrays", "elements failed"]) {
        assert.ok(plain.toLowerCase().includes(s.toLowerCase()), s);
      }
    });
  });
});
