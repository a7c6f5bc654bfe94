/**
 * The one place that turns a core `tls-config` node into socket options, for the sessions and
 * for the editor's admin calls alike.
 */
import type { NodeAPI } from "node-red";
import type { TlsConfigNode } from "./endpoint-types";
import type { TlsOptions } from "./session/socket";

/** What a `tls` property of a config names: options, nothing, or a node not deployed (yet). */
export type TlsLookup = { kind: "none" } | { kind: "missing" } | { kind: "options"; options: TlsOptions };

export function lookupTls(RED: NodeAPI, tlsNodeId: string | undefined): TlsLookup {
  if (!tlsNodeId) return { kind: "none" };
  const tlsNode = RED.nodes.getNode(tlsNodeId) as TlsConfigNode | null;
  if (!tlsNode || typeof tlsNode.addTLSOptions !== "function") return { kind: "missing" };
  const options: TlsOptions = {};
  tlsNode.addTLSOptions(options);
  return { kind: "options", options: withoutHttp2(options) };
}

/**
 * A WebSocket upgrade is an HTTP/1.1 request. The tls-config node's ALPN field offers whatever
 * the user typed there; a server that picks `h2` from it then answers the upgrade with an
 * HTTP/2 preface and the session never opens. Offer only what the upgrade can use.
 */
export function withoutHttp2(options: TlsOptions): TlsOptions {
  const alpn = options.ALPNProtocols;
  if (!Array.isArray(alpn)) return options;
  const kept = alpn.filter((p) => p !== "h2" && p !== "h2c");
  const out: TlsOptions = { ...options };
  if (kept.length) out.ALPNProtocols = kept;
  else delete out.ALPNProtocols;
  return out;
}
