/**
 * A batch as Pulsar's Java client writes it (batching is on by default there): the message's
 * payload is its entries one after another, each a 4-byte big-endian size, a
 * `SingleMessageMetadata` protobuf of that size, then `payload_size` bytes of payload. The
 * WebSocket service splits batches itself, except those it cannot decrypt: with
 * `cryptoFailureAction=CONSUME` an encrypted batch arrives as one frame whose
 * `encryptionContext.batchSize` says how many entries are inside. Pure.
 *
 * SingleMessageMetadata (PulsarApi.proto): 1 properties (KeyValue: 1 key, 2 value), 2
 * partition_key, 3 payload_size, 4 compacted_out, 5 event_time, 6 partition_key_b64_encoded,
 * 7 ordering_key, 8 sequence_id, 9 null_value, 10 null_partition_key.
 */

export interface BatchEntry {
  payload: Buffer;
  properties: Record<string, string>;
  key?: string;
  /** The key is base64 of bytes (a Java producer's keyBytes). */
  keyBase64?: boolean;
  /** Epoch ms, when the producer set one. */
  eventTime?: number;
  sequenceId?: string;
  /** Removed by compaction: not delivered (as Java's consumer skips it). */
  compactedOut?: boolean;
  nullValue?: boolean;
}

export class BatchFormatError extends Error {}

const MAX_ENTRIES = 100_000;

/** Splits a decrypted, decompressed batch of `count` entries; throws BatchFormatError when it is not one. */
export function splitBatch(bytes: Buffer, count: number): BatchEntry[] {
  if (!Number.isInteger(count) || count < 1 || count > MAX_ENTRIES) throw new BatchFormatError("bad batch size");
  const out: BatchEntry[] = [];
  let pos = 0;
  for (let i = 0; i < count; i++) {
    if (pos + 4 > bytes.length) throw new BatchFormatError("batch shorter than its entry count");
    const metaSize = bytes.readUInt32BE(pos);
    pos += 4;
    if (pos + metaSize > bytes.length) throw new BatchFormatError("entry metadata runs past the batch");
    const { entry, payloadSize } = readSingleMetadata(bytes.subarray(pos, pos + metaSize));
    pos += metaSize;
    if (pos + payloadSize > bytes.length) throw new BatchFormatError("entry payload runs past the batch");
    entry.payload = bytes.subarray(pos, pos + payloadSize);
    pos += payloadSize;
    out.push(entry);
  }
  return out;
}

interface Reader {
  buf: Buffer;
  pos: number;
}

function varint(r: Reader): bigint {
  let value = 0n;
  for (let shift = 0n; shift < 70n; shift += 7n) {
    if (r.pos >= r.buf.length) throw new BatchFormatError("truncated varint");
    const b = r.buf[r.pos++];
    value |= BigInt(b & 0x7f) << shift;
    if (!(b & 0x80)) return value;
  }
  throw new BatchFormatError("varint too long");
}

function lengthDelimited(r: Reader): Buffer {
  const len = Number(varint(r));
  if (r.pos + len > r.buf.length) throw new BatchFormatError("field runs past its message");
  const out = r.buf.subarray(r.pos, r.pos + len);
  r.pos += len;
  return out;
}

function skip(r: Reader, wire: number): void {
  if (wire === 0) varint(r);
  else if (wire === 1) r.pos += 8;
  else if (wire === 2) lengthDelimited(r);
  else if (wire === 5) r.pos += 4;
  else throw new BatchFormatError(`unsupported wire type ${wire}`);
  if (r.pos > r.buf.length) throw new BatchFormatError("field runs past its message");
}

function readSingleMetadata(buf: Buffer): { entry: BatchEntry; payloadSize: number } {
  const r: Reader = { buf, pos: 0 };
  const entry: BatchEntry = { payload: Buffer.alloc(0), properties: {} };
  let payloadSize: number | undefined;
  while (r.pos < buf.length) {
    const tag = Number(varint(r));
    const field = tag >>> 3;
    const wire = tag & 7;
    if (field === 1 && wire === 2) {
      const [k, v] = readKeyValue(lengthDelimited(r));
      Object.defineProperty(entry.properties, k, { value: v, enumerable: true, writable: true, configurable: true });
    } else if (field === 2 && wire === 2) entry.key = lengthDelimited(r).toString("utf8");
    else if (field === 3 && wire === 0) payloadSize = Number(BigInt.asIntN(32, varint(r)));
    else if (field === 4 && wire === 0) entry.compactedOut = varint(r) !== 0n;
    else if (field === 5 && wire === 0) {
      const t = varint(r);
      if (t !== 0n) entry.eventTime = Number(t);
    } else if (field === 6 && wire === 0) entry.keyBase64 = varint(r) !== 0n;
    else if (field === 8 && wire === 0) entry.sequenceId = varint(r).toString();
    else if (field === 9 && wire === 0) entry.nullValue = varint(r) !== 0n;
    else skip(r, wire);
  }
  if (payloadSize === undefined || payloadSize < 0) throw new BatchFormatError("entry without payload_size");
  return { entry, payloadSize };
}

function readKeyValue(buf: Buffer): [string, string] {
  const r: Reader = { buf, pos: 0 };
  let key = "";
  let value = "";
  while (r.pos < buf.length) {
    const tag = Number(varint(r));
    if (tag === 0x0a) key = lengthDelimited(r).toString("utf8");
    else if (tag === 0x12) value = lengthDelimited(r).toString("utf8");
    else skip(r, tag & 7);
  }
  return [key, value];
}

/** The id of entry `index` of the batch with id `batchId`: MessageIdData with batch_index and batch_size. */
export function batchEntryId(batchId: string, index: number, size: number): string {
  const bytes = Buffer.from(batchId, "base64");
  // Keep ledger, entry, partition (fields 1-3); set batch_index (4) and batch_size (6).
  const r: Reader = { buf: bytes, pos: 0 };
  const keep: Buffer[] = [];
  while (r.pos < bytes.length) {
    const start = r.pos;
    const tag = Number(varint(r));
    skip(r, tag & 7);
    if (tag >>> 3 <= 3) keep.push(bytes.subarray(start, r.pos));
  }
  keep.push(Buffer.from([0x20, ...varintBytes(index), 0x30, ...varintBytes(size)]));
  return Buffer.concat(keep).toString("base64");
}

function varintBytes(n: number): number[] {
  const out: number[] = [];
  let v = n;
  while (v >= 0x80) {
    out.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return out;
}
