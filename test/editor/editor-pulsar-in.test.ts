/**
 * The pulsar-in node's editor (nodes/pulsar-in.html) in the fake browser (support/fake-browser.ts): its
 * definition, validators (agreeing with the runtime's parsers), the subscription/reader form, topic list and
 * pattern preview, oneditsave, and help.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { checkSubscriptionName } from "../../nodes/lib/protocol/topics";
import { parseTopicPattern } from "../../nodes/lib/protocol/topic-list";
import { help, helpText, pkg } from "./support/editor-files";
import { accepts, definition, editorNodes, nodeOf, openEditor, rejects, runEditorScript, shared, textOf, validate, visible, type Form } from "./support/fake-browser";
import { contractOnlyCheck, definitionChecks, helpChecks, topicFieldChecks, type NodeExpectations } from "./support/node-checks";

const EXPECTED: NodeExpectations = {
  defaults: {
    name: "", endpoint: undefined, topic: "", mode: "subscription", subscription: "", subscriptionType: "Exclusive",
    initialPosition: "Latest", durable: true, consumerName: "", priorityLevel: "", ackMode: "auto", ackTimeoutMillis: "",
    negativeAckRedeliveryDelay: "", maxRedeliverCount: "", deadLetterTopic: "", receiverQueueSize: "", sessions: 1, pullMode: false,
    pullWindow: 100, payloadFormat: "auto", startMessageId: "latest", readerName: "", inputs: 1,
    topicPattern: "", patternDiscoverySeconds: 60, maxTopics: 100, keys: "", cryptoFailureAction: "fail",
    batchSize: "", batchTimeoutMs: "",
  },
  contract: ["name", "endpoint", "topic", "mode", "subscription", "subscriptionType", "initialPosition", "ackMode",
    "payloadFormat", "startMessageId", "topicPattern", "patternDiscoverySeconds"],
  contractOnly: { name: "", endpoint: "ep", topic: "t", mode: "subscription", subscription: "s", subscriptionType: "Exclusive", initialPosition: "Latest", ackMode: "auto", payloadFormat: "auto", startMessageId: "latest" },
};

describe("editor html: pulsar-in", () => {
  describe("files and definitions", () => {
    definitionChecks("pulsar-in", EXPECTED);
  });

  describe("validators", () => {
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

    it("pulsar-in batches: batchSize 1..10000 and batchTimeoutMs 1..60000, empty for the defaults, as the runtime takes them", () => {
      const def = definition("pulsar-in");
      accepts(def, "batchSize", ["", 1, "100", 10000, "${BATCH}"]);
      rejects(def, "batchSize", [0, -1, "x", 10001, "2.5"]);
      accepts(def, "batchTimeoutMs", ["", 1, "100", 60000]);
      rejects(def, "batchTimeoutMs", [0, -1, "soon", 60001]);
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

    contractOnlyCheck("pulsar-in", EXPECTED);

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

    topicFieldChecks("pulsar-in");

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

  describe("help", () => {
    helpChecks("pulsar-in");

    it("pulsar-in: every msg property, manual ack, the receiver-queue stall, statuses", () => {
      const h = help("pulsar-in");
      for (const prop of ["pulsar.messageId", "ack", "action", "payload", "topic", "key", "properties", "pulsar"]) {
        assert.match(h, new RegExp(`<dt( class="optional")?>${prop.replace(".", "\\.")} <span class="property-type">`), prop);
      }
      const plain = helpText(h);
      for (const s of ["messageId", "publishTime", "eventTime", "redeliveryCount", "subscription", "msg.ack = false",
        "\"pause\"", "\"resume\"", "stops sending after Receiver queue unacknowledged messages", "at least once",
        "duplicates", "Key_Shared", "Failover", "dead-letter", "connecting", "retry in Ns", "connected",
        "N unacked", "paused", "busy (409)", "unauthorized (401)", "forbidden (403)",
        "topic not found (404)", "bad request (400)", "disconnected", "resumes after the last message it emitted"]) {
        assert.ok(plain.includes(s), s);
      }
    });
  });
});
