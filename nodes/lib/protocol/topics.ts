/**
 * Pulsar topic names: parse what a user typed into one validated shape, before any
 * connection is tried. Pulsar itself validates tenant and namespace with `^[-=:.\w]*$`
 * (NamedEntity) and takes the topic's local name from a single URL path segment, so a `/` in
 * the local name would silently truncate the topic on Pulsar ≥ 4.2: we refuse it instead.
 */
import { inputError } from "./errors";

export type TopicDomain = "persistent" | "non-persistent";

export interface TopicName {
  domain: TopicDomain;
  tenant: string;
  namespace: string;
  /** The topic's own name, unencoded. */
  local: string;
  /** `persistent://tenant/namespace/local` (v1: `persistent://tenant/cluster/namespace/local`), the name Pulsar reports. */
  full: string;
  /**
   * Set on the name of one partition a session is opened for (partitionTopic): its index, and
   * how many partitions the topic had then (pulsar-out: its share of the node's buffer).
   */
  partition?: { index: number; of: number };
}

export interface TopicDefaults {
  tenant: string;
  namespace: string;
  /**
   * Set for legacy v1 endpoints: Pulsar then names topics `persistent://tenant/cluster/ns/x`,
   * and that is the name users see in msg.topic and Pulsar's admin API.
   */
  cluster?: string;
}

const NAMED_ENTITY = /^[-=:.\w]+$/;
// "." and ".." survive encodeURIComponent and would be resolved as path steps by any URL
// parser on the way, changing which endpoint is hit. Pulsar has no use for them.
const DOT_SEGMENT = /^\.\.?$/;
const DOMAIN_PREFIX = /^(persistent|non-persistent):\/\/(.*)$/;
// C0 and C1 control characters: never part of a sensible topic and break logs and URLs.
// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f]/;
// A lone UTF-16 surrogate has no UTF-8 form: encodeURIComponent throws on it, and no server could
// store the name. (String.prototype.isWellFormed needs Node 20; the package supports 18.5.)
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Partition `index` of a topic of `of` partitions: Pulsar names it `<topic>-partition-<index>`. */
export function partitionTopic(topic: TopicName, index: number, of: number): TopicName {
  const suffix = `-partition-${index}`;
  return { ...topic, local: topic.local + suffix, full: topic.full + suffix, partition: { index, of } };
}

/**
 * Accepts `topic`, `tenant/namespace/topic`, or `persistent://tenant/namespace/topic`
 * (also `non-persistent://`). Throws a PulsarError naming the problem otherwise.
 */
export function parseTopic(input: unknown, defaults: TopicDefaults): TopicName {
  if (input === undefined || input === null || (typeof input === "string" && input.trim() === "")) {
    throw inputError("topic-missing");
  }
  if (typeof input !== "string") throw inputError("topic-type", { type: Array.isArray(input) ? "array" : typeof input });
  const raw = input.trim();
  let domain: TopicDomain = "persistent";
  let rest = raw;
  const prefixed = DOMAIN_PREFIX.exec(raw);
  if (prefixed) {
    domain = prefixed[1] as TopicDomain;
    rest = prefixed[2];
  } else if (raw.includes("://")) {
    throw inputError("topic-domain", { topic: raw });
  }

  const parts = rest.split("/");
  let tenant: string;
  let namespace: string;
  let local: string;
  if (parts.length === 1 && !prefixed) {
    [tenant, namespace, local] = [defaults.tenant, defaults.namespace, parts[0]];
  } else if (parts.length === 3) {
    [tenant, namespace, local] = parts;
  } else if (parts.length === 4 && defaults.cluster && parts[1] === defaults.cluster) {
    // A v1 name as Pulsar reports it (e.g. msg.topic from a pulsar-in on the same endpoint).
    [tenant, , namespace, local] = parts;
  } else {
    throw inputError("topic-shape", { topic: raw });
  }

  checkNamedEntity(tenant, "tenant", raw);
  checkNamedEntity(namespace, "namespace", raw);
  checkLocalName(local, raw);
  const path = defaults.cluster ? `${tenant}/${defaults.cluster}/${namespace}/${local}` : `${tenant}/${namespace}/${local}`;
  return { domain, tenant, namespace, local, full: `${domain}://${path}` };
}

/** A tenant or namespace name as Pulsar accepts it, minus the dot segments no URL keeps as they are. */
export function isNamedEntity(value: string): boolean {
  return NAMED_ENTITY.test(value) && !DOT_SEGMENT.test(value);
}

function checkNamedEntity(value: string, part: "tenant" | "namespace", topic: string): void {
  if (!isNamedEntity(value)) {
    throw inputError("topic-part", { part, value, topic });
  }
}

function checkLocalName(local: string, topic: string): void {
  if (DOT_SEGMENT.test(local)) throw inputError("topic-dots", { topic });
  if (local === "" || CONTROL_CHARS.test(local) || LONE_SURROGATE.test(local)) {
    throw inputError("topic-local", { topic });
  }
}

/** Subscription names travel as one path segment; refuse what cannot. */
export function checkSubscriptionName(input: unknown): string {
  if (typeof input !== "string" || input.trim() === "") {
    throw inputError("subscription-missing");
  }
  const name = input.trim();
  if (name.includes("/") || CONTROL_CHARS.test(name) || DOT_SEGMENT.test(name) || LONE_SURROGATE.test(name)) {
    throw inputError("subscription-invalid", { subscription: name });
  }
  return name;
}
