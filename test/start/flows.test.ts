/**
 * The flows npm start deploys from examples/: one shared endpoint, ids that differ from the library
 * files (so Import → Examples is no copy), subscriptions of their own, wiring intact; and each
 * example file on its own still carries its endpoint and distinct labels.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { DEPLOYED_SUBSCRIPTION_SUFFIX, exampleFlows, type ExampleFile, type FlowNode } from "../../scripts/start/flows";

const examplesDir = path.resolve(__dirname, "../../../examples");
const SERVICE_URL = "http://127.0.0.1:18080";

function readExamples(): ExampleFile[] {
  return fs.readdirSync(examplesDir).filter((f) => f.endsWith(".json")).sort().map((file) => ({
    name: path.basename(file, ".json"),
    nodes: JSON.parse(fs.readFileSync(path.join(examplesDir, file), "utf8")) as FlowNode[],
  }));
}

describe("npm start: deployed example flows", () => {
  const examples = readExamples();
  const deployed = exampleFlows(examples, SERVICE_URL);
  const byId = new Map(deployed.map((node) => [node.id, node]));

  it("reads every example the package ships", () => {
    assert.deepEqual(examples.map((e) => e.name), [
      "Backlog alert", "Basic produce and consume", "Key_Shared scale-out", "MQTT to Pulsar and back",
      "Manual ack with nack and a dead-letter topic", "Pattern consumer", "Reader replay from earliest",
    ]);
  });

  it("has exactly one pulsar-ws-endpoint, on the given service URL, used by every pulsar node", () => {
    const endpoints = deployed.filter((node) => node.type === "pulsar-ws-endpoint");
    assert.equal(endpoints.length, 1);
    assert.equal(endpoints[0].serviceUrl, SERVICE_URL);
    assert.equal(endpoints[0].name, "local Pulsar");
    const users = deployed.filter((node) => node.type === "pulsar-in" || node.type === "pulsar-out");
    assert.ok(users.length >= 10);
    for (const node of users) assert.equal(node.endpoint, endpoints[0].id, `${node.type} ${node.id}`);
  });

  it("gives every node an id of its own, none of them an id of a library file", () => {
    const libraryIds = new Set(examples.flatMap((example) => example.nodes.map((node) => node.id)));
    assert.equal(byId.size, deployed.length, "ids are unique");
    for (const node of deployed) assert.ok(!libraryIds.has(node.id), `${node.type} ${node.id} keeps a library id`);
    assert.deepEqual(exampleFlows(examples, SERVICE_URL).map((node) => node.id), deployed.map((node) => node.id), "stable across --reset");
  });

  it("keeps the wiring: every wire, tab and config reference points at a deployed node", () => {
    for (const node of deployed) {
      for (const output of (node.wires as string[][] | undefined) ?? []) {
        for (const target of output) assert.ok(byId.has(target), `${node.id} wires to missing ${target}`);
      }
      if (node.z !== undefined) assert.equal(byId.get(node.z)?.type, "tab", `${node.id} is on a tab`);
      for (const key of ["endpoint", "broker"]) {
        if (typeof node[key] === "string" && node.type !== "mqtt-broker") assert.ok(byId.has(node[key] as string), `${node.id}.${key}`);
      }
    }
    assert.equal(deployed.filter((node) => node.type === "tab").length, examples.length, "one tab per example");
  });

  it(`suffixes every subscription with ${DEPLOYED_SUBSCRIPTION_SUFFIX} and leaves readers alone`, () => {
    const library = examples.flatMap((example) => example.nodes).filter((node) => node.type === "pulsar-in");
    const ins = deployed.filter((node) => node.type === "pulsar-in");
    assert.equal(ins.length, library.length);
    for (const [i, node] of ins.entries()) {
      const original = library[i].subscription as string;
      assert.equal(node.subscription, original ? `${original}${DEPLOYED_SUBSCRIPTION_SUFFIX}` : "");
    }
  });

  for (const example of examples) {
    describe(`examples/${example.name}.json on its own`, () => {
      it("carries the endpoint its pulsar nodes name", () => {
        const endpoints = example.nodes.filter((node) => node.type === "pulsar-ws-endpoint");
        assert.equal(endpoints.length, 1);
        for (const node of example.nodes.filter((n) => n.type.startsWith("pulsar-") && n.type !== "pulsar-ws-endpoint")) {
          assert.equal(node.endpoint, endpoints[0].id);
        }
      });

      it("shows a distinct label on each pulsar in and pulsar out (name, else topic)", () => {
        const labels = example.nodes.filter((node) => node.type === "pulsar-in" || node.type === "pulsar-out")
          .map((node) => (node.name as string) || (node.topic as string));
        assert.equal(new Set(labels).size, labels.length, `labels: ${labels.join(", ")}`);
      });
    });
  }
});
