/**
 * memory: peak RSS growth of a Node-RED process while the server is unreachable and messages keep
 * arriving at pulsar-out, against the package's memory bound: 1.5 × the configured buffer bytes + 50 MiB.
 * Each run is a fresh child process (bench/memory-child.ts); no server is involved.
 */
import { fork } from "node:child_process";
import path from "node:path";
import type { MemoryReport } from "../memory-child";
import type { Profile } from "../profile";
import { compare, type ResultRow } from "../results";
import { spread } from "../stats";

const MiB = 1024 * 1024;

function runChild(p: Profile["memory"]): Promise<MemoryReport> {
  return new Promise((resolve, reject) => {
    const child = fork(path.join(__dirname, "..", "memory-child.js"), [String(p.messages), String(p.bytes), String(p.bufferBytes)], {
      execArgv: ["--expose-gc"],
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    let report: MemoryReport | undefined;
    child.once("message", (m) => {
      report = m as MemoryReport;
    });
    child.once("error", reject);
    child.once("exit", (code) => (report ? resolve(report) : reject(new Error(`memory child exited with code ${code} and no report`))));
  });
}

export async function memoryScenario(profile: Profile, log: (line: string) => void): Promise<ResultRow[]> {
  const p = profile.memory;
  const limitMiB = (1.5 * p.bufferBytes) / MiB + 50;
  const reports: MemoryReport[] = [];
  for (let run = 0; run < p.runs; run++) {
    const r = await runChild(p);
    reports.push(r);
    log(
      `memory  run ${run + 1}: RSS ${(r.baselineRss / MiB).toFixed(1)} → peak ${(r.peakRss / MiB).toFixed(1)} MiB (kernel max ${(r.maxRss / MiB).toFixed(1)}); ` +
        `${r.fed - r.refused} buffered, ${r.refused} refused, fed in ${r.feedMs} ms; after a full GC: RSS +${((r.retainedRss - r.baselineRss) / MiB).toFixed(1)}, ` +
        `heap +${((r.retainedHeap - r.baselineHeap) / MiB).toFixed(1)} MiB`,
    );
  }
  const growth = reports.map((r) => (r.peakRss - r.baselineRss) / MiB);
  return [
    {
      scenario: `memory offline, ${p.messages / 1000}k msgs, buffer ${p.bufferBytes / MiB} MiB`,
      server: "none",
      client: "node",
      payloadBytes: p.bytes,
      metric: "peak RSS growth",
      unit: "MiB",
      value: spread(growth),
      details: {
        "RSS before": { unit: "MiB", spread: spread(reports.map((r) => r.baselineRss / MiB)) },
        // The buffer's own footprint: garbage from the refused flood is gone after a full GC.
        "heap retained after GC": { unit: "MiB", spread: spread(reports.map((r) => (r.retainedHeap - r.baselineHeap) / MiB)) },
        buffered: { unit: "msgs", spread: spread(reports.map((r) => r.fed - r.refused)) },
      },
      comparisons: [compare(growth, growth.map(() => limitMiB), `limit ${limitMiB} MiB`, "ratio", { op: "<=", value: 1 })],
    },
  ];
}
