/**
 * The standalone's classpath: Maven resolves harness/pulsar/pom.xml once per Pulsar version, and the
 * result is cached under harness/pulsar/work/, keyed by version and pom hash.
 */
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as readline from "node:readline";
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

/**
 * What a first run fetches for 4.2.4, measured into an empty repository: 1136 files (326 jars on the
 * classpath, their POMs, the Maven dependency plugin), 265 MB, in 32 s on a fast link. Used to say
 * "how far" while Maven downloads.
 */
export const EXPECTED_DOWNLOAD_MB = 265;
const PROGRESS_EVERY_MS = 5_000;

/**
 * The local Maven repository: PULSAR_HARNESS_MAVEN_REPO (passed to Maven as maven.repo.local, e.g.
 * to try a first run without touching ~/.m2), else Maven's default.
 */
function localRepository(): string {
  return process.env.PULSAR_HARNESS_MAVEN_REPO || path.join(os.homedir(), ".m2", "repository");
}

async function resolveClasspathUncached(version: string): Promise<string> {
  const cacheFile = path.join(WORK_DIR, `classpath-${cacheKey(version)}.txt`);
  const cached = readClasspathFile(cacheFile);
  if (cached) return cached;

  fs.mkdirSync(WORK_DIR, { recursive: true });
  // Written under a temporary name and renamed, so a concurrent reader never sees half a file.
  const tmpFile = `${cacheFile}.${process.pid}.tmp`;
  const mvnLog = path.join(WORK_DIR, `mvn-${version}.log`);
  // Not -q: Maven's "Downloaded from" lines are what the progress report counts.
  const args = ["-B", "dependency:build-classpath", `-Dmdep.outputFile=${tmpFile}`, `-Dpulsar.version=${version}`];
  if (process.env.PULSAR_HARNESS_MAVEN_REPO) args.push(`-Dmaven.repo.local=${process.env.PULSAR_HARNESS_MAVEN_REPO}`);
  announce(version);
  const code = await runMaven(args, MAVEN_DIR, mvnLog);
  if (code !== 0) {
    throw new Error(`mvn ${args.join(" ")} failed (exit ${code}); log: ${mvnLog}\n${tailFile(mvnLog, 30)}`);
  }
  fs.renameSync(tmpFile, cacheFile);
  const classpath = readClasspathFile(cacheFile);
  if (!classpath) throw new Error(`Maven wrote an unusable classpath to ${cacheFile}`);
  return classpath;
}

/** Said once, when the classpath is not cached yet: what happens now and roughly how long it takes. */
function announce(version: string): void {
  const repo = localRepository();
  const brokerJar = path.join(repo, "org", "apache", "pulsar", "pulsar-broker", version, `pulsar-broker-${version}.jar`);
  if (fs.existsSync(brokerJar)) {
    log(`resolving the classpath of Pulsar ${version} with Maven (its jars are already in ${repo}; a few seconds)`);
  } else {
    log(`first run for Pulsar ${version}: Maven downloads the broker and its dependencies from Maven Central, ` +
      `about ${EXPECTED_DOWNLOAD_MB} MB in ~1100 files, into ${repo}. That takes from half a minute on a fast ` +
      `connection to several minutes on a slow one; later runs reuse the jars. Progress follows.`);
  }
}

function log(text: string): void {
  console.error(`[pulsar harness] ${text}`);
}

export interface DownloadProgress {
  files: number;
  bytes: number;
  /** The file name of the latest download. */
  last?: string;
}

const UNIT_BYTES: Record<string, number> = { B: 1, kB: 1e3, KB: 1e3, MB: 1e6, GB: 1e9 };

/**
 * Counts one line of Maven's batch-mode output into `progress`: "Downloaded from central:
 * https://…/netty-common-4.1.118.Final.jar (716 kB at 1.2 MB/s)". Returns whether the line counted.
 */
export function countMavenDownload(line: string, progress: DownloadProgress): boolean {
  const match = /^(?:\[INFO\] )?Downloaded from [^:]+: (\S+) \(([\d.,]+) (B|kB|KB|MB|GB)\b/.exec(line.trim());
  if (!match) return false;
  progress.files += 1;
  progress.bytes += Number(match[2].replace(/,/g, "")) * UNIT_BYTES[match[3]];
  progress.last = match[1].slice(match[1].lastIndexOf("/") + 1);
  return true;
}

export function describeProgress(progress: DownloadProgress, elapsedMs: number): string {
  const mb = Math.round(progress.bytes / 1e6);
  const last = progress.last ? ` (latest: ${progress.last})` : "";
  return `Maven: ${progress.files} files, ${mb} of ~${EXPECTED_DOWNLOAD_MB} MB downloaded in ${Math.round(elapsedMs / 1000)} s${last}`;
}

/** Runs Maven with its output in `logFile`, reporting download progress every few seconds. */
function runMaven(args: string[], cwd: string, logFile: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const out = fs.createWriteStream(logFile);
    const child = spawn("mvn", args, { cwd, stdio: ["ignore", "pipe", "pipe"] });
    child.stderr.pipe(out, { end: false });
    const began = Date.now();
    const progress: DownloadProgress = { files: 0, bytes: 0 };
    let reported = 0;
    const timer = setInterval(() => {
      if (progress.files === reported) return;
      reported = progress.files;
      log(describeProgress(progress, Date.now() - began));
    }, PROGRESS_EVERY_MS);
    const lines = readline.createInterface({ input: child.stdout, crlfDelay: Infinity });
    lines.on("line", (line) => {
      out.write(`${line}\n`);
      countMavenDownload(line, progress);
    });
    child.once("error", (err) => {
      clearInterval(timer);
      reject(new Error(`cannot run mvn: ${err.message}`));
    });
    child.once("close", (code) => {
      clearInterval(timer);
      if (progress.files > 0) log(`${describeProgress(progress, Date.now() - began)}: done`);
      out.end(() => resolve(code ?? 1));
    });
  });
}

/** The cached classpath, or undefined when missing or when a jar vanished from ~/.m2 since. */
function readClasspathFile(file: string): string | undefined {
  if (!fs.existsSync(file)) return undefined;
  const classpath = fs.readFileSync(file, "utf8").trim();
  const jars = classpath.split(path.delimiter);
  return classpath && jars.every((jar) => fs.existsSync(jar)) ? classpath : undefined;
}
