/**
 * What a benchmark run produces: one row per scenario × server × client, each with the median,
 * min and max over its runs and its comparisons with the baselines of the same run. Rendered as
 * a table for people and written as JSON for machines.
 */
import fs from "node:fs";
import path from "node:path";
import { spread, type Spread } from "./stats";

/**
 * node: the package's nodes; raw, naive: the baselines; floor: Node-RED alone (bench-done).
 * ×N: the same client with N WebSocket sessions (the session rows, scenarios/throughput-rows.ts).
 * node+e2e: pulsar-out with end-to-end encryption (scenarios/produce-encrypted.ts).
 * node[100]: pulsar-out with `splitArrays`, fed msgs of 100 payloads (rates count Pulsar messages).
 */
export type ClientId = "node" | "raw" | "naive" | "floor" | "node×2" | "node×4" | "raw×4" | "node+e2e" | "node[100]" | "node[100]×4" | "node batch" | "node×4 batch";

export interface Target {
  op: ">=" | "<=";
  value: number;
}

export interface Comparison {
  /** What the row is compared with, e.g. "raw", "naive", "limit". */
  against: string;
  /** ratio: value ÷ baseline, run by run; difference: value − baseline. */
  kind: "ratio" | "difference";
  spread: Spread;
  target?: Target;
  /** Whether the median meets the target (information only: benchmarks never fail). */
  met?: boolean;
}

export interface Detail {
  unit: string;
  spread: Spread;
}

export interface ResultRow {
  scenario: string;
  server: string;
  client: ClientId;
  payloadBytes: number;
  /** The figure the row is about: "rate", "p99", "peak RSS growth". */
  metric: string;
  unit: string;
  value: Spread;
  /** Secondary figures (client CPU per message, latency p50 and max, …), over the same runs. */
  details: Record<string, Detail>;
  comparisons: Comparison[];
}

/** Pairs run i with run i of the baseline: both ran in the same round, minutes apart at most. */
export function compare(values: number[], baseline: number[], against: string, kind: Comparison["kind"], target?: Target): Comparison {
  const n = Math.min(values.length, baseline.length);
  const paired = Array.from({ length: n }, (_, i) => (kind === "ratio" ? values[i] / baseline[i] : values[i] - baseline[i]));
  const s = spread(paired);
  const comparison: Comparison = { against, kind, spread: s };
  if (target) {
    comparison.target = target;
    comparison.met = target.op === ">=" ? s.median >= target.value : s.median <= target.value;
  }
  return comparison;
}

function fmt(value: number, unit: string): string {
  if (!Number.isFinite(value)) return "-";
  if (unit === "msg/s" || unit === "msgs") return Math.round(value).toLocaleString("en-US");
  return Math.abs(value) < 10 ? value.toFixed(2) : value.toFixed(1);
}

function fmtComparison(c: Comparison, unit: string): string {
  const { median, min, max } = c.spread;
  const body =
    c.kind === "ratio"
      ? `${median.toFixed(2)}× ${c.against} (${min.toFixed(2)}–${max.toFixed(2)})`
      : `${median >= 0 ? "+" : ""}${fmt(median, unit)} ${unit} vs ${c.against} (${fmt(min, unit)}…${fmt(max, unit)})`;
  if (!c.target) return body;
  const op = c.target.op === ">=" ? "≥" : "≤";
  return `${body}  target ${op} ${c.target.value}${c.kind === "difference" ? ` ${unit}` : "×"}: ${c.met ? "met" : "MISSED"}`;
}

/** A fixed-width table; a row with several comparisons continues on indented lines. */
export function renderTable(rows: ResultRow[]): string {
  const header = ["scenario", "server", "client", "figure", "median", "min–max", "runs", "compared with the same run's baseline"];
  const lines: string[][] = [header];
  for (const row of rows) {
    const size = row.payloadBytes ? ` ${row.payloadBytes >= 1024 ? `${row.payloadBytes / 1024} KiB` : `${row.payloadBytes} B`}` : "";
    const details = Object.entries(row.details)
      .map(([name, d]) => `${name} ${fmt(d.spread.median, d.unit)} ${d.unit}`)
      .join(", ");
    const first = row.comparisons[0] ? fmtComparison(row.comparisons[0], row.unit) : details;
    lines.push([
      row.scenario + size,
      row.server,
      row.client,
      `${row.metric} (${row.unit})`,
      fmt(row.value.median, row.unit),
      `${fmt(row.value.min, row.unit)}–${fmt(row.value.max, row.unit)}`,
      String(row.value.runs.length),
      first,
    ]);
    const rest = row.comparisons.slice(1).map((c) => fmtComparison(c, row.unit));
    if (row.comparisons.length > 0 && details) rest.push(details);
    for (const extra of rest) lines.push(["", "", "", "", "", "", "", extra]);
  }
  const widths = header.map((_, i) => Math.max(...lines.map((l) => l[i].length)));
  const render = (l: string[]): string => l.map((cell, i) => (i === l.length - 1 ? cell : cell.padEnd(widths[i]))).join("  ").trimEnd();
  return [render(lines[0]), widths.map((w) => "-".repeat(w)).join("  "), ...lines.slice(1).map(render)].join("\n");
}

export interface ResultFile {
  date: string;
  command: string;
  mode: "quick" | "full";
  machine: Record<string, string | number>;
  servers: Record<string, string>;
  durationS: number;
  rows: ResultRow[];
}

export function writeResults(file: string, results: ResultFile): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
}
