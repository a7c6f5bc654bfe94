/**
 * The flows npm start deploys: every file in examples/ as its own tab, changed in three ways so that
 * they run together and beside an example imported again from the editor's library:
 *
 * - one endpoint: the examples' identical `local Pulsar` endpoints become one config node (each file
 *   keeps its own, so it still imports alone), pointed at the Pulsar npm start runs;
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

export function exampleFlows(files: ExampleFile[], serviceUrl: string): FlowNode[] {
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
        if (copy.serviceUrl === EXAMPLE_SERVICE_URL) copy.serviceUrl = serviceUrl;
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
