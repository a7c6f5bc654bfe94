/**
 * The flows npm start deploys: every file in examples/ as its own tab, changed in three ways so that
 * they run together and beside an example imported again from the editor's library:
 *
 * - one endpoint: the examples' identical `local Pulsar` endpoints become one config node (each file
 *   keeps its own, so it still imports alone), whose Service URL is `${PULSAR_HTTP_URL}`: npm start
 *   gives Node-RED the URL of the Pulsar it uses in that variable on every start, so the examples
 *   follow it from one start to the next (another port, another Pulsar) while the flows are kept;
 * - other ids: every node gets an id derived from its id in the library file, so Import → Examples
 *   finds no existing node and imports without the "already exist → Import copy" question;
 * - own subscriptions: each subscription gets the suffix `-npm-start`, so an imported example's
 *   Exclusive consumer is not refused (409) by the deployed one holding the same subscription. Both
 *   then receive every message of the shared topic, as two subscriptions of one topic do.
 */
import { createHash } from "node:crypto";

export type FlowNode = Record<string, unknown> & { id: string; type: string; z?: string };

export interface ExampleFile {
  /** The file name without .json; it becomes the tab label. */
  name: string;
  nodes: FlowNode[];
}

/** The service URL the example files name. */
export const EXAMPLE_SERVICE_URL = "http://localhost:8080";
export const DEPLOYED_SUBSCRIPTION_SUFFIX = "-npm-start";
/** The deployed examples' Service URL: the endpoint resolves it in Node-RED's environment. */
export const DEPLOYED_SERVICE_URL = "${PULSAR_HTTP_URL}";

/** A stable id per library id (the same on every --reset), shaped like Node-RED's own ids. */
export function deployedId(libraryId: string): string {
  return createHash("sha256").update(`npm-start:${libraryId}`).digest("hex").slice(0, 16);
}

/** Config nodes have neither wires nor a position. */
export function isConfigNode(node: FlowNode): boolean {
  return !("wires" in node) && !("x" in node);
}

/** An endpoint's settings without its identity, to tell which endpoints are the same. */
function endpointSettings(node: FlowNode): string {
  const settings: Record<string, unknown> = { ...node };
  delete settings.id;
  return JSON.stringify(Object.keys(settings).sort().map((key) => [key, settings[key]]));
}

/** Replaces every string that is a key of `ids` (wires, z, endpoint, broker, links, scope, …). */
function remap(value: unknown, ids: Map<string, string>): unknown {
  if (typeof value === "string") return ids.get(value) ?? value;
  if (Array.isArray(value)) return value.map((item) => remap(item, ids));
  return value;
}

export function exampleFlows(files: ExampleFile[]): FlowNode[] {
  const flows: FlowNode[] = [];
  /** Endpoint settings → the id of the one deployed endpoint with those settings. */
  const endpoints = new Map<string, string>();
  files.forEach((file, index) => {
    const ids = new Map<string, string>();
    const pending: FlowNode[] = [];
    const tabId = deployedId(`example-tab-${index}-${file.name}`);
    const hasTab = file.nodes.some((node) => node.type === "tab");
    if (!hasTab) flows.push({ id: tabId, type: "tab", label: file.name });
    for (const node of file.nodes) {
      const copy: FlowNode = { ...node };
      if (copy.type === "pulsar-ws-endpoint") {
        if (copy.serviceUrl === EXAMPLE_SERVICE_URL) copy.serviceUrl = DEPLOYED_SERVICE_URL;
        const settings = endpointSettings(copy);
        const shared = endpoints.get(settings);
        if (shared) {
          ids.set(node.id, shared);
          continue;
        }
        endpoints.set(settings, deployedId(node.id));
      }
      ids.set(node.id, deployedId(node.id));
      if (!hasTab && copy.type !== "tab" && copy.z === undefined && !isConfigNode(copy)) copy.z = tabId;
      if (copy.type === "pulsar-in" && typeof copy.subscription === "string" && copy.subscription !== "") {
        copy.subscription += DEPLOYED_SUBSCRIPTION_SUFFIX;
      }
      pending.push(copy);
    }
    for (const node of pending) {
      const mapped: FlowNode = { ...node, id: ids.get(node.id) ?? node.id };
      for (const [key, value] of Object.entries(node)) if (key !== "id") mapped[key] = remap(value, ids);
      flows.push(mapped);
    }
  });
  return flows;
}

/** The deployed examples' shared endpoint (its id is the same in every deployment of these files). */
export function examplesEndpointId(files: ExampleFile[]): string | undefined {
  return exampleFlows(files).find((node) => node.type === "pulsar-ws-endpoint" && node.serviceUrl === DEPLOYED_SERVICE_URL)?.id;
}

/** One Pulsar on this machine, as npm start wrote it before the examples' endpoint took ${PULSAR_HTTP_URL}. */
const LOOPBACK_URL = /^https?:\/\/(127\.0\.0\.1|localhost|\[::1\]):\d+\/?$/;

export interface KeptFlows {
  /** The flows to write back, or undefined when nothing changed. */
  changed?: FlowNode[];
  /** What npm start says about the endpoints at start. */
  notes: string[];
}

/**
 * Flows kept in the user directory from an earlier start. The deployed examples' endpoint is npm
 * start's: when it still holds a loopback URL (what npm start wrote before it used
 * ${PULSAR_HTTP_URL}, the first start's Pulsar), it is switched to ${PULSAR_HTTP_URL} once. Any other
 * value there was set by the user and stays, as every other endpoint stays; npm start says where each
 * endpoint on this machine points when that is not the Pulsar of this start.
 */
export function followCurrentPulsar(flows: FlowNode[], endpointId: string | undefined, serviceUrl: string): KeptFlows {
  const notes: string[] = [];
  let changed: FlowNode[] | undefined;
  const label = (node: FlowNode): string => (typeof node.name === "string" && node.name ? `'${node.name}'` : node.id);
  flows.forEach((node, index) => {
    if (node.type !== "pulsar-ws-endpoint") return;
    const url = typeof node.serviceUrl === "string" ? node.serviceUrl.trim() : "";
    if (node.id === endpointId) {
      if (url === DEPLOYED_SERVICE_URL) {
        notes.push(`The examples' endpoint ${label(node)} uses ${DEPLOYED_SERVICE_URL} = ${serviceUrl}.`);
      } else if (LOOPBACK_URL.test(url)) {
        changed ??= [...flows];
        changed[index] = { ...node, serviceUrl: DEPLOYED_SERVICE_URL };
        notes.push(`The examples' endpoint ${label(node)} pointed at ${url}, the Pulsar of an earlier start; it now uses ` +
          `${DEPLOYED_SERVICE_URL} = ${serviceUrl}, and follows the Pulsar of every start.`);
      } else {
        notes.push(`The examples' endpoint ${label(node)} keeps the Service URL you gave it, ${url}, not this start's ` +
          `Pulsar ${serviceUrl} (npm start -- --reset brings back the examples).`);
      }
      return;
    }
    if (LOOPBACK_URL.test(url) && url.replace(/\/$/, "") !== serviceUrl.replace(/\/$/, "")) {
      notes.push(`Your endpoint ${label(node)} keeps its Service URL ${url}; this start's Pulsar is ${serviceUrl}.`);
    }
  });
  return { changed, notes };
}
