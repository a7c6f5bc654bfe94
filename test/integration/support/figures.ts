/**
 * Figures of the integration suite: every case reports how many messages it sent and received,
 * and how many of them came twice or never. A root `after` hook (support/hooks.ts) prints them
 * as a table, with the closing line `integration: N cases, M messages, D duplicates, L lost`.
 *
 * Use `trackFigures(line)` inside a describe: it opens a row before each test and files it
 * after, with the test's result, even when the test failed before reporting.
 */

export interface CaseFigures {
  /** Distinct messages the case produced (each counted once, even if resent). */
  sent: number;
  /** Deliveries the case saw on the consuming side (duplicates included). */
  received: number;
  /** Deliveries beyond the first of the same message. */
  duplicates: number;
  /** Sent messages that never arrived. */
  lost: number;
}

interface Row extends CaseFigures {
  name: string;
  line: string;
  result: string;
  ms: number;
}

const rows: Row[] = [];

export interface FigureReporter {
  /** Sets this case's figures (replacing earlier ones). */
  report(figures: CaseFigures): void;
  /** Adds to this case's figures (for cases with several exchanges). */
  add(figures: Partial<CaseFigures>): void;
}

const zero = (): CaseFigures => ({ sent: 0, received: 0, duplicates: 0, lost: 0 });

/**
 * Counts what arrived against what was sent, by an identity per message (e.g. a seq property).
 * Identities that arrive without having been sent are duplicates of nothing: they are counted as
 * received only, and `unexpected` lists them so a case can fail on them.
 */
export function tally(sent: readonly string[], received: readonly string[]): CaseFigures & { unexpected: string[]; missing: string[] } {
  const sentSet = new Set(sent);
  const seen = new Map<string, number>();
  const unexpected: string[] = [];
  for (const id of received) {
    if (!sentSet.has(id)) unexpected.push(id);
    seen.set(id, (seen.get(id) ?? 0) + 1);
  }
  let duplicates = 0;
  for (const [id, count] of seen) if (sentSet.has(id)) duplicates += count - 1;
  const missing = [...sentSet].filter((id) => !seen.has(id));
  return { sent: sentSet.size, received: received.length, duplicates, lost: missing.length, unexpected, missing };
}

/**
 * Registers beforeEach/afterEach hooks in the calling describe; returns the reporter for its
 * tests. `group` prefixes the case names in the table, `line` says which Pulsar served them.
 */
export function trackFigures(group: string, line: string): FigureReporter {
  let current: Row | undefined;
  let started = 0;
  beforeEach(function () {
    started = Date.now();
    current = { name: `${group}: ${this.currentTest?.title ?? "?"}`, line, result: "?", ms: 0, ...zero() };
  });
  afterEach(function () {
    if (!current) return;
    current.result = this.currentTest?.state ?? "unknown";
    current.ms = Date.now() - started;
    rows.push(current);
    current = undefined;
  });
  const row = (): Row => {
    if (!current) throw new Error("figures reported outside a test");
    return current;
  };
  return {
    report(figures) {
      Object.assign(row(), { sent: figures.sent, received: figures.received, duplicates: figures.duplicates, lost: figures.lost });
    },
    add(figures) {
      const r = row();
      r.sent += figures.sent ?? 0;
      r.received += figures.received ?? 0;
      r.duplicates += figures.duplicates ?? 0;
      r.lost += figures.lost ?? 0;
    },
  };
}

/** The table and the closing line; empty when no integration case ran. */
export function figuresReport(): string {
  if (rows.length === 0) return "";
  const header = ["case", "pulsar", "result", "sent", "recv", "dup", "lost", "time"];
  const body = rows.map((r) => [r.name, r.line, r.result, String(r.sent), String(r.received), String(r.duplicates), String(r.lost), `${(r.ms / 1000).toFixed(1)}s`]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((cells) => cells[i].length)));
  const numeric = new Set([3, 4, 5, 6, 7]);
  const format = (cells: string[]): string => cells.map((c, i) => (numeric.has(i) ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join("  ").trimEnd();
  const total = rows.reduce((t, r) => ({ sent: t.sent + r.sent, received: t.received + r.received, duplicates: t.duplicates + r.duplicates, lost: t.lost + r.lost }), zero());
  const failed = rows.filter((r) => r.result !== "passed").length;
  const lines = [
    "",
    "integration figures",
    format(header),
    format(widths.map((w) => "-".repeat(w))),
    ...body.map(format),
    "",
  ];
  if (failed) lines.push(`(${failed} of ${rows.length} cases did not pass)`);
  lines.push(`integration: ${rows.length} cases, ${total.sent} messages, ${total.duplicates} duplicates, ${total.lost} lost`);
  return lines.join("\n");
}
