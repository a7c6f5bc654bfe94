/**
 * Several topics in one pulsar-in: a list (commas or newlines) or a pattern over the topic names
 * of one namespace. Pure: the discovery that lists a namespace is in the node glue.
 *
 * A pattern is `persistent://tenant/namespace/REGEX` or just `REGEX` (the endpoint's default
 * namespace). Pulsar's own clients match the regular expression against the whole topic name;
 * the domain, tenant and namespace being fixed, that is the same as matching REGEX against the
 * whole local name, which is what we do (`^(?:REGEX)$`). A partitioned topic is matched once by
 * its base name, never by its `-partition-N` parts. The regex runs on the event loop, so its shape
 * and the names it is tested on are bounded (regex-safety.ts).
 */
import { inputError } from "./errors";
import { MAX_MATCHED_NAME_CHARS, regexProblem } from "./regex-safety";
import { isNamedEntity, parseTopic, type TopicDefaults, type TopicDomain, type TopicName } from "./topics";

/** Splits on commas and newlines, trims each entry, drops empty ones and repeats (by full name). */
export function parseTopicList(input: unknown, defaults: TopicDefaults): TopicName[] {
  const entries: unknown[] = Array.isArray(input)
    ? input.flatMap((e) => (typeof e === "string" ? splitList(e) : [e]))
    : typeof input === "string"
      ? splitList(input)
      : input === undefined || input === null
        ? []
        : [input];
  const seen = new Map<string, TopicName>();
  for (const entry of entries) {
    const topic = parseTopic(entry, defaults);
    if (!seen.has(topic.full)) seen.set(topic.full, topic);
  }
  return [...seen.values()];
}

/** The topics a control message names (msg.topic: a topic, a list or an array), or undefined when absent. */
export function namedTopics(topic: unknown, defaults: TopicDefaults): TopicName[] | undefined {
  if (topic === undefined || topic === null || topic === "") return undefined;
  return parseTopicList(topic, defaults);
}

/**
 * A full name as Pulsar's admin API listed it: one name, never split (a comma is part of a
 * topic's name), and refused when it parses to another name (spaces around it): added under the
 * other name, it would look gone from every listing and be removed and added again each time.
 */
export function parseListedName(name: string, defaults: TopicDefaults): TopicName {
  const topic = parseTopic(name, defaults);
  if (topic.full !== name) throw inputError("topic-local", { topic: name });
  return topic;
}

function splitList(text: string): string[] {
  return text.split(/[,\r\n]+/).map((s) => s.trim()).filter((s) => s !== "");
}

export interface TopicPattern {
  domain: TopicDomain;
  tenant: string;
  namespace: string;
  /** What the user wrote after the namespace. */
  source: string;
  regex: RegExp;
}

const PATTERN_PREFIX = /^(persistent|non-persistent):\/\/([^/]+)\/([^/]+)\/(.+)$/s;

/** Undefined for an empty pattern; throws PulsarError("input", "pattern-invalid") for a bad one. */
export function parseTopicPattern(input: unknown, defaults: TopicDefaults): TopicPattern | undefined {
  if (input === undefined || input === null) return undefined;
  if (typeof input !== "string") throw inputError("pattern-invalid", { pattern: String(input), reason: "not a string" });
  const raw = input.trim();
  if (raw === "") return undefined;
  const m = PATTERN_PREFIX.exec(raw);
  const [domain, tenant, namespace, source] = m
    ? [m[1] as TopicDomain, m[2], m[3], m[4]]
    : raw.includes("://")
      ? fail(raw, "use persistent://tenant/namespace/REGEX or just REGEX")
      : (["persistent", defaults.tenant, defaults.namespace, raw] as const);
  if (!isNamedEntity(tenant) || !isNamedEntity(namespace)) fail(raw, "tenant and namespace are names, not patterns");
  return { domain, tenant, namespace, source, regex: anchored(raw, source) };
}

/**
 * `^(?:source)$`, but only for a source that is a regular expression on its own. Compiled alone,
 * a source that closes a group it did not open (`a.*)|(.*`) or leaves a class, a group or an
 * escape open is a syntax error; once wrapped, the same text could balance against our own
 * `(?:` and `)` and match outside the anchors. A source that compiles alone has its groups,
 * classes and escapes closed inside itself, so the wrapper's group holds all of it. Same flags
 * (none) both times, so both parses agree on what is a group.
 */
function anchored(raw: string, source: string): RegExp {
  const problem = regexProblem(source);
  if (problem) fail(raw, problem);
  try {
    new RegExp(source);
    return new RegExp(`^(?:${source})$`);
  } catch (err) {
    return fail(raw, err instanceof Error ? err.message : String(err));
  }
}

function fail(pattern: string, reason: string): never {
  throw inputError("pattern-invalid", { pattern, reason });
}

const PARTITION_SUFFIX = /-partition-\d+$/;

/**
 * The full names of `pattern`'s namespace listing that it matches, sorted. `listed` is what
 * Pulsar's admin API lists for the namespace (partitions included), `partitioned` its list of
 * partitioned topics: their partitions are folded into the base name.
 */
export function matchPattern(pattern: TopicPattern, listed: readonly string[], partitioned: readonly string[] = []): string[] {
  const prefix = `${pattern.domain}://${pattern.tenant}/${pattern.namespace}/`;
  const parents = new Set(partitioned.filter((t) => t.startsWith(prefix)));
  const names = new Set<string>();
  for (const full of [...parents, ...listed]) {
    if (!full.startsWith(prefix)) continue;
    const base = full.replace(PARTITION_SUFFIX, "");
    const name = base !== full && parents.has(base) ? base : full;
    const local = name.slice(prefix.length);
    // Bounds the regex's work together with regexProblem's checks on the pattern.
    if (local.length <= MAX_MATCHED_NAME_CHARS && pattern.regex.test(local)) names.add(name);
  }
  return [...names].sort();
}

/** The pattern's namespace as `tenant/namespace`, for the admin listing. */
export function patternNamespace(pattern: TopicPattern): string {
  return `${pattern.tenant}/${pattern.namespace}`;
}

export type { TopicName };
