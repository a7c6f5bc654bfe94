// Pulsar's MessageIdData protobuf (PulsarApi.proto), the bytes behind every WebSocket `messageId`.
// Only what the fake needs: write ledger/entry exactly like MessageIdImpl.toByteArray, and read any
// well-formed MessageIdData a client echoes back (unknown fields skipped, required fields enforced).

import { decodeJavaBase64 } from "./java-compat";

export interface MessageIdParts {
  readonly ledgerId: number;
  readonly entryId: number;
}

const LEDGER_ID_FIELD = 1;
const ENTRY_ID_FIELD = 2;
const BATCH_SIZE_FIELD = 6;

const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_LENGTH_DELIMITED = 2;
const WIRE_FIXED32 = 5;

/** Non-batched, non-partitioned id as the server writes it: ledger, entry and batch_size=0 (docs/pulsar-websocket.md, "Message ids"). */
export function encodeMessageId(id: MessageIdParts): Buffer {
  return Buffer.from([
    ...tag(LEDGER_ID_FIELD, WIRE_VARINT), ...varint(id.ledgerId),
    ...tag(ENTRY_ID_FIELD, WIRE_VARINT), ...varint(id.entryId),
    ...tag(BATCH_SIZE_FIELD, WIRE_VARINT), ...varint(0),
  ]);
}

/** The base64 string clients see in acks and message frames, e.g. ledger 7 entry 3 → "CAcQAzAA". */
export function messageIdToBase64(id: MessageIdParts): string {
  return encodeMessageId(id).toString("base64");
}

/** What the server does with a client's id: Base64.getDecoder() then MessageIdData parsing; throws like it. */
export function parseBase64MessageId(text: string): MessageIdParts {
  return decodeMessageId(decodeJavaBase64(text));
}

/** Parses MessageIdData bytes; throws on truncated input, bad wire types or missing ledgerId/entryId. */
export function decodeMessageId(bytes: Buffer): MessageIdParts {
  const reader = new ProtobufReader(bytes);
  let ledgerId: number | undefined;
  let entryId: number | undefined;
  while (!reader.done()) {
    const key = reader.varint();
    const field = Math.floor(key / 8);
    const wireType = key % 8;
    if (field === LEDGER_ID_FIELD && wireType === WIRE_VARINT) {
      ledgerId = reader.varint();
    } else if (field === ENTRY_ID_FIELD && wireType === WIRE_VARINT) {
      entryId = reader.varint();
    } else {
      reader.skip(wireType);
    }
  }
  if (ledgerId === undefined || entryId === undefined) {
    throw new Error("Some required fields are missing in MessageIdData");
  }
  return { ledgerId, entryId };
}

function tag(field: number, wireType: number): number[] {
  return varint(field * 8 + wireType);
}

function varint(value: number): number[] {
  const bytes: number[] = [];
  let remaining = BigInt(value);
  do {
    const low = Number(remaining & 0x7fn);
    remaining >>= 7n;
    bytes.push(remaining > 0n ? low | 0x80 : low);
  } while (remaining > 0n);
  return bytes;
}

class ProtobufReader {
  private offset = 0;

  constructor(private readonly bytes: Buffer) {}

  done(): boolean {
    return this.offset >= this.bytes.length;
  }

  varint(): number {
    let value = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      const byte = this.take(1)[0];
      value |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) {
        return Number(BigInt.asIntN(64, value));
      }
    }
    throw new Error("Malformed varint in MessageIdData");
  }

  skip(wireType: number): void {
    switch (wireType) {
      case WIRE_VARINT: this.varint(); return;
      case WIRE_FIXED64: this.take(8); return;
      case WIRE_LENGTH_DELIMITED: this.take(this.varint()); return;
      case WIRE_FIXED32: this.take(4); return;
      default: throw new Error(`Invalid wire type ${wireType} in MessageIdData`);
    }
  }

  private take(length: number): Buffer {
    if (length < 0 || this.offset + length > this.bytes.length) {
      throw new Error("Truncated MessageIdData");
    }
    const slice = this.bytes.subarray(this.offset, this.offset + length);
    this.offset += length;
    return slice;
  }
}
