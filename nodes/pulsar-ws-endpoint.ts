/**
 * `pulsar-ws-endpoint`: the config node. It holds the service URL, cluster, default
 * tenant/namespace, the token credential and TLS, and is the factory of every producer,
 * consumer and reader session its users open (one WebSocket session each: Pulsar's API is one
 * topic per socket). It tracks those sessions and closes any left over when it closes.
 */
import type { Node, NodeAPI } from "node-red";
import { registerAdminApi } from "./lib/editor-api";
import { PulsarAdmin } from "./lib/connection/admin-operations";
import { EndpointConnection } from "./lib/connection/endpoint-connection";
import { resolveEndpointSettings, socketOptions, sessionUrl, usableSettings, type EndpointSettings } from "./lib/connection/endpoint-settings";
import type { EndpointCredentials, EndpointDef, EndpointNode } from "./lib/endpoint-types";
import { translator } from "./lib/i18n";
import { issuerUrlWarning } from "./lib/connection/oauth2";
import { asPulsarError } from "./lib/protocol/errors";
import { lookupProxy } from "./lib/proxy-config";
import { ConsumerSession } from "./lib/session/consumer";
import { ProducerSession } from "./lib/session/producer";
import type { SocketState } from "./lib/session/socket";
import { lookupTls } from "./lib/tls";

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
      const tls = lookupTls(RED, def.tls);
      const settings = resolveEndpointSettings(def, endpoint.credentials?.token, tls.kind === "options" ? tls.options : undefined, endpoint.credentials?.oauth2ClientSecret);
      endpoint.connection = new EndpointConnection({
        bases: settings.bases,
        auth: settings.auth,
        proxy: lookupProxy(RED, def.proxy),
        tls: settings.tls,
        env: (name) => {
          const value: unknown = RED.util.getSetting(endpoint, name);
          return value === undefined || value === null ? undefined : String(value);
        },
        handshakeTimeoutMs: settings.handshakeTimeoutMs,
      });
      endpoint.settings = settings;
      endpoint.proxyId = def.proxy ?? "";
      // Allowed (a test issuer, a trusted network), but the secret then crosses the network in clear.
      if (settings.auth.type === "oauth2" && issuerUrlWarning(settings.auth.oauth2.issuerUrl)) {
        endpoint.warn(translator(RED)("pulsar.log.oauth2-http-issuer", { url: new URL(settings.auth.oauth2.issuerUrl).origin }));
      }
    } catch (err) {
      endpoint.configError = asPulsarError(err, "config");
    }

    /** The socket options of one session: the endpoint's, plus its per-attempt token, proxy and failover. */
    const hooked = (settings: EndpointSettings, url: (attempt: { base: string; token?: string }) => string) => {
      const hooks = endpoint.connection!.sessionHooks(settings.tokenInQuery, url);
      return { ...socketOptions(settings), ...hooks };
    };

    endpoint.createProducer = (req) => {
      const settings = usableSettings(endpoint);
      const socket = hooked(settings, (attempt) => sessionUrl(settings, "producer", req.topic, req.query, undefined, attempt));
      const session = new ProducerSession({ ...req.session, socket, maxFrameSize: settings.maxFrameSize });
      sessions.add(session);
      session.on("state", untrackWhenClosed(session));
      return session;
    };

    endpoint.createConsumer = (req) => {
      const settings = usableSettings(endpoint);
      // A reader resumes after its last message: the URL depends on it, and on the attempt.
      let resume: string | undefined;
      const { url: attemptUrl, ...socket } = hooked(settings, (attempt) => sessionUrl(settings, req.role, req.topic, req.query(resume), req.subscription, attempt));
      const url = (resumeAfter: string | undefined): string => {
        resume = resumeAfter;
        return attemptUrl();
      };
      const session = new ConsumerSession({ ...req.session, kind: req.role, socket, url });
      sessions.add(session);
      session.on("state", untrackWhenClosed(session));
      return session;
    };

    // The admin REST API is served on the same host and port as the WebSocket API (the broker's
    // or proxy's web service), so the same connection applies: the service URL list with its
    // failover, the token per call (fixed, ${ENV}, file://, OAuth2), the proxy and TLS.
    endpoint.adminTarget = () => {
      usableSettings(endpoint);
      return endpoint.connection!.adminTarget();
    };
    endpoint.admin = () => new PulsarAdmin(endpoint.adminTarget());

    // Node-RED stops a flow's nodes and its config nodes in parallel, and the users drain
    // their own sessions (pulsar-out waits for acks). So wait for them to finish, bounded,
    // and only then force-close whatever is left, so no socket or timer outlives a redeploy.
    endpoint.on("close", (done: () => void) => {
      if (sessions.size === 0) return done();
      const deadline = setTimeout(() => {
        onAllClosed = undefined;
        const leftovers = [...sessions];
        sessions.clear();
        // Each close runs in its own promise, so one that throws cannot skip the others or
        // escape this timer; Node-RED must get done() whatever happened.
        Promise.allSettled(leftovers.map((s) => Promise.resolve().then(() => s.close(0))))
          .then((results) => {
            for (const r of results) if (r.status === "rejected") endpoint.error(asPulsarError(r.reason).message);
          })
          .catch((err: unknown) => endpoint.error(asPulsarError(err).message))
          .finally(() => done());
      }, USERS_CLOSE_WAIT_MS);
      onAllClosed = () => {
        clearTimeout(deadline);
        onAllClosed = undefined;
        done();
      };
    });
  }

  RED.nodes.registerType<Node<EndpointCredentials>, EndpointDef, never, EndpointCredentials>("pulsar-ws-endpoint", PulsarWsEndpoint, {
    credentials: { token: { type: "password" }, oauth2ClientSecret: { type: "password" } },
  });
  registerAdminApi(RED);
};
