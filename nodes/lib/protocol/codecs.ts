/**
 * Pulsar's payload compression codecs, for encrypted messages (the WebSocket service cannot
 * decompress what it cannot decrypt, so the node does, after decrypting; and compresses before
 * encrypting). What Pulsar's Java client writes:
 *
 * - ZLIB: a zlib stream, flushed (SYNC_FLUSH) but not finished, so inflate without expecting the
 *   end; Node's zlib.
 * - LZ4: one raw LZ4 block (no frame), decoded here.
 * - SNAPPY: one raw Snappy block (varint length, then tagged elements), decoded here.
 * - ZSTD: a zstd frame; Node's zlib has zstd from 22.15 / 23.8, else a clear error.
 *
 * Decoding always knows the uncompressed size (it travels with the message) and refuses output
 * of any other size. Pure.
 */
import zlib from "node:zlib";

export type Codec = "NONE" | "LZ4" | "ZLIB" | "ZSTD" | "SNAPPY";
export const CODECS: readonly Codec[] = ["NONE", "LZ4", "ZLIB", "ZSTD", "SNAPPY"];

/**
 * The most a compressed payload may claim to decompress to. Pulsar's default max message size is
 * 5 MiB (Java's consumer refuses more than the broker's limit); a claimed size beyond this is a
 * bomb (a 260 KB zlib payload claiming 256 MiB blocked the event loop for seconds), refused as corrupt.
 */
export const MAX_UNCOMPRESSED = 16 * 1024 * 1024;

export class CodecError extends Error {
  constructor(
    readonly codec: Codec,
    readonly reason: "unsupported" | "corrupt",
  ) {
    super(`${codec}: ${reason}`);
  }
}

type ZstdZlib = typeof zlib & {
  zstdDecompressSync?: (buf: Buffer, opts?: object) => Buffer;
  zstdCompressSync?: (buf: Buffer, opts?: object) => Buffer;
};

/** Codecs this Node can decode. */
export function canDecode(codec: Codec): boolean {
  return codec !== "ZSTD" || typeof (zlib as ZstdZlib).zstdDecompressSync === "function";
}

/** Codecs this Node can encode (pulsar-out with keys compresses in the node). */
export function canEncode(codec: Codec): boolean {
  return codec === "NONE" || codec === "ZLIB" || (codec === "ZSTD" && typeof (zlib as ZstdZlib).zstdCompressSync === "function");
}

export function compress(codec: Codec, data: Buffer): Buffer {
  switch (codec) {
    case "NONE":
      return data;
    case "ZLIB":
      return zlib.deflateSync(data);
    case "ZSTD": {
      const z = zlib as ZstdZlib;
      if (z.zstdCompressSync) return z.zstdCompressSync(data);
      throw new CodecError(codec, "unsupported");
    }
    default:
      throw new CodecError(codec, "unsupported");
  }
}

export function decompress(codec: Codec, data: Buffer, size: number): Buffer {
  if (codec === "NONE") return data;
  if (!Number.isInteger(size) || size < 0 || size > MAX_UNCOMPRESSED) throw new CodecError(codec, "corrupt");
  let out: Buffer;
  try {
    switch (codec) {
      case "ZLIB":
        out = zlib.inflateSync(data, { finishFlush: zlib.constants.Z_SYNC_FLUSH, maxOutputLength: Math.max(size, 1) });
        break;
      case "LZ4":
        out = lz4BlockDecode(data, size);
        break;
      case "SNAPPY":
        out = snappyDecode(data, size);
        break;
      case "ZSTD": {
        const z = zlib as ZstdZlib;
        if (!z.zstdDecompressSync) throw new CodecError(codec, "unsupported");
        out = z.zstdDecompressSync(data, { maxOutputLength: Math.max(size, 1) });
        break;
      }
    }
  } catch (err) {
    if (err instanceof CodecError) throw err;
    throw new CodecError(codec, "corrupt");
  }
  if (out.length !== size) throw new CodecError(codec, "corrupt");
  return out;
}

class Corrupt extends Error {}

/** An LZ4 block (sequences of token, literals, offset, match) into exactly `size` bytes. */
export function lz4BlockDecode(src: Buffer, size: number): Buffer {
  const dst = Buffer.alloc(size);
  let s = 0;
  let d = 0;
  while (s < src.length) {
    const token = src[s++];
    let lit = token >>> 4;
    if (lit === 15) {
      let b: number;
      do {
        if (s >= src.length) throw new Corrupt();
        b = src[s++];
        lit += b;
      } while (b === 255);
    }
    if (s + lit > src.length || d + lit > size) throw new Corrupt();
    src.copy(dst, d, s, s + lit);
    s += lit;
    d += lit;
    if (s >= src.length) break; // the last sequence has literals only
    if (s + 2 > src.length) throw new Corrupt();
    const offset = src[s] | (src[s + 1] << 8);
    s += 2;
    if (offset === 0 || offset > d) throw new Corrupt();
    let len = (token & 15) + 4;
    if ((token & 15) === 15) {
      let b: number;
      do {
        if (s >= src.length) throw new Corrupt();
        b = src[s++];
        len += b;
      } while (b === 255);
    }
    if (d + len > size) throw new Corrupt();
    copyMatch(dst, d, offset, len);
    d += len;
  }
  if (d !== size) throw new Corrupt();
  return dst;
}

/** Copies an overlapping back-reference byte by byte where it overlaps. */
function copyMatch(dst: Buffer, d: number, offset: number, len: number): void {
  const from = d - offset;
  if (offset >= len) {
    dst.copy(dst, d, from, from + len);
    return;
  }
  for (let i = 0; i < len; i++) dst[d + i] = dst[from + i];
}

/** A raw Snappy block: varint uncompressed length, then literal and copy elements. */
export function snappyDecode(src: Buffer, size: number): Buffer {
  let s = 0;
  let declared = 0;
  for (let shift = 0; ; shift += 7) {
    if (s >= src.length || shift > 28) throw new Corrupt();
    const b = src[s++];
    declared += (b & 0x7f) * 2 ** shift;
    if (!(b & 0x80)) break;
  }
  if (declared !== size) throw new Corrupt();
  const dst = Buffer.alloc(size);
  let d = 0;
  while (s < src.length) {
    const tag = src[s++];
    const kind = tag & 3;
    if (kind === 0) {
      let len = tag >>> 2;
      if (len >= 60) {
        const n = len - 59;
        if (s + n > src.length) throw new Corrupt();
        len = 0;
        for (let i = 0; i < n; i++) len += src[s + i] * 2 ** (8 * i);
        s += n;
      }
      len += 1;
      if (s + len > src.length || d + len > size) throw new Corrupt();
      src.copy(dst, d, s, s + len);
      s += len;
      d += len;
      continue;
    }
    let len: number;
    let offset: number;
    if (kind === 1) {
      if (s >= src.length) throw new Corrupt();
      len = ((tag >>> 2) & 7) + 4;
      offset = ((tag >>> 5) << 8) | src[s++];
    } else if (kind === 2) {
      if (s + 2 > src.length) throw new Corrupt();
      len = (tag >>> 2) + 1;
      offset = src[s] | (src[s + 1] << 8);
      s += 2;
    } else {
      if (s + 4 > src.length) throw new Corrupt();
      len = (tag >>> 2) + 1;
      offset = src.readUInt32LE(s);
      s += 4;
    }
    if (offset === 0 || offset > d || d + len > size) throw new Corrupt();
    copyMatch(dst, d, offset, len);
    d += len;
  }
  if (d !== size) throw new Corrupt();
  return dst;
}
