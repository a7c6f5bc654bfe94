/**
 * End-to-end encryption on real Pulsar, both ways, against Pulsar's own Java client
 * (test/java/EncryptionClient.java, through test/support/java-client.ts) with keys made by
 * openssl: a Java producer (batching on and off, the codecs we decode, compressionMinMsgBodySize
 * 0 so the codec really runs) → pulsar-in decrypts the exact bytes, properties, keys and event
 * times, backlog 0 after the acks; pulsar-out with keys → a Java consumer with the private key reads
 * the exact bytes, one without reads nothing, and the admin API's peek shows ciphertext; a missing
 * or wrong key with each cryptoFailureAction.
 *
 * ENCRYPTION_LINES=4.2,4.0 picks the Pulsar lines (default 4.2 and 4.0).
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { sharedPulsar, type PulsarInstance, type PulsarLine } from "../../harness/pulsar";
import keysNode from "../../nodes/pulsar-ws-keys";
import { javaOutput } from "../support/java-client";
import "./support/hooks";
import { endpointNode, inNode, outNode, TestFlow, useNodeRed, type FlowNode, type InMsg } from "./support/flow";
import { topicAdminPath, uniqueName, uniqueTopic, waitBacklog } from "./support/pulsar-admin";
import { sleep } from "../support/wait";

const LINES = (process.env.ENCRYPTION_LINES ?? "4.2,4.0").split(",").map((l) => l.trim()) as PulsarLine[];

interface KeyPair {
  name: string;
  pub: string;
  priv: string;
}

interface Sent {
  i: number;
  payload: string;
}

function makeKeys(dir: string): Record<"rsa" | "ec" | "ecx" | "other", KeyPair> {
  const run = (...args: string[]): void => void execFileSync("openssl", args, { cwd: dir, stdio: "ignore" });
  run("genrsa", "-traditional", "-out", "rsa.pem", "2048");
  run("rsa", "-in", "rsa.pem", "-pubout", "-out", "rsa.pub.pem");
  run("ecparam", "-name", "prime256v1", "-genkey", "-out", "ec.pem");
  run("ec", "-in", "ec.pem", "-pubout", "-out", "ec.pub.pem");
  // The form Pulsar's documentation shows: secp521r1 with explicit parameters.
  run("ecparam", "-name", "secp521r1", "-genkey", "-param_enc", "explicit", "-out", "ecx.pem");
  run("ec", "-in", "ecx.pem", "-pubout", "-outform", "pem", "-out", "ecx.pub.pem");
  run("ecparam", "-name", "secp384r1", "-genkey", "-out", "other.pem");
  run("ec", "-in", "other.pem", "-pubout", "-out", "other.pub.pem");
  const pair = (n: string): KeyPair => ({ name: `${n}-key`, pub: path.join(dir, `${n}.pub.pem`), priv: path.join(dir, `${n}.pem`) });
  return { rsa: pair("rsa"), ec: pair("ec"), ecx: pair("ecx"), other: pair("other") };
}

/** A pulsar-ws-keys node: public keys by file:// URL, private keys as the credential JSON. */
function keysConfig(id: string, pubs: KeyPair[], privs: KeyPair[]): { node: FlowNode; credentials: Record<string, string> } {
  return {
    node: { id, type: "pulsar-ws-keys", name: `${id} keys`, keys: pubs.map((k) => ({ name: k.name, publicKey: `file://${k.pub}` })) },
    credentials: { privateKeys: JSON.stringify(Object.fromEntries(privs.map((k) => [k.name, `file://${k.priv}`]))) },
  };
}

for (const line of LINES) {
  describe(`integration ${line}: end-to-end encryption with Pulsar's Java client`, function () {
    this.timeout(180_000);
    let pulsar: PulsarInstance;
    let dir: string;
    let keys: ReturnType<typeof makeKeys>;

    before(async function () {
      this.timeout(300_000);
      pulsar = await sharedPulsar(line);
      dir = fs.mkdtempSync(path.join(os.tmpdir(), "e2e-keys-"));
      keys = makeKeys(dir);
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    useNodeRed();

    async function javaProduce(topic: string, key: KeyPair, count: number, batching: boolean, codec: string, size = 100): Promise<Sent[]> {
      const out = await javaOutput(
        "EncryptionClient",
        ["produce", `url=${pulsar.brokerUrl}`, `topic=${topic}`, `keys=${key.name}:${key.pub}`, `count=${count}`, `size=${size}`, `batching=${batching}`, `codec=${codec}`],
        { line },
      );
      return out.split("\n").filter((l) => l.startsWith('{"i"')).map((l) => JSON.parse(l) as Sent);
    }

    async function javaConsume(topic: string, sub: string, key: KeyPair | undefined, count: number, timeoutMs: number): Promise<{ payloads: string[]; received: number; lines: Record<string, unknown>[] }> {
      const out = await javaOutput(
        "EncryptionClient",
        ["consume", `url=${pulsar.brokerUrl}`, `topic=${topic}`, `sub=${sub}`, `keys=${key ? `${key.name}:${key.priv}` : ""}`, `count=${count}`, `timeoutMs=${timeoutMs}`],
        { line },
      );
      const lines = out.split("\n").filter((l) => l.startsWith('{"payload"')).map((l) => JSON.parse(l) as Record<string, unknown>);
      const done = out.split("\n").find((l) => l.startsWith('{"received"'));
      return { payloads: lines.map((l) => String(l.payload)), received: done ? (JSON.parse(done) as { received: number }).received : -1, lines };
    }

    async function createSubscription(full: string, sub: string): Promise<void> {
      await pulsar.admin("PUT", topicAdminPath(full));
      const res = await pulsar.admin("PUT", `${topicAdminPath(full)}/subscription/${encodeURIComponent(sub)}`);
      assert.ok([204, 409].includes(res.status), `create subscription: ${res.status} ${res.body}`);
    }

    const javaToNode: [string, "rsa" | "ec" | "ecx", boolean, string][] = [
      ["RSA, no batching, NONE", "rsa", false, "NONE"],
      ["RSA, batching, ZLIB", "rsa", true, "ZLIB"],
      ["EC secp256r1, batching, LZ4", "ec", true, "LZ4"],
      ["EC secp521r1 (explicit parameters), no batching, ZLIB", "ecx", false, "ZLIB"],
      ["EC secp521r1 (explicit parameters), batching, SNAPPY", "ecx", true, "SNAPPY"],
    ];
    for (const [title, keyKind, batching, codec] of javaToNode) {
      it(`Java producer → pulsar-in: ${title}: exact bytes, properties, key, event time; backlog 0`, async () => {
        const key = keys[keyKind];
        const topic = uniqueTopic("e2e-in");
        const full = `persistent://public/default/${topic}`;
        const sub = uniqueName("sub");
        await createSubscription(full, sub);
        const sent = await javaProduce(full, key, 20, batching, codec);
        assert.equal(sent.length, 20);
        const kc = keysConfig("kc", [], [key]);
        const f = await TestFlow.deploy([endpointNode(pulsar), kc.node, ...inNode("in", topic, { subscription: sub, payloadFormat: "buffer", keys: "kc" })], {
          credentials: { kc: kc.credentials },
          modules: [keysNode],
        });
        const got = await f.waitReceived("in-out", 20, 30_000);
        await sleep(300);
        assert.equal(got.length, 20, "no duplicates");
        const byIndex = new Map(got.map((m) => [Number(m.properties.i), m]));
        for (const s of sent) {
          const m = byIndex.get(s.i);
          assert.ok(m, `message ${s.i} arrived`);
          assert.equal((m.payload as Buffer).toString("base64"), s.payload);
          assert.deepEqual({ ...m.properties }, { i: String(s.i), kind: "java" });
          assert.equal(m.key, `k-${s.i}`);
          assert.equal(new Date(m.pulsar.eventTime!).getTime(), 1700000000000 + s.i);
        }
        assert.equal(new Set(got.map((m) => m.pulsar.messageId)).size, 20, "each entry has its own id");
        await waitBacklog(pulsar, full, sub, 0);
      });
    }

    it("Java batch → pulsar-in in manual ack: the batch stays in the backlog until every entry is acked", async () => {
      const key = keys.ec;
      const topic = uniqueTopic("e2e-manual");
      const full = `persistent://public/default/${topic}`;
      const sub = uniqueName("sub");
      await createSubscription(full, sub);
      await javaProduce(full, key, 5, true, "ZLIB");
      const kc = keysConfig("kc", [], [key]);
      const f = await TestFlow.deploy([endpointNode(pulsar), kc.node, ...inNode("in", topic, { subscription: sub, ackMode: "manual", keys: "kc" })], {
        credentials: { kc: kc.credentials },
        modules: [keysNode],
      });
      const got = await f.waitReceived("in-out", 5, 30_000);
      for (const m of got.slice(0, 4)) f.send("in", { topic: m.topic, pulsar: { messageId: m.pulsar.messageId } });
      await sleep(1500);
      await waitBacklog(pulsar, full, sub, 1);
      f.send("in", { topic: got[4].topic, pulsar: { messageId: got[4].pulsar.messageId } });
      await waitBacklog(pulsar, full, sub, 0);
    });

    for (const [title, keyKind] of [
      ["RSA", "rsa"],
      ["EC secp521r1 (explicit parameters)", "ecx"],
    ] as const) {
      it(`pulsar-out with keys (${title}, ZLIB) → a Java consumer with the key reads the exact bytes; one without reads nothing; peek shows ciphertext`, async () => {
        const key = keys[keyKind];
        const topic = uniqueTopic("e2e-out");
        const full = `persistent://public/default/${topic}`;
        const withKey = uniqueName("java");
        const without = uniqueName("nokey");
        await createSubscription(full, withKey);
        await createSubscription(full, without);
        const kc = keysConfig("kc", [key, keys.other], []);
        const f = await TestFlow.deploy([endpointNode(pulsar), kc.node, ...outNode("out", topic, { keys: "kc", encryptionKeys: key.name, compressionType: "ZLIB" })], {
          credentials: { kc: kc.credentials },
          modules: [keysNode],
          watch: ["out"],
        });
        const payloads = Array.from({ length: 10 }, (_, i) => Buffer.from(`secret-${i}-`.repeat(20 + i)));
        const ids = payloads.map((p, i) => f.send("out", { payload: p, key: `k${i}`, properties: { n: String(i) } }));
        const outcomes = await f.waitOutcomes(ids, 30_000);
        assert.ok(outcomes.every((o) => o.ok), JSON.stringify(outcomes.map((o) => o.error)));

        const peek = await pulsar.admin("GET", `${topicAdminPath(full)}/subscription/${without}/position/1`);
        assert.equal(peek.status, 200);
        assert.ok(!peek.body.includes("secret-0-"), "the broker stores ciphertext");
        assert.ok(peek.body.length > 0);

        const read = await javaConsume(full, withKey, key, 10, 15_000);
        assert.deepEqual(read.payloads, payloads.map((p) => p.toString("base64")));
        assert.deepEqual(read.lines.map((l) => l.key), payloads.map((_, i) => `k${i}`));
        assert.deepEqual(read.lines.map((l) => l.properties), payloads.map((_, i) => ({ n: String(i) })));

        const none = await javaConsume(full, without, undefined, 10, 4000);
        assert.equal(none.received, 0, "a Java consumer without the key reads nothing");
      });
    }

    for (const action of ["fail", "discard", "consume"] as const) {
      it(`a message for a key pulsar-in does not hold, cryptoFailureAction ${action}`, async () => {
        const topic = uniqueTopic(`e2e-${action}`);
        const full = `persistent://public/default/${topic}`;
        const sub = uniqueName("sub");
        await createSubscription(full, sub);
        await javaProduce(full, keys.rsa, 2, false, "NONE");
        // Holds another private key under the message's key name: unwrapping fails; no keys at all for "consume".
        const kc = keysConfig("kc", [], [{ ...keys.other, name: keys.rsa.name }]);
        const nodes: FlowNode[] = [endpointNode(pulsar), kc.node, ...inNode("in", topic, { subscription: sub, cryptoFailureAction: action, keys: action === "consume" ? "" : "kc", negativeAckRedeliveryDelay: 60000 })];
        const f = await TestFlow.deploy(nodes, { credentials: { kc: kc.credentials }, modules: [keysNode], watch: ["in"] });
        if (action === "fail") {
          await f.waitStatus("in", /2 undecryptable/, 20_000);
          // To Catch, with the encrypted msg, an error naming the key name and no key material.
          const caught = [...f.outcomes.values()].flat().filter((o) => !o.ok);
          const errors = caught.map((o) => o.error?.message ?? "");
          assert.ok(errors.length >= 2 && errors.every((e) => e.includes(keys.rsa.name)), JSON.stringify(errors));
          assert.ok(!errors.some((l) => l.includes("PRIVATE")), "no key material");
          assert.ok(Buffer.isBuffer((caught[0].msg as InMsg).payload));
          assert.equal(f.received("in-out").length, 0);
          await waitBacklog(pulsar, full, sub, 2);
        } else if (action === "discard") {
          await f.waitStatus("in", /2 undecryptable/, 20_000);
          await waitBacklog(pulsar, full, sub, 0);
          assert.equal(f.received("in-out").length, 0);
          assert.ok(f.logsOf("in").some((l) => /Discarded an encrypted message/.test(l)));
        } else {
          const got = await f.waitReceived("in-out", 2, 20_000);
          const m = got[0] as InMsg & { pulsar: { encryptionContext?: { keys?: Record<string, unknown> } } };
          assert.ok(Buffer.isBuffer(m.payload));
          assert.deepEqual(Object.keys(m.pulsar.encryptionContext?.keys ?? {}), [keys.rsa.name]);
          await waitBacklog(pulsar, full, sub, 0);
        }
      });
    }

    it("pulsar-in without keys does not stall: a Java-encrypted message goes to Catch (fail) naming its key", async () => {
      const topic = uniqueTopic("e2e-nokeys");
      const full = `persistent://public/default/${topic}`;
      const sub = uniqueName("sub");
      await createSubscription(full, sub);
      await javaProduce(full, keys.ec, 1, false, "NONE");
      const f = await TestFlow.deploy([endpointNode(pulsar), ...inNode("in", topic, { subscription: sub })], { watch: ["in"] });
      await f.waitStatus("in", /1 undecryptable/, 20_000);
      const errors = [...f.outcomes.values()].flat().filter((o) => !o.ok).map((o) => o.error?.message ?? "");
      assert.ok(errors.some((l) => l.includes(keys.ec.name) && /no keys/.test(l)), JSON.stringify(errors));
    });
  });
}
