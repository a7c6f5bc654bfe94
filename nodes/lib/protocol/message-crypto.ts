/**
 * Pulsar's end-to-end encryption, as its Java client does it (MessageCryptoBc) and as the
 * WebSocket service passes it through (PIP-290), in pure functions:
 *
 * - a message is AES-GCM encrypted (no padding, 12-byte IV, 16-byte tag appended) with a data key
 *   (AES-256, one per producer session);
 * - the data key is wrapped for each public key: RSA with OAEP (SHA-1, MGF1 with SHA-1), or EC
 *   with Bouncy Castle's "ECIES" cipher, which is IEEE 1363a DHAES in stream mode:
 *   an ephemeral key pair on the recipient's curve; Z = the ECDH shared x-coordinate (field
 *   length); K = KDF2-SHA1(V‖Z) where V is the ephemeral public point, uncompressed;
 *   the first 16 bytes of K are the MAC key, the rest XOR the data key; the tag is HMAC-SHA1 over
 *   the ciphertext followed by an 8-byte zero length tag (no encoding vector). Output V‖C‖T.
 *   Bouncy Castle before 1.56 wrote a 4-byte length tag: accepted when reading.
 * - the producer URL carries the wrapped keys as `encryptionKeys` = base64 of
 *   `{"<name>":{"keyValue":"<base64>","metadata":{…}}}`; each produce frame `encryptionParam`
 *   (the IV, base64), `compressionType` and `uncompressedMessageSize`.
 * - a consumer with `cryptoFailureAction=CONSUME` gets each encrypted message's
 *   `encryptionContext` (`keys`, `param`, `compressionType`, `uncompressedMessageSize`, `batchSize`).
 */
import {
  constants,
  createCipheriv,
  createDecipheriv,
  createECDH,
  createHash,
  createHmac,
  privateDecrypt,
  publicEncrypt,
  randomBytes,
  timingSafeEqual,
} from "node:crypto";
import { decodeBase64Strict } from "./base64";
import type { Codec } from "./codecs";
import { CODECS } from "./codecs";
import type { Curve, PrivateKey, PublicKey } from "./pem-keys";
import type { PreparedFrame } from "./produce";

export const DATA_KEY_BYTES = 32;
export const IV_BYTES = 12;
const TAG_BYTES = 16;
const ECIES_MAC_KEY_BYTES = 16;
const ECIES_TAG_BYTES = 20;

export function newDataKey(): Buffer {
  return randomBytes(DATA_KEY_BYTES);
}

function gcmName(key: Buffer): "aes-128-gcm" | "aes-192-gcm" | "aes-256-gcm" {
  switch (key.length) {
    case 16:
      return "aes-128-gcm";
    case 24:
      return "aes-192-gcm";
    case 32:
      return "aes-256-gcm";
    default:
      throw new CryptoFailure("bad-data-key");
  }
}

/** Why a message could not be decrypted (no key material in it). */
export class CryptoFailure extends Error {
  constructor(readonly reason: "no-key" | "bad-data-key" | "unwrap-failed" | "decrypt-failed" | "bad-context") {
    super(reason);
  }
}

export interface Encrypted {
  iv: Buffer;
  ciphertext: Buffer;
}

export function encryptPayload(dataKey: Buffer, plaintext: Buffer, iv: Buffer = randomBytes(IV_BYTES)): Encrypted {
  const cipher = createCipheriv(gcmName(dataKey), dataKey, iv, { authTagLength: TAG_BYTES });
  const body = cipher.update(plaintext);
  const final = cipher.final();
  return { iv, ciphertext: Buffer.concat([body, final, cipher.getAuthTag()]) };
}

/** Throws CryptoFailure("decrypt-failed") when the key or the bytes are wrong (GCM tag). */
export function decryptPayload(dataKey: Buffer, iv: Buffer, ciphertext: Buffer): Buffer {
  if (ciphertext.length < TAG_BYTES) throw new CryptoFailure("decrypt-failed");
  try {
    const decipher = createDecipheriv(gcmName(dataKey), dataKey, iv, { authTagLength: TAG_BYTES });
    decipher.setAuthTag(ciphertext.subarray(ciphertext.length - TAG_BYTES));
    const body = decipher.update(ciphertext.subarray(0, ciphertext.length - TAG_BYTES));
    return Buffer.concat([body, decipher.final()]);
  } catch (err) {
    if (err instanceof CryptoFailure) throw err;
    throw new CryptoFailure("decrypt-failed");
  }
}

/** The data key wrapped for one public key, as Pulsar stores it in the message metadata. */
export function wrapDataKey(dataKey: Buffer, key: PublicKey): Buffer {
  if (key.type === "rsa") {
    return publicEncrypt({ key: key.key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: "sha1" }, dataKey);
  }
  return eciesEncrypt(key.curve, key.point, dataKey);
}

/** Throws CryptoFailure("unwrap-failed") when this private key cannot unwrap it. */
export function unwrapDataKey(wrapped: Buffer, key: PrivateKey): Buffer {
  try {
    if (key.type === "rsa") {
      return privateDecrypt({ key: key.key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: "sha1" }, wrapped);
    }
    return eciesDecrypt(key.curve, key.d, wrapped);
  } catch {
    throw new CryptoFailure("unwrap-failed");
  }
}

/** KDF2 (ISO 18033-2) with SHA-1: SHA1(Z‖counter) for counter = 1, 2, … */
function kdf2Sha1(z: Buffer, length: number): Buffer {
  const out = Buffer.alloc(length);
  const counter = Buffer.alloc(4);
  for (let off = 0, i = 1; off < length; i++) {
    counter.writeUInt32BE(i);
    const block = createHash("sha1").update(z).update(counter).digest();
    block.copy(out, off, 0, Math.min(block.length, length - off));
    off += block.length;
  }
  return out;
}

function eciesMac(macKey: Buffer, c: Buffer, lengthTagBytes: number): Buffer {
  return createHmac("sha1", macKey).update(c).update(Buffer.alloc(lengthTagBytes)).digest();
}

export function eciesEncrypt(curve: Curve, recipient: Buffer, plaintext: Buffer, ephemeralPrivate?: Buffer): Buffer {
  const ecdh = createECDH(curve.name);
  if (ephemeralPrivate) ecdh.setPrivateKey(ephemeralPrivate);
  else ecdh.generateKeys();
  const v = ecdh.getPublicKey(null, "uncompressed");
  const z = ecdh.computeSecret(recipient);
  const k = kdf2Sha1(Buffer.concat([v, z]), ECIES_MAC_KEY_BYTES + plaintext.length);
  const c = Buffer.alloc(plaintext.length);
  for (let i = 0; i < c.length; i++) c[i] = plaintext[i] ^ k[ECIES_MAC_KEY_BYTES + i];
  return Buffer.concat([v, c, eciesMac(k.subarray(0, ECIES_MAC_KEY_BYTES), c, 8)]);
}

export function eciesDecrypt(curve: Curve, d: Buffer, wrapped: Buffer): Buffer {
  // V is an uncompressed (04) or compressed (02/03) point.
  const first = wrapped[0];
  const vLen = first === 0x04 ? 1 + 2 * curve.fieldBytes : first === 0x02 || first === 0x03 ? 1 + curve.fieldBytes : -1;
  if (vLen < 0 || wrapped.length <= vLen + ECIES_TAG_BYTES) throw new CryptoFailure("unwrap-failed");
  const v = wrapped.subarray(0, vLen);
  const c = wrapped.subarray(vLen, wrapped.length - ECIES_TAG_BYTES);
  const t = wrapped.subarray(wrapped.length - ECIES_TAG_BYTES);
  const ecdh = createECDH(curve.name);
  ecdh.setPrivateKey(d);
  const z = ecdh.computeSecret(v);
  const k = kdf2Sha1(Buffer.concat([v, z]), ECIES_MAC_KEY_BYTES + c.length);
  const macKey = k.subarray(0, ECIES_MAC_KEY_BYTES);
  if (!timingSafeEqual(eciesMac(macKey, c, 8), t) && !timingSafeEqual(eciesMac(macKey, c, 4), t)) {
    throw new CryptoFailure("unwrap-failed");
  }
  const out = Buffer.alloc(c.length);
  for (let i = 0; i < c.length; i++) out[i] = c[i] ^ k[ECIES_MAC_KEY_BYTES + i];
  return out;
}

export interface WrappedKey {
  name: string;
  value: Buffer;
  metadata: Record<string, string>;
}

/** The producer URL's `encryptionKeys` value (before URL encoding): base64 of the JSON map. */
export function encryptionKeysParam(keys: readonly WrappedKey[]): string {
  const map: Record<string, { keyValue: string; metadata: Record<string, string> }> = Object.create(null) as Record<string, never>;
  for (const k of keys) map[k.name] = { keyValue: k.value.toString("base64"), metadata: k.metadata };
  return Buffer.from(JSON.stringify(map), "utf8").toString("base64");
}

/** The fields a produce frame carries in client-side encryption mode. */
export interface EncryptionFrameFields {
  encryptionParam: string;
  compressionType: Codec;
  uncompressedMessageSize: number;
}

/** A consumed message's `encryptionContext`, checked. */
export interface EncryptionContext {
  keys: WrappedKey[];
  param: Buffer;
  compressionType: Codec;
  uncompressedMessageSize: number;
  /** Present when the message is a batch (its entry count). */
  batchSize?: number;
}

const MAX_KEYS = 64;
const MAX_KEY_VALUE = 4096;

/** Reads `encryptionContext` as Pulsar writes it; undefined when it is not one. */
export function parseEncryptionContext(value: unknown): EncryptionContext | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  const o = value as Record<string, unknown>;
  const param = typeof o.param === "string" ? decodeBase64Strict(o.param) : undefined;
  if (!param || param.length === 0 || param.length > 64) return undefined;
  if (typeof o.keys !== "object" || o.keys === null || Array.isArray(o.keys)) return undefined;
  const keys: WrappedKey[] = [];
  for (const [name, entry] of Object.entries(o.keys as Record<string, unknown>)) {
    if (keys.length >= MAX_KEYS || typeof entry !== "object" || entry === null) return undefined;
    const e = entry as Record<string, unknown>;
    const v = typeof e.keyValue === "string" && e.keyValue.length <= MAX_KEY_VALUE ? decodeBase64Strict(e.keyValue) : undefined;
    if (!v) return undefined;
    const metadata: Record<string, string> = {};
    if (typeof e.metadata === "object" && e.metadata !== null) {
      for (const [mk, mv] of Object.entries(e.metadata as Record<string, unknown>)) if (typeof mv === "string") Object.defineProperty(metadata, mk, { value: mv, enumerable: true });
    }
    keys.push({ name, value: v, metadata });
  }
  const compressionType = o.compressionType === undefined || o.compressionType === null ? "NONE" : o.compressionType;
  if (typeof compressionType !== "string" || !(CODECS as readonly string[]).includes(compressionType)) return undefined;
  const size = o.uncompressedMessageSize;
  const uncompressedMessageSize = typeof size === "number" && Number.isInteger(size) && size >= 0 ? size : 0;
  const ctx: EncryptionContext = { keys, param, compressionType: compressionType as Codec, uncompressedMessageSize };
  const batch = batchSizeOf(o.batchSize);
  if (batch !== undefined) ctx.batchSize = batch;
  return ctx;
}

/** Jackson writes Optional<Integer> as the number (Jdk8Module) or null; be lenient. */
function batchSizeOf(value: unknown): number | undefined {
  if (typeof value === "number" && Number.isInteger(value) && value > 0) return value;
  if (typeof value === "object" && value !== null) {
    const o = value as Record<string, unknown>;
    if (o.present === true && typeof o.value === "number") return batchSizeOf(o.value);
  }
  return undefined;
}

/**
 * A prepared produce frame with its payload replaced by the encrypted bytes and the encryption
 * fields added (produce.ts's PreparedFrame shape: the payload, the other members as JSON text).
 */
export function encryptedFrame(frame: PreparedFrame, payload: Buffer, fields: EncryptionFrameFields): PreparedFrame {
  const members = `"encryptionParam":${JSON.stringify(fields.encryptionParam)},"compressionType":"${fields.compressionType}","uncompressedMessageSize":${fields.uncompressedMessageSize}`;
  const rest = frame.rest ? `${frame.rest},${members}` : members;
  const bytes = frame.bytes - 4 * Math.ceil(frame.payloadBytes / 3) + 4 * Math.ceil(payload.length / 3) + members.length + 1;
  const out: PreparedFrame = { payload, rest, payloadBytes: payload.length, bytes };
  return frame.key === undefined ? out : { ...out, key: frame.key };
}
