/** Where the harness keeps its Maven project, caches and logs, and the one address it binds. */
import * as fs from "node:fs";
import * as path from "node:path";

/** Walks up from this file (harness/lib/ or dist/harness/lib/) to the directory holding harness/pulsar/pom.xml. */
function findProjectRoot(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, "harness", "pulsar", "pom.xml"))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`harness/pulsar/pom.xml not found above ${__dirname}`);
  }
}

export const ROOT = findProjectRoot();
export const MAVEN_DIR = path.join(ROOT, "harness", "pulsar");
/** Gitignored: cached classpaths, class-data-sharing archives, Maven logs. */
export const WORK_DIR = path.join(MAVEN_DIR, "work");
export const LOG4J_CONFIG = path.join(MAVEN_DIR, "log4j2.xml");
export const DEFAULT_LOG_DIR = path.join(ROOT, "test-output", "pulsar");

export const LOOPBACK = "127.0.0.1";
