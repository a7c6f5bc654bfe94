/**
 * The fault suite's figures: every scenario records what it did and what survived, and the table is
 * printed once at the end of the run (a root `after` hook), ending with the line
 * `faults: N scenarios, M messages offered, C completed, L lost, D duplicates`.
 *
 * Columns: faults injected; messages offered (inputs to pulsar-out, or messages in the topic for a
 * consumer); completed = ended in done() / were delivered downstream, or ended in a done(err) that a
 * Catch node saw (the "err" column says how many of them); lost = neither (or acked by Pulsar but
 * missing from a reader from earliest / from the consumer); duplicates = extra copies stored or
 * delivered (at-least-once).
 */
import fs from "node:fs";
import path from "node:path";

export interface Figure {
  scenario: string;
  faults: number;
  offered: number;
  completed: number;
  /** Of `completed`, how many ended in done(err) seen by a Catch node. */
  failed: number;
  lost: number;
  duplicates: number;
  seconds: number;
  notes: string;
}

const figures: Figure[] = [];
const startedAt = Date.now();
const extraLines: string[] = [];
const finalChecks: (() => string)[] = [];

export function recordFigure(f: Figure): void {
  figures.push(f);
  console.log(`      [figures] ${f.scenario}: faults ${f.faults}, offered ${f.offered}, completed ${f.completed} (err ${f.failed}), lost ${f.lost}, duplicates ${f.duplicates}, ${f.seconds.toFixed(1)} s — ${f.notes}`);
}

/** Lines printed under the table (e.g. the token audit). */
export function addSummaryLine(line: string): void {
  extraLines.push(line);
}

/** A check run at the very end, before the table is printed: returns a summary line or throws. */
export function addFinalCheck(check: () => string): void {
  finalChecks.push(check);
}

export function figuresTable(): string {
  const head = ["scenario", "faults", "offered", "completed", "err", "lost", "dups", "s", "notes"];
  const rows = figures.map((f) => [f.scenario, f.faults, f.offered, f.completed, f.failed, f.lost, f.duplicates, f.seconds.toFixed(1), f.notes].map(String));
  const lines = [`| ${head.join(" | ")} |`, `|${head.map((_h, i) => (i === 0 || i === head.length - 1 ? "---" : "---:")).join("|")}|`];
  for (const r of rows) lines.push(`| ${r.join(" | ")} |`);
  const sum = (k: "offered" | "completed" | "lost" | "duplicates"): number => figures.reduce((n, f) => n + f[k], 0);
  const total = `faults: ${figures.length} scenarios, ${sum("offered")} messages offered, ${sum("completed")} completed, ${sum("lost")} lost, ${sum("duplicates")} duplicates`;
  return [...lines, "", ...extraLines, `wall time: ${((Date.now() - startedAt) / 1000).toFixed(0)} s`, total].join("\n");
}

after(function () {
  const failures: Error[] = [];
  for (const check of finalChecks) {
    try {
      extraLines.push(check());
    } catch (err) {
      failures.push(err instanceof Error ? err : new Error(String(err)));
      extraLines.push(`FAILED: ${String(err)}`);
    }
  }
  if (figures.length === 0 && failures.length === 0) return;
  const table = figuresTable();
  console.log(`\n=== fault suite figures ===\n${table}\n`);
  try {
    const dir = path.join(process.cwd(), "test-output");
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, "faults-figures.md"), `${table}\n`);
  } catch {
    // the printed table is what counts
  }
  if (failures.length > 0) throw failures[0];
});
