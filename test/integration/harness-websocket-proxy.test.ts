/**
 * The harness's separate WebSocket proxy (WebSocketServiceStarter) in front of a standalone, and a
 * standalone started with a lower frame limit through extraConfig. The broker allows 128 KiB text
 * frames, the proxy 256 KiB: a frame between the two passes the proxy (which forwards over the
 * binary protocol) but not the broker's embedded service; 300 KiB passes neither. Jetty refuses an
 * oversized text message with close code 1009 (message too big).
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import net from "node:net";
import WebSocket from "ws";
import { startPulsar, startWebSocketProxy, type PulsarInstance, type WebSocketProxy } from "../../harness/pulsar";

const KiB = 1024;
const BROKER_LIMIT = 128 * KiB;
const PROXY_LIMIT = 256 * KiB;
const IO_TIMEOUT_MS = 30_000;

type Outcome = { ack: { result: string; messageId?: string } } | { closed: number };

/** A producer frame of about `frameBytes` characters: JSON around a base64 payload. */
function frameOf(frameBytes: number): string {
  const frame = JSON.stringify({ payload: randomBytes(Math.floor(((frameBytes - 40) * 3) / 4)).toString("base64"), context: "c1" });
  assert.ok(Math.abs(frame.length - frameBytes) < 64, `frame is ${frame.length} characters`);
  return frame;
}

/** Opens a producer, sends one frame, resolves with the ack or with the close code the server sent. */
function produceOnce(url: string, frame: string): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error(`${url}: no ack and no close within ${IO_TIMEOUT_MS} ms`));
    }, IO_TIMEOUT_MS);
    ws.on("open", () => ws.send(frame));
    ws.on("message", (data) => {
      clearTimeout(timer);
      ws.close();
      resolve({ ack: JSON.parse(data.toString()) as { result: string } });
    });
    ws.on("close", (code) => {
      clearTimeout(timer);
      resolve({ closed: code });
    });
    ws.on("error", () => undefined); // the close event follows and carries the outcome
  });
}

describe("harness: WebSocket proxy in front of a standalone", function () {
  this.timeout(300_000);
  let pulsar: PulsarInstance;
  let proxy: WebSocketProxy;
  const topicPath = (): string => `/ws/v2/producer/persistent/public/default/proxy-${Date.now()}-${randomBytes(3).toString("hex")}`;

  before(async () => {
    pulsar = await startPulsar({ extraConfig: { webSocketMaxTextFrameSize: String(BROKER_LIMIT) } });
    proxy = await startWebSocketProxy(pulsar, { maxTextFrameSize: PROXY_LIMIT });
    console.log(`      Pulsar ready in ${pulsar.readyInMs} ms; proxy at ${proxy.wsUrl} ready in ${proxy.readyInMs} ms (log ${proxy.logFile})`);
  });

  after(async () => {
    await proxy?.stop();
    await pulsar?.stop();
  });

  it("serves on its own loopback port", () => {
    assert.match(proxy.wsUrl, /^ws:\/\/127\.0\.0\.1:\d+$/);
    assert.notEqual(proxy.wsUrl, pulsar.wsUrl);
  });

  it("acks a small message produced through the proxy", async () => {
    const outcome = await produceOnce(proxy.wsUrl + topicPath(), JSON.stringify({ payload: Buffer.from("hello").toString("base64") }));
    assert.ok("ack" in outcome, JSON.stringify(outcome));
    assert.equal(outcome.ack.result, "ok");
    assert.ok(outcome.ack.messageId);
  });

  it("acks a 200 KiB frame through the proxy (its limit is 256 KiB)", async () => {
    const outcome = await produceOnce(proxy.wsUrl + topicPath(), frameOf(200 * KiB));
    assert.ok("ack" in outcome, JSON.stringify(outcome));
    assert.equal(outcome.ack.result, "ok");
  });

  it("closes with 1009 on a 300 KiB frame through the proxy", async () => {
    assert.deepEqual(await produceOnce(proxy.wsUrl + topicPath(), frameOf(300 * KiB)), { closed: 1009 });
  });

  it("closes with 1009 on a 200 KiB frame sent to the broker itself (extraConfig set its limit to 128 KiB)", async () => {
    assert.deepEqual(await produceOnce(pulsar.wsUrl + topicPath(), frameOf(200 * KiB)), { closed: 1009 });
  });

  it("stop() ends the proxy: its port refuses connections", async () => {
    const { port } = new URL(proxy.wsUrl);
    await proxy.stop();
    const refused = await new Promise<string>((resolve) => {
      const socket = net.connect(Number(port), "127.0.0.1");
      socket.once("connect", () => {
        socket.destroy();
        resolve("connected");
      });
      socket.once("error", (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
    });
    assert.equal(refused, "ECONNREFUSED");
  });
});
