/**
 * An HTTP agent that reaches its target through an HTTP proxy with `CONNECT host:port`, then
 * speaks plain HTTP or TLS inside the tunnel. `ws` takes it as its `agent` option and the admin
 * calls as theirs, so a WebSocket session and a REST call go the same way. Node built-ins only
 * (the package's runtime dependency policy: `ws` and nothing else).
 *
 * A proxy that answers anything but 2xx fails the request with a `ProxyRefusedError` carrying
 * the proxy's status (407: the proxy wants credentials, or refused the ones sent).
 */
import http from "node:http";
import net from "node:net";
import type { Duplex } from "node:stream";
import tls from "node:tls";

export interface ProxyTarget {
  /** `http://host:port` of the proxy (an `https://` proxy is reached with TLS). */
  url: string;
  username?: string;
  password?: string;
  /** Bound on reaching the proxy and its CONNECT answer. */
  timeoutMs?: number;
}

export class ProxyRefusedError extends Error {
  readonly code = "EPROXY";
  constructor(
    readonly status: number,
    readonly statusText: string,
    readonly proxyHost: string,
  ) {
    super(`the proxy ${proxyHost} refused the tunnel: ${status} ${statusText}`.trim());
    this.name = "ProxyRefusedError";
  }
}

const MAX_CONNECT_ANSWER = 16 * 1024;
const DEFAULT_TIMEOUT_MS = 30000;

type ConnectOptions = http.ClientRequestArgs & tls.ConnectionOptions;

export class ConnectProxyAgent extends http.Agent {
  private readonly proxy: URL;

  /** `secure`: the target speaks TLS inside the tunnel (wss://, https://). */
  constructor(
    private target: ProxyTarget,
    private readonly secure: boolean,
  ) {
    super({ keepAlive: false });
    this.proxy = new URL(target.url);
    // `http://user:password@proxy:3128` (as in https_proxy): credentials from the URL, unless given.
    if (target.username === undefined && target.password === undefined && (this.proxy.username || this.proxy.password)) {
      this.target = { ...target, username: decodeURIComponent(this.proxy.username), password: decodeURIComponent(this.proxy.password) };
    }
    // https.request checks that its agent is an https one.
    (this as { protocol?: string }).protocol = secure ? "https:" : "http:";
  }

  override createConnection(options: http.ClientRequestArgs, callback?: (err: Error | null, stream: Duplex) => void): Duplex | null | undefined {
    const done = callback ?? (() => undefined);
    this.tunnel(options as ConnectOptions).then(
      (socket) => done(null, socket),
      (err: Error) => done(err, undefined as unknown as Duplex),
    );
    return undefined;
  }

  private tunnel(options: ConnectOptions): Promise<Duplex> {
    const host = options.hostname ?? options.host ?? "localhost";
    const port = Number(options.port) || (this.secure ? 443 : 80);
    const authority = `${host.includes(":") && !host.startsWith("[") ? `[${host}]` : host}:${port}`;
    const proxyPort = Number(this.proxy.port) || (this.proxy.protocol === "https:" ? 443 : 80);
    const timeoutMs = this.target.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const where = this.proxy.host;

    return new Promise<Duplex>((resolve, reject) => {
      const raw: net.Socket =
        this.proxy.protocol === "https:"
          ? tls.connect({ host: this.proxy.hostname, port: proxyPort, servername: this.proxy.hostname })
          : net.connect({ host: this.proxy.hostname, port: proxyPort });
      let settled = false;
      const fail = (err: Error): void => {
        if (settled) return;
        settled = true;
        raw.destroy();
        reject(err);
      };
      raw.setTimeout(timeoutMs, () => fail(Object.assign(new Error(`the proxy ${where} did not answer within ${timeoutMs} ms`), { code: "ETIMEDOUT" })));
      raw.once("error", (err) => fail(err));
      raw.once("close", () => fail(Object.assign(new Error(`the proxy ${where} closed the connection`), { code: "ECONNRESET" })));

      const lines = [`CONNECT ${authority} HTTP/1.1`, `Host: ${authority}`];
      if (this.target.username || this.target.password) {
        const basic = Buffer.from(`${this.target.username ?? ""}:${this.target.password ?? ""}`).toString("base64");
        lines.push(`Proxy-Authorization: Basic ${basic}`);
      }
      raw.write(`${lines.join("\r\n")}\r\n\r\n`);

      let answer = Buffer.alloc(0);
      const onData = (chunk: Buffer): void => {
        answer = Buffer.concat([answer, chunk]);
        const end = answer.indexOf("\r\n\r\n");
        if (end < 0) {
          if (answer.length > MAX_CONNECT_ANSWER) fail(new Error(`the proxy ${where} sent an over-long answer to CONNECT`));
          return;
        }
        raw.off("data", onData);
        const statusLine = answer.subarray(0, answer.indexOf("\r\n")).toString("latin1");
        const m = /^HTTP\/1\.[01] (\d{3}) ?(.*)$/.exec(statusLine);
        const status = m ? Number(m[1]) : 0;
        if (status < 200 || status > 299) return fail(new ProxyRefusedError(status, m?.[2] ?? statusLine.slice(0, 80), where));
        const rest = answer.subarray(end + 4);
        if (rest.length) raw.unshift(rest);
        settled = true;
        raw.setTimeout(0);
        raw.removeAllListeners("error");
        raw.removeAllListeners("close");
        if (!this.secure) return resolve(raw);
        const { servername, ...tlsOptions } = options;
        const secured = tls.connect({ ...tlsOptions, socket: raw, servername: servername ?? (net.isIP(host) ? undefined : host) });
        resolve(secured);
      };
      raw.on("data", onData);
    });
  }
}

// ---------------------------------------------------------------------------------------------
// Which proxy, if any: the environment as Node-RED's core nodes read it

/** The `no_proxy` rules of core's proxyHelper: host or `.suffix`/`*.suffix`, optional `:port`, `*` for all. */
export function bypassesProxy(targetUrl: string, noProxy: string): boolean {
  const list = noProxy.toLowerCase().trim();
  if (!list) return false;
  if (list === "*") return true;
  let url: URL;
  try {
    url = new URL(targetUrl);
  } catch {
    return false;
  }
  const hostname = url.hostname.toLowerCase();
  const secure = url.protocol === "https:" || url.protocol === "wss:";
  const port = Number(url.port) || (secure ? 443 : 80);
  return list.split(/[,\s]/).some((entry) => {
    if (!entry) return false;
    const m = /^(.+):(\d+)$/.exec(entry);
    let name = m ? m[1] : entry;
    if (m && Number(m[2]) !== port) return false;
    if (!/^[.*]/.test(name)) return hostname === name || hostname === name.replace(/^\[|\]$/g, "");
    if (name.startsWith("*")) name = name.slice(1);
    return hostname.endsWith(name);
  });
}

/**
 * The proxy URL the environment gives for `targetUrl`, or "" for none: `https_proxy` for
 * https/wss, `http_proxy` for http/ws, then `all_proxy`; lower case first, as core does, and
 * `no_proxy` respected.
 */
export function proxyFromEnv(targetUrl: string, env: NodeJS.ProcessEnv = process.env): string {
  const get = (key: string): string => env[key.toLowerCase()] || env[key.toUpperCase()] || "";
  if (bypassesProxy(targetUrl, get("no_proxy"))) return "";
  const secure = /^(https|wss):/i.test(targetUrl);
  const proxy = (secure ? get("https_proxy") : get("http_proxy")) || get("all_proxy");
  if (!proxy) return "";
  return proxy.includes("://") ? proxy : `http://${proxy}`;
}
