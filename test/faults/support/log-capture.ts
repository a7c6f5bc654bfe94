/**
 * Captures the whole run's log: every Node-RED log record at every level (a handler on RED.log,
 * re-added after each RED.init, which resets the handlers) and everything written to stdout and
 * stderr. Secrets registered here (tokens) are searched for at the end of the run; one occurrence
 * fails the run.
 */
import { EventEmitter } from "node:events";
import fs from "node:fs";
import type { NodeAPI } from "node-red";
import { addFinalCheck } from "./figures";

export interface LogRecord {
  level?: number;
  id?: string;
  type?: string;
  msg?: unknown;
}

const chunks: string[] = [];
let bytes = 0;
let records = 0;
const secrets = new Set<string>();
const handler = new EventEmitter();
const METRIC = 99;
const subscribers = new Set<(record: LogRecord) => void>();

/** Sees every Node-RED log record (metrics excluded) until the returned function is called. */
export function onLog(fn: (record: LogRecord) => void): () => void {
  subscribers.add(fn);
  return () => subscribers.delete(fn);
}

handler.on("log", (record: LogRecord) => {
  records++;
  for (const fn of subscribers) if (record.level !== METRIC) fn(record);
  if (record.level === METRIC) return; // per-message metric events: ids and counters, no text
  let text: string;
  try {
    text = typeof record.msg === "string" ? record.msg : record.msg instanceof Error ? `${record.msg.message}\n${record.msg.stack ?? ""}` : JSON.stringify(record.msg);
  } catch {
    text = String(record.msg);
  }
  keep(`[nr ${record.level ?? "?"}] [${record.type ?? ""}:${record.id ?? ""}] ${text}\n`);
});

function keep(text: string): void {
  chunks.push(text);
  bytes += text.length;
}

// Tee stdout and stderr.
for (const stream of [process.stdout, process.stderr]) {
  const original = stream.write.bind(stream) as (...args: unknown[]) => boolean;
  (stream as unknown as { write: (...args: unknown[]) => boolean }).write = (...args: unknown[]): boolean => {
    const first = args[0];
    keep(typeof first === "string" ? first : Buffer.isBuffer(first) ? first.toString("utf8") : String(first));
    return original(...args);
  };
}

/** Installs the Node-RED log handler (idempotent); call after every helper.startServer(). */
export function captureNodeRedLog(RED: { log: NodeAPI["log"] }): void {
  const log = RED.log as unknown as { addHandler(h: EventEmitter): void; removeHandler(h: EventEmitter): void };
  log.removeHandler(handler);
  log.addHandler(handler);
}

/** True if the captured log (so far) contains `text`. */
export function logContains(text: string): boolean {
  return chunks.some((c) => c.includes(text));
}

export function registerSecret(secret: string): void {
  if (secret.length >= 8) secrets.add(secret);
}

/** How often any registered secret (or its signature part) occurs in what was captured so far. */
export function secretOccurrences(): { occurrences: number; bytes: number; records: number; secrets: number } {
  const all = chunks.join("");
  let occurrences = 0;
  for (const secret of secrets) {
    const needles = [secret];
    const signature = secret.split(".")[2];
    if (signature && signature.length >= 16) needles.push(signature);
    for (const needle of needles) occurrences += all.split(needle).length - 1;
  }
  return { occurrences, bytes, records, secrets: secrets.size };
}

addFinalCheck(() => {
  const r = secretOccurrences();
  const file = process.env.FAULTS_LOG_FILE;
  if (file) fs.writeFileSync(file, chunks.join(""));
  const line = `token audit: ${r.secrets} tokens searched in the whole run's log (${r.records} Node-RED log records, ${(r.bytes / 1024).toFixed(0)} KiB incl. stdout/stderr): ${r.occurrences} occurrences`;
  if (r.occurrences > 0) throw new Error(line);
  return line;
});
