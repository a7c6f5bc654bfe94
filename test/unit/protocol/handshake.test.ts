import assert from "node:assert/strict";
import { classifyHandshake, extractErrorMessage } from "../../../nodes/lib/protocol/handshake";

describe("protocol/handshake", () => {
  it("classifies every status a refused upgrade can have", () => {
    assert.deepEqual(classifyHandshake(400), { status: 400, retry: "none", statusKey: "bad-request", severity: "error" });
    assert.equal(classifyHandshake(401).retry, "slow");
    assert.equal(classifyHandshake(403).retry, "slow");
    assert.equal(classifyHandshake(404).retry, "slow");
    assert.deepEqual(classifyHandshake(409), { status: 409, retry: "backoff", statusKey: "busy", severity: "waiting" });
    for (const s of [429, 500, 502, 503, 504]) assert.equal(classifyHandshake(s).retry, "backoff");
  });

  it("pulls the server's message out of Jetty's error page", () => {
    const page = "<html><head><title>Error 409 Failed to create producer: Producer with name 'x' is already connected</title></head><body><h2>HTTP ERROR 409 Failed</h2><table><tr><th>MESSAGE:</th><td>Failed to create producer: Producer with name &#39;x&#39; is already connected</td></tr></table></body></html>";
    assert.equal(extractErrorMessage(page), "Failed to create producer: Producer with name 'x' is already connected");
    assert.equal(extractErrorMessage("plain text"), "plain text");
  });
});
