/**
 * A loopback TCP proxy for fault injection between the nodes and a real Pulsar (the "network"):
 * it forwards bytes both ways and can cut connections (RST to the client, close upstream), or
 * freeze them (a half-open path: both ends stay connected, nothing is forwarded any more).
 *
 * It also reads the first HTTP request line of every connection, so a test can see which URL each
 * socket is for (producer, consumer, reader; the token if it was put in the query) and count
 * handshake attempts per URL, and the first response line (101, 401, 403, …).
 */
import { EventEmitter } from "node:events";
import net from "node:net";

export interface ProxyConnection {
  readonly id: number;
  readonly openedAt: number;
  /** Request target of the upgrade, query included ("" until the request line arrived). */
  target: string;
  /** Path without the query. */
  path: string;
  /** Status of the upstream's answer (101, 401, …), 0 until it arrived. */
  status: number;
  frozen: boolean;
  closed: boolean;
  closedAt?: number;
  /** Bytes forwarded client → upstream and upstream → client. */
  bytesUp: number;
  bytesDown: number;
}

interface Pair {
  info: ProxyConnection;
  client: net.Socket;
  upstream: net.Socket;
  head: string;
  responseHead: string;
}

export interface ProxyEvents {
  connection: [ProxyConnection];
  /** The client side of a connection closed (by the client, the upstream or a cut). */
  clientClosed: [ProxyConnection];
}

export type ConnectionFilter = (c: ProxyConnection) => boolean;

export class TcpProxy extends EventEmitter<ProxyEvents> {
  private readonly server: net.Server;
  private readonly pairs = new Map<number, Pair>();
  private readonly all: ProxyConnection[] = [];
  private nextId = 1;
  /** When a frozen connection's client side closes, close its upstream after this many ms. */
  frozenUpstreamLingerMs = 2000;
  private readonly lingerTimers = new Set<NodeJS.Timeout>();

  private constructor(private readonly targetPort: number, private readonly targetHost: string) {
    super();
    this.server = net.createServer((client) => this.accept(client));
  }

  /** `listenPort`: a given port (e.g. a service URL that was closed until now); default a free one. */
  static async start(targetPort: number, targetHost = "127.0.0.1", listenPort = 0): Promise<TcpProxy> {
    const proxy = new TcpProxy(targetPort, targetHost);
    await new Promise<void>((resolve, reject) => {
      proxy.server.once("error", reject);
      proxy.server.listen(listenPort, "127.0.0.1", () => resolve());
    });
    return proxy;
  }

  get port(): number {
    return (this.server.address() as net.AddressInfo).port;
  }

  get wsUrl(): string {
    return `ws://127.0.0.1:${this.port}`;
  }

  /** Every connection ever accepted, in order. */
  get connections(): readonly ProxyConnection[] {
    return this.all;
  }

  open(filter: ConnectionFilter = () => true): ProxyConnection[] {
    return [...this.pairs.values()].map((p) => p.info).filter((c) => !c.closed && filter(c));
  }

  /** Abrupt cut: RST to the client, the upstream destroyed, nothing in flight delivered. */
  cut(id: number): boolean {
    const pair = this.pairs.get(id);
    if (!pair) return false;
    pair.client.resetAndDestroy();
    pair.upstream.destroy();
    return true;
  }

  /** Cuts one random open, upgraded connection matching the filter; returns it, or undefined. */
  cutRandom(filter: ConnectionFilter = () => true, random: () => number = Math.random): ProxyConnection | undefined {
    const candidates = this.open((c) => c.status === 101 && !c.frozen && filter(c));
    if (candidates.length === 0) return undefined;
    const victim = candidates[Math.floor(random() * candidates.length)];
    this.cut(victim.id);
    return victim;
  }

  /**
   * Half-open: matching connections stay connected at both ends, but nothing is forwarded any more
   * (bytes are read and dropped, like packets into a dead NAT entry). Returns how many.
   */
  freeze(filter: ConnectionFilter = () => true): ProxyConnection[] {
    const frozen = this.open((c) => !c.frozen && filter(c));
    for (const c of frozen) c.frozen = true;
    return frozen;
  }

  async stop(): Promise<void> {
    for (const t of this.lingerTimers) clearTimeout(t);
    this.lingerTimers.clear();
    for (const pair of this.pairs.values()) {
      pair.client.destroy();
      pair.upstream.destroy();
    }
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: net.Socket): void {
    const info: ProxyConnection = { id: this.nextId++, openedAt: Date.now(), target: "", path: "", status: 0, frozen: false, closed: false, bytesUp: 0, bytesDown: 0 };
    const upstream = net.connect(this.targetPort, this.targetHost);
    const pair: Pair = { info, client, upstream, head: "", responseHead: "" };
    this.pairs.set(info.id, pair);
    this.all.push(info);
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    client.on("error", () => undefined);
    upstream.on("error", () => undefined);

    client.on("data", (chunk: Buffer) => {
      if (!info.target) this.readRequestLine(pair, chunk);
      if (info.frozen) return;
      info.bytesUp += chunk.length;
      if (!upstream.write(chunk)) client.pause();
    });
    upstream.on("drain", () => client.resume());
    upstream.on("data", (chunk: Buffer) => {
      if (!info.status) this.readStatusLine(pair, chunk);
      if (info.frozen) return;
      info.bytesDown += chunk.length;
      if (!client.write(chunk)) upstream.pause();
    });
    client.on("drain", () => upstream.resume());

    client.on("close", () => {
      const wasClosed = info.closed;
      info.closed = true;
      info.closedAt ??= Date.now();
      if (info.frozen) {
        // The far end of a dead path only notices later (its idle timeout): emulate that.
        const t = setTimeout(() => {
          this.lingerTimers.delete(t);
          upstream.destroy();
          this.pairs.delete(info.id);
        }, this.frozenUpstreamLingerMs);
        this.lingerTimers.add(t);
      } else {
        upstream.destroy();
        this.pairs.delete(info.id);
      }
      if (!wasClosed) this.emit("clientClosed", info);
    });
    upstream.on("close", () => {
      if (info.frozen) return; // a dead path: the client is not told
      client.destroy();
    });
    this.emit("connection", info);
  }

  private readRequestLine(pair: Pair, chunk: Buffer): void {
    pair.head += chunk.toString("latin1");
    const end = pair.head.indexOf("\r\n");
    if (end < 0 && pair.head.length < 16384) return;
    const line = pair.head.slice(0, end < 0 ? 200 : end);
    const target = line.split(" ")[1] ?? "?";
    pair.info.target = target;
    const q = target.indexOf("?");
    pair.info.path = q < 0 ? target : target.slice(0, q);
    pair.head = "";
  }

  private readStatusLine(pair: Pair, chunk: Buffer): void {
    pair.responseHead += chunk.toString("latin1");
    const end = pair.responseHead.indexOf("\r\n");
    if (end < 0 && pair.responseHead.length < 16384) return;
    const status = Number(pair.responseHead.slice(0, end < 0 ? 40 : end).split(" ")[1]);
    pair.info.status = Number.isFinite(status) && status > 0 ? status : -1;
    pair.responseHead = "";
  }
}
