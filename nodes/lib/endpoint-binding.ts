/**
 * What every node that uses an endpoint does the same way: find its endpoint config node, get
 * its settings or the config error that says why there are none, and show a config error found
 * at deploy (logged once, a red "config error" status through the node's StatusReporter).
 */
import type { Node, NodeAPI } from "node-red";
import { usableSettings, type EndpointSettings } from "./connection/endpoint-settings";
import type { EndpointNode } from "./endpoint-types";
import { toNodeError, type Translate } from "./i18n";
import { asPulsarError, PulsarError } from "./protocol/errors";
import { StatusReporter } from "./status";

export interface EndpointBinding {
  /** The endpoint config node the node's `endpoint` property names, or null when there is none. */
  readonly endpoint: EndpointNode | null;
  /** The node's status, throttled (status.ts). */
  readonly status: StatusReporter;
  /** The endpoint's settings; throws the config error that says why there are none. */
  settings(): EndpointSettings;
  /** A configuration error found at deploy: logged, remembered, and the status says "config error". */
  configError(err: unknown): PulsarError;
  /** Why the node cannot work: the config error it reported, else the endpoint's, else "no endpoint". */
  readonly refusal: PulsarError;
}

export function bindToEndpoint(RED: NodeAPI, node: Node, endpointId: string, t: Translate): EndpointBinding {
  const endpoint = RED.nodes.getNode(endpointId) as EndpointNode | null;
  const status = new StatusReporter(node, t);
  let reported: PulsarError | undefined;
  return {
    endpoint,
    status,
    settings: () => usableSettings(endpoint),
    configError(err) {
      reported = asPulsarError(err, "config");
      node.error(toNodeError(t, reported).message);
      status.show({ fill: "red", shape: "ring", parts: [{ key: "config-error" }] });
      return reported;
    },
    get refusal() {
      return reported ?? endpoint?.configError ?? new PulsarError("config", "no-endpoint");
    },
  };
}
