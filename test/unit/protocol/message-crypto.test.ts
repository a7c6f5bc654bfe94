/**
 * End-to-end encryption's pure core against fixed vectors made once by Pulsar's own Java client
 * (test/java/EncryptionClient.java produce → Pulsar 4.2.4 → a WebSocket consumer with
 * cryptoFailureAction=CONSUME, frames saved as they arrived): RSA-OAEP and Bouncy Castle's ECIES
 * unwrap, AES-GCM, the codecs Java used (ZLIB flushed not finished, LZ4, SNAPPY) and batches.
 * Our own wrap and encrypt round-trip here; that Java reads them is the integration suite's
 * (test/integration/encryption.test.ts).
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import zlib from "node:zlib";
import { batchEntryId, splitBatch } from "../../../nodes/lib/protocol/batch";
import { canDecode, CodecError, decompress, lz4BlockDecode, snappyDecode } from "../../../nodes/lib/protocol/codecs";
import { decodeMessageId } from "../../../nodes/lib/protocol/message-id";
import {
  decryptPayload,
  eciesDecrypt,
  eciesEncrypt,
  encryptPayload,
  encryptionKeysParam,
  newDataKey,
  parseEncryptionContext,
  unwrapDataKey,
  wrapDataKey,
} from "../../../nodes/lib/protocol/message-crypto";
import { KeyFormatError, parsePrivateKey, parsePublicKey } from "../../../nodes/lib/protocol/pem-keys";
import { Decryptor, SessionEncryption } from "../../../nodes/lib/session/message-keys";

const FIXTURES = path.resolve(__dirname, "../../../../test/unit/fixtures/encryption");
const read = (name: string): string => fs.readFileSync(path.join(FIXTURES, name), "utf8");

interface Capture {
  keyName: string;
  privateKeyPem: string;
  codec: string;
  batching: boolean;
  frames: { messageId: string; payload: string; properties: Record<string, string>; key?: string; eventTime?: string; encryptionContext: unknown }[];
  sent: string[];
}

const capture = (name: string): Capture => JSON.parse(read(name)) as Capture;

/** Decrypts every frame of a capture; the payloads in order (batches split). */
function openAll(c: Capture): { payload: string; properties: Record<string, string>; key?: string; eventTime?: number | string }[] {
  const d = new Decryptor(new Map([[c.keyName, parsePrivateKey(c.privateKeyPem)]]));
  const out: { payload: string; properties: Record<string, string>; key?: string; eventTime?: number | string }[] = [];
  for (const f of c.frames) {
    const ctx = parseEncryptionContext(f.encryptionContext);
    assert.ok(ctx, "encryptionContext parses");
    const r = d.open(ctx, Buffer.from(f.payload, "base64"));
    assert.ok(r.ok, `decrypts: ${JSON.stringify(r)}`);
    if (r.batch) for (const e of r.entries) out.push({ payload: e.payload.toString("base64"), properties: e.properties, key: e.key, eventTime: e.eventTime });
    else out.push({ payload: r.payload.toString("base64"), properties: f.properties, key: f.key, eventTime: f.eventTime });
  }
  return out;
}

describe("protocol/message-crypto with Java's vectors", () => {
  it("RSA-OAEP, no batch, no codec: exact bytes, properties, key and event time", () => {
    const c = capture("java-rsa-none.json");
    const got = openAll(c);
    assert.deepEqual(got.map((g) => g.payload), c.sent);
    assert.deepEqual(got[1].properties, { kind: "java", i: "1" });
    assert.equal(got[1].key, "k-1");
    assert.equal(got[1].eventTime, "2023-11-14T22:13:20.001Z");
  });

  it("ECIES on secp256r1, a batch compressed with Java's flushed ZLIB: one entry each, own properties, key, event time", () => {
    const c = capture("java-p256-batch-zlib.json");
    assert.equal(c.frames.length, 1);
    const got = openAll(c);
    assert.deepEqual(got.map((g) => g.payload), c.sent);
    got.forEach((g, i) => {
      assert.deepEqual({ ...g.properties }, { i: String(i), kind: "java" });
      assert.equal(g.key, `k-${i}`);
      assert.equal(g.eventTime, 1700000000000 + i);
    });
  });

  it("ECIES on secp521r1 from a key with explicit parameters, a batch in LZ4", () => {
    const c = capture("java-p521explicit-batch-lz4.json");
    assert.deepEqual(openAll(c).map((g) => g.payload), c.sent);
  });

  it("ECIES on secp384r1, SNAPPY", () => {
    const c = capture("java-p384-snappy.json");
    assert.deepEqual(openAll(c).map((g) => g.payload), c.sent);
  });

  it("ZSTD: decoded where Node has zstd, else a failure naming the codec", () => {
    const c = capture("java-rsa-batch-zstd.json");
    if (canDecode("ZSTD")) {
      assert.deepEqual(openAll(c).map((g) => g.payload), c.sent);
      return;
    }
    const d = new Decryptor(new Map([[c.keyName, parsePrivateKey(c.privateKeyPem)]]));
    const r = d.open(parseEncryptionContext(c.frames[0].encryptionContext)!, Buffer.from(c.frames[0].payload, "base64"));
    assert.deepEqual(r, { ok: false, reason: "codec-unsupported", keyNames: ["rsa1"], codec: "ZSTD" });
  });

  it("a wrong or missing private key: a failure naming the message's key names, nothing else", () => {
    const c = capture("java-rsa-none.json");
    const ctx = parseEncryptionContext(c.frames[0].encryptionContext)!;
    const payload = Buffer.from(c.frames[0].payload, "base64");
    assert.deepEqual(new Decryptor(new Map()).open(ctx, payload), { ok: false, reason: "no-key", keyNames: ["rsa1"] });
    const other = { type: "rsa" as const, key: generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey };
    const wrong = new Decryptor(new Map([["rsa1", other]])).open(ctx, payload);
    assert.equal(wrong.ok, false);
    assert.equal(!wrong.ok && wrong.reason, "unwrap-failed");
    // The EC key under the RSA key's name: unwrapping fails, no exception.
    const ec = parsePrivateKey(read("p521-explicit.pem"));
    assert.equal(new Decryptor(new Map([["rsa1", ec]])).open(ctx, payload).ok, false);
  });

  it("a tampered payload fails GCM's tag check", () => {
    const c = capture("java-rsa-none.json");
    const ctx = parseEncryptionContext(c.frames[0].encryptionContext)!;
    const payload = Buffer.from(c.frames[0].payload, "base64");
    payload[3] ^= 1;
    const r = new Decryptor(new Map([[c.keyName, parsePrivateKey(c.privateKeyPem)]])).open(ctx, payload);
    assert.deepEqual(r, { ok: false, reason: "decrypt-failed", keyNames: ["rsa1"] });
  });

  it("unwraps a producer session's data key once (cached), not per message", () => {
    const c = capture("java-p384-snappy.json");
    const priv = parsePrivateKey(c.privateKeyPem);
    let loads = 0;
    const counting = new Map([[c.keyName, priv]]);
    const origGet = counting.get.bind(counting);
    counting.get = (k: string) => {
      loads++;
      return origGet(k);
    };
    const d = new Decryptor(counting);
    for (const f of c.frames) assert.ok(d.open(parseEncryptionContext(f.encryptionContext)!, Buffer.from(f.payload, "base64")).ok);
    assert.equal(c.frames.length, 2);
    assert.equal(loads, 1);
  });
});

describe("protocol/message-crypto, our side", () => {
  const keys = {
    rsa: [parsePublicKey(read("rsa.pub.pem")), parsePrivateKey(read("rsa.pem"))] as const,
    ec: [parsePublicKey(read("p521-explicit.pub.pem")), parsePrivateKey(read("p521-explicit.pem"))] as const,
  };

  for (const [name, [pub, priv]] of Object.entries(keys)) {
    it(`${name}: wraps a data key that unwraps to the same bytes, and a fresh wrap each time`, () => {
      const dk = newDataKey();
      const a = wrapDataKey(dk, pub);
      const b = wrapDataKey(dk, pub);
      assert.notDeepEqual(a, b);
      assert.deepEqual(unwrapDataKey(a, priv), dk);
    });
  }

  it("ECIES: V‖C‖T with the uncompressed ephemeral point and a 20-byte HMAC-SHA1", () => {
    const [pub, priv] = keys.ec;
    assert.equal(pub.type, "ec");
    if (pub.type !== "ec" || priv.type !== "ec") return;
    const wrapped = eciesEncrypt(pub.curve, pub.point, Buffer.alloc(32, 7));
    assert.equal(wrapped.length, 1 + 2 * 66 + 32 + 20);
    assert.equal(wrapped[0], 4);
    assert.deepEqual(eciesDecrypt(priv.curve, priv.d, wrapped), Buffer.alloc(32, 7));
    wrapped[wrapped.length - 1] ^= 1;
    assert.throws(() => eciesDecrypt(priv.curve, priv.d, wrapped));
  });

  it("AES-256-GCM: 12-byte IV, the 16-byte tag after the ciphertext", () => {
    const dk = newDataKey();
    const { iv, ciphertext } = encryptPayload(dk, Buffer.from("hello"));
    assert.equal(iv.length, 12);
    assert.equal(ciphertext.length, 5 + 16);
    assert.equal(decryptPayload(dk, iv, ciphertext).toString(), "hello");
  });

  it("SessionEncryption: the URL value names each key, frames decrypt with either private key, compressed with ZLIB", () => {
    const s = new SessionEncryption(
      [
        { name: "r", key: keys.rsa[0] },
        { name: "e", key: keys.ec[0] },
      ],
      "ZLIB",
    );
    const map = JSON.parse(Buffer.from(s.urlParam, "base64").toString()) as Record<string, { keyValue: string; metadata: object }>;
    assert.deepEqual(Object.keys(map), ["r", "e"]);
    const plain = Buffer.from("x".repeat(1000));
    const { payload, fields } = s.seal(plain);
    assert.equal(fields.compressionType, "ZLIB");
    assert.equal(fields.uncompressedMessageSize, 1000);
    assert.ok(payload.length < 200);
    const ctx = parseEncryptionContext({ keys: map, param: fields.encryptionParam, compressionType: "ZLIB", uncompressedMessageSize: 1000, batchSize: null })!;
    for (const [name, priv] of [["r", keys.rsa[1]], ["e", keys.ec[1]]] as const) {
      const r = new Decryptor(new Map([[name, priv]])).open(ctx, payload);
      assert.ok(r.ok && !r.batch && r.payload.equals(plain));
    }
  });

  it("encryptionKeysParam is base64 of {name: {keyValue, metadata}}", () => {
    const v = encryptionKeysParam([{ name: "k", value: Buffer.from([1, 2]), metadata: { a: "b" } }]);
    assert.deepEqual(JSON.parse(Buffer.from(v, "base64").toString()), { k: { keyValue: "AQI=", metadata: { a: "b" } } });
  });

  it("parseEncryptionContext refuses what is not one", () => {
    assert.equal(parseEncryptionContext(undefined), undefined);
    assert.equal(parseEncryptionContext({ keys: {}, param: "%%" }), undefined);
    assert.equal(parseEncryptionContext({ keys: { a: { keyValue: "AQI=" } }, param: "AAAAAAAAAAAAAAAA", compressionType: "BROTLI" }), undefined);
    assert.equal(parseEncryptionContext({ keys: { a: { keyValue: "AQI=" } }, param: "AAAAAAAAAAAAAAAA", batchSize: 3 })?.batchSize, 3);
  });
});

describe("protocol/pem-keys", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pem-keys-"));
  const openssl = (...args: string[]): string => execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "pipe", "ignore"] }).toString();
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  for (const curve of ["prime256v1", "secp384r1", "secp521r1"]) {
    for (const enc of ["named_curve", "explicit"]) {
      it(`EC ${curve} (${enc}), as openssl writes it: EC PARAMETERS + EC PRIVATE KEY, PKCS#8, PUBLIC KEY`, () => {
        openssl("ecparam", "-name", curve, "-genkey", "-param_enc", enc, "-out", "k.pem");
        openssl("ec", "-in", "k.pem", "-pubout", "-out", "pub.pem");
        openssl("pkcs8", "-topk8", "-nocrypt", "-in", "k.pem", "-out", "p8.pem");
        const pub = parsePublicKey(fs.readFileSync(path.join(dir, "pub.pem"), "utf8"));
        assert.equal(pub.type === "ec" && pub.curve.name, curve);
        const dk = newDataKey();
        for (const file of ["k.pem", "p8.pem"]) {
          const priv = parsePrivateKey(fs.readFileSync(path.join(dir, file), "utf8"));
          assert.deepEqual(unwrapDataKey(wrapDataKey(dk, pub), priv), dk);
        }
      });
    }
  }

  it("RSA: PKCS#1 and SPKI/PKCS#8 forms, and a certificate's public key", () => {
    openssl("genrsa", "-traditional", "-out", "r1.pem", "2048");
    openssl("rsa", "-in", "r1.pem", "-RSAPublicKey_out", "-out", "r1.pub1.pem");
    openssl("rsa", "-in", "r1.pem", "-pubout", "-out", "r1.pub.pem");
    openssl("req", "-new", "-x509", "-key", "r1.pem", "-subj", "/CN=k", "-days", "1", "-out", "r1.crt");
    const priv = parsePrivateKey(fs.readFileSync(path.join(dir, "r1.pem"), "utf8"));
    const dk = newDataKey();
    for (const f of ["r1.pub1.pem", "r1.pub.pem", "r1.crt"]) {
      assert.deepEqual(unwrapDataKey(wrapDataKey(dk, parsePublicKey(fs.readFileSync(path.join(dir, f), "utf8"))), priv), dk);
    }
  });

  it("refuses what it cannot use, without echoing the key", () => {
    openssl("ecparam", "-name", "secp256k1", "-genkey", "-out", "k1.pem");
    assert.throws(() => parsePrivateKey(fs.readFileSync(path.join(dir, "k1.pem"), "utf8")), (e: unknown) => e instanceof KeyFormatError && /unsupported EC curve/.test(e.message));
    assert.throws(() => parsePublicKey("nothing here"), KeyFormatError);
    const secret = fs.readFileSync(path.join(dir, "k1.pem"), "utf8");
    const body = secret.split("\n")[4];
    assert.throws(
      () => parsePrivateKey(secret.replace(body, body.slice(0, 10))),
      (e: unknown) => e instanceof KeyFormatError && !e.message.includes(body.slice(0, 10)),
    );
    assert.throws(() => parsePrivateKey(fs.readFileSync(path.join(dir, "r1.pub.pem"), "utf8")), KeyFormatError);
  });
});

describe("protocol/codecs and batch", () => {
  it("ZLIB: a stream flushed but not finished (as Java writes it) inflates", () => {
    const data = Buffer.from("abc".repeat(100));
    const flushed = zlib.deflateSync(data, { finishFlush: zlib.constants.Z_SYNC_FLUSH });
    assert.deepEqual(decompress("ZLIB", flushed, data.length), data);
    assert.throws(() => decompress("ZLIB", flushed, data.length + 1), CodecError);
  });

  it("LZ4 block: literals, an overlapping match, and refuses corrupt input", () => {
    // token 0x3? : 3 literals "abc", match offset 3 length 4+5=9 → "abcabcabcabc", then 0x10 + "z".
    const block = Buffer.from([0x35, 0x61, 0x62, 0x63, 0x03, 0x00, 0x10, 0x7a]);
    assert.equal(lz4BlockDecode(block, 13).toString(), "abcabcabcabcz");
    assert.throws(() => lz4BlockDecode(Buffer.from([0x35, 0x61, 0x62, 0x63, 0x09, 0x00]), 12));
  });

  it("Snappy block: literal and copy elements, and the declared length must match", () => {
    // length 12; literal "abc" (tag (3-1)<<2); copy-1 len 9? max 11 with 1-byte offset: len 9 → ((9-4)<<2)|1, offset 3.
    const block = Buffer.from([12, 0x08, 0x61, 0x62, 0x63, (5 << 2) | 1, 3]);
    assert.equal(snappyDecode(block, 12).toString(), "abcabcabcabc");
    assert.throws(() => snappyDecode(block, 11));
  });

  it("splitBatch reads SingleMessageMetadata entries; batchEntryId names each entry", () => {
    const entry = (meta: number[], payload: string): Buffer => {
      const m = Buffer.from(meta);
      const size = Buffer.alloc(4);
      size.writeUInt32BE(m.length);
      return Buffer.concat([size, m, Buffer.from(payload)]);
    };
    // properties {a: b}, partition_key "k", payload_size 2, event_time 5
    const e0 = entry([0x0a, 0x06, 0x0a, 0x01, 0x61, 0x12, 0x01, 0x62, 0x12, 0x01, 0x6b, 0x18, 0x02, 0x28, 0x05], "hi");
    const e1 = entry([0x18, 0x00], "");
    const got = splitBatch(Buffer.concat([e0, e1]), 2);
    assert.deepEqual({ ...got[0], payload: got[0].payload.toString() }, { payload: "hi", properties: { a: "b" }, key: "k", eventTime: 5 });
    assert.equal(got[1].payload.length, 0);
    assert.throws(() => splitBatch(Buffer.concat([e0, e1]), 3));
    const id = batchEntryId("CAcQAzAA", 1, 2);
    assert.deepEqual(decodeMessageId(id), { ledgerId: "7", entryId: "3", partition: -1, batchIndex: 1 });
  });
});
