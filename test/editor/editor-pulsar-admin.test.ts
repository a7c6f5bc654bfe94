/**
 * The pulsar-admin node's editor (nodes/pulsar-admin.html) in the fake browser (support/fake-browser.ts): its
 * definition, the Topic field, and help. Its runtime side (Test connection, topic suggestions) is tested in
 * test/nodes.
 */
import { contractOnlyCheck, definitionChecks, helpChecks, topicFieldChecks, type NodeExpectations } from "./support/node-checks";

const EXPECTED: NodeExpectations = {
  defaults: { name: "", endpoint: undefined, operation: "stats", topic: "", subscription: "" },
  contract: ["name", "endpoint", "operation", "topic", "subscription"],
  contractOnly: { name: "", endpoint: "ep", operation: "stats", topic: "", subscription: "" },
};

describe("editor html: pulsar-admin", () => {
  describe("files and definitions", () => {
    definitionChecks("pulsar-admin", EXPECTED);
  });

  describe("validators", () => {
    contractOnlyCheck("pulsar-admin", EXPECTED);
  });

  describe("form behaviour", () => {
    topicFieldChecks("pulsar-admin");
  });

  describe("help", () => {
    helpChecks("pulsar-admin");
  });
});
