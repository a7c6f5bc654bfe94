/**
 * produce-encrypted: what end-to-end encryption costs pulsar-out per message. Two pulsar-out nodes
 * on the same topic of the ack server (a), one plain (node) and one with `keys` (node+e2e: an RSA
 * 2048 key pair made here, the public key in a pulsar-ws-keys node), fed the same payloads in
 * interleaved turns; the figure is the client CPU per message, and the row compares it with the
 * plain node of the same run (goal: ≤ 1.2× at 1 KiB). The ack server acks every frame without
 * reading it, so the encrypted frames (encryptionParam, compressionType, uncompressedMessageSize,
 * the producer URL's encryptionKeys) cost it nothing more: the row measures the client alone.
 */
import { generateKeyPairSync } from "node:crypto";
import { cpuUsPerMessage, rateOf, type Sample } from "../drivers";
import { endpoint, flow, pulsarOut, type FlowNode } from "../node-red/flows";
import { MAX_OUTSTANDING } from "../profile";
import { compare, type ResultRow } from "../results";
import { spread } from "../stats";
import { textPayload } from "../wire";
import type { ScenarioContext } from "./context";
import { measureProducers } from "./produce";
import { rateRow } from "./throughput-rows";

/** The goal: encryption costs under 20 % more client CPU per message at 1 KiB. */
const CPU_TARGET = 1.2;
const KEY_NAME = "bench-rsa";

/** A throwaway key pair, as PEM text (the keys node takes PEM text as well as file:// paths). */
function keysNode(): { node: FlowNode; privatePem: string } {
  const { publicKey, privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const publicPem = publicKey.export({ type: "spki", format: "pem" }).toString();
  const privatePem = privateKey.export({ type: "pkcs1", format: "pem" }).toString();
  return { node: { id: "bench-keys", type: "pulsar-ws-keys", name: "", keys: [{ name: KEY_NAME, publicKey: publicPem }] }, privatePem };
}

export async function produceEncryptedScenario(ctx: ScenarioContext, bytes: number): Promise<ResultRow[]> {
  const { server } = ctx;
  const topic = ctx.unique(`produce-e2e-${bytes}`);
  const keys = keysNode();
  // Credentials travel with the node on deploy, as the editor sends them.
  const keysWithCredentials = { ...keys.node, credentials: { privateKeys: JSON.stringify({ [KEY_NAME]: keys.privatePem }) } };
  await ctx.runtime.deploy([...flow(endpoint(server.wsUrl), pulsarOut("bench-out", topic), pulsarOut("bench-out-e2e", topic, { keys: "bench-keys", encryptionKeys: KEY_NAME })), keysWithCredentials]);
  try {
    const runs = await measureProducers(ctx, `produce-encrypted ${bytes} B, server ${server.id}`, textPayload(bytes), {
      node: { producer: ctx.runtime.producer("bench-out"), maxOutstanding: MAX_OUTSTANDING },
      "node+e2e": { producer: ctx.runtime.producer("bench-out-e2e"), maxOutstanding: MAX_OUTSTANDING },
    });
    const cpu = (client: "node" | "node+e2e"): number[] => runs.get(client)!.map((slices: Sample[]) => cpuUsPerMessage(slices));
    const target = bytes >= 1024 ? { op: "<=" as const, value: CPU_TARGET } : undefined;
    const rate = (client: "node" | "node+e2e"): number[] => runs.get(client)!.map(rateOf);
    const rates = [
      rateRow(ctx, "produce-encrypted", bytes, runs, "node", []),
      rateRow(ctx, "produce-encrypted", bytes, runs, "node+e2e", [compare(rate("node+e2e"), rate("node"), "node", "ratio")]),
    ];
    const cpuRow: ResultRow = {
      scenario: "produce-encrypted",
      server: server.id,
      client: "node+e2e",
      payloadBytes: bytes,
      metric: "client CPU",
      unit: "µs/msg",
      value: spread(cpu("node+e2e")),
      details: { "plain node CPU": { unit: "µs/msg", spread: spread(cpu("node")) } },
      comparisons: [compare(cpu("node+e2e"), cpu("node"), "node", "ratio", target)],
    };
    return [...rates, cpuRow];
  } finally {
    await ctx.runtime.deploy([]);
    await server.deleteTopic(topic);
  }
}
