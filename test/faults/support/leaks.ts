/**
 * Counting what a redeploy leaves behind: product timers (global setTimeout/setInterval calls made
 * with a nodes/ frame on the stack, still pending), OS handles (process.getActiveResourcesInfo),
 * listeners on process and on the runtime's event bus, and the producer/consumer session objects
 * (tracked with WeakRefs: after close and a forced GC none may still be reachable). Also an
 * independent observer of done(): every call of Node.prototype._complete (what done() calls),
 * which keeps counting while Catch/Complete nodes are being stopped by a full deploy.
 */
import path from "node:path";
import { Socket } from "node:net";
import * as consumerModule from "../../../nodes/lib/session/consumer";
import * as producerModule from "../../../nodes/lib/session/producer";
import { gc } from "./nr";

const NODES_DIR = `${path.sep}nodes${path.sep}`;

// ---------------------------------------------------------------------------------------------
// Timers created by product code
// ---------------------------------------------------------------------------------------------

interface TimerInfo {
  kind: "timeout" | "interval";
  stack: string;
}

export class TimerTracker {
  readonly live = new Map<NodeJS.Timeout, TimerInfo>();
  private readonly saved = { setTimeout: globalThis.setTimeout, setInterval: globalThis.setInterval, clearTimeout: globalThis.clearTimeout, clearInterval: globalThis.clearInterval };

  install(): void {
    const live = this.live;
    const s = this.saved;
    const fromProduct = (): string | undefined => {
      const stack = new Error().stack ?? "";
      return stack.split("\n").some((l) => l.includes(NODES_DIR) && !l.includes("node_modules")) ? stack : undefined;
    };
    const patchedSetTimeout = function (fn: (...a: unknown[]) => void, ms?: number, ...args: unknown[]): NodeJS.Timeout {
      const stack = fromProduct();
      const handle: NodeJS.Timeout = s.setTimeout(
        (...a: unknown[]) => {
          live.delete(handle);
          fn(...a);
        },
        ms,
        ...args,
      );
      if (stack) live.set(handle, { kind: "timeout", stack });
      return handle;
    };
    const patchedSetInterval = function (fn: (...a: unknown[]) => void, ms?: number, ...args: unknown[]): NodeJS.Timeout {
      const stack = fromProduct();
      const handle = s.setInterval(fn, ms, ...args);
      if (stack) live.set(handle, { kind: "interval", stack });
      return handle;
    };
    const patchedClear = (handle: NodeJS.Timeout | string | number | undefined): void => {
      if (handle !== undefined && typeof handle === "object") live.delete(handle);
      s.clearTimeout(handle);
    };
    Object.assign(globalThis, { setTimeout: patchedSetTimeout, setInterval: patchedSetInterval, clearTimeout: patchedClear, clearInterval: patchedClear });
  }

  uninstall(): void {
    Object.assign(globalThis, this.saved);
  }

  /** Pending product timers, with the product frame that created each. */
  pending(): string[] {
    return [...this.live.values()].map((t) => `${t.kind} from ${t.stack.split("\n").filter((l) => l.includes(NODES_DIR)).map((l) => l.trim().replace(/^at /, "").replace(/\(.*[\\/]nodes[\\/]/, "(")).slice(0, 4).join(" < ")}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Sessions
// ---------------------------------------------------------------------------------------------

type Emitter = { eventNames(): (string | symbol)[]; listenerCount(name: string | symbol): number };

export class SessionTracker {
  readonly refs: WeakRef<Emitter>[] = [];
  private readonly originals = { producer: producerModule.ProducerSession, consumer: consumerModule.ConsumerSession };

  install(): void {
    const refs = this.refs;
    const OriginalProducer = this.originals.producer;
    const OriginalConsumer = this.originals.consumer;
    class TrackedProducer extends OriginalProducer {
      constructor(...args: ConstructorParameters<typeof OriginalProducer>) {
        super(...args);
        refs.push(new WeakRef(this));
      }
    }
    class TrackedConsumer extends OriginalConsumer {
      constructor(...args: ConstructorParameters<typeof OriginalConsumer>) {
        super(...args);
        refs.push(new WeakRef(this));
      }
    }
    (producerModule as { ProducerSession: typeof OriginalProducer }).ProducerSession = TrackedProducer;
    (consumerModule as { ConsumerSession: typeof OriginalConsumer }).ConsumerSession = TrackedConsumer;
  }

  uninstall(): void {
    (producerModule as { ProducerSession: typeof producerModule.ProducerSession }).ProducerSession = this.originals.producer;
    (consumerModule as { ConsumerSession: typeof consumerModule.ConsumerSession }).ConsumerSession = this.originals.consumer;
  }

  /** Sessions still reachable after a forced GC, and the listeners on them and their sockets. */
  async survivors(): Promise<{ created: number; alive: number; listeners: number }> {
    for (let i = 0; i < 3; i++) {
      gc();
      await new Promise((r) => setImmediate(r));
    }
    let alive = 0;
    let listeners = 0;
    for (const ref of this.refs) {
      const s = ref.deref();
      if (!s) continue;
      alive++;
      listeners += countListeners(s);
      const socket = (s as unknown as { socket?: Emitter }).socket;
      if (socket) listeners += countListeners(socket);
    }
    return { created: this.refs.length, alive, listeners };
  }
}

export function countListeners(e: Emitter): number {
  return e.eventNames().reduce((n, name) => n + e.listenerCount(name), 0);
}

// ---------------------------------------------------------------------------------------------
// OS handles
// ---------------------------------------------------------------------------------------------

export function activeResources(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of process.getActiveResourcesInfo()) out[r] = (out[r] ?? 0) + 1;
  return out;
}

/** The TCP sockets still open in this process, with their ports, to tell whose a leftover is. */
export function openSocketsDescribed(): string[] {
  const handles = (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles();
  return handles
    .filter((h): h is Socket => h instanceof Socket)
    .map((s) => `${s.localAddress ?? "?"}:${s.localPort ?? "?"} → ${s.remoteAddress ?? "?"}:${s.remotePort ?? "?"} (${s.readyState}${s.destroyed ? ", destroyed" : ""})`);
}

export function processListeners(): number {
  return countListeners(process as unknown as Emitter);
}

// ---------------------------------------------------------------------------------------------
// done() observer
// ---------------------------------------------------------------------------------------------

export class DoneTracker {
  readonly ok = new Map<string, number>();
  readonly failed = new Map<string, string>();
  twice = 0;
  private original: ((msg: unknown, err: unknown) => unknown) | undefined;

  constructor(private readonly proto: Record<string, unknown>) {}

  install(filter: (nodeId: string) => boolean): void {
    const original = this.proto._complete as (this: { id: string }, msg: unknown, err: unknown) => unknown;
    this.original = original;
    const record = (nodeId: string, msg: { _msgid?: string } | undefined, err: unknown): void => {
      if (!filter(nodeId) || !msg?._msgid) return;
      const id = msg._msgid;
      if (this.has(id)) this.twice++;
      else if (err) this.failed.set(id, err instanceof Error ? err.message : String(err));
      else this.ok.set(id, 1);
    };
    this.proto._complete = function (this: { id: string }, msg: { _msgid?: string } | undefined, err: unknown): unknown {
      record(this.id, msg, err);
      return original.call(this, msg, err);
    };
  }

  uninstall(): void {
    if (this.original) this.proto._complete = this.original;
  }

  has(id: string): boolean {
    return this.ok.has(id) || this.failed.has(id);
  }
}
