/**
 * A raw WebSocket reader from the earliest message: what a topic really holds, independent of the
 * nodes under test (used by the fault and cluster suites to count losses and stored duplicates).
 */
import WebSocket from "ws";

export interface ReadResult {
  /** payload text → how many copies the topic holds. */
  copies: Map<string, number>;
  total: number;
  timedOut: boolean;
}

/**
 * Reads a topic from the earliest message with a raw WebSocket reader until every `expected`
 * payload was seen and nothing new arrived for `idleMs` (or `timeoutMs` passed).
 */
export interface ReadOptions {
  idleMs?: number;
  timeoutMs?: number;
  headers?: Record<string, string>;
  /** Extra query parameters of the reader (e.g. `cryptoFailureAction=CONSUME`). */
  query?: string;
  /** What a frame counts as (default: its payload as UTF-8 text). */
  idOf?: (frame: ReaderFrame) => string;
}

/** A reader frame as the WebSocket API sends it (payload in base64). */
export interface ReaderFrame {
  messageId: string;
  payload: string;
  properties?: Record<string, string>;
  encryptionContext?: unknown;
}

export function readAll(wsBase: string, topic: string, expected: Iterable<string>, opts: ReadOptions = {}): Promise<ReadResult> {
  const want = new Set(expected);
  const idleMs = opts.idleMs ?? 1500;
  const copies = new Map<string, number>();
  let total = 0;
  let missing = want.size;
  return new Promise((resolve, reject) => {
    const url = `${wsBase}/ws/v2/reader/persistent/public/default/${encodeURIComponent(topic)}?messageId=earliest&receiverQueueSize=1000${opts.query ? `&${opts.query}` : ""}`;
    const ws = new WebSocket(url, { headers: opts.headers, perMessageDeflate: false });
    let idle: NodeJS.Timeout | undefined;
    const finish = (timedOut: boolean): void => {
      clearTimeout(idle);
      clearTimeout(overall);
      ws.terminate();
      resolve({ copies, total, timedOut });
    };
    const overall = setTimeout(() => finish(true), opts.timeoutMs ?? 120_000);
    const armIdle = (): void => {
      clearTimeout(idle);
      if (missing === 0) idle = setTimeout(() => finish(false), idleMs);
    };
    ws.on("message", (data) => {
      const frame = JSON.parse(data.toString()) as ReaderFrame;
      const text = opts.idOf ? opts.idOf(frame) : Buffer.from(frame.payload, "base64").toString("utf8");
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

/** Publishes payloads with a raw producer (pipelined), resolving when all are acked. */
