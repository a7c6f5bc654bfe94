/**
 * The two servers every scenario runs against: (a) the ack server (bench/ack-server.ts) in a child
 * process, (b) a real Pulsar standalone from the harness, or the Pulsar at PULSAR_WS_URL.
 */
import { fork } from "node:child_process";
import path from "node:path";
import { externalPulsar, startPulsar, type PulsarInstance } from "../harness/pulsar";
import { findHarnessJvm } from "./server-cpu";

export type ServerId = "a" | "b";

export interface BenchServer {
  id: ServerId;
  /** For the table and the JSON file, e.g. "ack server" or "Pulsar 4.2.4 standalone". */
  label: string;
  wsUrl: string;
  /** The server's local process, whose CPU time the figures include; absent for an external Pulsar. */
  pid?: number;
  stop(): Promise<void>;
  /** Removes a topic the benchmark created (real Pulsar only; the ack server keeps nothing). */
  deleteTopic(topic: string, opts?: { partitioned?: boolean }): Promise<void>;
  /** Creates a partitioned topic through the admin REST API (real Pulsar only: the ack server has neither). */
  createPartitionedTopic(topic: string, partitions: number): Promise<void>;
}

export function startAckServer(): Promise<BenchServer> {
  return new Promise((resolve, reject) => {
    const child = fork(path.join(__dirname, "ack-server-main.js"), [], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
    child.once("error", reject);
    child.once("exit", (code) => reject(new Error(`ack server exited (code ${code})`)));
    child.once("message", (message) => {
      const { port } = message as { port: number };
      resolve({
        id: "a",
        label: "ack server (separate process)",
        wsUrl: `ws://127.0.0.1:${port}`,
        pid: child.pid,
        deleteTopic: () => Promise.resolve(),
        createPartitionedTopic: () => Promise.reject(new Error("the ack server has no partitioned topics")),
        stop: () =>
          new Promise((done) => {
            child.removeAllListeners("exit");
            child.once("exit", () => done());
            child.disconnect();
          }),
      });
    });
  });
}

export async function startPulsarServer(): Promise<BenchServer> {
  const external = externalPulsar();
  const pulsar: PulsarInstance = external ?? (await startPulsar({ line: "4.2" }));
  return {
    id: "b",
    label: external ? `Pulsar at ${external.wsUrl}` : `Pulsar ${pulsar.version} standalone`,
    wsUrl: pulsar.wsUrl,
    pid: external ? undefined : findHarnessJvm(),
    deleteTopic: async (topic, opts) => {
      await pulsar.admin("DELETE", `${adminPath(topic)}${opts?.partitioned ? "/partitions" : ""}?force=true`);
    },
    createPartitionedTopic: async (topic, partitions) => {
      const res = await pulsar.admin("PUT", `${adminPath(topic)}/partitions`, partitions);
      if (res.status !== 204 && res.status !== 200) throw new Error(`creating ${topic} with ${partitions} partitions: HTTP ${res.status} ${res.body}`);
    },
    stop: () => (external ? Promise.resolve() : pulsar.stop()),
  };
}

function adminPath(topic: string): string {
  return `/admin/v2/persistent/public/default/${encodeURIComponent(topic)}`;
}

const ROLE_PATH = { producer: "ws/v2/producer", consumer: "ws/v2/consumer" } as const;

export function producerUrl(server: BenchServer, topic: string): string {
  return `${server.wsUrl}/${ROLE_PATH.producer}/persistent/public/default/${encodeURIComponent(topic)}`;
}

export function consumerUrl(server: BenchServer, topic: string, subscription: string, query: Record<string, string> = {}): string {
  const qs = new URLSearchParams(query).toString();
  return `${server.wsUrl}/${ROLE_PATH.consumer}/persistent/public/default/${encodeURIComponent(topic)}/${encodeURIComponent(subscription)}${qs ? `?${qs}` : ""}`;
}
