/**
 * Connection drops with end-to-end encryption: the connection-cut run of 10-connection-drops
 * (support/drops.ts) with `keys` on pulsar-out and pulsar-in (an RSA key pair made by openssl here,
 * the public key in the pulsar-ws-keys node, the private key as its credential), 1,000 messages and
 * 10 random cuts. Every input must end in done(), the consumer must decrypt every acked message to
 * its exact payload, and a reader from earliest (asking for the stored frames as they are) must find
 * every acked message stored as ciphertext only (by its id in a message property, which Pulsar does
 * not encrypt; no stored payload holds its plaintext, and each is the plaintext's size + the
 * 16-byte AES-GCM tag).
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { PulsarInstance } from "../../harness/pulsar";
import keysNode from "../../nodes/pulsar-ws-keys";
import { assertNothingLost, assertSockets, recordDrops, runDrops, type DropsPlan } from "./support/drops";
import { helper, nodesWithTls, startNodeRed, stopNodeRed } from "./support/nr";
import { plainPulsar } from "./support/pulsar";
import { TcpProxy } from "./support/proxy";

const MESSAGES = Number(process.env.FAULTS_ENCRYPTED_DROP_MESSAGES ?? 1000);
const CUTS = Number(process.env.FAULTS_ENCRYPTED_DROP_CUTS ?? 10);
const PRODUCERS = 2;
const KEY_NAME = "drops-rsa";

describe("faults: connection drops with end-to-end encryption (real Pulsar)", function () {
  this.timeout(300_000);
  let pulsar: PulsarInstance;
  let proxy: TcpProxy;
  let dir: string;

  before(async function () {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "drops-keys-"));
    const run = (...args: string[]): void => void execFileSync("openssl", args, { cwd: dir, stdio: "ignore" });
    run("genrsa", "-traditional", "-out", "rsa.pem", "2048");
    run("rsa", "-in", "rsa.pem", "-pubout", "-out", "rsa.pub.pem");
    pulsar = await plainPulsar();
    proxy = await TcpProxy.start(Number(new URL(pulsar.httpUrl).port));
    await startNodeRed();
  });

  afterEach(async function () {
    await helper.unload();
  });

  after(async function () {
    await stopNodeRed();
    await proxy?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it(`loses nothing over ${MESSAGES} encrypted messages and ${CUTS} random cuts; the topic holds only ciphertext`, async function () {
    const plan: DropsPlan = {
      pulsar,
      proxy,
      topic: `drops-encrypted-${Date.now()}`,
      messages: MESSAGES,
      cuts: CUTS,
      producers: PRODUCERS,
      outOptions: { keys: "kc", encryptionKeys: KEY_NAME },
      inOptions: { keys: "kc", cryptoFailureAction: "fail" },
      extraNodes: [{ id: "kc", type: "pulsar-ws-keys", name: "drops keys", keys: [{ name: KEY_NAME, publicKey: `file://${path.join(dir, "rsa.pub.pem")}` }] }],
      credentials: { kc: { privateKeys: JSON.stringify({ [KEY_NAME]: `file://${path.join(dir, "rsa.pem")}` }) } },
      modules: [keysNode] as unknown as typeof nodesWithTls,
      encrypted: true,
      consumerCutShare: 0.5,
      sockets: { producer: PRODUCERS, consumer: 1 },
    };
    const result = await runDrops(plan);
    recordDrops("connection drops, end-to-end encrypted (RSA, real Pulsar)", plan, result, `${PRODUCERS} pulsar-out with keys × maxInFlight 500, pulsar-in with keys; ${result.storedPlaintext} stored payloads not ciphertext`);
    assertSockets(plan, result);
    assertNothingLost(plan, result);
    // The consumer's payloads are the ids themselves (Deliveries counts by payload text), so
    // "every acked message delivered" above already means "decrypted to the exact plaintext".
    assert.equal(result.storedPlaintext, 0, "every stored payload is ciphertext (no plaintext in it, plaintext size + the 16-byte GCM tag)");
  });
});
