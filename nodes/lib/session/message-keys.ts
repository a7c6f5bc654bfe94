/**
 * The stateful half of end-to-end encryption (the pure half is protocol/message-crypto.ts):
 *
 * - `SessionEncryption`: one producer session's data key, wrapped once for each public key, and
 *   the `encryptionKeys` URL value made from it. The session keeps it across reconnects, so a
 *   frame resent after a drop (its IV and ciphertext made once) stays readable.
 * - `Decryptor`: a consumer's private keys and the data keys it unwrapped, cached by the wrapped
 *   value (a producer session's key appears on every one of its messages: one RSA or ECDH
 *   operation per producer session, not per message).
 *
 * No key material leaves these objects: failures name key names only.
 */
import { randomBytes } from "node:crypto";
import { CodecError, compress, decompress, type Codec } from "../protocol/codecs";
import { BatchFormatError, splitBatch, type BatchEntry } from "../protocol/batch";
import {
  CryptoFailure,
  decryptPayload,
  encryptedFrame,
  encryptionKeysParam,
  encryptPayload,
  IV_BYTES,
  newDataKey,
  unwrapDataKey,
  wrapDataKey,
  type EncryptionContext,
  type EncryptionFrameFields,
} from "../protocol/message-crypto";
import type { PrivateKey, PublicKey } from "../protocol/pem-keys";
import type { PreparedFrame } from "../protocol/produce";

export interface NamedPublicKey {
  name: string;
  key: PublicKey;
}

/** IVs drawn in bulk: one randomBytes call costs about as much as encrypting 1 KiB. */
const IV_POOL_BYTES = IV_BYTES * 1024;

export class SessionEncryption {
  private readonly dataKey = newDataKey();
  private ivPool = Buffer.alloc(0);
  private ivAt = 0;
  /** The producer URL's `encryptionKeys` (base64 JSON, not yet URL-encoded). */
  readonly urlParam: string;

  constructor(
    keys: readonly NamedPublicKey[],
    private readonly codec: Codec = "NONE",
  ) {
    this.urlParam = encryptionKeysParam(keys.map(({ name, key }) => ({ name, value: wrapDataKey(this.dataKey, key), metadata: {} })));
  }

  /** Compresses (when asked) and encrypts one payload: the frame's payload and encryption fields. */
  seal(plaintext: Buffer): { payload: Buffer; fields: EncryptionFrameFields } {
    const compressed = compress(this.codec, plaintext);
    const { iv, ciphertext } = encryptPayload(this.dataKey, compressed, this.nextIv());
    return {
      payload: ciphertext,
      fields: { encryptionParam: iv.toString("base64"), compressionType: this.codec, uncompressedMessageSize: plaintext.length },
    };
  }

  /** A fresh random IV (never reused: each comes from a new stretch of the pool). */
  private nextIv(): Buffer {
    if (this.ivAt + IV_BYTES > this.ivPool.length) {
      this.ivPool = randomBytes(IV_POOL_BYTES);
      this.ivAt = 0;
    }
    const iv = this.ivPool.subarray(this.ivAt, this.ivAt + IV_BYTES);
    this.ivAt += IV_BYTES;
    return iv;
  }

  /** The encrypted form of a prepared produce frame (ProducerSessionOptions.seal). */
  sealFrame(frame: PreparedFrame): PreparedFrame {
    const plain = typeof frame.payload === "string" ? Buffer.from(frame.payload, "utf8") : frame.payload;
    const { payload, fields } = this.seal(plain);
    return encryptedFrame(frame, payload, fields);
  }
}

export type OpenResult =
  | { ok: true; batch: false; payload: Buffer }
  | { ok: true; batch: true; entries: BatchEntry[] }
  | { ok: false; reason: "no-key" | "unwrap-failed" | "decrypt-failed" | "codec-unsupported" | "corrupt"; keyNames: string[]; codec?: Codec };

const MAX_CACHED = 1000;

export class Decryptor {
  /** Wrapped data key (base64) → data key. */
  private readonly cache = new Map<string, Buffer>();

  constructor(private readonly privateKeys: ReadonlyMap<string, PrivateKey>) {}

  get hasKeys(): boolean {
    return this.privateKeys.size > 0;
  }

  open(ctx: EncryptionContext, ciphertext: Buffer): OpenResult {
    const keyNames = ctx.keys.map((k) => k.name);
    let plain: Buffer | undefined;
    let reason: "no-key" | "unwrap-failed" | "decrypt-failed" = "no-key";
    for (const wrapped of ctx.keys) {
      const cacheKey = wrapped.value.toString("base64");
      let dataKey = this.cache.get(cacheKey);
      if (!dataKey) {
        const priv = this.privateKeys.get(wrapped.name);
        if (!priv) continue;
        try {
          dataKey = unwrapDataKey(wrapped.value, priv);
        } catch {
          reason = "unwrap-failed";
          continue;
        }
        if (this.cache.size >= MAX_CACHED) this.cache.delete(this.cache.keys().next().value as string);
        this.cache.set(cacheKey, dataKey);
      }
      try {
        plain = decryptPayload(dataKey, ctx.param, ciphertext);
        break;
      } catch (err) {
        reason = err instanceof CryptoFailure && err.reason === "bad-data-key" ? "unwrap-failed" : "decrypt-failed";
      }
    }
    if (!plain) return { ok: false, reason, keyNames };
    let bytes: Buffer;
    try {
      bytes = decompress(ctx.compressionType, plain, ctx.uncompressedMessageSize);
    } catch (err) {
      const unsupported = err instanceof CodecError && err.reason === "unsupported";
      return { ok: false, reason: unsupported ? "codec-unsupported" : "corrupt", keyNames, codec: ctx.compressionType };
    }
    if (ctx.batchSize === undefined) return { ok: true, batch: false, payload: bytes };
    try {
      return { ok: true, batch: true, entries: splitBatch(bytes, ctx.batchSize) };
    } catch (err) {
      if (err instanceof BatchFormatError) return { ok: false, reason: "corrupt", keyNames };
      throw err;
    }
  }
}
