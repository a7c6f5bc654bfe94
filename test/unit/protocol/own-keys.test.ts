/**
 * Every own key of msg.properties survives both ways, `__proto__` included (JSON.parse makes it an
 * own key); copying must neither drop it nor touch a prototype.
 */
import assert from "node:assert/strict";
import { toConsumedMsg } from "../../../nodes/lib/protocol/consume";
import { setOwn } from "../../../nodes/lib/protocol/own-keys";
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

describe("setOwn", () => {
  it("sets __proto__ as an own, enumerable, writable key and leaves the prototype alone", () => {
    const target: Record<string, string> = {};
    setOwn(target, "__proto__", "str");
    assert.equal(Object.getPrototypeOf(target), Object.prototype);
    assert.deepEqual(Object.getOwnPropertyDescriptor(target, "__proto__"), { value: "str", enumerable: true, writable: true, configurable: true });
    assert.deepEqual(Object.keys(target), ["__proto__"]);
    assert.equal(JSON.stringify(target), '{"__proto__":"str"}');
    // Set again (a later copy of the same key): the new value, still no prototype change.
    setOwn(target, "__proto__", "again");
    assert.equal(Object.getOwnPropertyDescriptor(target, "__proto__")?.value, "again");
    assert.equal(Object.getPrototypeOf(target), Object.prototype);
  });

  it("an object as the __proto__ value stays a value, not the copy's prototype", () => {
    const target: Record<string, unknown> = {};
    const chosen = { polluted: true };
    setOwn(target, "__proto__", chosen);
    assert.equal(Object.getPrototypeOf(target), Object.prototype);
    assert.equal((target as { polluted?: boolean }).polluted, undefined);
  });

  it("any other key is a plain assignment, constructor included", () => {
    const target: Record<string, string> = { a: "0" };
    setOwn(target, "a", "1");
    setOwn(target, "constructor", "c");
    setOwn(target, "", "empty");
    assert.deepEqual(Object.entries(target), [["a", "1"], ["constructor", "c"], ["", "empty"]]);
  });
});
