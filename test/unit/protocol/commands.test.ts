import assert from "node:assert/strict";
import { ackFrame, nackFrame, permitFrame } from "../../../nodes/lib/protocol/commands";

describe("protocol/commands", () => {
  it("builds exactly the command frames Pulsar expects", () => {
    assert.equal(ackFrame("CAcQAzAA"), '{"messageId":"CAcQAzAA"}');
    assert.equal(nackFrame("CAcQAzAA"), '{"type":"negativeAcknowledge","messageId":"CAcQAzAA"}');
    assert.equal(permitFrame(10), '{"type":"permit","permitMessages":10}');
  });
});
