// Checks the fake Pulsar WebSocket server itself, through a raw `ws` client, against the behaviours of the
// real server it claims to reproduce (docs/pulsar-websocket.md).

import assert from "node:assert/strict";
import WebSocket from "ws";
import { FakePulsar, FakePulsarOptions, messageIdToBase64 } from "../../fake/fake-pulsar";
import { sleep } from "../../support/wait";

type Frame = Record<string, unknown>;

const PRODUCER = "/ws/v2/producer/persistent/public/default";
const CONSUMER = "/ws/v2/consumer/persistent/public/default";
const READER = "/ws/v2/reader/persistent/public/default";

/** A raw client that records every frame and how the socket closed. */
class TestClient {
  readonly frames: Frame[] = [];
  readonly texts: string[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private notify: () => void = () => undefined;

  constructor(readonly ws: WebSocket) {
    ws.on("message", (data) => {
      const text = String(data);
      this.texts.push(text);
      this.frames.push(JSON.parse(text) as Frame);
      this.notify();
    });
    this.closed = new Promise((resolve) => {
      ws.on("close", (code, reason) => resolve({ code, reason: reason.toString() }));
    });
  }

  send(frame: Frame | string | Buffer): void {
    this.ws.send(typeof frame === "string" || Buffer.isBuffer(frame) ? frame : JSON.stringify(frame));
  }

  /** Resolves once `count` frames in total have arrived. */
  async waitForFrames(count: number, timeoutMs = 1000): Promise<Frame[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.frames.length < count) {
      const remaining = deadline - Date.now();
      assert.ok(remaining > 0, `expected ${count} frames, got ${this.frames.length}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, remaining);
        this.notify = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    return this.frames.slice(0, count);
  }

  /** Sends a frame and returns the next one the server answers with. */
  async request(frame: Frame | string): Promise<Frame> {
    const expected = this.frames.length + 1;
    this.send(frame);
    return (await this.waitForFrames(expected))[expected - 1];
  }

  close(): void {
    this.ws.close();
  }
}

type Handshake = { status: 101; client: TestClient } | { status: number; body: string };

function handshake(fake: FakePulsar, path: string, headers: Record<string, string> = {}): Promise<Handshake> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(fake.wsUrl + path, { headers, perMessageDeflate: false });
    const client = new TestClient(ws);
    ws.once("open", () => resolve({ status: 101, client }));
    ws.once("unexpected-response", (_request, response) => {
      let body = "";
      response.on("data", (chunk: Buffer) => { body += chunk.toString(); });
      response.on("end", () => resolve({ status: response.statusCode ?? 0, body }));
    });
    ws.once("error", reject);
  });
}

async function connect(fake: FakePulsar, path: string, headers: Record<string, string> = {}): Promise<TestClient> {
  const result = await handshake(fake, path, headers);
  assert.ok("client" in result, `expected 101 for ${path}, got ${result.status} ${"body" in result ? result.body : ""}`);
  return result.client;
}

async function refusal(fake: FakePulsar, path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  const result = await handshake(fake, path, headers);
  assert.ok("body" in result, `expected ${path} to be refused`);
  return result;
}

const b64 = (text: string): string => Buffer.from(text).toString("base64");
const decoded = (frame: Frame): string => Buffer.from(frame.payload as string, "base64").toString();

describe("FakePulsar", () => {
  let fake: FakePulsar;

  async function restart(options: FakePulsarOptions): Promise<void> {
    await fake.stop();
    fake = await FakePulsar.start(options);
  }

  beforeEach(async () => {
    fake = await FakePulsar.start();
  });

  afterEach(async () => {
    await fake.stop();
  });

  describe("handshake", () => {
    it("answers 404 for unknown paths and for v1 paths by default (4.2.x)", async () => {
      assert.equal((await refusal(fake, "/ws/v2/producerX/persistent/t/ns/x")).status, 404);
      assert.equal((await refusal(fake, "/ws/producer/persistent/t/cluster/ns/x")).status, 404);
    });

    it("accepts v1 paths with the v1 option (4.0.x)", async () => {
      await restart({ v1: true });
      const client = await connect(fake, "/ws/producer/persistent/sample/standalone/ns1/x");
      assert.equal((await client.request({ payload: b64("v1") })).result, "ok");
      assert.equal(fake.messages("persistent://sample/standalone/ns1/x").length, 1);
    });

    it("decodes topic names like Java's URLDecoder and ignores extra segments", async () => {
      await connect(fake, `${PRODUCER}/a+b%2Bc/ignored/`);
      assert.deepEqual(fake.topicNames(), ["persistent://public/default/a b+c"]);
    });

    it("answers 500 for an invalid tenant like the uncaught exception", async () => {
      assert.equal((await refusal(fake, "/ws/v2/producer/persistent/te%nant/ns/x")).status, 500);
    });

    it("checks the consumer path and subscription with the server's 400 messages", async () => {
      assert.deepEqual(await refusal(fake, `${CONSUMER}/topic`),
        { status: 400, body: "Invalid query params: Invalid topic name format" });
      assert.deepEqual(await refusal(fake, `${CONSUMER}/topic/`),
        { status: 400, body: "Invalid query params: Empty subscription name" });
    });

    it("validates query parameters like the server", async () => {
      const cases: Array<[string, number, string]> = [
        [`${CONSUMER}/t/s?subscriptionType=Foo`, 400, "Invalid query params: Invalid subscriptionType Foo"],
        [`${CONSUMER}/t/s?subscriptionInitialPosition=First`, 400, "Invalid query params: Invalid subscriptionInitialPosition First"],
        [`${CONSUMER}/t/s?ackTimeoutMillis=500`, 400, "Invalid query params: Ack timeout should be greater than 1000 ms"],
        [`${CONSUMER}/t/s?deadLetterTopic=dlq`, 400, "Invalid query params: MaxRedeliverCount must be > 0."],
        [`${CONSUMER}/t/s?receiverQueueSize=ten`, 400, 'Invalid query params: For input string: "ten"'],
        [`${PRODUCER}/t?compressionType=GZIP`, 400,
          "Invalid query params: No enum constant org.apache.pulsar.client.api.CompressionType.GZIP"],
        [`${READER}/t?messageId=not*base64`, 500, "Failed to create reader: Illegal base64 character 2a"],
      ];
      for (const [path, status, body] of cases) {
        assert.deepEqual(await refusal(fake, path), { status, body }, path);
      }
      assert.equal((await refusal(fake, `${READER}/t?receiverQueueSize=ten`)).status, 500);
    });

    it("answers 404 without topic auto-creation until the topic is created", async () => {
      await restart({ topicAutoCreation: false });
      assert.equal((await refusal(fake, `${PRODUCER}/missing`)).status, 404);
      assert.equal((await refusal(fake, `${CONSUMER}/missing/sub`)).status, 404);
      fake.createTopic("missing");
      await connect(fake, `${PRODUCER}/missing`);
    });

    it("answers 409 for a duplicate producerName and 503 for a terminated topic", async () => {
      await connect(fake, `${PRODUCER}/t?producerName=p1`);
      assert.deepEqual(await refusal(fake, `${PRODUCER}/t?producerName=p1`), {
        status: 409,
        body: "Failed to create producer/consumer: Producer with name 'p1' is already connected to topic",
      });
      fake.terminate("t");
      assert.equal((await refusal(fake, `${PRODUCER}/t`)).status, 503);
    });

    it("refuses on demand and logs every attempt per path", async () => {
      fake.refuseNext(503, "try later", 2, { role: "producer" });
      const path = `${PRODUCER}/retry`;
      assert.deepEqual(await refusal(fake, path), { status: 503, body: "try later" });
      assert.equal((await refusal(fake, path)).status, 503);
      await connect(fake, path);
      assert.deepEqual(fake.handshakes({ path }).map((record) => record.status), [503, 503, 101]);

      fake.handshakeHook = (info) => (info.role === "consumer" ? { status: 429 } : undefined);
      assert.equal((await refusal(fake, `${CONSUMER}/retry/s`)).status, 429);
    });

    it("records role, topic, subscription, query and headers", async () => {
      await connect(fake, `${CONSUMER}/t/my%20sub?subscriptionType=Shared`, { Authorization: "Bearer abc" });
      const [record] = fake.handshakes({ role: "consumer" });
      assert.equal(record.topic, "persistent://public/default/t");
      assert.equal(record.subscription, "my sub");
      assert.equal(record.query.subscriptionType, "Shared");
      assert.equal(record.headers.authorization, "Bearer abc");
      assert.equal(record.headers["sec-websocket-extensions"], undefined);
    });
  });

  describe("authentication", () => {
    beforeEach(async () => {
      await restart({ auth: { token: "secret", forbidden: ["intruder"] } });
    });

    it("answers 401 without or with a wrong token and 403 for a forbidden one", async () => {
      assert.deepEqual(await refusal(fake, `${PRODUCER}/t`), { status: 401, body: "Failed to authenticate" });
      assert.equal((await refusal(fake, `${PRODUCER}/t`, { Authorization: "Bearer nope" })).status, 401);
      assert.deepEqual(await refusal(fake, `${PRODUCER}/t?token=intruder`), { status: 403, body: "Not authorized" });
    });

    it("accepts the token in the header or the query, with or without the Bearer prefix", async () => {
      await connect(fake, `${PRODUCER}/t`, { Authorization: "Bearer secret" });
      await connect(fake, `${CONSUMER}/t/s?token=secret`);
      await connect(fake, `${READER}/t?token=Bearer%20secret`);
    });
  });

  describe("producer", () => {
    it("acks with the server's exact shape and a MessageIdData id", async () => {
      const client = await connect(fake, `${PRODUCER}/t`);
      client.send({ payload: b64("hello"), context: 42, properties: { a: "1", n: 2 }, key: "k",
        eventTime: "2026-01-01T00:00:00+02:00" });
      const [ack] = await client.waitForFrames(1);
      const [stored] = fake.messages("t");
      assert.equal(client.texts[0],
        `{"result":"ok","messageId":"${stored.messageId}","context":"42","errorCode":0,"schemaVersion":0}`);
      assert.deepEqual([...Buffer.from(ack.messageId as string, "base64")],
        [0x08, stored.ledgerId, 0x10, 0x00, 0x30, 0x00]);
      assert.equal(messageIdToBase64({ ledgerId: 7, entryId: 3 }), "CAcQAzAA");
      assert.equal(stored.payload.toString(), "hello");
      assert.deepEqual(stored.properties, { a: "1", n: "2" });
      assert.equal(stored.key, "k");
      assert.equal(stored.eventTime, "2026-01-01T00:00:00+02:00");
      assert.equal(stored.eventTimeMs, Date.UTC(2025, 11, 31, 22));
    });

    it("omits context when none was sent", async () => {
      const client = await connect(fake, `${PRODUCER}/t`);
      assert.equal("context" in await client.request({ payload: "" }), false);
    });

    it("answers send-error:3 without context for bad JSON or nested properties", async () => {
      const client = await connect(fake, `${PRODUCER}/t`);
      const badJson = await client.request("{not json");
      assert.equal(badJson.result, "send-error:3");
      assert.deepEqual(Object.keys(badJson), ["result", "errorMsg", "errorCode", "schemaVersion"]);
      const nested = await client.request({ payload: b64("x"), context: "c", properties: { a: { b: 1 } } });
      assert.equal(nested.result, "send-error:3");
      assert.equal(nested.context, undefined);
      assert.equal(fake.messages("t").length, 0);
    });

    it("answers send-error:7 with context for bad payload or eventTime", async () => {
      const client = await connect(fake, `${PRODUCER}/t`);
      const badBase64 = await client.request({ payload: "a-b_", context: "1" });
      assert.deepEqual([badBase64.result, badBase64.context], ["send-error:7", "1"]);
      assert.match(badBase64.errorMsg as string, /^Invalid Base64 message-payload error=Illegal base64 character/);
      assert.equal((await client.request({ context: "2" })).result, "send-error:7");
      const noOffset = await client.request({ payload: b64("x"), context: "3", eventTime: "2026-01-01T00:00:00" });
      assert.deepEqual([noOffset.result, noOffset.context], ["send-error:7", "3"]);
    });

    it("ignores binary frames and closes with 1009 above maxTextFrameSize", async () => {
      await restart({ maxTextFrameSize: 1024 });
      const client = await connect(fake, `${PRODUCER}/t`);
      client.send(Buffer.from(JSON.stringify({ payload: b64("binary") })));
      assert.equal((await client.request({ payload: b64("text") })).result, "ok");
      assert.equal(fake.messages("t").length, 1);
      client.send({ payload: "A".repeat(2000) });
      assert.equal((await client.closed).code, 1009);
    });

    it("holds, releases and fails acks on demand", async () => {
      const client = await connect(fake, `${PRODUCER}/t`);
      fake.holdAcks();
      client.send({ payload: b64("1"), context: "1" });
      await sleep(50);
      assert.equal(client.frames.length, 0);
      assert.equal(fake.messages("t").length, 1);
      fake.releaseAcks();
      assert.equal((await client.waitForFrames(1))[0].context, "1");

      fake.failNextSends(1);
      const failed = await client.request({ payload: b64("2"), context: "2" });
      assert.deepEqual([failed.result, failed.context], ["send-error:8", "2"]);
      assert.equal((await client.request({ payload: b64("3") })).result, "ok");
    });
  });

  describe("consumer", () => {
    it("stops at the push window without acks and resumes on ack", async () => {
      const client = await connect(fake, `${CONSUMER}/t/s?receiverQueueSize=3`);
      for (let index = 0; index < 5; index++) {
        fake.publish("t", { payload: `m${index}`, key: `k${index}` });
      }
      const frames = await client.waitForFrames(3);
      await sleep(50);
      assert.equal(client.frames.length, 3);
      assert.deepEqual(Object.keys(frames[0]), ["messageId", "payload", "properties", "publishTime", "redeliveryCount", "key"]);
      assert.match(frames[0].publishTime as string, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,3})?Z$/);
      client.send({ messageId: "CAcQAzAA" }); // unknown id: still frees a slot
      assert.equal(decoded((await client.waitForFrames(4))[3]), "m3");
      assert.deepEqual(fake.subscriptionState("t", "s"), { type: "Exclusive", backlog: 5, unacked: 4, consumers: 1 });
    });

    it("gives exactly N messages per permit in pull mode, and acks grant nothing", async () => {
      const client = await connect(fake, `${CONSUMER}/t/s?pullMode=true&subscriptionInitialPosition=Earliest`);
      for (let index = 0; index < 5; index++) {
        fake.publish("t", { payload: `m${index}` });
      }
      await sleep(30);
      assert.equal(client.frames.length, 0);
      client.send({ type: "permit", permitMessages: 2 });
      const [first] = await client.waitForFrames(2);
      client.send({ messageId: first.messageId });
      await sleep(50);
      assert.equal(client.frames.length, 2);
    });

    it("redelivers a nacked message with redeliveryCount + 1, then dead-letters it", async () => {
      const client = await connect(fake,
        `${CONSUMER}/t/s?subscriptionType=Shared&negativeAckRedeliveryDelay=20&maxRedeliverCount=1`);
      fake.publish("t", { payload: "poison", key: "k" });
      const [first] = await client.waitForFrames(1);
      assert.equal(first.redeliveryCount, 0);
      client.send({ type: "negativeAcknowledge", messageId: first.messageId });
      const second = (await client.waitForFrames(2))[1];
      assert.deepEqual([second.messageId, second.redeliveryCount], [first.messageId, 1]);
      client.send({ type: "negativeAcknowledge", messageId: second.messageId });
      await sleep(80);
      assert.equal(client.frames.length, 2);
      const [dead] = fake.messages("persistent://public/default/t-s-DLQ");
      assert.equal(dead.payload.toString(), "poison");
      assert.equal(dead.properties.REAL_TOPIC, "persistent://public/default/t");
      assert.equal(fake.subscriptionState("t", "s")?.backlog, 0);
    });

    it("refuses a second Exclusive consumer with 409", async () => {
      await connect(fake, `${CONSUMER}/t/s`);
      assert.deepEqual(await refusal(fake, `${CONSUMER}/t/s`), {
        status: 409, body: "Failed to create producer/consumer: Exclusive consumer is already connected",
      });
    });

    it("splits a Shared subscription round-robin", async () => {
      const first = await connect(fake, `${CONSUMER}/t/s?subscriptionType=Shared`);
      const second = await connect(fake, `${CONSUMER}/t/s?subscriptionType=Shared`);
      for (let index = 0; index < 4; index++) {
        fake.publish("t", { payload: `m${index}` });
      }
      assert.deepEqual((await first.waitForFrames(2)).map(decoded), ["m0", "m2"]);
      assert.deepEqual((await second.waitForFrames(2)).map(decoded), ["m1", "m3"]);
    });

    it("gives a closed consumer's unacked messages to the next one", async () => {
      const first = await connect(fake, `${CONSUMER}/t/s?subscriptionType=Failover`);
      const second = await connect(fake, `${CONSUMER}/t/s?subscriptionType=Failover`);
      fake.publish("t", { payload: "m0" });
      await first.waitForFrames(1);
      first.close();
      const [redelivered] = await second.waitForFrames(1);
      assert.deepEqual([decoded(redelivered), redelivered.redeliveryCount], ["m0", 1]);
    });

    it("answers isEndOfTopic and closes with 1011 on a malformed command", async () => {
      const client = await connect(fake, `${CONSUMER}/t/s`);
      assert.equal(await client.request({ type: "isEndOfTopic" }).then(() => client.texts[0]), '{"endOfTopic":false}');
      fake.terminate("t");
      assert.deepEqual(await client.request({ type: "isEndOfTopic" }), { endOfTopic: true });
      client.send({ messageId: "not base64!" });
      assert.equal((await client.closed).code, 1011);
    });
  });

  describe("reader", () => {
    it("starts at earliest, latest or after a given message id", async () => {
      const ids = ["m0", "m1", "m2"].map((payload) => fake.publish("t", { payload }).messageId);
      const earliest = await connect(fake, `${READER}/t?messageId=earliest`);
      assert.deepEqual((await earliest.waitForFrames(3)).map(decoded), ["m0", "m1", "m2"]);
      const afterFirst = await connect(fake, `${READER}/t?messageId=${encodeURIComponent(ids[0])}`);
      assert.deepEqual((await afterFirst.waitForFrames(2)).map(decoded), ["m1", "m2"]);
      const latest = await connect(fake, `${READER}/t`);
      fake.publish("t", { payload: "m3" });
      assert.deepEqual((await latest.waitForFrames(1)).map(decoded), ["m3"]);
    });

    it("frees one window slot per text frame", async () => {
      const reader = await connect(fake, `${READER}/t?messageId=earliest&receiverQueueSize=1`);
      fake.publish("t", { payload: "m0" });
      fake.publish("t", { payload: "m1" });
      await reader.waitForFrames(1);
      await sleep(30);
      assert.equal(reader.frames.length, 1);
      reader.send("anything");
      assert.equal(decoded((await reader.waitForFrames(2))[1]), "m1");
    });
  });

  describe("faults", () => {
    it("drops connections with a close code or abruptly", async () => {
      const producer = await connect(fake, `${PRODUCER}/t`);
      const consumer = await connect(fake, `${CONSUMER}/t/s`);
      assert.equal(fake.dropConnections({ role: "producer", code: 1011, reason: "restart" }), 1);
      assert.deepEqual(await producer.closed, { code: 1011, reason: "restart" });
      fake.dropConnections({ terminate: true });
      assert.equal((await consumer.closed).code, 1006);
    });

    it("freezes a socket so pings go unanswered, and counts client pings", async () => {
      const client = await connect(fake, `${PRODUCER}/t`);
      const pong = (): Promise<boolean> => new Promise((resolve) => {
        const timer = setTimeout(() => resolve(false), 100);
        client.ws.once("pong", () => {
          clearTimeout(timer);
          resolve(true);
        });
        client.ws.ping();
      });
      assert.equal(await pong(), true);
      fake.freeze({ role: "producer" });
      assert.equal(await pong(), false);
      fake.unfreeze();
      await sleep(20);
      assert.equal(fake.openConnections({ role: "producer" })[0].pingsReceived, 2);
    });

    it("pushes raw frames to matching clients", async () => {
      const client = await connect(fake, `${CONSUMER}/t/s`);
      assert.equal(fake.sendRaw({ topic: "t" }, '{"type":"AUTH_CHALLENGE"}'), 1);
      assert.deepEqual((await client.waitForFrames(1))[0], { type: "AUTH_CHALLENGE" });
    });
  });
});
