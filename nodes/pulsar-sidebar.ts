/**
 * `pulsar-sidebar`: a Node-RED plugin (no node type) that adds a "Pulsar" tab to the editor's
 * sidebar. The editor side (pulsar-sidebar.html, resources/pulsar-sidebar.js) draws it; this side
 * registers the plugin and the admin routes it polls (lib/sidebar-api.ts), which reach Pulsar
 * through the deployed endpoints so that no token ever goes to the browser.
 */
import type { NodeAPI } from "node-red";
import { registerSidebarApi } from "./lib/sidebar-api";

interface PluginApi {
  plugins: { registerPlugin(id: string, definition: { type: string }): void };
}

export = function register(RED: NodeAPI): void {
  (RED as unknown as PluginApi).plugins.registerPlugin("pulsar-sidebar", { type: "pulsar-sidebar" });
  registerSidebarApi(RED);
};
