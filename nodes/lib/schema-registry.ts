/**
 * A topic's schemas from Pulsar's schema registry (admin REST API
 * `/admin/v2/schemas/{tenant}/{namespace}/{topic}/schema[/{version}]`), cached per topic. No
 * Node-RED types: it is given the call that fetches one answer (PulsarAdmin.schemaOf).
 *
 * - The newest version is read once and kept; older versions only when a payload needs them
 *   (evolution), one at a time, newest first.
 * - When no version decodes a payload, the newest is read again (a producer may have added a
 *   version), at most once per `refreshMs` per topic, so garbage cannot flood the admin API.
 * - A topic without a schema is remembered as such for `refreshMs`.
 */
import { PulsarError } from "./protocol/errors";
import { buildCodec, isNoSchema, parseSchemaAnswer, type SchemaCodec } from "./protocol/schema-codec";
import { decodeFirst, type Decoded, type VersionedCodec } from "./protocol/schema-versions";
import type { TopicName } from "./protocol/topics";

/** One admin answer (newest, or `version`); null when the topic has no schema. */
/** How many versions below the newest are tried for a payload the newest does not decode. */
const MAX_VERSIONS_BACK = 100;

export type SchemaFetch = (topic: TopicName, version?: number) => Promise<unknown>;

export interface SchemaRegistryOptions {
  fetch: SchemaFetch;
  /** Least time between two reads of the newest version of one topic (default 10 s). */
  refreshMs?: number;
  now?: () => number;
}

interface TopicSchemas {
  /** Loaded versions, newest first; empty: the topic has no schema. */
  versions: VersionedCodec[];
  /** The oldest version number still to try reading (older ones not loaded yet), -1 when all are loaded. */
  nextOlder: number;
  readAt: number;
}

/** The schema name of a topic: partitions share it. */
function schemaKey(topic: TopicName): string {
  return `${topic.tenant}/${topic.namespace}/${topic.local.replace(/-partition-\d+$/, "")}`;
}

export class SchemaRegistry {
  private readonly topics = new Map<string, TopicSchemas>();
  private readonly loading = new Map<string, Promise<TopicSchemas>>();
  private readonly refreshMs: number;
  private readonly now: () => number;

  constructor(private readonly opts: SchemaRegistryOptions) {
    this.refreshMs = opts.refreshMs ?? 10_000;
    this.now = opts.now ?? Date.now;
  }

  /** The newest version's codec (undefined: no schema), or a promise of it while it is read. */
  newest(topic: TopicName): VersionedCodec | undefined | Promise<VersionedCodec | undefined> {
    const known = this.topics.get(schemaKey(topic));
    // A topic without a schema is asked again after refreshMs: one may have been registered since.
    if (known && (known.versions.length > 0 || this.now() - known.readAt < this.refreshMs)) return known.versions[0];
    return this.load(topic, known !== undefined).then((t) => t.versions[0]);
  }

  /** Versions loaded for a topic, newest first (for display and tests). */
  loaded(topic: TopicName): readonly VersionedCodec[] | undefined {
    return this.topics.get(schemaKey(topic))?.versions;
  }

  /**
   * Decodes with the cached versions when one of them fits (synchronously), else reads older
   * versions and, if none fits, the newest again, and resolves. `undefined`: the topic has no
   * schema. Rejects with PulsarError `schema-no-version` when no version decodes the bytes.
   */
  decode(topic: TopicName, bytes: Buffer, key?: string): Decoded | undefined | Promise<Decoded | undefined> {
    const known = this.topics.get(schemaKey(topic));
    if (known) {
      if (known.versions.length === 0) {
        if (this.now() - known.readAt < this.refreshMs) return undefined;
      } else {
        const hit = decodeFirst(known.versions, bytes, key);
        if (hit) return hit;
      }
    }
    return this.decodeSlowly(topic, bytes, key, known);
  }

  private async decodeSlowly(topic: TopicName, bytes: Buffer, key: string | undefined, known: TopicSchemas | undefined): Promise<Decoded | undefined> {
    let t = known && known.versions.length > 0 ? known : await this.load(topic, known !== undefined);
    if (t.versions.length === 0) return undefined;
    const reasons: string[] = [];
    let hit = decodeFirst(t.versions, bytes, key, reasons);
    if (hit) return hit;
    // Older versions, one by one, at most MAX_VERSIONS_BACK below the newest: a registry that
    // claims version 1e6 must not cost a million admin calls for one undecodable payload.
    const floor = Math.max(0, t.versions[0].version - MAX_VERSIONS_BACK);
    while (t.nextOlder >= floor) {
      const added = await this.loadOlder(topic, t);
      if (added) {
        hit = decodeFirst([t.versions[0], added], bytes, key);
        if (hit && hit.version === added.version) return hit;
        if (!hit) decodeFirst([added], bytes, key, reasons);
      }
    }
    // A version added since the newest was read?
    if (this.now() - t.readAt >= this.refreshMs) {
      const newestBefore = t.versions[0].version;
      t = await this.load(topic, true);
      if (t.versions.length === 0) return undefined;
      if (t.versions[0].version !== newestBefore) {
        hit = decodeFirst(t.versions, bytes, key, reasons);
        if (hit) return hit;
      }
    }
    const versions = t.versions.map((v) => v.version).join(", ");
    throw new PulsarError("input", "schema-no-version", { topic: topic.full, type: t.versions[0].info.type, versions, reason: reasons.slice(0, 3).join("; ") });
  }

  /** Reads the newest version (again, with `fresh`); older versions read before are kept when it is unchanged. */
  private load(topic: TopicName, fresh = false): Promise<TopicSchemas> {
    const key = schemaKey(topic);
    const cached = this.topics.get(key);
    if (cached && !fresh) return Promise.resolve(cached);
    const inFlight = this.loading.get(key);
    if (inFlight) return inFlight;
    const p = (async (): Promise<TopicSchemas> => {
      const answer = await this.opts.fetch(topic);
      const readAt = this.now();
      let t: TopicSchemas;
      const info = answer === null || answer === undefined ? undefined : parseSchemaAnswer(answer);
      if (!info || isNoSchema(info.type)) t = { versions: [], nextOlder: -1, readAt };
      else {
        // A version is a small whole number; anything else (1e300, -5, 2.5) is taken as 0.
        const version = Number.isSafeInteger(info.version) && info.version! >= 0 ? info.version! : 0;
        const before = this.topics.get(key);
        if (before && before.versions[0]?.version === version) t = { ...before, readAt };
        else {
          const older = before && before.versions.length > 0 && before.versions[0].version < version ? before.versions : [];
          t = { versions: [{ version, info, codec: buildCodec(info) }, ...older], nextOlder: older.length > 0 ? before!.nextOlder : version - 1, readAt };
          // Versions between the old newest and this one are not loaded: go through them again.
          if (older.length > 0 && older[0].version !== version - 1) t.nextOlder = version - 1;
        }
      }
      this.topics.set(key, t);
      return t;
    })();
    this.loading.set(key, p);
    const clear = (): void => {
      if (this.loading.get(key) === p) this.loading.delete(key);
    };
    p.then(clear, clear);
    return p;
  }

  /** Loads `t.nextOlder` (skipping a deleted version) and moves on; the loaded one, if any. */
  private async loadOlder(topic: TopicName, t: TopicSchemas): Promise<VersionedCodec | undefined> {
    const version = t.nextOlder;
    t.nextOlder = version - 1;
    if (t.versions.some((v) => v.version === version)) return undefined;
    const answer = await this.opts.fetch(topic, version);
    if (answer === null || answer === undefined) return undefined;
    const info = parseSchemaAnswer(answer);
    if (isNoSchema(info.type)) return undefined;
    let codec: SchemaCodec;
    try {
      codec = buildCodec(info);
    } catch {
      return undefined; // an old version of a type we do not read (e.g. PROTOBUF) cannot be the one
    }
    const v: VersionedCodec = { version, info, codec };
    t.versions.push(v);
    t.versions.sort((a, b) => b.version - a.version);
    return v;
  }
}
