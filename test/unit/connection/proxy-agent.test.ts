/**
 * The CONNECT agent with `ws` and with an admin GET, against the fake Pulsar through the test
 * proxy: the tunnel is used, Basic proxy credentials are sent, and a 407 fails with EPROXY and
 * the proxy's status (what the node status shows).
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import http from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";
import WebSocket, { WebSocketServer } from "ws";
import { ConnectProxyAgent, ProxyRefusedError } from "../../../nodes/lib/connection/proxy-agent";
import { FakePulsar } from "../../fake/fake-pulsar";
import { makeCerts, removeCerts } from "../../faults/support/certs";
import { ConnectProxy } from "../../support/connect-proxy";

describe("connection/proxy-agent", () => {
  let fake: FakePulsar;
  let proxy: ConnectProxy;

  beforeEach(async () => {
    fake = await FakePulsar.start();
    proxy = await ConnectProxy.start();
  });
  afterEach(async () => {
    await proxy.stop();
    await fake.stop();
  });

  function open(agent: http.Agent): Promise<WebSocket | Error> {
    return new Promise((resolve) => {
      const ws = new WebSocket(`${fake.wsUrl}/ws/v2/producer/persistent/public/default/t`, { agent });
      ws.once("open", () => resolve(ws));
      ws.once("error", (err) => resolve(err));
    });
  }

  it("a WebSocket session and an HTTP GET go through the tunnel", async () => {
    const ws = await open(new ConnectProxyAgent({ url: proxy.url }, false));
    assert.ok(ws instanceof WebSocket);
    ws.close();
    assert.equal(proxy.opened(`127.0.0.1:${fake.port}`).length, 1);
    const status = await new Promise<number>((resolve, reject) => {
      http.get(`${fake.httpUrl}/admin/v2/tenants`, { agent: new ConnectProxyAgent({ url: proxy.url }, false) }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      }).on("error", reject);
    });
    assert.equal(status, 404);
    assert.equal(proxy.opened().length, 2);
  });

  it("sends Basic proxy credentials; without them the proxy's 407 is an EPROXY error with the status", async () => {
    proxy.credentials = "user:pass";
    const refused = await open(new ConnectProxyAgent({ url: proxy.url }, false));
    assert.ok(refused instanceof ProxyRefusedError, String(refused));
    assert.equal(refused.code, "EPROXY");
    assert.equal(refused.status, 407);
    assert.ok(!refused.message.includes("pass"));
    const ws = await open(new ConnectProxyAgent({ url: proxy.url, username: "user", password: "pass" }, false));
    assert.ok(ws instanceof WebSocket);
    ws.close();
    // As in https_proxy=http://user:pass@host:port
    const fromUrl = await open(new ConnectProxyAgent({ url: proxy.url.replace("http://", "http://user:pass@") }, false));
    assert.ok(fromUrl instanceof WebSocket, String(fromUrl));
    fromUrl.close();
  });

  it("wss:// inside the tunnel: TLS to the server, verified with the CA the socket was given", async function () {
    this.timeout(20_000);
    const certs = makeCerts("allowed-role");
    const server = https.createServer({ cert: fs.readFileSync(certs.serverCert), key: fs.readFileSync(certs.serverKey) });
    const wss = new WebSocketServer({ server });
    wss.on("connection", (socket) => socket.send("hello over tls"));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as AddressInfo).port;
    const connect = (ca?: Buffer): Promise<string | Error> =>
      new Promise((resolve) => {
        const ws = new WebSocket(`wss://localhost:${port}/x`, { agent: new ConnectProxyAgent({ url: proxy.url }, true), ...(ca ? { ca } : {}) });
        ws.once("message", (data) => {
          ws.close();
          resolve(String(data));
        });
        ws.once("error", (err) => resolve(err));
      });
    try {
      assert.equal(await connect(fs.readFileSync(certs.caCert)), "hello over tls");
      assert.equal(proxy.opened(`localhost:${port}`).length, 1, "through the proxy, by name");
      const untrusted = await connect();
      assert.ok(untrusted instanceof Error && /self.signed|unable to (get|verify)/i.test(untrusted.message), String(untrusted));
    } finally {
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      removeCerts(certs);
    }
  });
});
