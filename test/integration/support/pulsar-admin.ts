/**
 * Pulsar's side of the proof, through its admin REST API: topic stats (backlog, consumers,
 * publishers, message counters), partitioned topics, and bounded waits on them.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import type { PulsarInstance } from "../../../harness/pulsar";
import { waitUntil } from "../../support/wait";

export interface ConsumerStats {
  consumerName?: string;
  connectedSince?: string;
  msgOutCounter?: number;
}

export interface SubscriptionStats {
  msgBacklog: number;
  unackedMessages?: number;
  type?: string;
  consumers: ConsumerStats[];
}

export interface PublisherStats {
  producerName?: string;
  connectedSince?: string;
  msgInCounter?: number;
}

export interface TopicStats {
  msgInCounter?: number;
  msgOutCounter?: number;
  publishers: PublisherStats[];
  subscriptions: Record<string, SubscriptionStats>;
}

export interface PartitionedStats extends TopicStats {
  partitions: Record<string, TopicStats>;
}

/** A topic name no other case (or earlier run on a kept Pulsar) uses. */
export function uniqueTopic(prefix: string): string {
  return `it-${prefix}-${Date.now().toString(36)}-${randomBytes(3).toString("hex")}`;
}

/** A subscription name that is unique in the same way. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString("hex")}`;
}

/**
 * The admin path of a topic: `persistent://t/ns/x` → `/admin/v2/persistent/t/ns/x`; a v1 name
 * with its cluster, `persistent://t/cluster/ns/x` → `/admin/persistent/t/cluster/ns/x` (Pulsar 4.0).
 */
export function topicAdminPath(fullName: string): string {
  const m = /^(persistent|non-persistent):\/\/(.+)$/.exec(fullName);
  const parts = m?.[2].split("/") ?? [];
  if (!m || (parts.length !== 3 && parts.length !== 4) || parts.some((p) => p === "")) throw new Error(`not a full topic name: ${fullName}`);
  const path = parts.map(encodeURIComponent).join("/");
  return parts.length === 4 ? `/admin/${m[1]}/${path}` : `/admin/v2/${m[1]}/${path}`;
}

export async function topicStats(pulsar: PulsarInstance, fullName: string): Promise<TopicStats> {
  const res = await pulsar.admin("GET", `${topicAdminPath(fullName)}/stats`);
  assert.equal(res.status, 200, `stats of ${fullName}: HTTP ${res.status} ${res.body}`);
  return res.json<TopicStats>();
}

export async function partitionedStats(pulsar: PulsarInstance, fullName: string): Promise<PartitionedStats> {
  const res = await pulsar.admin("GET", `${topicAdminPath(fullName)}/partitioned-stats?perPartition=true`);
  assert.equal(res.status, 200, `partitioned stats of ${fullName}: HTTP ${res.status} ${res.body}`);
  return res.json<PartitionedStats>();
}

export async function createPartitionedTopic(pulsar: PulsarInstance, fullName: string, partitions: number): Promise<void> {
  const res = await pulsar.admin("PUT", `${topicAdminPath(fullName)}/partitions`, partitions);
  assert.ok(res.status === 204 || res.status === 200, `create ${fullName} with ${partitions} partitions: HTTP ${res.status} ${res.body}`);
}

/** The backlog of one subscription, or undefined while the subscription does not exist. */
export async function backlog(pulsar: PulsarInstance, fullName: string, subscription: string, opts: { partitioned?: boolean } = {}): Promise<number | undefined> {
  const stats = opts.partitioned ? await partitionedStats(pulsar, fullName) : await topicStats(pulsar, fullName);
  return stats.subscriptions[subscription]?.msgBacklog;
}

/** Waits until the subscription's backlog is `expected` (acks reach the broker asynchronously). */
export async function waitBacklog(
  pulsar: PulsarInstance,
  fullName: string,
  subscription: string,
  expected: number,
  opts: { partitioned?: boolean; timeoutMs?: number } = {},
): Promise<void> {
  let last: number | undefined;
  await waitUntil(`backlog ${expected} on ${fullName} / ${subscription}`, async () => {
    last = await backlog(pulsar, fullName, subscription, opts);
    return last === expected;
  }, opts.timeoutMs ?? 15_000, () => `last backlog: ${last}`);
}

/** Waits until the subscription has `count` connected consumers. */
export async function waitConsumers(pulsar: PulsarInstance, fullName: string, subscription: string, count: number, opts: { partitioned?: boolean; timeoutMs?: number } = {}): Promise<SubscriptionStats> {
  let last: SubscriptionStats | undefined;
  await waitUntil(`${count} consumer(s) on ${fullName} / ${subscription}`, async () => {
    const stats = opts.partitioned ? await partitionedStats(pulsar, fullName) : await topicStats(pulsar, fullName);
    last = stats.subscriptions[subscription];
    return last?.consumers.length === count;
  }, opts.timeoutMs ?? 15_000, () => `last: ${JSON.stringify(last?.consumers.length)}`);
  return last!;
}
