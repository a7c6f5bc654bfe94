/**
 * Child-process entry of the memory scenario: a fresh Node-RED whose pulsar-out points at a port
 * where nothing listens, fed `messages` distinct messages of `bytes` bytes while its session keeps
 * retrying. Reports RSS before and at its peak to the parent over IPC. A fresh process per run,
 * so that no earlier scenario's heap hides or inflates the growth.
 *
 * argv: <messages> <bytes> <bufferBytes>; run with --expose-gc (the baseline is taken after a GC).
 */
import net from "node:net";
import { BenchRuntime } from "./node-red/runtime";
import { endpoint, flow, pulsarOut } from "./node-red/flows";
import { textPayload } from "./wire";

export interface MemoryReport {
  baselineRss: number;
  peakRss: number;
  /** The kernel's high-water mark for the whole process (start-up included). */
  maxRss: number;
  /** RSS and V8 heap in use after a full GC at the end, the buffer still full: what it retains. */
  retainedRss: number;
  baselineHeap: number;
  retainedHeap: number;
  fed: number;
  refused: number;
  feedMs: number;
}

const CHUNK = 1000;

/** A loopback port with nothing listening: connections to it are refused at once. */
function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
    server.once("error", reject);
  });
}

async function main(): Promise<void> {
  const [messages, bytes, bufferBytes] = process.argv.slice(2).map(Number);
  const runtime = await BenchRuntime.start("fatal");
  const url = `ws://127.0.0.1:${await closedPort()}`;
  // bufferMessages as large as the feed, so that the byte bound is the one that holds.
  await runtime.deploy(flow(endpoint(url), pulsarOut("bench-out", "offline", { bufferMessages: messages, bufferBytes })));
  const producer = runtime.producer("bench-out");
  const filler = textPayload(bytes);

  global.gc?.();
  const baselineRss = process.memoryUsage.rss();
  const baselineHeap = process.memoryUsage().heapUsed;
  let peakRss = baselineRss;
  const sample = (): void => {
    peakRss = Math.max(peakRss, process.memoryUsage.rss());
  };
  const sampler = setInterval(sample, 5);

  let fed = 0;
  let refused = 0;
  const started = Date.now();
  while (fed < messages) {
    for (const end = Math.min(messages, fed + CHUNK); fed < end; ) {
      // A distinct flat string per message, as messages arriving from elsewhere would be.
      const payload = `${(fed++).toString(36)}:${filler}`.slice(0, bytes);
      producer.send(payload, (err) => {
        if (err) refused++;
      });
    }
    sample();
    await new Promise((r) => setImmediate(r));
  }
  const feedMs = Date.now() - started;
  await new Promise((r) => setTimeout(r, 500));
  sample();
  clearInterval(sampler);

  global.gc?.();
  const retained = process.memoryUsage();
  const report: MemoryReport = {
    baselineRss,
    peakRss,
    maxRss: process.resourceUsage().maxRSS * 1024,
    retainedRss: retained.rss,
    baselineHeap,
    retainedHeap: retained.heapUsed,
    fed,
    refused,
    feedMs,
  };
  // Exit without a graceful stop: pulsar-out would wait its close timeout for acks that cannot come.
  process.send!(report, () => process.exit(0));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
