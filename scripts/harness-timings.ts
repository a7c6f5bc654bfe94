/**
 * `npm run harness:timings`: measures what the class-data-sharing archive is for, and checks that
 * building it never slows a stop. Deletes the archive of the 4.2 line, then: a cold start (no
 * archive) and its stop; waits for the background dump to write the archive; two warm starts and
 * their stops. Exits 1 when the archive is not written within the bound, or a stop takes longer
 * than STOP_BOUND_MS (the broker's own shutdown, not a dump, is all a stop may wait for).
 *
 *   npm run harness:timings              measure on this machine as it is
 *   nice -n 19 …  /  stress in parallel  to see the figures under load
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { startPulsar, PULSAR_VERSIONS } from "../harness/pulsar";
import { archiveFor } from "../harness/lib/cds";
import { WORK_DIR } from "../harness/lib/paths";

const STOP_BOUND_MS = 10_000;
const DUMP_BOUND_MS = 180_000;

async function startAndStop(label: string): Promise<{ readyMs: number; stopMs: number }> {
  const pulsar = await startPulsar({ line: "4.2" });
  const began = Date.now();
  await pulsar.stop();
  const result = { readyMs: pulsar.readyInMs, stopMs: Date.now() - began };
  console.log(`${label.padEnd(6)} ready in ${(result.readyMs / 1000).toFixed(1)} s, stop() took ${(result.stopMs / 1000).toFixed(1)} s`);
  return result;
}

async function main(): Promise<void> {
  const version = PULSAR_VERSIONS["4.2"];
  const existing = archiveFor(version);
  if (existing) fs.rmSync(existing);
  const failures: string[] = [];

  // The dump starts once the cold broker is ready and runs beside it; keep the broker up until the
  // archive exists, as a test run or npm start would, then stop it.
  const cold = await startPulsar({ line: "4.2" });
  const waitBegan = Date.now();
  while (!archiveFor(version) && Date.now() - waitBegan < DUMP_BOUND_MS) await new Promise((r) => setTimeout(r, 500));
  const archive = archiveFor(version);
  const stopBegan = Date.now();
  await cold.stop();
  const coldStopMs = Date.now() - stopBegan;
  console.log(`cold   ready in ${(cold.readyInMs / 1000).toFixed(1)} s, stop() took ${(coldStopMs / 1000).toFixed(1)} s; ` +
    (archive ? `archive written ${((Date.now() - waitBegan) / 1000).toFixed(0)} s after ready (${Math.round(fs.statSync(archive).size / 1e6)} MB, ` +
      `dump log ${path.relative(process.cwd(), `${archive}.dump.log`)})` : `no archive within ${DUMP_BOUND_MS / 1000} s (see ${WORK_DIR})`));
  if (!archive) failures.push("the class-data archive was not written");
  if (coldStopMs > STOP_BOUND_MS) failures.push(`the cold broker's stop took ${coldStopMs} ms`);

  for (const label of ["warm", "warm 2"]) {
    const { stopMs } = await startAndStop(label);
    if (stopMs > STOP_BOUND_MS) failures.push(`the ${label} stop took ${stopMs} ms`);
  }
  if (failures.length > 0) throw new Error(failures.join("; "));
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
