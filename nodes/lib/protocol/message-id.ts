/**
 * Pulsar message ids: base64 of the protobuf `MessageIdData` (ledgerId = 1, entryId = 2,
 * partition = 3, batch_index = 4, batch_size = 6; docs/pulsar-websocket.md, "Message ids").
 * Pulsar itself treats the id as opaque on the WebSocket API; we read it only for the
 * partition index (msg.pulsar.partition) and to hand ledger and entry to the admin REST API
 * (reset-cursor to a message id), and we write one only for a reader that starts at a time.
 * ledgerId and entryId are uint64: kept as decimal strings, never as lossy JS numbers.
 */
import { decodeBase64Strict } from "./base64";

export interface MessageIdParts {
  ledgerId: string;
  entryId: string;
  /** -1 for a non-partitioned topic (Pulsar writes the field only when ≥ 0). */
  partition: number;
  batchIndex?: number;
}

/** Reads a varint at `pos`; undefined when it runs past the end or beyond 64 bits. */
function readVarint(bytes: Buffer, pos: number): { value: bigint; next: number } | undefined {
  let value = 0n;
  let shift = 0n;
  for (let i = pos; i < bytes.length && shift < 70n; i++) {
    const b = bytes[i];
    value |= BigInt(b & 0x7f) << shift;
    if ((b & 0x80) === 0) return { value, next: i + 1 };
    shift += 7n;
  }
  return undefined;
}

/** int32 fields travel as (sign-extended) varints: -1 is ten 0xff…01 bytes. */
function asInt32(value: bigint): number {
  return Number(BigInt.asIntN(32, value));
}

/** One field of a MessageIdData as it lies in the bytes: [start, end) covers its tag too. */
interface Field {
  field: number;
  start: number;
  end: number;
  /** The value of a varint field. */
  value?: bigint;
}

/** Splits the bytes into their fields; undefined when they are not a well-formed protobuf message. */
function scanFields(bytes: Buffer): Field[] | undefined {
  const fields: Field[] = [];
  let pos = 0;
  while (pos < bytes.length) {
    const start = pos;
    const tag = readVarint(bytes, pos);
    if (!tag) return undefined;
    pos = tag.next;
    const field = Number(tag.value >> 3n);
    const wire = Number(tag.value & 7n);
    let value: bigint | undefined;
    if (wire === 0) {
      const v = readVarint(bytes, pos);
      if (!v) return undefined;
      pos = v.next;
      value = v.value;
    } else if (wire === 2) {
      const len = readVarint(bytes, pos);
      if (!len || len.next + Number(len.value) > bytes.length) return undefined;
      pos = len.next + Number(len.value);
    } else if (wire === 1) {
      pos += 8;
    } else if (wire === 5) {
      pos += 4;
    } else {
      return undefined;
    }
    if (pos > bytes.length) return undefined;
    fields.push({ field, start, end: pos, value });
  }
  return fields;
}

/** Decodes the fields we use; undefined for anything that is not a MessageIdData. */
export function decodeMessageId(base64: string): MessageIdParts | undefined {
  const bytes = decodeBase64Strict(base64);
  const fields = bytes && scanFields(bytes);
  if (!fields) return undefined;
  let ledger: bigint | undefined;
  let entry: bigint | undefined;
  let partition = -1;
  let batchIndex: number | undefined;
  for (const { field, value } of fields) {
    if (value === undefined) continue;
    if (field === 1) ledger = BigInt.asUintN(64, value);
    else if (field === 2) entry = BigInt.asUintN(64, value);
    else if (field === 3) partition = asInt32(value);
    else if (field === 4) batchIndex = asInt32(value);
  }
  if (ledger === undefined || entry === undefined) return undefined;
  const parts: MessageIdParts = { ledgerId: ledger.toString(), entryId: entry.toString(), partition };
  if (batchIndex !== undefined && batchIndex >= 0) parts.batchIndex = batchIndex;
  return parts;
}

/**
 * The id with its partition index set, as Pulsar writes it for a message of a partitioned
 * topic: a producer session on `topic-partition-K` is answered with ids that carry none, while a
 * consumer of the topic sees the same message with K. Every other field stays byte for byte; the
 * partition goes in field order, so the text equals the consumer's. An id that already has a
 * partition, or cannot be read, is returned as it is.
 */
export function withPartition(base64: string, partition: number): string {
  const bytes = decodeBase64Strict(base64);
  const fields = bytes && scanFields(bytes);
  if (!bytes || !fields || fields.some((f) => f.field === 3)) return base64;
  const at = fields.find((f) => f.field > 3)?.start ?? bytes.length;
  const tag: number[] = [0x18];
  writeVarint(tag, BigInt(partition));
  return Buffer.concat([bytes.subarray(0, at), Buffer.from(tag), bytes.subarray(at)]).toString("base64");
}

/**
 * The partition index a message id carries, -1 when none (or when it cannot be read: the same
 * ids decodeMessageId refuses). Read for every consumed message, so it scans with plain numbers
 * and reads only field 3: the BigInt reading of ledger and entry cost more than the rest of a
 * message's decoding.
 */
export function partitionOf(base64: string): number {
  const bytes = decodeBase64Strict(base64);
  if (!bytes) return -1;
  let partition = -1;
  let seen = 0; // bit 1: ledgerId, bit 2: entryId
  let pos = 0;
  while (pos < bytes.length) {
    const tag = readSmallVarint(bytes, pos);
    if (tag < 0) return -1;
    pos = varintEnd;
    const field = Math.floor(tag / 8);
    const wire = tag % 8;
    if (wire === 0) {
      if (field === 3) {
        // An int32 as a (sign-extended) varint: its low 32 bits, signed.
        let low = 0;
        for (let i = pos, shift = 0; i < bytes.length && shift < 32; i++, shift += 7) {
          low |= (bytes[i] & 0x7f) << shift;
          if ((bytes[i] & 0x80) === 0) break;
        }
        if (readSmallVarint(bytes, pos) === -2) return -1;
        partition = low | 0;
      } else if (readSmallVarint(bytes, pos) === -2) {
        return -1;
      }
      if (field === 1) seen |= 1;
      else if (field === 2) seen |= 2;
      pos = varintEnd;
    } else if (wire === 2) {
      const len = readSmallVarint(bytes, pos);
      if (len === -2 || varintEnd + len > bytes.length) return -1;
      pos = varintEnd + len;
    } else if (wire === 1) {
      pos += 8;
    } else if (wire === 5) {
      pos += 4;
    } else {
      return -1;
    }
    if (pos > bytes.length) return -1;
  }
  return seen === 3 ? partition : -1;
}

/** Where the last readSmallVarint ended (saves an object per varint on the per-message path). */
let varintEnd = 0;

/**
 * A varint at `pos` as a number (exact up to 2^53, larger ones only need to compare as large):
 * -2 when it runs past the end or beyond 10 bytes, as readVarint refuses; its end in varintEnd.
 */
function readSmallVarint(bytes: Buffer, pos: number): number {
  let value = 0;
  let scale = 1;
  for (let i = pos, n = 0; i < bytes.length && n < 10; i++, n++) {
    const b = bytes[i];
    value += (b & 0x7f) * scale;
    if ((b & 0x80) === 0) {
      varintEnd = i + 1;
      return value;
    }
    scale *= 128;
  }
  return -2;
}

function writeVarint(out: number[], value: bigint): void {
  let v = BigInt.asUintN(64, value);
  while (v >= 0x80n) {
    out.push(Number((v & 0x7fn) | 0x80n));
    v >>= 7n;
  }
  out.push(Number(v));
}

/**
 * Encodes ledger, entry and partition as Pulsar's client writes them (partition only when ≥ 0,
 * batch_size 0 always), e.g. ledger 7, entry 3 → `CAcQAzAA`. An entry of -1 is "before the
 * first entry of that ledger", which Pulsar accepts as an (exclusive) reader start.
 */
export function encodeMessageId(ledgerId: string | number | bigint, entryId: string | number | bigint, partition = -1): string {
  const out: number[] = [];
  out.push(0x08);
  writeVarint(out, BigInt(ledgerId));
  out.push(0x10);
  writeVarint(out, BigInt(entryId));
  if (partition >= 0) {
    out.push(0x18);
    writeVarint(out, BigInt(partition));
  }
  out.push(0x30, 0x00);
  return Buffer.from(out).toString("base64");
}
