/**
 * Which partition of a partitioned topic a message goes to, computed as Pulsar's own producers
 * compute it, so that a pulsar-out with one session per partition puts every key where a
 * producer on the base topic would have put it (consumers that rely on "one key, one
 * partition", Key_Shared and Failover subscriptions, see no difference).
 *
 * - With a key: `signSafeMod(hash(key), partitions)`. The hash is the producer's hashingScheme:
 *   JavaStringHash (Java's `String.hashCode()` over UTF-16 code units, the default) or
 *   Murmur3_32Hash (32-bit MurmurHash3, seed 0, over the key's UTF-8 bytes). Pulsar masks both
 *   with Integer.MAX_VALUE (clears the sign bit) rather than taking an absolute value, and that
 *   difference changes the partition of every key whose hash is negative.
 * - Without a key: round robin over the partitions (`signSafeMod(counter, partitions)`; the counter
 *   is the caller's state).
 *
 * Pure: no I/O, no clock, no state.
 */

export type HashingScheme = "JavaStringHash" | "Murmur3_32Hash";

const INT_MAX = 0x7fffffff;

/** Java's `String.hashCode()` with the sign bit cleared (Pulsar's JavaStringHash). */
export function javaStringHash(key: string): number {
  let h = 0;
  // charCodeAt gives UTF-16 code units, as Java's char does: a surrogate pair counts as two.
  for (let i = 0; i < key.length; i++) h = (Math.imul(31, h) + key.charCodeAt(i)) | 0;
  return h & INT_MAX;
}

function mixK1(k: number): number {
  k = Math.imul(k, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  return Math.imul(k, 0x1b873593);
}

function mixH1(h: number, k: number): number {
  h ^= k;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** MurmurHash3 (x86, 32 bit, seed 0) of the key's UTF-8 bytes, sign bit cleared (Pulsar's Murmur3_32Hash). */
export function murmur3Hash32(key: string): number {
  const bytes = Buffer.from(key, "utf8");
  const whole = bytes.length - (bytes.length % 4);
  let h = 0;
  for (let i = 0; i < whole; i += 4) h = mixH1(h, mixK1(bytes.readInt32LE(i)));
  let tail = 0;
  for (let i = whole; i < bytes.length; i++) tail |= bytes[i] << ((i - whole) * 8);
  h ^= mixK1(tail);
  h ^= bytes.length;
  return fmix(h) & INT_MAX;
}

/** `dividend mod divisor` in [0, divisor), also for a negative dividend (Pulsar's MathUtils.signSafeMod). */
export function signSafeMod(dividend: number, divisor: number): number {
  // `|| 0`: JavaScript's -4 % 4 is -0, which Java's ints do not have.
  const mod = dividend % divisor || 0;
  return mod < 0 ? mod + divisor : mod;
}

export function hashKey(key: string, scheme: HashingScheme): number {
  return scheme === "Murmur3_32Hash" ? murmur3Hash32(key) : javaStringHash(key);
}

/** The partition Pulsar's default routers choose for a keyed message. */
export function partitionForKey(key: string, partitions: number, scheme: HashingScheme): number {
  return signSafeMod(hashKey(key, scheme), partitions);
}

/** A share of one of the node's bounds for each of `parts` sessions (rounded up: never 0 from a positive bound). */
export function shareOf(bound: number, parts: number): number {
  return Math.ceil(bound / Math.max(1, parts));
}
