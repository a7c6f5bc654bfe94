/**
 * Lists the topics a pattern matches: the pattern's namespace through the admin REST API (topics
 * and partitioned topics), folded to base names and filtered by the pattern. When and how often
 * is the caller's (TopicSubscriptions runs it in its queue, so a listing never races a control
 * message).
 */
import type { PulsarAdmin } from "../connection/admin-operations";
import { matchPattern, type TopicPattern } from "../protocol/topic-list";

export class PatternDiscovery {
  constructor(
    private readonly admin: () => PulsarAdmin,
    private readonly pattern: TopicPattern,
  ) {}

  /** The full names the pattern matches now, sorted; rejects when the listing fails. */
  async list(): Promise<string[]> {
    const { tenant, namespace, domain } = this.pattern;
    const admin = this.admin();
    const [listed, partitioned] = await Promise.all([admin.listTopics(tenant, namespace, domain), admin.listPartitionedTopics(tenant, namespace, domain)]);
    return matchPattern(this.pattern, listed, partitioned);
  }
}
