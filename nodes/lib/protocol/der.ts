/**
 * The few DER (ASN.1) shapes PEM keys are made of, read without trusting them: a tag, a length and
 * the content, bounded by the buffer. Enough for SubjectPublicKeyInfo, PKCS#8, SEC1 EC keys and
 * explicit EC parameters (pem-keys.ts). Every malformed input throws DerError.
 */

export class DerError extends Error {}

export interface Tlv {
  tag: number;
  /** The content: a view into the input buffer. */
  body: Buffer;
  /** Offset just past this element in the buffer it was read from. */
  end: number;
}

export const TAG = {
  integer: 0x02,
  bitString: 0x03,
  octetString: 0x04,
  oid: 0x06,
  sequence: 0x30,
  context0: 0xa0,
  context1: 0xa1,
} as const;

/** Reads one element at `offset`. */
export function readTlv(buf: Buffer, offset = 0): Tlv {
  if (offset + 2 > buf.length) throw new DerError("truncated element");
  const tag = buf[offset];
  if ((tag & 0x1f) === 0x1f) throw new DerError("multi-byte tags are not used in keys");
  let len = buf[offset + 1];
  let pos = offset + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || pos + n > buf.length) throw new DerError("bad length");
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[pos + i];
    pos += n;
  }
  if (pos + len > buf.length) throw new DerError("element runs past its container");
  return { tag, body: buf.subarray(pos, pos + len), end: pos + len };
}

/** The elements of a constructed value (a SEQUENCE's body). */
export function children(body: Buffer): Tlv[] {
  const out: Tlv[] = [];
  let pos = 0;
  while (pos < body.length) {
    const tlv = readTlv(body, pos);
    out.push(tlv);
    pos = tlv.end;
  }
  return out;
}

export function expect(tlv: Tlv | undefined, tag: number, what: string): Tlv {
  if (!tlv || tlv.tag !== tag) throw new DerError(`${what} expected`);
  return tlv;
}

/** An INTEGER's magnitude without DER's leading zero byte. */
export function unsignedInteger(tlv: Tlv): Buffer {
  let b = tlv.body;
  while (b.length > 1 && b[0] === 0) b = b.subarray(1);
  return b;
}

/** A BIT STRING's bytes (the unused-bits count must be 0 in keys). */
export function bitStringBytes(tlv: Tlv): Buffer {
  if (tlv.body.length < 1 || tlv.body[0] !== 0) throw new DerError("bit string with unused bits");
  return tlv.body.subarray(1);
}

/** An OBJECT IDENTIFIER's content as hex: compared against known identifiers. */
export function oidHex(tlv: Tlv): string {
  return expect(tlv, TAG.oid, "object identifier").body.toString("hex");
}
