/**
 * `bench-probe`: a node that hands every message it receives to the listener registered for its
 * id (probes.ts). It stands where a user's flow would continue after pulsar-in, at the least cost.
 */
import type { Node, NodeAPI, NodeDef, NodeMessage } from "node-red";
import { probeListener } from "./probes";

export = function register(RED: NodeAPI): void {
  function BenchProbe(this: Node, def: NodeDef): void {
    RED.nodes.createNode(this, def);
    const id = this.id;
    this.on("input", (msg: NodeMessage) => probeListener(id)?.(msg));
  }
  RED.nodes.registerType("bench-probe", BenchProbe);
};
