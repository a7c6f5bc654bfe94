/**
 * Decoding with several versions of a topic's schema. Messages carry no schema version over
 * WebSocket, so the newest version is tried first, then older ones; the first that decodes the
 * bytes cleanly (avro.ts: strict) wins. An Avro record written with an older version is then
 * read into the newest version's shape (Avro schema resolution: fields added since get their
 * defaults), so a flow sees one shape; `version` says which version wrote it. Pure.
 */
import type avro from "avsc";
import { PulsarError } from "./errors";
import { decodeStrict } from "./avro";
import type { SchemaCodec, SchemaInfo } from "./schema-codec";

export interface VersionedCodec {
  version: number;
  info: SchemaInfo;
  codec: SchemaCodec;
}

export interface Decoded {
  value: unknown;
  type: string;
  version: number;
}

/** Resolvers newest ← older, per pair of codecs; null when the newest cannot read the older. */
const resolvers = new WeakMap<SchemaCodec, WeakMap<SchemaCodec, avro.Resolver | null>>();

function resolverOf(newest: SchemaCodec, writer: SchemaCodec): avro.Resolver | null {
  let byWriter = resolvers.get(newest);
  if (!byWriter) resolvers.set(newest, (byWriter = new WeakMap()));
  let r = byWriter.get(writer);
  if (r === undefined) {
    try {
      r = newest.avro!.createResolver(writer.avro!);
    } catch {
      r = null;
    }
    byWriter.set(writer, r);
  }
  return r;
}

/**
 * `versions` newest first. Returns the first clean decoding, or undefined when none decodes;
 * `reasons` (when given) collects why each version refused, as `v2: …`.
 */
export function decodeFirst(versions: readonly VersionedCodec[], bytes: Buffer, key: string | undefined, reasons?: string[]): Decoded | undefined {
  for (let i = 0; i < versions.length; i++) {
    const v = versions[i];
    let value: unknown;
    try {
      value = v.codec.decode(bytes, key);
    } catch (err) {
      reasons?.push(`v${v.version}: ${err instanceof PulsarError ? String(err.details.reason ?? err.code) : String(err)}`);
      continue;
    }
    const newest = versions[0];
    if (i > 0 && v.codec.type === "AVRO" && newest.codec.type === "AVRO") {
      const resolver = resolverOf(newest.codec, v.codec);
      if (resolver) {
        try {
          value = decodeStrict(newest.codec.avro!, bytes, resolver);
        } catch {
          // The writer's own shape, then.
        }
      }
    }
    return { value, type: v.codec.type, version: v.version };
  }
  return undefined;
}
