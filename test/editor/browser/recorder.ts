/**
 * Everything the editor page sends and receives: HTTP requests (method, URL, headers, body),
 * responses (status, headers, body) and WebSocket handshakes and frames (from the DevTools
 * protocol's Network domain), so a test can prove a secret never crossed the browser's network.
 */
import type { BrowserContext, Page } from "playwright-core";

export type Direction = "request" | "response" | "ws-handshake" | "ws-sent" | "ws-received";

export interface Exchange {
  direction: Direction;
  url: string;
  text: string;
}

interface WsFrameEvent {
  requestId: string;
  response: { payloadData: string };
}

interface WsHandshakeEvent {
  requestId: string;
  request?: { headers: Record<string, string> };
  response?: { status: number; headers: Record<string, string> };
}

export class TrafficRecorder {
  readonly exchanges: Exchange[] = [];
  private readonly pending = new Set<Promise<void>>();
  private readonly wsUrls = new Map<string, string>();

  static async attach(context: BrowserContext, page: Page): Promise<TrafficRecorder> {
    const recorder = new TrafficRecorder();
    page.on("request", (req) => {
      recorder.push("request", req.url(), [req.method(), req.url(), JSON.stringify(req.headers()), req.postData() ?? ""].join("\n"));
    });
    page.on("response", (res) => {
      const head = [String(res.status()), res.url(), JSON.stringify(res.headers())].join("\n");
      // Bodies are read as they come; settle() waits for the last ones.
      const reading = res.body().then(
        (body) => recorder.push("response", res.url(), `${head}\n${body.toString("utf8")}`),
        () => recorder.push("response", res.url(), head),
      );
      recorder.pending.add(reading);
      void reading.finally(() => recorder.pending.delete(reading));
    });
    const cdp = await context.newCDPSession(page);
    await cdp.send("Network.enable");
    cdp.on("Network.webSocketCreated", (e: { requestId: string; url: string }) => recorder.wsUrls.set(e.requestId, e.url));
    const handshake = (e: WsHandshakeEvent): void =>
      recorder.push("ws-handshake", recorder.wsUrl(e.requestId), JSON.stringify(e.request?.headers ?? e.response?.headers ?? {}));
    cdp.on("Network.webSocketWillSendHandshakeRequest", handshake);
    cdp.on("Network.webSocketHandshakeResponseReceived", handshake);
    cdp.on("Network.webSocketFrameSent", (e: WsFrameEvent) => recorder.push("ws-sent", recorder.wsUrl(e.requestId), e.response.payloadData));
    cdp.on("Network.webSocketFrameReceived", (e: WsFrameEvent) => recorder.push("ws-received", recorder.wsUrl(e.requestId), e.response.payloadData));
    return recorder;
  }

  /** Waits until every response body seen so far has been read. */
  async settle(): Promise<void> {
    while (this.pending.size) await Promise.allSettled([...this.pending]);
  }

  count(direction: Direction, urlPart = ""): number {
    return this.exchanges.filter((e) => e.direction === direction && e.url.includes(urlPart)).length;
  }

  /** Exchanges carrying `secret` as is, or base64-encoded. */
  containing(secret: string): Exchange[] {
    const forms = [secret, Buffer.from(secret).toString("base64")];
    return this.exchanges.filter((e) => forms.some((form) => e.text.includes(form) || e.url.includes(form)));
  }

  private wsUrl(requestId: string): string {
    return this.wsUrls.get(requestId) ?? `ws:${requestId}`;
  }

  private push(direction: Direction, url: string, text: string): void {
    this.exchanges.push({ direction, url, text });
  }
}
