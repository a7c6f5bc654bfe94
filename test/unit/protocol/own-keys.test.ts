/**
 * Every own key of msg.properties survives both ways, `__proto__` included (JSON.parse makes it an
 * own key); copying must neither drop it nor touch a prototype.
 */
import assert from "node:assert/strict";
import { toConsumedMsg } from "../../../nodes/lib/protocol/consume";
import { frameWithContext, prepareFrame } from "../../../nodes/lib/protocol/produce";
import { parseServerFrame } from "../../../nodes/lib/protocol/server-frames";

describe("properties named __proto__ or constructor", () => {
  it("are published as own keys, and no prototype changes", () => {
    const properties = JSON.parse('{"a":"1","__proto__":"str","constructor":"c"}') as Record<string, unknown>;
    const sent = JSON.parse(frameWithContext(prepareFrame({ payload: "x", properties }), 1)) as { properties: Record<string, string> };
    assert.deepEqual(Object.keys(sent.properties).sort(), ["__proto__", "a", "constructor"]);
    assert.equal(Object.getOwnPropertyDescriptor(sent.properties, "__proto__")?.value, "str");
    assert.equal(Object.getPrototypeOf({}), Object.prototype);
  });

  it("arrive as own keys of msg.properties, and the msg's prototype is untouched", () => {
    const text = '{"messageId":"CAcQAzAA","payload":"eA==","properties":{"a":"1","__proto__":"str"},"publishTime":"2026-01-01T00:00:00Z"}';
    const frame = parseServerFrame(text);
    assert.equal(frame.kind, "message");
    if (frame.kind !== "message") return;
    const msg = toConsumedMsg(frame, { topic: "persistent://public/default/t", format: "utf8" });
    assert.deepEqual(Object.keys(msg.properties).sort(), ["__proto__", "a"]);
    assert.equal(Object.getOwnPropertyDescriptor(msg.properties, "__proto__")?.value, "str");
    assert.equal(Object.getPrototypeOf(msg.properties), Object.prototype);
  });
});
