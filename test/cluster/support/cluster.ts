/**
 * The cluster suite's shared pieces: one real Pulsar cluster (harness startPulsarCluster) for the
 * whole run, started in a root `before` and stopped in a root `after`, the figures table printed at
 * the end, a raw-WebSocket reader from earliest as the oracle of what a topic holds, and the counts
 * (CLUSTER_SCALE scales every case's message count down for quick local runs; CI runs 1).
 */
import WebSocket from "ws";
import { startPulsarCluster, stopAllPulsar, type ClusterBroker, type PulsarCluster } from "../../../harness/pulsar";
import { sleep } from "../../support/wait";

/** 1 = the issue's numbers (20,000 and 50,000 messages). CLUSTER_SCALE=0.1 for a quick local run. */
export const SCALE = Math.min(1, Math.max(0.01, Number(process.env.CLUSTER_SCALE ?? 1)));
export const scaled = (n: number): number => Math.max(200, Math.round(n * SCALE));

let started: Promise<PulsarCluster> | undefined;

export function cluster(): Promise<PulsarCluster> {
  started ??= startPulsarCluster({ startTimeoutMs: 300_000 });
  return started;
}

export interface CaseFigure {
  case: string;
  way: string;
  offered: number;
  completed: number;
  lost: number;
  duplicates: number;
  /** Seconds from the fault until production and consumption flowed again. */
  recoverS: number | undefined;
  seconds: number;
  notes: string;
}

const figures: CaseFigure[] = [];
const suiteStart = Date.now();
let clusterLine = "";

export function recordCase(f: CaseFigure): void {
  figures.push(f);
  console.log(`      [cluster] ${f.case} via ${f.way}: offered ${f.offered}, completed ${f.completed}, lost ${f.lost}, duplicates ${f.duplicates}, ` +
    `recover ${f.recoverS === undefined ? "-" : `${f.recoverS.toFixed(1)} s`}, ${f.seconds.toFixed(1)} s — ${f.notes}`);
}

function table(): string {
  const head = ["case", "way in", "offered", "completed", "lost", "dups", "recover s", "run s", "notes"];
  const lines = [`| ${head.join(" | ")} |`, `|${head.map((_h, i) => (i < 2 || i === head.length - 1 ? "---" : "---:")).join("|")}|`];
  for (const f of figures) {
    lines.push(`| ${[f.case, f.way, f.offered, f.completed, f.lost, f.duplicates, f.recoverS === undefined ? "-" : f.recoverS.toFixed(1), f.seconds.toFixed(1), f.notes].join(" | ")} |`);
  }
  return lines.join("\n");
}

before(async function () {
  this.timeout(330_000);
  const c = await cluster();
  clusterLine = c.summary();
  console.log(`      [cluster] ${clusterLine}`);
});

after(async function () {
  this.timeout(120_000);
  if (started) {
    const c = await started.catch(() => undefined);
    if (c) console.log(`      [cluster] at the end: ${c.summary().replace(/^.*?; RSS/, "RSS")}`);
  }
  await stopAllPulsar();
  if (figures.length === 0) return;
  console.log(`\n=== cluster suite (scale ${SCALE}) ===\n${clusterLine}\n${table()}\nwall time: ${((Date.now() - suiteStart) / 1000).toFixed(0)} s\n`);
});

export interface ReadResult {
  copies: Map<string, number>;
  total: number;
}

/** Reads a public/default topic from the earliest message through `wsBase` until every expected payload was seen (then idle 1.5 s). */
export function readAll(wsBase: string, topic: string, expected: Iterable<string>, timeoutMs = 120_000): Promise<ReadResult> {
  const want = new Set(expected);
  const copies = new Map<string, number>();
  let total = 0;
  let missing = want.size;
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${wsBase}/ws/v2/reader/persistent/public/default/${encodeURIComponent(topic)}?messageId=earliest&receiverQueueSize=1000`, { perMessageDeflate: false });
    let idle: NodeJS.Timeout | undefined;
    const finish = (): void => {
      clearTimeout(idle);
      clearTimeout(overall);
      ws.terminate();
      resolve({ copies, total });
    };
    const overall = setTimeout(finish, timeoutMs);
    const armIdle = (): void => {
      clearTimeout(idle);
      if (missing === 0) idle = setTimeout(finish, 1500);
    };
    ws.on("message", (data) => {
      const frame = JSON.parse(data.toString()) as { messageId: string; payload: string };
      const text = Buffer.from(frame.payload, "base64").toString("utf8");
      total++;
      const n = (copies.get(text) ?? 0) + 1;
      copies.set(text, n);
      if (n === 1 && want.has(text)) missing--;
      ws.send(JSON.stringify({ messageId: frame.messageId }));
      armIdle();
    });
    ws.on("open", armIdle);
    ws.on("error", (err) => {
      clearTimeout(idle);
      clearTimeout(overall);
      reject(err);
    });
  });
}

/** The subscription's backlog (msgBacklog) from the topic's stats, or undefined when they cannot be read. */
export async function backlog(c: PulsarCluster, topic: string, subscription: string): Promise<number | undefined> {
  // Only the owner serves a topic's stats; the other broker answers 307.
  const res = await adminAnywhere(c, "GET", `/admin/v2/persistent/public/default/${encodeURIComponent(topic)}/stats`).catch(() => undefined);
  if (!res || res.status !== 200) return undefined;
  return (JSON.parse(res.body) as { subscriptions?: Record<string, { msgBacklog?: number }> }).subscriptions?.[subscription]?.msgBacklog;
}

/** Polls (bounded) until the backlog is 0; returns the last value seen. */
export async function drainedBacklog(c: PulsarCluster, topic: string, subscription: string, timeoutMs = 60_000): Promise<number | undefined> {
  let last: number | undefined;
  for (const end = Date.now() + timeoutMs; Date.now() < end; await sleep(500)) {
    last = await backlog(c, topic, subscription);
    if (last === 0) break;
  }
  return last;
}

/** Both brokers running again (a case that killed one restarts it before it ends). */
export async function bothBrokersUp(c: PulsarCluster): Promise<void> {
  for (const b of c.brokers) if (!b.running) await b.restart();
}

/** The broker that owns a topic after creating it with a first lookup. */
export async function owner(c: PulsarCluster, topic: string): Promise<ClusterBroker> {
  for (let i = 0; ; i++) {
    try {
      return await c.ownerOf(topic);
    } catch (err) {
      if (i >= 20) throw err;
      await sleep(500);
    }
  }
}

export function other(c: PulsarCluster, b: ClusterBroker): ClusterBroker {
  return c.brokers[0] === b ? c.brokers[1] : c.brokers[0];
}

/**
 * An admin call answered by whichever running broker serves it: a broker that does not own a
 * bundle answers some calls with 307 towards the owner, which this follows by asking the next one.
 */
export async function adminAnywhere(c: PulsarCluster, method: string, urlPath: string): Promise<{ status: number; body: string }> {
  let last = { status: 0, body: "no broker running" };
  for (const b of c.brokers.filter((x) => x.running)) {
    last = await b.admin(method, urlPath);
    if (last.status !== 307) return last;
  }
  return last;
}
