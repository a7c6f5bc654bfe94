/**
 * Table rows of a throughput scenario (produce, consume): node beside raw and naive, with targets;
 * and the session rows, several sessions beside one.
 */
import { coresBusy, cpuUsPerMessage, rateOf, serverCpuUsPerMessage, type Sample } from "../drivers";
import type { Detail } from "../results";
import { compare, type ClientId, type Comparison, type ResultRow } from "../results";
import { spread } from "../stats";
import type { ScenarioContext } from "./context";

/** The throughput targets: node ≥ 0.8 × raw on the ack server; ≥ 0.95 × raw and ≥ 10 × naive on Pulsar. */
const TARGETS = { a: { raw: 0.8 }, b: { raw: 0.95, naive: 10 } } as const;
/** splitArrays (node[100], node[100]×4): ≥ 0.9 × the raw client with as many sessions, on either server. */
const ARRAYS_TARGET = 0.9;
/**
 * Produce with N sessions, one msg per Pulsar message: ≥ 0.9 × the additive bound of N raw sessions
 * and Node-RED's floor. Per message a node pays at least the raw client's time plus Node-RED's own,
 * so the bound's rate is 1 / (1 / raw×N + 1 / floor), run by run.
 */
const ADDITIVE_TARGET = 0.9;
/** pulsar-in in batches: ≥ 0.9 × the raw consumer, on either server (Node-RED's per-msg cost paid once per batch). */
const BATCH_TARGET = 0.9;

type Runs = Map<ClientId, Sample[][]>;

/** One client's rate row with its CPU per message, over the runs of `runs`. */
export function rateRow(ctx: ScenarioContext, scenario: string, bytes: number, runs: Runs, client: ClientId, comparisons: Comparison[]): ResultRow {
  return {
    scenario,
    server: ctx.server.id,
    client,
    payloadBytes: bytes,
    metric: "rate",
    unit: "msg/s",
    value: spread(rates(runs, client)),
    details: cpuDetails(runs.get(client)!),
    comparisons,
  };
}

/** The client's CPU per message; with a local server, the server's too and the cores both kept busy. */
function cpuDetails(runs: Sample[][]): Record<string, Detail> {
  const details: Record<string, Detail> = { "client CPU": { unit: "µs/msg", spread: spread(runs.map(cpuUsPerMessage)) } };
  const server = runs.map(serverCpuUsPerMessage);
  if (server.every((v) => Number.isFinite(v))) {
    details["server CPU"] = { unit: "µs/msg", spread: spread(server) };
    details["cores busy"] = { unit: "cores", spread: spread(runs.map(coresBusy)) };
  }
  return details;
}

function rates(runs: Runs, client: ClientId): number[] {
  return runs.get(client)!.map(rateOf);
}

export function throughputRows(ctx: ScenarioContext, scenario: string, bytes: number, runs: Runs): ResultRow[] {
  const targets: { raw: number; naive?: number } = TARGETS[ctx.server.id];
  const row = (client: ClientId, comparisons: Comparison[]): ResultRow => rateRow(ctx, scenario, bytes, runs, client, comparisons);
  return [
    row("raw", []),
    row("node", [
      compare(rates(runs, "node"), rates(runs, "raw"), "raw", "ratio", { op: ">=", value: targets.raw }),
      compare(rates(runs, "node"), rates(runs, "naive"), "naive", "ratio", targets.naive === undefined ? undefined : { op: ">=", value: targets.naive }),
    ]),
    ...(runs.has("node[100]") ? [row("node[100]", arrayComparisons(runs, "node[100]", "raw", "node"))] : []),
    ...(runs.has("node batch") ? [row("node batch", [compare(rates(runs, "node batch"), rates(runs, "raw"), "raw", "ratio", { op: ">=", value: BATCH_TARGET })])] : []),
    row("naive", []),
    ...(runs.has("floor") ? [row("floor", [])] : []),
  ];
}

/** An array client against the raw client with as many sessions (target) and the node sending one msg per message. */
function arrayComparisons(runs: Runs, client: ClientId, raw: ClientId, node: ClientId): Comparison[] {
  return [compare(rates(runs, client), rates(runs, raw), raw, "ratio", { op: ">=", value: ARRAYS_TARGET }), compare(rates(runs, client), rates(runs, node), node, "ratio")];
}

/**
 * produce-partitions: one session and N sessions, one msg per message (node, node×4) and arrays
 * (node[100]×4), beside the raw sessions and Node-RED's floor. node×4 is held to the additive
 * bound of raw×4 and the floor (ADDITIVE_TARGET), node[100]×4 to raw×4 (ARRAYS_TARGET).
 */
export function producePartitionRows(ctx: ScenarioContext, scenario: string, bytes: number, runs: Runs): ResultRow[] {
  const row = (client: ClientId, comparisons: Comparison[]): ResultRow => rateRow(ctx, scenario, bytes, runs, client, comparisons);
  const rawN = rates(runs, "raw×4");
  const floor = rates(runs, "floor");
  const bound = rawN.map((r, i) => 1 / (1 / r + 1 / floor[i]));
  const ratio = (client: ClientId, against: ClientId): Comparison => compare(rates(runs, client), rates(runs, against), against, "ratio");
  return [
    row("raw", []),
    row("raw×4", [ratio("raw×4", "raw")]),
    row("node", [ratio("node", "raw")]),
    row("node×4", [compare(rates(runs, "node×4"), bound, "raw×4 + floor (additive bound)", "ratio", { op: ">=", value: ADDITIVE_TARGET }), ratio("node×4", "raw×4"), ratio("node×4", "node")]),
    row("node[100]×4", arrayComparisons(runs, "node[100]×4", "raw×4", "node×4")),
    row("floor", []),
  ];
}

/** A session-row target: `client` ≥ `ratio` × `versus`. */
export interface SessionsTarget {
  client: ClientId;
  versus: ClientId;
  ratio: number;
}

/**
 * The session rows, in the order measured: "raw" and "node" are one session each; every other
 * client (node×N, raw×N) is compared with both, run by run, and the node clients with "raw×4"
 * when it ran. `target` is the one comparison held to a ratio.
 */
export function sessionRows(ctx: ScenarioContext, scenario: string, bytes: number, runs: Runs, target: SessionsTarget): ResultRow[] {
  const targetOf = (client: ClientId, versus: ClientId): Comparison["target"] =>
    client === target.client && versus === target.versus ? { op: ">=", value: target.ratio } : undefined;
  return [...runs.keys()].map((client) => {
    if (client === "raw") return rateRow(ctx, scenario, bytes, runs, client, []);
    const comparisons = [compare(rates(runs, client), rates(runs, "raw"), "raw", "ratio", targetOf(client, "raw"))];
    if (client !== "node") comparisons.push(compare(rates(runs, client), rates(runs, "node"), "node", "ratio"));
    if (client.startsWith("node") && runs.has("raw×4")) comparisons.push(compare(rates(runs, client), rates(runs, "raw×4"), "raw×4", "ratio", targetOf(client, "raw×4")));
    return rateRow(ctx, scenario, bytes, runs, client, comparisons);
  });
}

export function describeRun(label: string, slicesByClient: Map<ClientId, Sample[]>): string {
  const parts = [...slicesByClient].map(([client, samples]) => `${client} ${Math.round(rateOf(samples))}/s (${cpuUsPerMessage(samples).toFixed(1)} µs CPU/msg)`);
  return `${label}: ${parts.join(", ")}`;
}
