/**
 * Pulsar's own Java client, driven from the tests: interop (end-to-end encryption, schemas) is
 * proven against the other side's client, never only our code on both ends. The Java sources in
 * test/java/ are compiled with `javac` against the classpath the harness already resolves for a
 * Pulsar line (pulsar-client-original and pulsar-client-messagecrypto-bc are on it), once per
 * sources-and-classpath hash, into harness/pulsar/work/java-*, and run as `java -cp …`. A program
 * reads its arguments (and stdin, when given) and prints its answers on stdout.
 */
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { PULSAR_VERSIONS, resolveClasspath, type PulsarLine } from "../../harness/pulsar";

/** The repository root, from dist/test/support or test/support alike. */
const ROOT = [path.resolve(__dirname, "../.."), path.resolve(__dirname, "../../..")].find((dir) => fs.existsSync(path.join(dir, "test", "java"))) ?? process.cwd();
const SOURCES = path.join(ROOT, "test", "java");
const WORK = path.join(ROOT, "harness", "pulsar", "work");

const compiled = new Map<PulsarLine, Promise<string>>();

export interface JavaRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Compiles test/java/*.java for `line` (cached); resolves to the full classpath to run them with. */
export function javaClasspath(line: PulsarLine = "4.2"): Promise<string> {
  let pending = compiled.get(line);
  if (!pending) {
    pending = compile(line);
    compiled.set(line, pending);
    pending.catch(() => compiled.delete(line));
  }
  return pending;
}

async function compile(line: PulsarLine): Promise<string> {
  const classpath = await resolveClasspath(PULSAR_VERSIONS[line]);
  const sources = fs.readdirSync(SOURCES).filter((f) => f.endsWith(".java")).sort().map((f) => path.join(SOURCES, f));
  const hash = createHash("sha256").update(classpath);
  for (const file of sources) hash.update(file).update(fs.readFileSync(file));
  const out = path.join(WORK, `java-${line}-${hash.digest("hex").slice(0, 12)}`);
  if (!fs.existsSync(path.join(out, ".compiled"))) {
    fs.rmSync(out, { recursive: true, force: true });
    fs.mkdirSync(out, { recursive: true });
    const argsFile = path.join(out, "javac.args");
    // The classpath is longer than a command line may be: javac reads it from a file.
    fs.writeFileSync(argsFile, ["-encoding", "UTF-8", "-nowarn", "-cp", JSON.stringify(classpath), "-d", JSON.stringify(out), ...sources.map((s) => JSON.stringify(s))].join("\n"));
    const result = await run("javac", [`@${argsFile}`], { timeoutMs: 180_000 });
    if (result.code !== 0) throw new Error(`javac failed (${result.code}): ${result.stderr || result.stdout}`);
    fs.writeFileSync(path.join(out, ".compiled"), new Date().toISOString());
  }
  return `${out}${path.delimiter}${classpath}`;
}

export interface RunJavaOptions {
  line?: PulsarLine;
  /** Written to the program's stdin, which is then closed. */
  input?: string;
  timeoutMs?: number;
}

/** Runs `mainClass` from test/java with `args`; resolves with its exit code and output. */
export async function runJava(mainClass: string, args: readonly string[], opts: RunJavaOptions = {}): Promise<JavaRun> {
  const classpath = await javaClasspath(opts.line);
  const argsFile = path.join(WORK, `java-run-${process.pid}.args`);
  fs.writeFileSync(argsFile, ["-cp", JSON.stringify(classpath)].join("\n"));
  return run("java", ["-Xmx256m", "-XX:TieredStopAtLevel=1", `@${argsFile}`, mainClass, ...args], opts);
}

/** Like runJava, but fails with the program's stderr unless it exits 0; resolves to stdout. */
export async function javaOutput(mainClass: string, args: readonly string[], opts: RunJavaOptions = {}): Promise<string> {
  const r = await runJava(mainClass, args, opts);
  if (r.code !== 0) throw new Error(`${mainClass} exited ${r.code}: ${r.stderr.slice(-4000)}`);
  return r.stdout;
}

function run(command: string, args: string[], opts: { input?: string; timeoutMs?: number }): Promise<JavaRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${command} ${args.slice(-2).join(" ")} did not finish within ${opts.timeoutMs ?? 120_000} ms: ${stderr.slice(-2000)}`));
    }, opts.timeoutMs ?? 120_000);
    child.on("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(opts.input ?? "");
  });
}
