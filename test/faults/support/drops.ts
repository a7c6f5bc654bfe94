/**
 * The connection-cut run shared by the drop scenarios (10-connection-drops, 16-sessions-drops):
 * pulsar-out nodes and one pulsar-in through a loopback proxy that cuts producer and consumer
 * sockets (RST) at random settled counts, then the loss accounting: every input must end in
 * done() (or a done(err) a Catch node saw), a reader from earliest must find every acked message,
 * and the consumer must receive every acked message at least once.
 *
 * With `encrypted` (24-encrypted-drops) the payloads are end-to-end encrypted: each input also
 * carries its id in a message property (properties are not encrypted), the reader from earliest asks
 * for the stored frames as they are (cryptoFailureAction=CONSUME) and counts them by that property,
 * and counts the stored payloads that are not AES-GCM ciphertext of their id (they hold the
 * plaintext, or are not the plaintext's size + the 16-byte tag). Pulsar's reader endpoint gives no
 * encryptionContext (its consumer endpoint does), so the stored bytes are what is checked.
 */
import assert from "node:assert/strict";
import type { Node } from "node-red";
import type { PulsarInstance } from "../../../harness/pulsar";
import { until } from "../../support/wait";
import { recordFigure } from "./figures";
import { Deliveries, flow, helper, idsOf, inject, nodesWithTls, Outcomes, unspy, watchers, type FlowNode } from "./nr";
import type { ConnectionFilter, TcpProxy } from "./proxy";
import { readAll } from "./pulsar";
import type { ReaderFrame } from "../../support/read-topic";

export interface DropsPlan {
  pulsar: PulsarInstance;
  proxy: TcpProxy;
  topic: string;
  messages: number;
  cuts: number;
  /** How many pulsar-out nodes share the input, message by message. */
  producers: number;
  /** Options every pulsar-out gets on top of the run's own (e.g. sessionPerPartition). */
  outOptions?: Record<string, unknown>;
  /** Options of the pulsar-in on top of the run's own (subscription type, sessions, …). */
  inOptions?: Record<string, unknown>;
  /** Upgraded sockets to wait for before the first message, by role. */
  sockets: Sockets;
  /** More nodes in the flow (e.g. a pulsar-ws-keys config node the options refer to). */
  extraNodes?: FlowNode[];
  /** Credentials by node id, for helper.load. */
  credentials?: Record<string, Record<string, string>>;
  /** Node modules on top of the suite's own. */
  modules?: typeof nodesWithTls;
  /**
   * The share of cuts aimed at the consumer (default 0.3). With few cuts, more than 0.3 keeps the
   * chance that no cut reaches one of the roles (which fails the run) small: 0.7^10 ≈ 3 %, 0.5^10 ≈ 0.1 %.
   */
  consumerCutShare?: number;
  /** The payloads are encrypted: id in a property, the reader checks that only ciphertext is stored. */
  encrypted?: boolean;
  /**
   * Messages per input msg (`splitArrays` on every pulsar-out): each msg's payload is an array of
   * that many ids; a msg that ended in done() counts all its elements acked. Default 1: one id per msg.
   */
  arraySize?: number;
}

export interface Sockets {
  producer: number;
  consumer: number;
}

export interface DropsResult {
  /** Upgraded sockets open before the first message (after waiting up to 30 s for `plan.sockets`). */
  sockets: Sockets;
  cuts: Sockets;
  unsettled: string[];
  twice: number;
  missingInTopic: string[];
  missingAtConsumer: string[];
  /** done(err) messages and how often each came. */
  errors: Map<string, number>;
  completed: number;
  failed: number;
  lost: number;
  storedDuplicates: number;
  deliveredDuplicates: number;
  seconds: number;
  /**
   * Stored messages that are not AES-GCM ciphertext of their id: the payload holds the plaintext,
   * or its size is not the plaintext's + the 16-byte tag (only counted with `encrypted`).
   */
  storedPlaintext: number;
  /** Produced, read and received counts, for the figure's notes. */
  summary: string;
}

const OUTSTANDING_PER_NODE = 1000;
const SOCKETS_WAIT_MS = 30_000;

const isRole = (consumer: boolean): ConnectionFilter => (c) => c.path.includes(consumer ? "/ws/v2/consumer/" : "/ws/v2/producer/");

function upgraded(proxy: TcpProxy): Sockets {
  const up = (consumer: boolean): number => proxy.open((c) => c.status === 101 && isRole(consumer)(c)).length;
  return { producer: up(false), consumer: up(true) };
}

export async function runDrops(plan: DropsPlan): Promise<DropsResult> {
  const { proxy, topic, messages } = plan;
  const outIds = Array.from({ length: plan.producers }, (_, i) => `out${i}`);
  const size = plan.arraySize ?? 1;
  const ids = Array.from({ length: messages }, (_, i) => `${topic}#${i}`);
  // The inputs: one id each, or arrays of `size` ids under a msg id of their own.
  const inputs = Math.ceil(messages / size);
  const inputId = (k: number): string => (size === 1 ? ids[k] : `${topic}@${k}`);
  const elementsOf = (k: number): string[] => ids.slice(k * size, (k + 1) * size);
  const inputIds = Array.from({ length: inputs }, (_, k) => inputId(k));
  const elementsOfInputs = (which: string[]): string[] => (size === 1 ? which : which.flatMap((id) => elementsOf(Number(id.slice(id.lastIndexOf("@") + 1)))));
  const nodes: FlowNode[] = [
    { id: "ep", type: "pulsar-ws-endpoint", serviceUrl: proxy.wsUrl, tenant: "public", namespace: "default", reconnectMin: 0.05, reconnectMax: 1, pingInterval: 5, pongTimeout: 5 },
    ...outIds.map((id) => ({ id, type: "pulsar-out", endpoint: "ep", topic, maxInFlight: 500, wires: [], ...(size > 1 ? { splitArrays: true } : {}), ...plan.outOptions })),
    { id: "in", type: "pulsar-in", endpoint: "ep", topic, mode: "subscription", subscription: "drops", subscriptionType: "Exclusive", initialPosition: "Earliest", ackMode: "auto", payloadFormat: "utf8", wires: [["received"]], ...plan.inOptions },
    { id: "received", type: "helper" },
    ...watchers(outIds),
    ...(plan.extraNodes ?? []),
  ];
  await helper.load([...nodesWithTls, ...(plan.modules ?? [])], flow(...nodes), plan.credentials ?? {});
  unspy(idsOf(nodes));
  const outcomes = new Outcomes();
  const received = new Deliveries("received");
  const outs: Node[] = outIds.map((id) => helper.getNode(id));
  // Not a failure here: a scenario that counts sessions asserts on `sockets` itself.
  const enough = (s: Sockets): boolean => s.producer >= plan.sockets.producer && s.consumer >= plan.sockets.consumer;
  await until(() => enough(upgraded(proxy)), SOCKETS_WAIT_MS, "all sessions open").catch(() => undefined);
  const sockets = upgraded(proxy);

  // Cut points: random settled counts, spread over the run.
  const thresholds = Array.from({ length: plan.cuts }, () => Math.floor(inputs * (0.02 + Math.random() * 0.93))).sort((a, b) => a - b);
  const cuts: Sockets = { producer: 0, consumer: 0 };
  const tryCut = (): void => {
    while (thresholds.length > 0 && outcomes.settled >= thresholds[0]) {
      const wantConsumer = Math.random() < (plan.consumerCutShare ?? 0.3);
      const victim = proxy.cutRandom(isRole(wantConsumer)) ?? proxy.cutRandom(isRole(!wantConsumer));
      if (!victim) return; // everything is reconnecting: cut at the next settle
      thresholds.shift();
      if (isRole(true)(victim)) cuts.consumer++;
      else cuts.producer++;
    }
  };
  outcomes.onSettle(tryCut);

  const started = Date.now();
  let offered = 0;
  await new Promise<void>((resolve) => {
    const pump = (): void => {
      while (offered < inputs && (offered - outcomes.settled) * size < OUTSTANDING_PER_NODE * plan.producers) {
        const id = inputId(offered);
        const payload = size === 1 ? { payload: id } : { payload: elementsOf(offered) };
        inject(outs[offered % plan.producers], plan.encrypted ? { ...payload, properties: { id } } : payload, id);
        offered++;
      }
      if (offered >= inputs) resolve();
      else setTimeout(pump, 2);
    };
    pump();
  });
  const unsettled = elementsOfInputs(await outcomes.waitAll(inputIds, 180_000));
  const producedIn = (Date.now() - started) / 1000;
  // Cuts not yet done (the run was faster than the last threshold) are done now, on the consumer.
  const consumerUp: ConnectionFilter = (c) => isRole(true)(c) && c.status === 101;
  while (thresholds.length > 0) {
    await until(() => proxy.open(consumerUp).length > 0, 15_000, "the consumer session to cut");
    if (proxy.cutRandom(consumerUp)) {
      thresholds.shift();
      cuts.consumer++;
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  const acked = elementsOfInputs(inputIds.filter((id) => outcomes.ok.has(id)));
  await until(() => acked.every((id) => received.has(id)), 120_000, `the consumer to receive every acked message (${acked.filter((id) => received.has(id)).length}/${acked.length})`).catch(() => undefined);
  let storedPlaintext = 0;
  const idOf = (frame: ReaderFrame): string => {
    const id = frame.properties?.id ?? "";
    const stored = Buffer.from(frame.payload, "base64");
    if (id === "" || stored.includes(id) || stored.length !== Buffer.byteLength(id) + 16) storedPlaintext++;
    return id;
  };
  const read = await readAll(plan.pulsar.wsUrl, topic, acked, plan.encrypted ? { timeoutMs: 120_000, query: "cryptoFailureAction=CONSUME", idOf } : { timeoutMs: 120_000 });

  const missingInTopic = acked.filter((id) => !read.copies.has(id));
  const missingAtConsumer = acked.filter((id) => !received.has(id));
  const storedDuplicates = read.total - read.copies.size;
  const deliveredDuplicates = received.redelivered;
  const errors = new Map<string, number>();
  for (const e of outcomes.failed.values()) errors.set(e.message, (errors.get(e.message) ?? 0) + 1);
  return {
    sockets,
    cuts,
    unsettled,
    twice: outcomes.twice,
    missingInTopic,
    missingAtConsumer,
    errors,
    completed: elementsOfInputs(inputIds.filter((id) => outcomes.has(id))).length,
    failed: elementsOfInputs([...outcomes.failed.keys()]).length,
    lost: new Set([...unsettled, ...missingInTopic, ...missingAtConsumer]).size,
    storedDuplicates,
    deliveredDuplicates,
    storedPlaintext,
    seconds: (Date.now() - started) / 1000,
    summary:
      `produced in ${producedIn.toFixed(1)} s; reader found ${read.copies.size} distinct / ${read.total} stored (${storedDuplicates} dup), ` +
      `consumer got ${received.copies.size} distinct / ${received.total} (${deliveredDuplicates} redelivered); ${proxy.connections.length} connections`,
  };
}

/** The run's row in the suite's table; `setup` says what was under test. */
export function recordDrops(scenario: string, plan: DropsPlan, r: DropsResult, setup: string): void {
  recordFigure({
    scenario,
    faults: r.cuts.producer + r.cuts.consumer,
    offered: plan.messages,
    completed: r.completed,
    failed: r.failed,
    lost: r.lost,
    duplicates: r.storedDuplicates + r.deliveredDuplicates,
    seconds: r.seconds,
    notes: `${r.cuts.producer} producer + ${r.cuts.consumer} consumer cuts; ${setup}; ${r.summary}`,
  });
}

/** Nothing lost, nothing ended twice, no done(err), and every planned cut made on both roles. */
export function assertNothingLost(plan: DropsPlan, r: DropsResult): void {
  assert.equal(r.unsettled.length, 0, `inputs without done: ${r.unsettled.slice(0, 5).join(", ")}`);
  assert.equal(r.twice, 0, "an input ended twice");
  assert.equal(r.missingInTopic.length, 0, `acked but not in the topic: ${r.missingInTopic.slice(0, 5).join(", ")}`);
  assert.equal(r.missingAtConsumer.length, 0, `acked but never delivered: ${r.missingAtConsumer.slice(0, 5).join(", ")}`);
  assert.equal(r.failed, 0, `done(err): ${JSON.stringify([...r.errors])}`);
  assert.equal(r.cuts.producer + r.cuts.consumer, plan.cuts);
  assert.ok(r.cuts.producer > 0 && r.cuts.consumer > 0);
}

/** The sessions the plan expects were all open before the first message. */
export function assertSockets(plan: DropsPlan, r: DropsResult): void {
  const { producer, consumer } = r.sockets;
  assert.ok(
    producer >= plan.sockets.producer && consumer >= plan.sockets.consumer,
    `upgraded sockets before the first message: ${producer} producer, ${consumer} consumer; expected ≥ ${plan.sockets.producer} and ≥ ${plan.sockets.consumer}`,
  );
}
