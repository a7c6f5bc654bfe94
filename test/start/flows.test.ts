/**
 * The flows npm start deploys from examples/: one shared endpoint, ids that differ from the library
 * files (so Import → Examples is no copy), subscriptions of their own, wiring intact; and each
 * example file on its own still carries its endpoint and distinct labels.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { DEPLOYED_SERVICE_URL, DEPLOYED_SUBSCRIPTION_SUFFIX, exampleFlows, examplesEndpointId, followCurrentPulsar, type ExampleFile, type FlowNode } from "../../scripts/start/flows";

const examplesDir = path.resolve(__dirname, "../../../examples");
const SERVICE_URL = "http://127.0.0.1:18080";
const EARLIER_URL = "http://127.0.0.1:8080";

function readExamples(): ExampleFile[] {
  return fs.readdirSync(examplesDir).filter((f) => f.endsWith(".json")).sort().map((file) => ({
    name: path.basename(file, ".json"),
    nodes: JSON.parse(fs.readFileSync(path.join(examplesDir, file), "utf8")) as FlowNode[],
  }));
}

describe("npm start: deployed example flows", () => {
  const examples = readExamples();
  const deployed = exampleFlows(examples);
  const byId = new Map(deployed.map((node) => [node.id, node]));

  it("reads every example the package ships", () => {
    assert.deepEqual(examples.map((e) => e.name), [
      "Avro records with the topic schema", "Backlog alert", "Basic produce and consume", "Batched consume", "Bulk publish an array", "End-to-end encryption", "Key_Shared scale-out", "MQTT to Pulsar and back",
      "Manual ack with nack and a dead-letter topic", "Pattern consumer", "Reader replay from earliest",
    ]);
  });

  it("has exactly one pulsar-ws-endpoint, on ${PULSAR_HTTP_URL} (the Pulsar of each start), used by every pulsar node", () => {
    const endpoints = deployed.filter((node) => node.type === "pulsar-ws-endpoint");
    assert.equal(endpoints.length, 1);
    assert.equal(endpoints[0].serviceUrl, "${PULSAR_HTTP_URL}");
    assert.equal(endpoints[0].id, examplesEndpointId(examples));
    assert.equal(endpoints[0].name, "local Pulsar");
    const users = deployed.filter((node) => node.type === "pulsar-in" || node.type === "pulsar-out");
    assert.ok(users.length >= 10);
    for (const node of users) assert.equal(node.endpoint, endpoints[0].id, `${node.type} ${node.id}`);
  });

  it("gives every node an id of its own, none of them an id of a library file", () => {
    const libraryIds = new Set(examples.flatMap((example) => example.nodes.map((node) => node.id)));
    assert.equal(byId.size, deployed.length, "ids are unique");
    for (const node of deployed) assert.ok(!libraryIds.has(node.id), `${node.type} ${node.id} keeps a library id`);
    assert.deepEqual(exampleFlows(examples).map((node) => node.id), deployed.map((node) => node.id), "stable across --reset");
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

  describe("flows kept from an earlier start", () => {
    const endpointId = examplesEndpointId(examples)!;
    const withUrl = (flows: FlowNode[], id: string, url: string): FlowNode[] => flows.map((node) => (node.id === id ? { ...node, serviceUrl: url } : node));
    const userEndpoint: FlowNode = { id: "mine", type: "pulsar-ws-endpoint", name: "my Pulsar", serviceUrl: EARLIER_URL };

    it("leaves the examples' ${PULSAR_HTTP_URL} and says what it resolves to", () => {
      const { changed, notes } = followCurrentPulsar(deployed, endpointId, SERVICE_URL);
      assert.equal(changed, undefined);
      assert.deepEqual(notes, [`The examples' endpoint 'local Pulsar' uses ${DEPLOYED_SERVICE_URL} = ${SERVICE_URL}.`]);
    });

    it("switches the examples' endpoint from an earlier start's local URL to ${PULSAR_HTTP_URL}, and nothing else", () => {
      for (const url of [EARLIER_URL, "http://localhost:8080", "http://localhost:8081/"]) {
        const kept = withUrl(deployed, endpointId, url);
        const { changed, notes } = followCurrentPulsar(kept, endpointId, SERVICE_URL);
        assert.deepEqual(changed, deployed, url);
        assert.match(notes[0], new RegExp(`pointed at ${url}, the Pulsar of an earlier start`));
        assert.deepEqual(kept.find((node) => node.id === endpointId)?.serviceUrl, url, "the input is not changed in place");
      }
    });

    it("leaves the examples' endpoint that the user pointed elsewhere, and says so", () => {
      const kept = withUrl(deployed, endpointId, "https://pulsar.example.com:8443");
      const { changed, notes } = followCurrentPulsar(kept, endpointId, SERVICE_URL);
      assert.equal(changed, undefined);
      assert.match(notes[0], /keeps the Service URL you gave it, https:\/\/pulsar\.example\.com:8443, not this start's Pulsar/);
    });

    it("never changes the user's own endpoints; names those on this machine that are not this start's Pulsar", () => {
      const kept = [...deployed, userEndpoint, { ...userEndpoint, id: "here", name: "", serviceUrl: SERVICE_URL }, { ...userEndpoint, id: "far", serviceUrl: "http://pulsar:8080" }];
      const { changed, notes } = followCurrentPulsar(kept, endpointId, SERVICE_URL);
      assert.equal(changed, undefined);
      assert.deepEqual(notes.slice(1), [`Your endpoint 'my Pulsar' keeps its Service URL ${EARLIER_URL}; this start's Pulsar is ${SERVICE_URL}.`]);
    });
  });

  for (const example of examples) {
    describe(`examples/${example.name}.json on its own`, () => {
      it("carries the endpoint its pulsar nodes name", () => {
        const endpoints = example.nodes.filter((node) => node.type === "pulsar-ws-endpoint");
        assert.equal(endpoints.length, 1);
        // pulsar-ws-* are config nodes (the endpoint, the keys): they name no endpoint.
        for (const node of example.nodes.filter((n) => n.type.startsWith("pulsar-") && !n.type.startsWith("pulsar-ws-"))) {
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
