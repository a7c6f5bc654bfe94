/**
 * The benchmark's own nodes:
 * - `bench-probe` hands every message it receives to the listener registered for its id
 *   (probes.ts). It stands where a user's flow would continue after pulsar-in, at the least cost.
 * - `bench-done` completes every message at once: fed like pulsar-out, it measures what Node-RED
 *   and the driver cost per message with no Pulsar client at all (the "floor" of the produce table).
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

  function BenchDone(this: Node, def: NodeDef): void {
    RED.nodes.createNode(this, def);
    this.on("input", (_msg: NodeMessage, _send: unknown, done: () => void) => done());
  }
  RED.nodes.registerType("bench-done", BenchDone);
};
