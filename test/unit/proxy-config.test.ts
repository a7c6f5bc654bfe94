/**
 * lookupProxy (nodes/lib/proxy-config.ts): a core `http proxy` config node into the proxy settings
 * the sessions and the editor's admin calls use, read the way core's http request node reads it.
 */
import assert from "node:assert/strict";
import type { NodeAPI } from "node-red";
import { PulsarError } from "../../nodes/lib/protocol/errors";
import { lookupProxy } from "../../nodes/lib/proxy-config";

/** A RED whose config nodes are `nodes`, recording which ids were looked up. */
function redWith(nodes: Record<string, Record<string, unknown>>): { RED: NodeAPI; asked: string[] } {
  const asked: string[] = [];
  const RED = { nodes: { getNode: (id: string) => (asked.push(id), nodes[id] ?? null) } } as unknown as NodeAPI;
  return { RED, asked };
}

function proxyMissing(fn: () => unknown): void {
  assert.throws(fn, (err: unknown) => err instanceof PulsarError && err.code === "proxy-missing" && err.errorClass === "config");
}

describe("lookupProxy", () => {
  it("no proxy node chosen: no settings (the environment decides), and no lookup", () => {
    const { RED, asked } = redWith({});
    assert.equal(lookupProxy(RED, undefined), undefined);
    assert.equal(lookupProxy(RED, ""), undefined);
    assert.deepEqual(asked, []);
  });

  it("a chosen proxy node that is gone, or has no URL, is a configuration error", () => {
    const { RED } = redWith({ blank: { url: "   " }, nourl: {}, numeric: { url: 8080 } });
    proxyMissing(() => lookupProxy(RED, "gone"));
    proxyMissing(() => lookupProxy(RED, "blank"));
    proxyMissing(() => lookupProxy(RED, "nourl"));
    proxyMissing(() => lookupProxy(RED, "numeric"));
  });

  it("a URL without a scheme is http://, as core's http request node takes it; one with a scheme is kept", () => {
    const { RED } = redWith({
      bare: { url: " proxy.local:3128 " },
      http: { url: "http://proxy.local:3128" },
      https: { url: "https://proxy.local:8443/" },
      upper: { url: "HTTP://Proxy.Local" },
    });
    assert.equal(lookupProxy(RED, "bare")?.url, "http://proxy.local:3128");
    assert.equal(lookupProxy(RED, "http")?.url, "http://proxy.local:3128");
    assert.equal(lookupProxy(RED, "https")?.url, "https://proxy.local:8443/");
    assert.equal(lookupProxy(RED, "upper")?.url, "HTTP://Proxy.Local");
  });

  it("keeps the non-blank strings of the no-proxy list; anything but a list is an empty one", () => {
    const { RED } = redWith({
      list: { url: "p:1", noproxy: ["a.local", "", "  ", 5, null, ".b.local"] },
      text: { url: "p:1", noproxy: "a.local" },
      none: { url: "p:1" },
    });
    assert.deepEqual(lookupProxy(RED, "list")?.noProxy, ["a.local", ".b.local"]);
    assert.deepEqual(lookupProxy(RED, "text")?.noProxy, []);
    assert.deepEqual(lookupProxy(RED, "none")?.noProxy, []);
  });

  it("passes the credentials on; empty or missing ones are no credentials", () => {
    const { RED } = redWith({
      auth: { url: "p:1", credentials: { username: "u", password: "s3cret" } },
      empty: { url: "p:1", credentials: { username: "", password: "" } },
      none: { url: "p:1" },
    });
    assert.deepEqual(lookupProxy(RED, "auth"), { url: "http://p:1", noProxy: [], username: "u", password: "s3cret" });
    const empty = lookupProxy(RED, "empty");
    assert.equal(empty?.username, undefined);
    assert.equal(empty?.password, undefined);
    const none = lookupProxy(RED, "none");
    assert.equal(none?.username, undefined);
    assert.equal(none?.password, undefined);
  });
});
