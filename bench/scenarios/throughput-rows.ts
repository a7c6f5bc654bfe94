/** Table rows of a throughput scenario (produce, consume): node beside raw and naive, with targets. */
import { cpuUsPerMessage, rateOf, type Sample } from "../drivers";
import { compare, type ClientId, type ResultRow } from "../results";
import { spread } from "../stats";
import type { ScenarioContext } from "./context";

/** Issue 5: node ≥ 0.8 × raw on the ack server; ≥ 0.95 × raw and ≥ 10 × naive on Pulsar. */
const TARGETS = { a: { raw: 0.8 }, b: { raw: 0.95, naive: 10 } } as const;

export function throughputRows(ctx: ScenarioContext, scenario: string, bytes: number, runs: Map<ClientId, Sample[][]>): ResultRow[] {
  const rates = (c: ClientId): number[] => runs.get(c)!.map(rateOf);
  const targets: { raw: number; naive?: number } = TARGETS[ctx.server.id];
  const row = (client: ClientId, comparisons: ResultRow["comparisons"]): ResultRow => ({
    scenario,
    server: ctx.server.id,
    client,
    payloadBytes: bytes,
    metric: "rate",
    unit: "msg/s",
    value: spread(rates(client)),
    details: { "client CPU": { unit: "µs/msg", spread: spread(runs.get(client)!.map(cpuUsPerMessage)) } },
    comparisons,
  });
  return [
    row("raw", []),
    row("node", [
      compare(rates("node"), rates("raw"), "raw", "ratio", { op: ">=", value: targets.raw }),
      compare(rates("node"), rates("naive"), "naive", "ratio", targets.naive === undefined ? undefined : { op: ">=", value: targets.naive }),
    ]),
    row("naive", []),
    ...(runs.has("floor") ? [row("floor", [])] : []),
  ];
}

export function describeRun(label: string, slicesByClient: Map<ClientId, Sample[]>): string {
  const parts = [...slicesByClient].map(([client, samples]) => `${client} ${Math.round(rateOf(samples))}/s (${cpuUsPerMessage(samples).toFixed(1)} µs CPU/msg)`);
  return `${label}: ${parts.join(", ")}`;
}
