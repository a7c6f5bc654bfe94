/**
 * Application class data sharing (CDS) for the broker JVM: an archive of the classes it loads, so
 * that later JVMs map them instead of loading and verifying them again.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { cacheKey } from "./classpath";
import { WORK_DIR } from "./paths";
import { processAlive } from "./process";

export interface ClassDataSharing {
  jvmArgs: string[];
  /** Called when the JVM has exited; `clean` is false when it was killed by a signal. */
  finish(clean: boolean): void;
}

let archiveCounter = 0;

/**
 * Application class data sharing halves the start-up (measured about 7 s instead of 12 s until
 * ready). The first JVM of a version records the classes it loaded into an archive when it exits;
 * later JVMs map that archive. A JVM that finds the archive stale (other JDK, jars changed in ~/.m2)
 * warns in the log and starts without it; deleting harness/pulsar/work/ rebuilds everything.
 */
export function classDataSharing(version: string): ClassDataSharing {
  const archive = path.join(WORK_DIR, `cds-${cacheKey(version)}.jsa`);
  if (fs.existsSync(archive)) return { jvmArgs: [`-XX:SharedArchiveFile=${archive}`], finish: () => undefined };
  removeOrphanedArchives(archive);
  // Dumped under a private name and renamed only after a clean exit: a JVM killed while dumping
  // leaves a broken file, and two JVMs dumping at once must not write the same file.
  const pending = `${archive}.${process.pid}-${++archiveCounter}.tmp`;
  return {
    jvmArgs: [`-XX:ArchiveClassesAtExit=${pending}`],
    finish(clean) {
      if (!fs.existsSync(pending)) return;
      if (clean) fs.renameSync(pending, archive);
      else fs.rmSync(pending, { force: true });
    },
  };
}

/** Pending archives (about 100 MB each) of harness processes that died before renaming them. */
function removeOrphanedArchives(archive: string): void {
  const prefix = `${path.basename(archive)}.`;
  for (const name of fs.existsSync(WORK_DIR) ? fs.readdirSync(WORK_DIR) : []) {
    const owner = name.startsWith(prefix) && name.endsWith(".tmp") ? Number.parseInt(name.slice(prefix.length), 10) : NaN;
    if (Number.isInteger(owner) && !processAlive(owner)) fs.rmSync(path.join(WORK_DIR, name), { force: true });
  }
}
