/**
 * ManagedSocket on its own (no Node-RED) against the fake Pulsar: opening, what each refused
 * upgrade leads to, backoff and keep-alive timing on a manual clock, and a bounded close.
 * Timer-driven steps are synchronous on `clock.advance`, so "not yet" is checked without sleeping.
 */
import assert from "node:assert/strict";
import { ManagedSocket, PrepareFailure, type SocketFailure, type SocketOptions, type SocketState } from "../../../nodes/lib/session/socket";
import { freePort } from "../../support/net";
import { sleep, until } from "../../support/wait";
import { PRODUCER, RECONNECT_MAX_MS as MAX_MS, RECONNECT_MIN_MS as MIN_MS, sessionBed, socketDefaults } from "./fixture";

describe("session/socket", () => {
  const bed = sessionBed();

  function socket(extra: Partial<SocketOptions> = {}): ManagedSocket {
    const s = new ManagedSocket({ ...socketDefaults(bed.clock), url: `${bed.fake.wsUrl}${PRODUCER}/t`, ...extra });
    bed.closeAfter(s, (c) => c.close());
    return s;
  }

  function record(s: ManagedSocket): { states: SocketState[]; downs: SocketFailure[] } {
    const seen = { states: [] as SocketState[], downs: [] as SocketFailure[] };
    s.on("state", (state) => seen.states.push(state));
    s.on("down", (failure) => seen.downs.push(failure));
    return seen;
  }

  const opened = (s: ManagedSocket): Promise<true> => until(() => s.isOpen, 10_000, "the session to open");
  const stateOf = (s: ManagedSocket, state: SocketState["state"]): Promise<SocketState> =>
    until(() => (s.state.state === state ? s.state : undefined), 10_000, `state ${state}`, { detail: () => `now ${JSON.stringify(s.state)}` });

  it("opens with the configured headers, no compression offer, and carries text frames both ways", async () => {
    const s = socket({ headers: { Authorization: "Bearer t0k3n" } });
    const seen = record(s);
    const received: string[] = [];
    s.on("message", (text) => received.push(text));
    assert.equal(s.send("{}"), false, "nothing is sent before the session is open");
    s.start();
    await opened(s);
    assert.deepEqual(seen.states, [{ state: "connecting", attempt: 1 }, { state: "open" }]);
    const [handshake] = bed.fake.handshakes({ role: "producer" });
    assert.equal(handshake.headers.authorization, "Bearer t0k3n");
    assert.equal(handshake.headers["sec-websocket-extensions"], undefined);

    assert.equal(s.send(JSON.stringify({ payload: Buffer.from("hi").toString("base64"), context: "1" })), true);
    await until(() => received.length === 1, 10_000, "the ack");
    assert.equal((JSON.parse(received[0]) as { context?: string }).context, "1");
    assert.equal(bed.fake.messages("t")[0].payload.toString(), "hi");

    // A binary frame is not part of the protocol: dropped, while the text after it arrives.
    bed.fake.sendRaw({ role: "producer" }, Buffer.from('{"binary":true}'));
    bed.fake.sendRaw({ role: "producer" }, '{"text":true}');
    await until(() => received.length === 2, 10_000, "the text frame");
    assert.equal(received[1], '{"text":true}');
    assert.deepEqual(seen.downs, []);
  });

  it("stops for good on 400 (the configuration is wrong), with the server's message", async () => {
    bed.fake.refuseNext(400, "Invalid query params: Invalid subscriptionType Foo");
    const s = socket();
    s.start();
    const failed = await stateOf(s, "failed");
    assert.ok(failed.state === "failed" && failed.failure.kind === "handshake");
    assert.equal(failed.failure.outcome.status, 400);
    assert.equal(failed.failure.message, "Invalid query params: Invalid subscriptionType Foo");
    assert.deepEqual(bed.clock.pending(), [], "no reconnect is scheduled");
    bed.clock.advance(10 * MAX_MS);
    assert.equal(bed.fake.handshakes().length, 1);
  });

  for (const [status, slow] of [[401, true], [403, true], [404, true], [409, false], [429, false], [500, false], [503, false]] as const) {
    it(`retries a ${status} upgrade after ${slow ? "the slowest delay" : "the backoff delay"}, not before`, async () => {
      bed.fake.refuseNext(status, `refused ${status}`);
      const s = socket();
      s.start();
      const retrying = await stateOf(s, "retrying");
      const expected = slow ? MAX_MS : MIN_MS;
      assert.ok(retrying.state === "retrying" && retrying.failure.kind === "handshake");
      assert.equal(retrying.delayMs, expected);
      assert.equal(retrying.failure.outcome.status, status);
      assert.equal(retrying.failure.message, `refused ${status}`);
      bed.clock.advance(expected - 1);
      assert.equal(s.state.state, "retrying");
      bed.clock.advance(1);
      assert.deepEqual(s.state, { state: "connecting", attempt: 2 });
      await opened(s);
      assert.deepEqual(bed.fake.handshakes().map((h) => h.status), [status, 101]);
    });
  }

  it("asks prepare before every attempt: each attempt carries its own headers; onFailure hears the drop", async () => {
    let n = 0;
    const failures: SocketFailure[] = [];
    const s = socket({ prepare: () => Promise.resolve({ headers: { Authorization: `Bearer t${++n}` } }), onFailure: (f) => failures.push(f), describeServer: () => "server-a" });
    s.start();
    await opened(s);
    assert.deepEqual(s.state, { state: "open", server: "server-a" });
    bed.fake.dropConnections();
    await stateOf(s, "retrying");
    assert.equal(failures.length, 1);
    bed.clock.advance(MAX_MS);
    await opened(s);
    assert.deepEqual(bed.fake.handshakes().map((h) => h.headers.authorization), ["Bearer t1", "Bearer t2"]);
  });

  it("a prepare failure is a failed attempt: nothing reaches the server, retried as the failure says", async () => {
    let fail = true;
    const s = socket({
      prepare: () => (fail ? Promise.reject(new PrepareFailure("the issuer refused: invalid_client", "oauth2-refused", { status: 401, reason: "invalid_client" })) : Promise.resolve({})),
    });
    s.start();
    const retrying = await stateOf(s, "retrying");
    assert.ok(retrying.state === "retrying" && retrying.failure.kind === "prepare");
    assert.equal(retrying.failure.statusKey, "oauth2-refused");
    assert.equal(retrying.delayMs, MAX_MS, "slow: an operator must act");
    assert.equal(bed.fake.handshakes().length, 0);
    fail = false;
    bed.clock.advance(MAX_MS);
    await opened(s);
    assert.equal(bed.fake.handshakes().length, 1);
  });

  it("a header that cannot be sent (a line break or zero-width space in a token) is a failed attempt, never a throw or an unhandled rejection", async () => {
    let n = 0;
    const tokens = ["t0k\nen", "\u200bt0k3n", "fixed"];
    const failures: SocketFailure[] = [];
    const s = socket({ prepare: () => Promise.resolve({ headers: { Authorization: `Bearer ${tokens[n++]}` } }), onFailure: (f) => failures.push(f) });
    s.start();
    const retrying = await stateOf(s, "retrying");
    assert.ok(retrying.state === "retrying" && retrying.failure.kind === "prepare");
    assert.equal(retrying.failure.statusKey, "open-failed");
    assert.equal(retrying.delayMs, MAX_MS, "slow: the same values would fail again at once");
    assert.ok(!retrying.failure.message.includes("t0k"), retrying.failure.message);
    assert.equal(bed.fake.handshakes().length, 0);
    assert.deepEqual(failures.map((f) => f.kind), ["prepare"]);
    bed.clock.advance(MAX_MS);
    await until(() => (s.state.state === "retrying" && (s.state as { failure: SocketFailure }).failure !== retrying.failure ? true : undefined), 10_000, "the second failed attempt");
    bed.clock.advance(MAX_MS);
    await opened(s);
    assert.equal(bed.fake.handshakes()[0].headers.authorization, "Bearer fixed");
  });

  it("fixed headers that cannot be sent: start() does not throw, the session waits to retry", async () => {
    const s = socket({ headers: { Authorization: "Bearer a\nb" } });
    assert.doesNotThrow(() => s.start());
    const retrying = await stateOf(s, "retrying");
    assert.ok(retrying.state === "retrying" && retrying.failure.kind === "prepare" && retrying.failure.statusKey === "open-failed");
    assert.equal(bed.fake.handshakes().length, 0);
  });

  it("close while prepare is pending: no socket is opened afterwards", async () => {
    let release: () => void = () => undefined;
    const s = socket({ prepare: () => new Promise((resolve) => (release = () => resolve({}))) });
    s.start();
    s.start(); // a second start while preparing does not start another attempt
    await s.close();
    release();
    await sleep(50);
    assert.equal(bed.fake.handshakes().length, 0);
    assert.equal(s.state.state, "closed");
  });

  it("retries a refused TCP connection with backoff, naming the error code", async () => {
    const s = socket({ url: `ws://127.0.0.1:${await freePort()}${PRODUCER}/t` });
    s.start();
    const retrying = await stateOf(s, "retrying");
    assert.ok(retrying.state === "retrying" && retrying.failure.kind === "network");
    assert.equal(retrying.failure.code, "ECONNREFUSED");
    assert.equal(retrying.delayMs, MIN_MS);
  });

  it("takes the backoff jitter from the bed.clock: half to full delay", async () => {
    bed.clock.jitter = () => 0;
    bed.fake.refuseNext(503, "", 2);
    const s = socket();
    const seen = record(s);
    s.start();
    const retries = (count: number): Promise<number> =>
      until(() => {
        const list = seen.states.filter((st) => st.state === "retrying");
        return list.length === count ? list[count - 1].delayMs : undefined;
      }, 10_000, `refusal ${count}`);
    assert.equal(await retries(1), MIN_MS / 2);
    bed.clock.jitter = () => 0.5;
    bed.clock.advance(MIN_MS / 2);
    assert.equal(await retries(2), 2 * MIN_MS * 0.75);
  });

  it("doubles the delay up to the cap, and starts again from the minimum only after a stable session", async () => {
    bed.fake.refuseNext(503, "busy", 5);
    const s = socket({ stableAfterMs: 5000 });
    const seen = record(s);
    s.start();
    const delays: number[] = [];
    for (let attempt = 1; attempt <= 5; attempt++) {
      await until(() => seen.states.filter((st) => st.state === "retrying").length === attempt, 10_000, `refusal ${attempt}`);
      const delayMs = (s.state as { delayMs: number }).delayMs;
      delays.push(delayMs);
      bed.clock.advance(delayMs - 1);
      assert.equal(s.state.state, "retrying", `attempt ${attempt + 1} waits the whole delay`);
      bed.clock.advance(1);
    }
    assert.deepEqual(delays, [100, 200, 400, 800, 800]);
    await opened(s);

    // Open long enough: the next failure retries after the minimum again.
    bed.clock.advance(5000);
    bed.fake.dropConnections({ role: "producer", code: 1011, reason: "restart" });
    await stateOf(s, "retrying");
    assert.deepEqual(seen.downs, [{ kind: "closed", code: 1011, message: "restart" }]);
    assert.equal((s.state as { delayMs: number }).delayMs, MIN_MS);

    // Dropped again right after opening: no reset, the delay keeps doubling.
    bed.clock.advance(MIN_MS);
    await opened(s);
    bed.fake.dropConnections({ role: "producer" });
    await stateOf(s, "retrying");
    assert.equal((s.state as { delayMs: number }).delayMs, 2 * MIN_MS);
    assert.equal(seen.downs.length, 2);
  });

  it("pings on the interval, keeps a session whose pong comes, and drops one whose pong misses the deadline", async () => {
    const s = socket({ pingIntervalMs: 1000, pongTimeoutMs: 500 });
    const seen = record(s);
    s.start();
    await opened(s);
    assert.deepEqual(bed.clock.pending(), [1000]);
    bed.clock.advance(1000);
    assert.deepEqual(bed.clock.pending(), [500, 1000], "a ping is out with its pong deadline");
    await until(() => bed.clock.pending().length === 1, 10_000, "the pong to clear the deadline");
    assert.equal(bed.fake.openConnections({ role: "producer" })[0].pingsReceived, 1);
    bed.clock.advance(999);
    assert.equal(s.state.state, "open");

    bed.fake.freeze({ role: "producer" });
    bed.clock.advance(1);
    assert.deepEqual(bed.clock.pending(), [500, 1000]);
    await sleep(100); // real time for a pong that must not come
    assert.deepEqual(bed.clock.pending(), [500, 1000]);
    bed.clock.advance(499);
    assert.equal(s.state.state, "open");
    bed.clock.advance(1);
    assert.deepEqual(seen.downs, [{ kind: "keepalive", message: "no pong within 500 ms" }]);
    assert.equal(s.state.state, "retrying");
    assert.equal(s.isOpen, false);
  });

  it("closes for good: no reconnect afterwards, whether open or waiting to retry", async () => {
    const open = socket();
    open.start();
    await opened(open);
    await open.close();
    assert.deepEqual(open.state, { state: "closed" });
    await until(() => bed.fake.openConnections().length === 0, 10_000, "the server to see the close");

    bed.fake.refuseNext(503, "", 1);
    const waiting = socket();
    waiting.start();
    await stateOf(waiting, "retrying");
    await waiting.close();
    assert.deepEqual(bed.clock.pending(), [], "the reconnect timer is cancelled");
    bed.clock.advance(10 * MAX_MS);
    assert.equal(bed.fake.handshakes().length, 2);
    assert.equal(open.send("{}"), false);
  });

  it("bounds close when the server never answers the close frame", async () => {
    const s = socket();
    s.start();
    await opened(s);
    bed.fake.freeze({ role: "producer" });
    let closed = false;
    const closing = s.close().then(() => {
      closed = true;
    });
    await sleep(100);
    assert.equal(closed, false, "still waiting for the server's close frame");
    bed.clock.advance(999);
    await sleep(10);
    assert.equal(closed, false);
    bed.clock.advance(1);
    await closing;
    assert.deepEqual(s.state, { state: "closed" });
  });
});
