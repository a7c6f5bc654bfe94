/**
 * pulsar-in and end-to-end encrypted messages, without Node-RED: a frame that carries an
 * `encryptionContext` (the consumer asks with cryptoFailureAction=CONSUME, so none is held back)
 * becomes the plaintext frame(s) it holds (a batch: one per entry, each with its own id,
 * properties, key and event time), or a failure that names the key names the message was
 * encrypted for, with the encrypted msg for `consume`. Never any key material.
 */
import { batchEntryId, type BatchEntry } from "./protocol/batch";
import { PulsarError } from "./protocol/errors";
import { parseEncryptionContext } from "./protocol/message-crypto";
import type { ConsumerMessageFrame } from "./protocol/server-frames";
import type { Decryptor } from "./session/message-keys";

export const CRYPTO_FAILURE_ACTIONS = ["fail", "discard", "consume"] as const;
export type CryptoFailureAction = (typeof CRYPTO_FAILURE_ACTIONS)[number];

export type Opened =
  | { ok: true; frames: ConsumerMessageFrame[]; /** Set for a batch: the entries' ids, in order. */ entryIds?: string[] }
  | { ok: false; error: PulsarError };

export function openEncrypted(frame: ConsumerMessageFrame, decryptor: Decryptor | undefined): Opened {
  const ctx = parseEncryptionContext(frame.encryptionContext);
  if (!ctx) return { ok: false, error: new PulsarError("server", "encryption-context-invalid") };
  const keys = ctx.keys.map((k) => k.name).join(", ") || "-";
  if (!decryptor) return { ok: false, error: new PulsarError("server", "decrypt-no-keys", { keys }) };
  const r = decryptor.open(ctx, Buffer.from(frame.payload, "base64"));
  if (!r.ok) {
    if (r.reason === "codec-unsupported") return { ok: false, error: new PulsarError("server", "decrypt-codec", { keys, codec: r.codec ?? "?" }) };
    return { ok: false, error: new PulsarError("server", `decrypt-${r.reason}`, { keys }) };
  }
  if (!r.batch) {
    const plain: ConsumerMessageFrame = { ...frame, payload: r.payload.toString("base64") };
    delete plain.encryptionContext;
    return { ok: true, frames: [plain] };
  }
  try {
    return { ok: true, ...batchFrames(frame, r.entries, ctx.batchSize ?? r.entries.length) };
  } catch (err) {
    // A message id that is not Pulsar's shape (a broken or hostile server): the batch cannot be split.
    return { ok: false, error: new PulsarError("server", "decrypt-corrupt", { keys, reason: err instanceof Error ? err.message : String(err) }) };
  }
}

function batchFrames(frame: ConsumerMessageFrame, entries: BatchEntry[], n: number): { frames: ConsumerMessageFrame[]; entryIds: string[] } {
  const base = { kind: "message" as const, publishTime: frame.publishTime, redeliveryCount: frame.redeliveryCount };
  const entryIds: string[] = [];
  const frames: ConsumerMessageFrame[] = [];
  entries.forEach((e, i) => {
    // An entry compaction removed is not delivered (Java's consumer skips it too).
    if (e.compactedOut) return;
    const messageId = batchEntryId(frame.messageId, i, n);
    entryIds.push(messageId);
    const f: ConsumerMessageFrame = { ...base, messageId, payload: e.payload.toString("base64"), properties: e.properties };
    if (f.publishTime === undefined) delete f.publishTime;
    if (e.key !== undefined) f.key = e.key;
    // A time beyond what a Date holds (any producer can write one) is left out, not thrown on.
    if (e.eventTime !== undefined && Number.isFinite(new Date(e.eventTime).getTime())) f.eventTime = new Date(e.eventTime).toISOString();
    frames.push(f);
  });
  return { frames, entryIds };
}
