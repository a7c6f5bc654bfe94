import assert from "node:assert/strict";
import { withoutHttp2 } from "../../nodes/lib/tls";

describe("tls", () => {
  it("drops h2 from the ALPN offer: a WebSocket upgrade is HTTP/1.1", () => {
    assert.deepEqual(withoutHttp2({ ALPNProtocols: ["h2"], servername: "x" }), { servername: "x" });
    assert.deepEqual(withoutHttp2({ ALPNProtocols: ["h2", "http/1.1"] }), { ALPNProtocols: ["http/1.1"] });
    assert.deepEqual(withoutHttp2({ rejectUnauthorized: false }), { rejectUnauthorized: false });
  });
});
