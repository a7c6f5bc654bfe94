/**
 * A tiny node type for the fault flows: `fault-delay` holds each msg `ms` milliseconds (each msg on
 * its own timer, like a downstream doing slow I/O) and then sends it on. It counts what it holds so
 * a test can check that the work in progress stays bounded.
 */
import type { Node, NodeAPI, NodeDef } from "node-red";

interface DelayDef extends NodeDef {
  ms?: number;
}

export const held = new Map<string, number>();
export const maxHeld = new Map<string, number>();

export function faultNodes(RED: NodeAPI): void {
  function FaultDelay(this: Node, def: DelayDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    const ms = Number(def.ms ?? 0);
    const timers = new Set<NodeJS.Timeout>();
    held.set(node.id, 0);
    maxHeld.set(node.id, 0);
    node.on("input", (msg, send, done) => {
      const now = (held.get(node.id) ?? 0) + 1;
      held.set(node.id, now);
      if (now > (maxHeld.get(node.id) ?? 0)) maxHeld.set(node.id, now);
      const t = setTimeout(() => {
        timers.delete(t);
        held.set(node.id, (held.get(node.id) ?? 1) - 1);
        send(msg);
        done();
      }, ms);
      timers.add(t);
    });
    node.on("close", () => {
      for (const t of timers) clearTimeout(t);
      timers.clear();
    });
  }
  RED.nodes.registerType("fault-delay", FaultDelay);
}
