/**
 * The harness's child processes (broker JVMs, WebSocket proxies, class-data dumps): spawning a JVM,
 * bookkeeping so that none outlives the Node process, waiting for exits, log tails.
 */
import { ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { LOG4J_CONFIG } from "./paths";

/** How long a graceful stop (SIGTERM) may take before SIGKILL. */
export const STOP_GRACE_MS = 20_000;

const liveChildren = new Set<ChildProcess>();
let exitHooksInstalled = false;

export function trackChild(child: ChildProcess): void {
  liveChildren.add(child);
  child.once("exit", () => liveChildren.delete(child));
  installExitHooks();
}

function killAllChildren(): void {
  for (const child of liveChildren) child.kill("SIGKILL");
}

function installExitHooks(): void {
  if (exitHooksInstalled) return;
  exitHooksInstalled = true;
  process.on("exit", killAllChildren);
  // Node dies on these signals without emitting 'exit'. When nobody else listens, keep that default
  // but take the JVMs down first; when the host listens (e.g. the CLI's graceful stop), leave it to the host.
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    const onSignal = (): void => {
      if (process.listenerCount(signal) > 1) return;
      killAllChildren();
      process.removeListener(signal, onSignal);
      process.kill(process.pid, signal);
    };
    process.on(signal, onSignal);
  }
}

export function waitForExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/** SIGTERM, then SIGKILL once `graceMs` has passed; resolves when the process is gone. */
export async function terminate(child: ChildProcess, graceMs = STOP_GRACE_MS): Promise<void> {
  child.kill("SIGTERM");
  if (await waitForExit(child, graceMs)) return;
  child.kill("SIGKILL");
  await waitForExit(child, graceMs);
}

export function javaCommand(): string {
  return process.env.JAVA_HOME ? path.join(process.env.JAVA_HOME, "bin", "java") : "java";
}

/** JVM flags of bin/pulsar that matter here, with a heap sized for tests rather than production. */
export function jvmArgs(): string[] {
  const opens = [
    "java.base/java.io", "java.base/java.util.zip", "java.base/java.nio", "java.base/jdk.internal.misc",
    "java.base/jdk.internal.platform", "java.management/sun.management", "jdk.management/com.sun.management.internal",
  ];
  return [
    "-Xms256m", "-Xmx1g", "-XX:MaxDirectMemorySize=1g", "-XX:+ExitOnOutOfMemoryError",
    "-Djava.net.preferIPv4Stack=true",
    ...opens.flatMap((pkg) => ["--add-opens", `${pkg}=ALL-UNNAMED`]),
    "--enable-native-access=ALL-UNNAMED",
    "-Dio.netty.tryReflectionSetAccessible=true",
    "-Dorg.apache.pulsar.shade.io.netty.tryReflectionSetAccessible=true",
    "-Dpulsar.allocator.exit_on_oom=true",
    `-Dlog4j.configurationFile=${LOG4J_CONFIG}`,
    "-Dlog4j2.is.webapp=false",
    // The standalone's own shutdown hook flushes log4j; log4j's hook would close it too early.
    "-Dlog4j.shutdownHookEnabled=false",
    // Marks harness JVMs, so a stray one can be found with `pgrep -f pulsar.harness.owner`.
    `-Dpulsar.harness.owner=${process.pid}`,
  ];
}

/**
 * Spawns a harness JVM with stdout and stderr appended to `logFile`. CLASSPATH instead of -cp keeps
 * the 30 KB classpath out of `ps` output. The child is tracked: it dies with this Node process.
 *
 * It leads a process group of its own: a Ctrl-C in the terminal goes to the terminal's process
 * group, and a JVM in it would start shutting down at once, racing whoever owns it (npm start stops
 * Node-RED before Pulsar, so that Node-RED's nodes close against a live broker). The owner stops it
 * instead, and can kill the whole group as a last resort.
 */
export function spawnJava(args: string[], classpath: string, cwd: string, logFile: string): ChildProcess {
  const logFd = fs.openSync(logFile, "a");
  const child = spawn(javaCommand(), args, {
    cwd,
    env: { ...process.env, CLASSPATH: classpath },
    stdio: ["ignore", logFd, logFd],
    detached: true,
  });
  fs.closeSync(logFd);
  trackChild(child);
  return child;
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

export function tailFile(file: string, lines: number): string {
  try {
    return fs.readFileSync(file, "utf8").split("\n").slice(-lines - 1).join("\n");
  } catch {
    return "(no log)";
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
