import assert from "node:assert/strict";
import { classifyHandshake, refusesTopic } from "../../../nodes/lib/protocol/handshake";

describe("protocol/handshake: 409 reasons", () => {
  it("tells a namespace that enforces schemas from a fenced topic, a name in use and a busy subscription", () => {
    const schema = classifyHandshake(409, "Failed to create producer: org.apache.pulsar.client.api.PulsarClientException$IncompatibleSchemaException: Producers cannot connect or send message without a schema to topics with a schema if SchemaValidationEnforced is enabled");
    assert.deepEqual(schema, { status: 409, retry: "slow", statusKey: "schema-enforced", severity: "error" });
    assert.equal(refusesTopic(409, schema.statusKey), true);
    assert.equal(classifyHandshake(409, "Failed to create producer: Producer was fenced: ProducerFencedException").statusKey, "producer-fenced");
    assert.equal(classifyHandshake(409, "Failed to create producer: Producer with name 'p1' is already connected to topic").statusKey, "name-in-use");
    assert.equal(classifyHandshake(409, "Failed to subscribe: Exclusive consumer is already connected").statusKey, "busy");
    assert.equal(classifyHandshake(409).statusKey, "busy");
    assert.equal(refusesTopic(409, "busy"), false);
  });

  it("a topic, namespace or producer name holding the word 'schema' does not make an ordinary conflict 'enforces a schema'", () => {
    for (const message of [
      "Consumer is already connected to topic persistent://acme/schemas/orders",
      "Producer with name 'schema-writer' is already connected to topic persistent://public/default/t",
      "Exclusive consumer is already connected to topic persistent://public/default/schema-events",
    ]) {
      const outcome = classifyHandshake(409, message);
      assert.notEqual(outcome.statusKey, "schema-enforced", message);
      assert.equal(refusesTopic(409, outcome.statusKey), false, message);
    }
  });
});
