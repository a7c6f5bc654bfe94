/**
 * What the Pulsar sidebar shows of a namespace, from Pulsar's admin answers: the topic list with
 * partitioned topics once (Pulsar lists each partition as a topic of its own), and a topic's
 * stats reduced to the numbers the sidebar draws. Pure. Everything here came from a server:
 * strings are cut to a bounded length and numbers that are not finite become 0, so a broken or
 * hostile answer cannot grow the page; the editor renders every string as text.
 */

/** Longest string passed on from a stats answer (names, addresses, client versions). */
const MAX_TEXT = 300;
/** Most subscriptions, producers or consumers shown per topic; the count says how many there are. */
export const MAX_LISTED = 50;
const PARTITION = /^(.*)-partition-(\d+)$/;

export interface ListedTopic {
  /** The full name (`persistent://tenant/ns/local`), a partitioned topic's base name. */
  name: string;
  /** 0: not partitioned. */
  partitions: number;
}

/**
 * One entry per topic: a partitioned topic once (under its base name, with its partition count,
 * counted from `partitioned` and the listed partitions), every other name as listed. Sorted by name.
 */
export function groupTopics(listed: readonly unknown[], partitioned: readonly unknown[]): ListedTopic[] {
  const bases = new Map<string, number>();
  for (const name of partitioned) if (typeof name === "string") bases.set(name, 0);
  const plain: string[] = [];
  for (const name of listed) {
    if (typeof name !== "string") continue;
    const m = PARTITION.exec(name);
    if (m && bases.has(m[1])) bases.set(m[1], Math.max(bases.get(m[1])!, Number(m[2]) + 1));
    else if (!bases.has(name)) plain.push(name);
  }
  const all: ListedTopic[] = [...plain.map((name) => ({ name, partitions: 0 })), ...[...bases].map(([name, n]) => ({ name, partitions: Math.max(n, 1) }))];
  return all.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** A deployed pulsar-in of this Node-RED that holds a subscription (see `heldBy`). */
export interface LocalConsumer {
  id: string;
  name: string;
  /** Full names of the topics it consumes (base names). */
  topics: readonly string[];
  subscription: string;
  consumerName?: string;
}

export interface ConsumerView {
  name: string;
  address: string;
  unacked: number;
  msgRateOut: number;
  /** The consumer name is the one a deployed pulsar-in of this Node-RED gives its consumers. */
  local: boolean;
}

export interface SubscriptionView {
  name: string;
  type: string;
  backlog: number;
  unacked: number;
  msgRateOut: number;
  consumerCount: number;
  consumers: ConsumerView[];
  /** Deployed pulsar-in nodes of this Node-RED that consume this subscription of this topic. */
  nodes: { id: string; name: string }[];
}

export interface ProducerView {
  name: string;
  address: string;
  msgRateIn: number;
  connectedSince: string;
}

export interface TopicView extends ListedTopic {
  msgRateIn: number;
  msgRateOut: number;
  storageSize: number;
  /** Messages not yet acknowledged, summed over the subscriptions (Pulsar's msgBacklog). */
  backlog: number;
  subscriptionCount: number;
  subscriptions: SubscriptionView[];
  producerCount: number;
  producers: ProducerView[];
}

type Json = Record<string, unknown>;

function obj(value: unknown): Json {
  return value && typeof value === "object" && !Array.isArray(value) ? (value as Json) : {};
}

function num(value: unknown): number {
  return typeof value === "number" && Number.isFinite(value) ? value : 0;
}

function str(value: unknown): string {
  return typeof value === "string" ? value.slice(0, MAX_TEXT) : "";
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/**
 * The sidebar's view of a topic from Pulsar's `stats` (or `partitioned-stats`, whose top level
 * sums the partitions) answer; `local` names the deployed pulsar-in nodes of this Node-RED on the
 * same endpoint, to mark the subscriptions they hold.
 */
export function topicView(topic: ListedTopic, stats: unknown, local: readonly LocalConsumer[] = []): TopicView {
  const s = obj(stats);
  const subs = Object.entries(obj(s.subscriptions)).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const holders = local.filter((n) => n.topics.includes(topic.name));
  const subscriptions = subs.slice(0, MAX_LISTED).map(([name, value]): SubscriptionView => {
    const sub = obj(value);
    const mine = holders.filter((n) => n.subscription === name);
    const names = new Set(mine.map((n) => n.consumerName).filter((c): c is string => !!c));
    const consumers = list(sub.consumers);
    return {
      name: str(name),
      type: str(sub.type),
      backlog: num(sub.msgBacklog),
      unacked: num(sub.unackedMessages),
      msgRateOut: num(sub.msgRateOut),
      consumerCount: consumers.length,
      consumers: consumers.slice(0, MAX_LISTED).map((c) => {
        const consumer = obj(c);
        const consumerName = str(consumer.consumerName);
        return { name: consumerName, address: str(consumer.address), unacked: num(consumer.unackedMessages), msgRateOut: num(consumer.msgRateOut), local: names.has(consumerName) };
      }),
      nodes: mine.map((n) => ({ id: n.id, name: n.name })),
    };
  });
  const publishers = list(s.publishers);
  return {
    ...topic,
    msgRateIn: num(s.msgRateIn),
    msgRateOut: num(s.msgRateOut),
    storageSize: num(s.storageSize),
    backlog: subs.reduce((sum, [, value]) => sum + num(obj(value).msgBacklog), 0),
    subscriptionCount: subs.length,
    subscriptions,
    producerCount: publishers.length,
    producers: publishers.slice(0, MAX_LISTED).map((p) => {
      const producer = obj(p);
      return { name: str(producer.producerName), address: str(producer.address), msgRateIn: num(producer.msgRateIn), connectedSince: str(producer.connectedSince) };
    }),
  };
}
