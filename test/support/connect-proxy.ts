/**
 * An HTTP CONNECT proxy on 127.0.0.1 for tests: it records every tunnel (target, whether it was
 * allowed), can demand Basic credentials (407 otherwise), and can cut every open tunnel at once
 * (a forced reconnect of everything that goes through it).
 */
import http from "node:http";
import net from "node:net";
import type { AddressInfo } from "node:net";

export interface TunnelRecord {
  at: number;
  target: string;
  status: number;
}

export class ConnectProxy {
  readonly tunnels: TunnelRecord[] = [];
  /** "user:password" the proxy demands; undefined: none. */
  credentials: string | undefined;
  private readonly server: http.Server;
  private readonly open = new Set<net.Socket>();
  private port = 0;

  private constructor() {
    this.server = http.createServer((_req, res) => res.writeHead(405).end("CONNECT only"));
    this.server.on("connect", (req: http.IncomingMessage, client: net.Socket, head: Buffer) => this.onConnect(req, client, head));
  }

  static async start(credentials?: string): Promise<ConnectProxy> {
    const proxy = new ConnectProxy();
    proxy.credentials = credentials;
    await new Promise<void>((resolve, reject) => {
      proxy.server.once("error", reject);
      proxy.server.listen(0, "127.0.0.1", () => resolve());
    });
    proxy.port = (proxy.server.address() as AddressInfo).port;
    return proxy;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Tunnels opened (status 200) to `host:port`. */
  opened(target?: string): TunnelRecord[] {
    return this.tunnels.filter((t) => t.status === 200 && (target === undefined || t.target === target));
  }

  /** Cuts every open tunnel (both sides). */
  cutAll(): number {
    const n = this.open.size;
    for (const socket of this.open) socket.destroy();
    this.open.clear();
    return n;
  }

  async stop(): Promise<void> {
    this.cutAll();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private onConnect(req: http.IncomingMessage, client: net.Socket, head: Buffer): void {
    const target = req.url ?? "";
    client.on("error", () => undefined);
    if (this.credentials !== undefined) {
      const given = req.headers["proxy-authorization"] ?? "";
      if (given !== `Basic ${Buffer.from(this.credentials).toString("base64")}`) {
        this.tunnels.push({ at: Date.now(), target, status: 407 });
        client.end('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="test"\r\nContent-Length: 0\r\n\r\n');
        return;
      }
    }
    const m = /^(.+):(\d+)$/.exec(target);
    if (!m) {
      this.tunnels.push({ at: Date.now(), target, status: 400 });
      client.end("HTTP/1.1 400 Bad Request\r\n\r\n");
      return;
    }
    const upstream = net.connect({ host: m[1].replace(/^\[|\]$/g, ""), port: Number(m[2]) });
    upstream.on("error", () => {
      this.tunnels.push({ at: Date.now(), target, status: 502 });
      client.end("HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n");
    });
    upstream.once("connect", () => {
      this.tunnels.push({ at: Date.now(), target, status: 200 });
      this.open.add(client);
      this.open.add(upstream);
      const forget = (): void => {
        this.open.delete(client);
        this.open.delete(upstream);
        client.destroy();
        upstream.destroy();
      };
      client.once("close", forget);
      upstream.once("close", forget);
      client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
      if (head.length) upstream.write(head);
      client.pipe(upstream);
      upstream.pipe(client);
    });
  }
}
