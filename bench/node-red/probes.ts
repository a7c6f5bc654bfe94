/**
 * Listeners of the `bench-probe` node, by node id. The probe node module and the benchmark load
 * this same module file, so a listener set here sees what the deployed probe receives.
 */
import type { NodeMessage } from "node-red";

export type ProbeListener = (msg: NodeMessage) => void;

const listeners = new Map<string, ProbeListener>();

export function setProbe(nodeId: string, listener: ProbeListener | undefined): void {
  if (listener) listeners.set(nodeId, listener);
  else listeners.delete(nodeId);
}

export function probeListener(nodeId: string): ProbeListener | undefined {
  return listeners.get(nodeId);
}
