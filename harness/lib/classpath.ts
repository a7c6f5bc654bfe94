/**
 * The standalone's classpath: Maven resolves harness/pulsar/pom.xml once per Pulsar version, and the
 * result is cached under harness/pulsar/work/, keyed by version and pom hash.
 */
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { MAVEN_DIR, WORK_DIR } from "./paths";
import { tailFile } from "./process";

const classpaths = new Map<string, Promise<string>>();

/** Resolves (once per process and version) the classpath; a pom change re-resolves. */
export function resolveClasspath(version: string): Promise<string> {
  let pending = classpaths.get(version);
  if (!pending) {
    pending = resolveClasspathUncached(version);
    classpaths.set(version, pending);
    pending.catch(() => classpaths.delete(version));
  }
  return pending;
}

/** Names what is cached per Pulsar version under work/; a pom change makes a new key. */
export function cacheKey(version: string): string {
  if (!/^[0-9A-Za-z.-]+$/.test(version)) throw new Error(`invalid Pulsar version "${version}"`);
  const pomHash = createHash("sha256").update(fs.readFileSync(path.join(MAVEN_DIR, "pom.xml"))).digest("hex");
  return `${version}-${pomHash.slice(0, 12)}`;
}

async function resolveClasspathUncached(version: string): Promise<string> {
  const cacheFile = path.join(WORK_DIR, `classpath-${cacheKey(version)}.txt`);
  const cached = readClasspathFile(cacheFile);
  if (cached) return cached;

  fs.mkdirSync(WORK_DIR, { recursive: true });
  // Written under a temporary name and renamed, so a concurrent reader never sees half a file.
  const tmpFile = `${cacheFile}.${process.pid}.tmp`;
  const mvnLog = path.join(WORK_DIR, `mvn-${version}.log`);
  const args = ["-B", "-q", "dependency:build-classpath", `-Dmdep.outputFile=${tmpFile}`, `-Dpulsar.version=${version}`];
  const code = await runToLog("mvn", args, MAVEN_DIR, mvnLog);
  if (code !== 0) {
    throw new Error(`mvn ${args.join(" ")} failed (exit ${code}); log: ${mvnLog}\n${tailFile(mvnLog, 30)}`);
  }
  fs.renameSync(tmpFile, cacheFile);
  const classpath = readClasspathFile(cacheFile);
  if (!classpath) throw new Error(`Maven wrote an unusable classpath to ${cacheFile}`);
  return classpath;
}

/** The cached classpath, or undefined when missing or when a jar vanished from ~/.m2 since. */
function readClasspathFile(file: string): string | undefined {
  if (!fs.existsSync(file)) return undefined;
  const classpath = fs.readFileSync(file, "utf8").trim();
  const jars = classpath.split(path.delimiter);
  return classpath && jars.every((jar) => fs.existsSync(jar)) ? classpath : undefined;
}

function runToLog(command: string, args: string[], cwd: string, logFile: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const fd = fs.openSync(logFile, "w");
    const child = spawn(command, args, { cwd, stdio: ["ignore", fd, fd] });
    fs.closeSync(fd);
    child.once("error", (err) => reject(new Error(`cannot run ${command}: ${err.message}`)));
    child.once("exit", (code) => resolve(code ?? 1));
  });
}
