import assert from "node:assert/strict";
import { checkBearerToken } from "../../../nodes/lib/protocol/bearer-token";

describe("protocol/bearer-token", () => {
  it("accepts what a JWT or an opaque token is made of", () => {
    assert.equal(checkBearerToken("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ0ZXN0In0.sig-_~+/="), undefined);
    assert.equal(checkBearerToken("opaque!#$%&'*^`|token"), undefined);
  });

  it("names the problem and where, never the token itself", () => {
    const secret = "eyJzZWNyZXQ";
    const cases: Array<[string, RegExp]> = [
      [`${secret}\n.rest`, /line break at character 12/],
      [`${secret}\r.rest`, /line break at character 12/],
      [`\u200b${secret}`, /invisible character U\+200B at character 1/],
      [`${secret}\ufeff`, /invisible character U\+FEFF at character 12/],
      [`${secret} rest`, /space at character 12/],
      [`${secret}\trest`, /space at character 12/],
      [`${secret}\u0000`, /control character U\+0000 at character 12/],
      [`${secret}é`, /non-ASCII character U\+00E9 at character 12/],
      ["", /empty/],
    ];
    for (const [token, expected] of cases) {
      const problem = checkBearerToken(token);
      assert.ok(problem, JSON.stringify(token));
      assert.match(problem, expected);
      assert.ok(!problem.includes(secret), problem);
    }
  });

  it("accepts nothing Node's HTTP client would refuse in a header", async () => {
    const http = await import("node:http");
    for (let code = 0; code < 0x3000; code++) {
      const token = `a${String.fromCharCode(code)}b`;
      if (checkBearerToken(token) !== undefined) continue;
      assert.doesNotThrow(() => http.validateHeaderValue("Authorization", `Bearer ${token}`), `U+${code.toString(16)}`);
    }
  });
});
