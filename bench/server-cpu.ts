/**
 * CPU time of the server process under test (the ack server's child, or the harness's Pulsar
 * JVM), read from /proc. With the client's own CPU time it says how busy the machine's cores
 * were during a slice: when client + server fill the cores, neither more sessions nor a faster
 * client can raise the rate on this machine. NaN where it cannot be read (an external Pulsar,
 * no /proc).
 */
import fs from "node:fs";

/** Linux reports utime and stime in clock ticks of 1/100 s (USER_HZ) on every platform Node runs on. */
const MS_PER_TICK = 10;

let serverPid: number | undefined;

export function watchServerProcess(pid: number | undefined): void {
  serverPid = pid;
}

export function serverCpuMsNow(): number {
  if (serverPid === undefined) return Number.NaN;
  try {
    const stat = fs.readFileSync(`/proc/${serverPid}/stat`, "utf8");
    // Fields after the command name (which is in parentheses and may hold spaces): state is 3, utime 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) * MS_PER_TICK;
  } catch {
    return Number.NaN;
  }
}

/** The harness's Pulsar JVM started by this process (its command line names this process as owner). */
export function findHarnessJvm(): number | undefined {
  const owner = `-Dpulsar.harness.owner=${process.pid}`;
  let dirs: string[];
  try {
    dirs = fs.readdirSync("/proc").filter((d) => /^\d+$/.test(d));
  } catch {
    return undefined;
  }
  for (const dir of dirs) {
    try {
      const args = fs.readFileSync(`/proc/${dir}/cmdline`, "utf8").split("\0");
      if (args.includes(owner) && args.some((a) => a.endsWith("PulsarStandaloneStarter"))) return Number(dir);
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return undefined;
}
