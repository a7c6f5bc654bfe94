/**
 * Bad input from the server: at least 10,000 generated frames (fast-check) pushed by the fake Pulsar
 * to a producer, a consumer and a reader session: invalid JSON, JSON that is not an object, wrong
 * field types, huge strings (up to 3 MiB), bad base64 payloads, unknown frame types, acks for
 * contexts never sent, binary frames. Expected per frame, from the protocol reference (not from the
 * product code): every bad frame is reported, an unknown type is ignored, a well-formed message is
 * emitted. "Reported" as careful servers log repeats: a payload that cannot be decoded goes to
 * node.error with its msg each time (Catch must see each one); of the protocol errors of one kind
 * (a malformed frame, an ack for a context never sent) the first is logged at once and the others
 * are counted in a line a minute or at close, and those counts must add up. Never a crash or an unhandled rejection; after every batch a
 * real message still goes through each session (the session recovered or was replaced).
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import type { NodeMessage } from "node-red";
import { FakePulsar, messageIdToBase64 } from "../fake/fake-pulsar";
import { recordFigure } from "./support/figures";
import { onLog } from "./support/log-capture";
import { flow, helper, inject, nodesWithTls, Outcomes, startNodeRed, stopNodeRed, watchers } from "./support/nr";
import { sleep, until } from "../support/wait";

type Role = "producer" | "consumer" | "reader";
type Outcome = "error" | "ignore" | "message";

interface Frame {
  kind: string;
  data: string | Buffer;
}

const FRAMES_PER_ROLE = Number(process.env.FAULTS_FRAMES_PER_ROLE ?? 3400);
const BATCH = 100;
const RESERVED = ["result", "payload", "messageId", "endOfTopic"];
/** A log line quoting server text should stay readable: the product bounds such text to this. */
const MAX_ERROR_TEXT = 2000;

const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString("base64");
const validId = fc.record({ ledgerId: fc.integer({ min: 1000, max: 2 ** 31 }), entryId: fc.nat({ max: 2 ** 31 }) }).map((p) => messageIdToBase64(p));
const json = fc.jsonValue({ maxDepth: 2 });
const nonObject = fc.oneof(fc.string(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null), fc.array(json, { maxLength: 4 }));
const unknownContext = fc.oneof(fc.string().map((s) => `fz-${s}`), fc.integer({ min: 1_000_000_000, max: 2 ** 52 }));
const stringMap = fc.dictionary(fc.string(), fc.string(), { maxKeys: 4 });

/** Frame generators, tagged with what they are. */
const generators: Record<string, fc.Arbitrary<unknown>> = {
  notJson: fc.oneof(fc.string(), fc.string().map((s) => `{${s}`), fc.string().map((s) => `${s}}`)).filter((s) => {
    try {
      JSON.parse(s);
      return false;
    } catch {
      return true;
    }
  }),
  nonObject: nonObject.map((v) => JSON.stringify(v)),
  unknownObject: fc.record({
    extra: fc.dictionary(fc.string().filter((k) => !RESERVED.includes(k)), json, { maxKeys: 5 }),
    type: fc.option(fc.constantFrom("AUTH_CHALLENGE", "PING", "whatever", ""), { nil: undefined }),
  }).map(({ extra, type }) => JSON.stringify(type === undefined ? extra : { ...extra, type })),
  ackUnknownContext: fc.record({
    result: fc.constantFrom("ok", "send-error:3", "send-error:7", "send-error:8", "bogus"),
    messageId: validId,
    context: unknownContext,
    errorMsg: fc.option(fc.string(), { nil: undefined }),
  }).map((a) => JSON.stringify(a)),
  ackBadTypes: fc.oneof(
    fc.record({ result: fc.oneof(fc.integer(), fc.boolean(), fc.constant(null), fc.array(fc.string(), { maxLength: 2 })), context: unknownContext }),
    fc.record({ result: fc.constant("ok"), context: unknownContext }),
    fc.record({ result: fc.constant("ok"), context: unknownContext, messageId: fc.oneof(fc.integer(), fc.constant(null), fc.boolean()) }),
  ).map((a) => JSON.stringify(a)),
  messageValid: fc.record({
    messageId: validId,
    payload: fc.uint8Array({ maxLength: 200 }).map(b64),
    properties: stringMap,
    publishTime: fc.constant("2026-01-01T00:00:00.000Z"),
    redeliveryCount: fc.nat({ max: 100 }),
    key: fc.option(fc.string(), { nil: undefined }),
  }).map((m) => JSON.stringify(m)),
  messageBadBase64: fc.record({
    messageId: validId,
    payload: fc.tuple(fc.uint8Array({ maxLength: 60 }).map(b64), fc.constantFrom("!", "*", "%%", " ", "é", "-_", "=A=")).map(([p, junk]) => `${junk}${p}`),
    properties: stringMap,
  }).map((m) => JSON.stringify(m)),
  messageBadTypes: fc.oneof(
    fc.record({ messageId: fc.oneof(fc.constant(""), fc.integer(), fc.constant(null)), payload: fc.constant("YQ==") }),
    fc.record({ messageId: validId, payload: fc.oneof(fc.integer(), fc.constant(null), fc.boolean(), fc.array(fc.string(), { maxLength: 2 })) }),
    fc.record({ messageId: validId, payload: fc.constant("YQ=="), properties: fc.oneof(fc.array(fc.string(), { minLength: 1, maxLength: 2 }), fc.string(), fc.dictionary(fc.string(), fc.integer(), { minKeys: 1, maxKeys: 2 })) }),
    fc.record({ messageId: validId, payload: fc.constant("YQ=="), redeliveryCount: fc.oneof(fc.integer({ min: -100, max: -1 }), fc.constant(1.5), fc.string()) }),
  ).map((m) => JSON.stringify(m)),
  endOfTopicValid: fc.boolean().map((b) => JSON.stringify({ endOfTopic: b })),
  endOfTopicBad: fc.oneof(fc.string(), fc.integer(), fc.constant(null)).map((v) => JSON.stringify({ endOfTopic: v })),
  hugeNotJson: fc.integer({ min: 100_000, max: 3_000_000 }).map((n) => `{"result":"${"x".repeat(n)}`),
  hugeAck: fc.integer({ min: 100_000, max: 2_000_000 }).map((n) => JSON.stringify({ result: "send-error:8", errorMsg: "e".repeat(n), context: "fz-huge" })),
  hugeValidMessage: fc.integer({ min: 100_000, max: 2_000_000 }).chain((n) => validId.map((id) => JSON.stringify({ messageId: id, payload: Buffer.alloc(n, 65).toString("base64"), properties: { big: "p".repeat(1000) } }))),
  binary: fc.uint8Array({ minLength: 1, maxLength: 300 }).map((b) => Buffer.from(b)),
};

const WEIGHTS: Record<string, number> = {
  notJson: 10, nonObject: 8, unknownObject: 8, ackUnknownContext: 10, ackBadTypes: 6, messageValid: 10, messageBadBase64: 8,
  messageBadTypes: 10, endOfTopicValid: 3, endOfTopicBad: 3, hugeNotJson: 0.3, hugeAck: 0.3, hugeValidMessage: 0.3, binary: 3,
};

/** What each kind must do on each kind of socket (docs/pulsar-websocket.md). */
function expected(kind: string, role: Role): Outcome {
  if (kind === "unknownObject" || kind === "binary") return "ignore";
  if (role === "producer") return "error"; // only acks belong on a producer socket, and these are not ours
  if (kind === "messageValid" || kind === "hugeValidMessage") return "message";
  if (kind === "endOfTopicValid") return "ignore";
  return "error";
}

const frameArb: fc.Arbitrary<Frame> = fc.oneof(
  ...Object.entries(generators).map(([kind, arb]) => ({ arbitrary: arb.map((data) => ({ kind, data: data as string | Buffer })), weight: Math.max(1, Math.round(WEIGHTS[kind] * 10)) })),
);

describe("faults: bad frames from the server (fake Pulsar, fast-check)", function () {
  this.timeout(300_000);
  let fake: FakePulsar;

  before(async function () {
    await startNodeRed();
    fake = await FakePulsar.start();
  });

  afterEach(async function () {
    await helper.unload();
  });

  after(async function () {
    await stopNodeRed();
    await fake.stop();
  });

  it(`survives ${FRAMES_PER_ROLE * 3} generated frames on producer, consumer and reader sessions`, async function () {
    const started = Date.now();
    await helper.load(nodesWithTls, flow(
      { id: "ep", type: "pulsar-ws-endpoint", serviceUrl: fake.wsUrl, tenant: "public", namespace: "default", reconnectMin: 0.05, reconnectMax: 1, pingInterval: 0 },
      { id: "out", type: "pulsar-out", endpoint: "ep", topic: "fz-out", wires: [] },
      { id: "in", type: "pulsar-in", endpoint: "ep", topic: "fz-in", mode: "subscription", subscription: "fz", payloadFormat: "auto", wires: [["got-in"]] },
      { id: "rd", type: "pulsar-in", endpoint: "ep", topic: "fz-rd", mode: "reader", startMessageId: "earliest", payloadFormat: "auto", wires: [["got-rd"]] },
      { id: "got-in", type: "helper" },
      { id: "got-rd", type: "helper" },
      ...watchers(["out"]),
    ));
    const outcomes = new Outcomes();
    const nodeOf: Record<Role, string> = { producer: "out", consumer: "in", reader: "rd" };
    const errors: Record<string, number> = { out: 0, in: 0, rd: 0 };
    /** Errors a node counted instead of logging one by one ("N more like this …"). */
    const repeated: Record<string, number> = { out: 0, in: 0, rd: 0 };
    const wantErrors: Record<string, number> = { out: 0, in: 0, rd: 0 };
    const errorTexts = new Map<string, number>();
    let longestError = 0;
    const stopLog = onLog((r) => {
      if (r.level === 20 && r.id && r.id in errors) {
        const full = String(r.msg instanceof Error ? r.msg.message : r.msg);
        const counted = /^(\d+) more like this/.exec(full);
        if (counted) repeated[r.id] += Number(counted[1]);
        else errors[r.id]++;
        longestError = Math.max(longestError, full.length);
        const text = full.replace(/\d+/g, "N").slice(0, 80);
        errorTexts.set(text, (errorTexts.get(text) ?? 0) + 1);
      }
    });
    const emitted: Record<string, NodeMessage[]> = { in: [], rd: [] };
    helper.getNode("got-in").on("input", (m: NodeMessage) => emitted.in.push(m));
    helper.getNode("got-rd").on("input", (m: NodeMessage) => emitted.rd.push(m));
    let unhandled = 0;
    let uncaught = 0;
    const onUnhandled = (): void => {
      unhandled++;
    };
    const onUncaught = (): void => {
      uncaught++;
    };
    process.on("unhandledRejection", onUnhandled);
    process.on("uncaughtExceptionMonitor", onUncaught);

    const open = (role: Role): boolean => fake.openConnections({ role }).length === 1;
    await until(() => open("producer") && open("consumer") && open("reader"), 5000, "all three sessions");
    const seed = Number(process.env.FAULTS_SEED ?? Date.now() % 2 ** 31);
    const frames = fc.sample(frameArb, { numRuns: FRAMES_PER_ROLE * 3, seed });
    const mismatches: string[] = [];
    const delivered: Record<Role, number> = { producer: 0, consumer: 0, reader: 0 };
    const kinds = new Map<string, number>();
    let sentinel = 0;
    const roles: Role[] = ["producer", "consumer", "reader"];
    for (let i = 0; i < frames.length; i += BATCH * 3) {
      for (const [r, role] of roles.entries()) {
        const batch = frames.slice(i + r * BATCH, i + (r + 1) * BATCH);
        if (batch.length === 0) continue;
        const node = nodeOf[role];
        await until(() => open(role), 10_000, `the ${role} session`);
        const errorsBefore = errors[node];
        const emittedBefore = node === "out" ? 0 : emitted[node].length;
        let want = { error: 0, message: 0 };
        for (const f of batch) {
          // A frame only counts if a session was there to receive it.
          if (fake.sendRaw({ role }, f.data) === 0) continue;
          delivered[role]++;
          kinds.set(f.kind, (kinds.get(f.kind) ?? 0) + 1);
          const e = expected(f.kind, role);
          if (e === "error") want = { ...want, error: want.error + 1 };
          if (e === "message") want = { ...want, message: want.message + 1 };
        }
        // Sentinel: a real message through the same session proves it recovered (or was replaced),
        // and arrives after every frame above, so the counts below are complete.
        const tag = `sentinel-${++sentinel}`;
        if (role === "producer") {
          const id = inject(helper.getNode("out"), { payload: tag });
          const [pending] = await outcomes.waitAll([id], 15_000);
          if (pending || !outcomes.ok.has(id)) mismatches.push(`producer: sentinel ${tag} did not complete (${outcomes.failed.get(id)?.message ?? "no outcome"})`);
        } else {
          fake.publish(role === "consumer" ? "fz-in" : "fz-rd", { payload: tag });
          await until(() => emitted[node].some((m) => m.payload === tag), 15_000, `${role} sentinel ${tag}`).catch(() => mismatches.push(`${role}: sentinel ${tag} never arrived`));
        }
        const gotErrors = errors[node] - errorsBefore;
        wantErrors[node] += want.error;
        const gotMessages = node === "out" ? 0 : emitted[node].slice(emittedBefore).filter((m) => typeof m.payload !== "string" || !m.payload.startsWith("sentinel-")).length;
        // Logged one by one: never more than the bad frames; the rest is counted (checked below).
        if (gotErrors > want.error || gotMessages !== want.message) {
          mismatches.push(`${role} batch at ${i}: errors ${gotErrors}/${want.error}, messages ${gotMessages}/${want.message}; kinds ${JSON.stringify(batch.map((f) => f.kind))}`);
        }
      }
    }
    await helper.unload(); // closing writes the counts still open
    stopLog();
    for (const node of Object.keys(errors)) {
      if (errors[node] + repeated[node] !== wantErrors[node]) {
        mismatches.push(`${node}: ${errors[node]} errors logged + ${repeated[node]} counted, ${wantErrors[node]} bad frames`);
      }
    }
    process.off("unhandledRejection", onUnhandled);
    process.off("uncaughtExceptionMonitor", onUncaught);
    const total = delivered.producer + delivered.consumer + delivered.reader;
    const replaced = roles.map((r) => `${r} ${fake.handshakes({ role: r }).length - 1}`).join(", ");
    recordFigure({
      scenario: "bad frames from the server (fast-check)",
      faults: total,
      offered: sentinel,
      completed: sentinel - mismatches.filter((m) => m.includes("sentinel")).length,
      failed: 0,
      lost: mismatches.filter((m) => m.includes("sentinel")).length,
      duplicates: 0,
      seconds: (Date.now() - started) / 1000,
      notes: `${total} frames (producer ${delivered.producer}, consumer ${delivered.consumer}, reader ${delivered.reader}; seed ${seed}); ${Object.values(errors).reduce((a, b) => a + b, 0)} node.error lines + ${Object.values(repeated).reduce((a, b) => a + b, 0)} counted in "N more like this" lines; ${unhandled} unhandled rejections, ${uncaught} uncaught exceptions; sessions replaced: ${replaced}; ${mismatches.length} batches off the expected counts; longest error text ${longestError} chars${longestError > MAX_ERROR_TEXT ? " (B4: server strings not bounded)" : ""}; messages offered = sentinels`,
    });
    console.log(`      frame kinds: ${JSON.stringify(Object.fromEntries(kinds))}`);
    console.log(`      error texts: ${JSON.stringify(Object.fromEntries(errorTexts))}`);
    assert.equal(unhandled, 0, "unhandled rejections");
    assert.equal(uncaught, 0, "uncaught exceptions");
    assert.ok(total >= 10_000, `only ${total} frames reached a session`);
    assert.deepEqual(mismatches.slice(0, 10), []);
    // B4 (known product bug): an ack's errorMsg and context are copied into the error unbounded, so a
    // hostile or broken server can write megabytes per frame into the log. Fixed (B4): enforced.
    assert.ok(longestError <= MAX_ERROR_TEXT, `an error text of ${longestError} characters`);
  });

  it("a reader survives a reconnect after a message whose id is not a message id", async function () {
    // The reader resumes after the last id it emitted, so that id goes into the next URL. An id
    // with a lone surrogate makes encodeURIComponent throw inside the reconnect: an uncaught
    // URIError, which takes the whole Node-RED process down. Skipped (not hidden) until fixed.
    await helper.load(nodesWithTls, flow(
      { id: "ep", type: "pulsar-ws-endpoint", serviceUrl: fake.wsUrl, tenant: "public", namespace: "default", reconnectMin: 0.05, reconnectMax: 1, pingInterval: 0 },
      { id: "rd", type: "pulsar-in", endpoint: "ep", topic: "fz-b6", mode: "reader", startMessageId: "earliest", wires: [["got"]] },
      { id: "got", type: "helper" },
    ));
    const got: NodeMessage[] = [];
    helper.getNode("got").on("input", (m: NodeMessage) => got.push(m));
    await until(() => fake.openConnections({ role: "reader" }).length === 1, 5000, "the reader");
    fake.sendRaw({ role: "reader" }, '{"messageId":"\\ud800x","payload":"YQ=="}');
    await sleep(200);
    const before = fake.handshakes({ role: "reader" }).length;
    fake.dropConnections({ role: "reader" });
    await until(() => fake.handshakes({ role: "reader" }).length > before, 5000, "the reader to reconnect");
    fake.publish("fz-b6", { payload: "after" });
    await until(() => got.some((m) => m.payload === "after"), 5000, "a real message after the reconnect");
  });
});
