/**
 * `pulsar-ws-endpoint`: the config node. It holds the service URL, cluster, default
 * tenant/namespace, the token credential and TLS, and is the factory of every producer,
 * consumer and reader session its users open (one WebSocket session each: Pulsar's API is one
 * topic per socket). It tracks those sessions and closes any left over when it closes.
 */
import type { Node, NodeAPI } from "node-red";
import { registerAdminApi } from "./lib/admin-api";
import { resolveEndpointSettings, socketOptions, sessionUrl, type EndpointSettings } from "./lib/endpoint-settings";
import type { EndpointCredentials, EndpointDef, EndpointNode, TlsConfigNode } from "./lib/endpoint-types";
import { PulsarError } from "./lib/errors";
import { ConsumerSession } from "./lib/session/consumer";
import { ProducerSession } from "./lib/session/producer";
import type { SocketState, TlsOptions } from "./lib/session/socket";

/** Users close within their own bound (≤ 12 s); Node-RED gives a close 15 s in all. */
const USERS_CLOSE_WAIT_MS = 13000;

export = function register(RED: NodeAPI): void {
  function PulsarWsEndpoint(this: Node<EndpointCredentials>, def: EndpointDef): void {
    RED.nodes.createNode(this, def);
    // The config node *is* the endpoint its users talk to: add its API to the node object.
    const endpoint = this as EndpointNode;
    const sessions = new Set<ProducerSession | ConsumerSession>();
    let onAllClosed: (() => void) | undefined;
    const untrackWhenClosed = (session: ProducerSession | ConsumerSession) => (state: SocketState) => {
      if (state.state !== "closed") return;
      sessions.delete(session);
      if (sessions.size === 0) onAllClosed?.();
    };

    try {
      endpoint.settings = resolveEndpointSettings(def, endpoint.credentials?.token, tlsOptions(def.tls));
    } catch (err) {
      endpoint.configError = err instanceof PulsarError ? err : new PulsarError("config", "unexpected", { message: String(err) });
    }

    const settingsOrThrow = (): EndpointSettings => {
      if (!endpoint.settings) throw endpoint.configError ?? new PulsarError("config", "url-missing");
      return endpoint.settings;
    };

    endpoint.createProducer = (req) => {
      const settings = settingsOrThrow();
      const url = sessionUrl(settings, "producer", req.topic, req.query);
      const session = new ProducerSession({ ...req.session, socket: socketOptions(settings, url), maxFrameSize: settings.maxFrameSize });
      sessions.add(session);
      session.on("state", untrackWhenClosed(session));
      return session;
    };

    endpoint.createConsumer = (req) => {
      const settings = settingsOrThrow();
      const url = (): string => sessionUrl(settings, req.role, req.topic, req.query(), req.subscription);
      const session = new ConsumerSession({ ...req.session, kind: req.role, socket: socketOptions(settings, url) });
      sessions.add(session);
      session.on("state", untrackWhenClosed(session));
      return session;
    };

    // Node-RED stops a flow's nodes and its config nodes in parallel, and the users drain
    // their own sessions (pulsar-out waits for acks). So wait for them to finish, bounded,
    // and only then force-close whatever is left, so no socket or timer outlives a redeploy.
    endpoint.on("close", (done: () => void) => {
      if (sessions.size === 0) return done();
      const deadline = setTimeout(() => {
        onAllClosed = undefined;
        const leftovers = [...sessions];
        sessions.clear();
        void Promise.allSettled(leftovers.map((s) => (s instanceof ProducerSession ? s.close(0) : s.close()))).then(() => done());
      }, USERS_CLOSE_WAIT_MS);
      onAllClosed = () => {
        clearTimeout(deadline);
        onAllClosed = undefined;
        done();
      };
    });
  }

  function tlsOptions(tlsNodeId: string | undefined): TlsOptions | undefined {
    if (!tlsNodeId) return undefined;
    const tlsNode = RED.nodes.getNode(tlsNodeId) as TlsConfigNode | null;
    if (!tlsNode || typeof tlsNode.addTLSOptions !== "function") return undefined;
    const options: TlsOptions = {};
    tlsNode.addTLSOptions(options);
    return options;
  }

  RED.nodes.registerType<Node<EndpointCredentials>, EndpointDef, never, EndpointCredentials>("pulsar-ws-endpoint", PulsarWsEndpoint, {
    credentials: { token: { type: "password" } },
  });
  registerAdminApi(RED);
};
