// Pulsar's schema registry as its admin REST API shows it (v2 `SchemasResource`):
// GET /admin/v2/schemas/{tenant}/{namespace}/{topic}/schema → the newest version,
// GET …/schema/{version} → that version, each as GetSchemaResponse
// `{ version, type, timestamp, data, properties }` (KEY_VALUE's data: `{"key":…,"value":…}` JSON,
// "" for a primitive side), 404 `{"reason":"Schema not found"}` when there is none. Versions count
// from 0. A test registers schemas here (what a Java producer would do); the WebSocket side of the
// fake ignores them, as Pulsar's WebSocket service does.

import type { IncomingMessage, ServerResponse } from "node:http";
import type { Broker } from "./broker";

export interface FakeSchema {
  type: string;
  data: string;
  properties?: Record<string, string>;
}

const SCHEMA_PATH = /^\/admin\/v2\/schemas\/([^/]+)\/([^/]+)\/([^/]+)\/schema(?:\/(\d+))?$/;

export class FakeSchemas {
  private readonly byTopic = new Map<string, { version: number; type: string; data: string; properties: Record<string, string>; timestamp: number }[]>();
  /** Every GET, as `tenant/namespace/topic[@version]`. */
  readonly reads: string[] = [];

  /** Adds a version (the next number) for `tenant/namespace/topic` (or a short name in public/default); returns its number. */
  add(topic: string, schema: FakeSchema): number {
    const key = topic.includes("/") ? topic.replace(/^persistent:\/\//, "") : `public/default/${topic}`;
    const list = this.byTopic.get(key) ?? [];
    const version = list.length;
    list.push({ version, type: schema.type, data: schema.data, properties: schema.properties ?? {}, timestamp: Date.now() });
    this.byTopic.set(key, list);
    return version;
  }

  /** Answers the request and returns true when it is a schema call. */
  handle(req: IncomingMessage, res: ServerResponse): boolean {
    const m = SCHEMA_PATH.exec((req.url ?? "").split("?")[0]);
    if (!m || req.method !== "GET") return false;
    const key = `${decodeURIComponent(m[1])}/${decodeURIComponent(m[2])}/${decodeURIComponent(m[3])}`;
    this.reads.push(m[4] === undefined ? key : `${key}@${m[4]}`);
    const list = this.byTopic.get(key) ?? [];
    const found = m[4] === undefined ? list[list.length - 1] : list[Number(m[4])];
    if (!found) {
      res.writeHead(404, { "Content-Type": "application/json" }).end(JSON.stringify({ reason: "Schema not found" }));
      return true;
    }
    res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify(found));
    return true;
  }
}

const registries = new WeakMap<Broker, FakeSchemas>();

export function schemasOf(broker: Broker): FakeSchemas {
  let r = registries.get(broker);
  if (!r) registries.set(broker, (r = new FakeSchemas()));
  return r;
}
