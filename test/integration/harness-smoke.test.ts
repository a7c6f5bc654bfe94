/**
 * Smoke test of the real-Pulsar harness: each Pulsar line starts, a raw `ws` client round-trips
 * messages through the WebSocket API, the URL shapes differ as documented (v1 only on 4.0), and the
 * auth variant answers 101 / 401 / 403. Each suite stops its own instance, so one JVM runs at a time.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import WebSocket from "ws";
import {
  externalPulsar,
  PulsarInstance,
  PulsarLine,
  signHs256Token,
  startPulsar,
  wsHandshakeStatus,
} from "../../harness/pulsar";

const START_TIMEOUT_MS = 240_000;
const IO_TIMEOUT_MS = 20_000;

interface ProducerAck {
  result: string;
  messageId?: string;
  context?: string;
}

interface ConsumerMessage {
  messageId: string;
  payload: string;
}

function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now()}-${randomBytes(3).toString("hex")}`;
}

function b64(text: string): string {
  return Buffer.from(text, "utf8").toString("base64");
}

/**
 * Opens `url`, lets `onOpen` send, feeds every text frame to `onFrame` until it returns true,
 * then closes and resolves with the collected frames.
 */
function exchange<T>(url: string, onOpen: (ws: WebSocket) => void, onFrame: (frame: T, ws: WebSocket, all: T[]) => boolean): Promise<T[]> {
  return new Promise((resolve, reject) => {
    const frames: T[] = [];
    const ws = new WebSocket(url);
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error(`${url}: timed out after ${IO_TIMEOUT_MS} ms with ${JSON.stringify(frames)}`));
    }, IO_TIMEOUT_MS);
    ws.on("open", () => onOpen(ws));
    ws.on("message", (data) => {
      const frame = JSON.parse(data.toString()) as T;
      frames.push(frame);
      if (onFrame(frame, ws, frames)) {
        clearTimeout(timer);
        ws.close();
        resolve(frames);
      }
    });
    ws.on("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

/** Sends each payload with context "ctx-<i>" and resolves with the acks, ordered by context. */
async function produce(url: string, payloads: string[]): Promise<ProducerAck[]> {
  const acks = await exchange<ProducerAck>(
    url,
    (ws) => payloads.forEach((payload, i) => ws.send(JSON.stringify({ payload: b64(payload), context: `ctx-${i}` }))),
    (_ack, _ws, all) => all.length === payloads.length,
  );
  return acks.sort((a, b) => String(a.context).localeCompare(String(b.context)));
}

/** Receives `count` messages, acking each one, and resolves with their decoded payloads. */
async function consume(url: string, count: number): Promise<string[]> {
  const messages = await exchange<ConsumerMessage>(
    url,
    () => undefined,
    (message, ws, all) => {
      ws.send(JSON.stringify({ messageId: message.messageId }));
      return all.length === count;
    },
  );
  return messages.map((message) => Buffer.from(message.payload, "base64").toString("utf8"));
}

/** Produces three messages on a fresh topic and consumes them from the earliest position. */
async function roundTrip(producerUrl: string, consumerUrl: string): Promise<void> {
  const payloads = ["first", "second", "third"].map((word) => `${word} ${uniqueName("payload")}`);
  const acks = await produce(producerUrl, payloads);
  assert.deepEqual(acks.map((ack) => [ack.result, ack.context]), [["ok", "ctx-0"], ["ok", "ctx-1"], ["ok", "ctx-2"]]);
  for (const ack of acks) assert.match(String(ack.messageId), /^[A-Za-z0-9+/]+=*$/);
  assert.deepEqual(await consume(consumerUrl, payloads.length), payloads);
}

function v2Urls(pulsar: PulsarInstance, topic: string): { producer: string; consumer: string } {
  const base = `${pulsar.wsUrl}/ws/v2`;
  const path = `persistent/public/default/${topic}`;
  return {
    producer: `${base}/producer/${path}`,
    consumer: `${base}/consumer/${path}/${uniqueName("sub")}?subscriptionInitialPosition=Earliest`,
  };
}

for (const line of ["4.2", "4.0"] as PulsarLine[]) {
  describe(`harness: Pulsar ${line} standalone`, function () {
    this.timeout(START_TIMEOUT_MS);
    let pulsar: PulsarInstance;

    before(async function () {
      pulsar = await startPulsar({ line });
      console.log(`      Pulsar ${pulsar.version} ready in ${pulsar.readyInMs} ms at ${pulsar.wsUrl} (log ${pulsar.logFile})`);
    });

    after(async () => {
      await pulsar?.stop();
    });

    it("round-trips 3 messages on a v2 topic (acks ok with context, consumer from Earliest)", async () => {
      const urls = v2Urls(pulsar, uniqueName("smoke"));
      await roundTrip(urls.producer, urls.consumer);
    });

    if (line === "4.0") {
      it("serves the v1 URL of Pulsar's WebSocket docs on sample/standalone/ns1", async () => {
        const base = `${pulsar.wsUrl}/ws`;
        const topic = "persistent/sample/standalone/ns1/my-topic";
        await roundTrip(`${base}/producer/${topic}`,
          `${base}/consumer/${topic}/${uniqueName("sub")}?subscriptionInitialPosition=Earliest`);
      });
    } else {
      it("answers 404 to a v1 URL upgrade", async () => {
        const status = await wsHandshakeStatus(`${pulsar.wsUrl}/ws/producer/persistent/sample/standalone/ns1/my-topic`);
        assert.equal(status, 404);
      });

      it("keeps ports and data across kill() and restart()", async () => {
        const urls = v2Urls(pulsar, uniqueName("restart"));
        const acks = await produce(urls.producer, ["before the crash"]);
        assert.equal(acks[0].result, "ok");
        const wsUrl = pulsar.wsUrl;
        await pulsar.kill();
        await pulsar.restart();
        console.log(`      restarted in ${pulsar.readyInMs} ms`);
        assert.equal(pulsar.wsUrl, wsUrl);
        assert.deepEqual(await consume(urls.consumer, 1), ["before the crash"]);
      });

      it("exposes it as an external Pulsar through PULSAR_WS_URL", async () => {
        const saved = process.env.PULSAR_WS_URL;
        process.env.PULSAR_WS_URL = pulsar.wsUrl;
        try {
          const external = externalPulsar();
          assert.ok(external);
          assert.equal(external.httpUrl, pulsar.httpUrl);
          const namespaces = await external.admin("GET", "/admin/v2/namespaces/public");
          assert.ok(namespaces.json<string[]>().includes("public/default"));
          await assert.rejects(external.stop(), /not managed by the harness/);
        } finally {
          if (saved === undefined) delete process.env.PULSAR_WS_URL;
          else process.env.PULSAR_WS_URL = saved;
        }
      });
    }
  });
}

describe("harness: Pulsar 4.2 standalone with token auth", function () {
  this.timeout(START_TIMEOUT_MS);
  let pulsar: PulsarInstance;
  let producerUrl: string;

  before(async function () {
    pulsar = await startPulsar({ line: "4.2", auth: true });
    console.log(`      Pulsar ${pulsar.version} (auth) ready in ${pulsar.readyInMs} ms (log ${pulsar.logFile})`);
    producerUrl = v2Urls(pulsar, uniqueName("auth")).producer;
  });

  after(async () => {
    await pulsar?.stop();
  });

  const bearer = (token: string): Record<string, string> => ({ Authorization: `Bearer ${token}` });

  it("lets allowed-role produce and consume (101)", async () => {
    const tokens = pulsar.tokens!;
    assert.equal(await wsHandshakeStatus(producerUrl, bearer(tokens.allowed)), 101);
    const consumerUrl = v2Urls(pulsar, uniqueName("auth")).consumer;
    assert.equal(await wsHandshakeStatus(consumerUrl, bearer(tokens.allowed)), 101);
  });

  it("rejects a token signed with another key (401)", async () => {
    const wrongKey = randomBytes(32).toString("base64");
    assert.equal(await wsHandshakeStatus(producerUrl, bearer(signHs256Token("allowed-role", wrongKey))), 401);
  });

  it("rejects forbidden-role (403)", async () => {
    assert.equal(await wsHandshakeStatus(producerUrl, bearer(pulsar.tokens!.forbidden)), 403);
  });

  it("sends the admin token on admin() calls", async () => {
    const permissions = await pulsar.admin("GET", "/admin/v2/namespaces/public/default/permissions");
    assert.equal(permissions.status, 200);
    assert.deepEqual(permissions.json<Record<string, string[]>>()["allowed-role"]?.sort(), ["consume", "produce"]);
  });
});
