/**
 * The one place that turns a core `http proxy` config node (core/network/06-httpproxy.js: `url`,
 * `noproxy`, credentials `username` / `password`) into proxy settings, for the sessions and for
 * the editor's admin calls alike. No node: the environment variables decide (connection/endpoint-connection.ts).
 */
import type { NodeAPI } from "node-red";
import type { ProxyNodeSettings } from "./connection/endpoint-connection";
import type { HttpProxyNode } from "./endpoint-types";
import { configError } from "./protocol/errors";

export function lookupProxy(RED: NodeAPI, id: string | undefined): ProxyNodeSettings | undefined {
  if (!id) return undefined;
  const node = RED.nodes.getNode(id) as HttpProxyNode | null;
  const raw = typeof node?.url === "string" ? node.url.trim() : "";
  if (!node || !raw) throw configError("proxy-missing");
  const noProxy = Array.isArray(node.noproxy) ? node.noproxy.filter((e): e is string => typeof e === "string" && e.trim() !== "") : [];
  // Core's http request node takes a proxy URL without a scheme as http://.
  const url = /^[a-z]+:\/\//i.test(raw) ? raw : `http://${raw}`;
  return { url, noProxy, username: node.credentials?.username || undefined, password: node.credentials?.password || undefined };
}
