/**
 * Acks of batches delivered entry by entry. An encrypted batch from a Java producer reaches a
 * WebSocket consumer as one frame with one message id (the service could not split what it could
 * not decrypt); pulsar-in decrypts it and emits one msg per entry, each with its own id (the
 * batch's id with batch_index and batch_size, as Java's consumer names them). Pulsar is answered
 * for the frame: ack once every entry is acked, nack at the first entry nacked (Pulsar redelivers
 * the whole batch, as it does for a Java consumer without batch-index acks); the entries answered
 * after a nack are only forgotten. On a new socket everything unanswered is redelivered, so the
 * tracking starts over.
 */

interface Batch {
  frameId: string;
  pending: Set<string>;
  nacked: boolean;
}

export interface Settled {
  frameId: string;
  /** What to send for the frame now, if anything. */
  answer?: "ack" | "nack";
}

export class BatchAcks {
  private readonly entries = new Map<string, Batch>();

  get size(): number {
    return this.entries.size;
  }

  add(frameId: string, entryIds: readonly string[]): void {
    const batch: Batch = { frameId, pending: new Set(entryIds), nacked: false };
    for (const id of entryIds) this.entries.set(id, batch);
  }

  has(entryId: string): boolean {
    return this.entries.has(entryId);
  }

  /** Undefined when `entryId` is not an entry of a tracked batch. */
  settle(entryId: string, how: "ack" | "nack"): Settled | undefined {
    const batch = this.entries.get(entryId);
    if (!batch) return undefined;
    this.entries.delete(entryId);
    batch.pending.delete(entryId);
    if (batch.nacked) return { frameId: batch.frameId };
    if (how === "nack") {
      batch.nacked = true;
      return { frameId: batch.frameId, answer: "nack" };
    }
    return batch.pending.size === 0 ? { frameId: batch.frameId, answer: "ack" } : { frameId: batch.frameId };
  }

  clear(): void {
    this.entries.clear();
  }
}
