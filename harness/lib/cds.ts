/**
 * Application class data sharing (CDS) for the broker JVM: an archive of the classes a start-up
 * loads, which later JVMs map instead of loading and verifying every class again. Measured on an
 * idle 2-core machine: about 8 s until ready without it, about 3.5 s with it.
 *
 * The archive is never written by the broker JVM itself. An earlier version let the first broker
 * dump it on exit (-XX:ArchiveClassesAtExit): that made its stop take 6 s idle and over 20 s under
 * load, where the harness's grace ran out, the JVM was killed, the archive was lost and every later
 * start stayed slow. Now the first broker only lists the classes it loads (-XX:DumpLoadedClassList,
 * written as it goes, so it costs nothing at exit), and once it is ready a separate short-lived JVM
 * builds a static archive from that list (-Xshare:dump) while the broker runs. Stopping never waits
 * for it; a dump cut short (the Node process exits) is simply done again by the next cold start.
 *
 * A JVM that finds the archive stale (other JDK, jars changed in ~/.m2) warns in its log and starts
 * without it; deleting harness/pulsar/work/ rebuilds everything.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { cacheKey } from "./classpath";
import { WORK_DIR } from "./paths";
import { jvmArgs, processAlive, spawnJava } from "./process";

export interface ClassDataSharing {
  jvmArgs: string[];
  /** The broker is ready: its start-up classes are loaded, so an archive can be built from their list. */
  ready(): void;
  /** The broker JVM has exited. */
  finish(): void;
}

let tmpCounter = 0;
/** Archive path → the dump under way in this process, so two cold brokers do not dump twice. */
const dumpsUnderWay = new Map<string, Promise<void>>();

function archivePath(version: string): string {
  return path.join(WORK_DIR, `cds-${cacheKey(version)}.jsa`);
}

/** The archive of a version when one has been built, for other JVMs on the same classpath. */
export function archiveFor(version: string): string | undefined {
  const archive = archivePath(version);
  return fs.existsSync(archive) ? archive : undefined;
}

/** A name private to this process (`<base>.<pid>-<n>.tmp`), so orphans can be told from live files. */
function privateTmp(base: string): string {
  return path.join(WORK_DIR, `${base}.${process.pid}-${++tmpCounter}.tmp`);
}

export function classDataSharing(version: string, classpath: string): ClassDataSharing {
  const archive = archivePath(version);
  const nothing = (): void => undefined;
  if (fs.existsSync(archive)) return { jvmArgs: [`-XX:SharedArchiveFile=${archive}`], ready: nothing, finish: nothing };
  fs.mkdirSync(WORK_DIR, { recursive: true });
  removeOrphans();
  const classList = privateTmp(`classlist-${cacheKey(version)}`);
  return {
    jvmArgs: [`-XX:DumpLoadedClassList=${classList}`],
    ready() {
      if (dumpsUnderWay.has(archive) || fs.existsSync(archive)) return;
      const dump = dumpArchive(classList, archive, classpath).finally(() => dumpsUnderWay.delete(archive));
      dumpsUnderWay.set(archive, dump);
    },
    finish() {
      fs.rmSync(classList, { force: true });
    },
  };
}

/**
 * Builds the archive in a separate JVM from a snapshot of the running broker's class list. Written
 * under a private name and renamed only after a successful dump: a killed dump leaves a broken file,
 * and two processes dumping at once must not write the same file. Failures only leave a log.
 */
async function dumpArchive(classList: string, archive: string, classpath: string): Promise<void> {
  const snapshot = privateTmp(path.basename(classList).replace(/\..*$/, "-snapshot"));
  const pending = privateTmp(path.basename(archive));
  try {
    // The list grows while the broker runs; a last line may be half written.
    const text = fs.readFileSync(classList, "utf8");
    fs.writeFileSync(snapshot, text.slice(0, text.lastIndexOf("\n") + 1));
    const log = `${archive}.dump.log`;
    fs.writeFileSync(log, `# ${new Date().toISOString()}: -Xshare:dump from ${path.basename(classList)}\n`);
    // The same JVM flags as the broker (heap size decides compressed oops, which must match).
    const child = spawnJava(
      [...jvmArgs(), "-Xshare:dump", `-XX:SharedClassListFile=${snapshot}`, `-XX:SharedArchiveFile=${pending}`],
      classpath, WORK_DIR, log);
    // A dump must not keep a finished test run (or anything else) alive; the harness kills it at exit.
    child.unref();
    const code = await new Promise<number | null>((resolve) => {
      child.once("error", () => resolve(null));
      child.once("exit", (exitCode) => resolve(exitCode));
    });
    if (code === 0 && fs.existsSync(pending)) fs.renameSync(pending, archive);
  } catch (err) {
    console.error(`[pulsar harness] class-data archive not written: ${(err as Error).message}`);
  } finally {
    fs.rmSync(snapshot, { force: true });
    fs.rmSync(pending, { force: true });
  }
}

/** Class lists, snapshots and pending archives (about 100 MB each) of harness processes that died. */
function removeOrphans(): void {
  for (const name of fs.readdirSync(WORK_DIR)) {
    const owner = /^(?:cds|classlist)-.*\.(\d+)-\d+\.tmp$/.exec(name)?.[1];
    if (owner !== undefined && !processAlive(Number(owner))) fs.rmSync(path.join(WORK_DIR, name), { force: true });
  }
}
