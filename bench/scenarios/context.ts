/** What every scenario gets from the orchestrator, and the rounds it runs its clients in. */
import { collectGarbage } from "../gc";
import type { BenchRuntime } from "../node-red/runtime";
import type { Profile } from "../profile";
import type { ClientId } from "../results";
import type { BenchServer } from "../servers";

/** A client id as it may stand in a topic or subscription name ("node×4" → "node-x4"). */
export function nameOf(client: ClientId): string {
  return client.replace("×", "-x");
}

export interface ScenarioContext {
  runtime: BenchRuntime;
  profile: Profile;
  server: BenchServer;
  /** Makes topic and subscription names unique to this benchmark run. */
  unique(prefix: string): string;
  log(line: string): void;
}

/** The same context with `slices` slices per run (consume-sessions takes fewer: profile.ts). */
export function withSlices(ctx: ScenarioContext, slices: number): ScenarioContext {
  return { ...ctx, profile: { ...ctx.profile, slices } };
}

/**
 * Measures every client `runs` times. The load of a shared machine changes from one second to
 * the next, so a run is made of `slices` short measurements and the clients take turns slice by
 * slice, the first one rotating and the direction changing every turn, so that no client always
 * follows the same one (a client that leaves the server busy, e.g. closing four sessions, would
 * otherwise always weigh on the same successor): all clients see the same phases of load, and run
 * i of one client pairs with run i of another. Garbage is collected before each slice, so that no slice
 * pays for the garbage of another. Returns, per client, each run's slices.
 */
export async function interleaved<C extends ClientId, T>(
  runs: number,
  slices: number,
  clients: C[],
  measure: (client: C) => Promise<T>,
  onRun: (run: number, slicesByClient: Map<C, T[]>) => void,
): Promise<Map<C, T[][]>> {
  const results = new Map<C, T[][]>(clients.map((c) => [c, []]));
  for (let run = 0; run < runs; run++) {
    const current = new Map<C, T[]>(clients.map((c) => [c, []]));
    for (let slice = 0; slice < slices; slice++) {
      const turn = run * slices + slice;
      // Starting at client `turn mod n`, forwards on even turns and backwards on odd ones.
      const n = clients.length;
      const step = turn % 2 === 0 ? 1 : n - 1;
      const order = clients.map((_, i) => clients[(turn + i * step) % n]);
      for (const client of order) {
        collectGarbage();
        current.get(client)!.push(await measure(client));
      }
    }
    for (const client of clients) results.get(client)!.push(current.get(client)!);
    onRun(run, current);
  }
  return results;
}
