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
/** Several sessions: the node with 4 sessions ≥ 2 × one raw session, on Pulsar and this 2-core machine. */
const SESSIONS_TARGET = { client: "node×4", raw: 2 } as const;
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
    ...(runs.has("node batch") ? [row("node batch", [compare(rates(runs, "node batch"), rates(runs, "raw"), "raw", "ratio", { op: ">=", value: BATCH_TARGET })])] : []),
    row("naive", []),
    ...(runs.has("floor") ? [row("floor", [])] : []),
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
 * when it ran. `target` defaults to node×4 ≥ 2 × one raw session.
 */
export function sessionRows(ctx: ScenarioContext, scenario: string, bytes: number, runs: Runs, target: SessionsTarget = { client: SESSIONS_TARGET.client, versus: "raw", ratio: SESSIONS_TARGET.raw }): ResultRow[] {
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
