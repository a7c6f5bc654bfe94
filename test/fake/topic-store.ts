// Topics and their stored messages. Each topic is one ledger whose entry ids are the message indexes,
// which keeps message-id lookups trivial while producing ids shaped exactly like the real ones.

import { MessageIdParts, messageIdToBase64 } from "./message-id";

/** What a producer frame or the test API puts into a topic. */
export interface NewMessage {
  readonly payload: Buffer;
  readonly properties: Readonly<Record<string, string>>;
  readonly key?: string;
  /** The eventTime text as the producer sent it (ISO-8601 with offset). */
  readonly eventTime?: string;
  readonly eventTimeMs?: number;
  /** Epoch ms before which Shared/Key_Shared subscriptions hold the message (deliverAt/deliverAfterMs). */
  readonly deliverAt?: number;
  /** Not stored by real Pulsar; kept so tests can see which producer frame created a message. */
  readonly context?: string;
  readonly producerName?: string;
}

export interface StoredMessage extends NewMessage, MessageIdParts {
  readonly topic: string;
  /** Base64 MessageIdData, as in producer acks and consumer frames. */
  readonly messageId: string;
  readonly publishTime: number;
}

const FULL_NAME = /^(persistent|non-persistent):\/\/[^/]+\/[^/]+\/.+$/;

/** TopicName.get: "x" → persistent://public/default/x, "t/ns/x" → persistent://t/ns/x, full names kept. */
export function normalizeTopicName(name: string): string {
  if (FULL_NAME.test(name)) {
    return name;
  }
  const parts = name.split("/");
  if (parts.length === 1 && name !== "") {
    return `persistent://public/default/${name}`;
  }
  if ((parts.length === 3 || parts.length === 4) && parts.every((part) => part !== "")) {
    return `persistent://${name}`;
  }
  throw new Error(`Invalid topic name: ${name}`);
}

export class Topic {
  readonly messages: StoredMessage[] = [];
  terminated = false;
  private readonly appendListeners = new Set<() => void>();

  constructor(readonly name: string, readonly ledgerId: number) {}

  append(message: NewMessage): StoredMessage {
    const id = { ledgerId: this.ledgerId, entryId: this.messages.length };
    const stored: StoredMessage = {
      ...message, ...id, topic: this.name, messageId: messageIdToBase64(id), publishTime: Date.now(),
    };
    this.messages.push(stored);
    for (const listener of [...this.appendListeners]) {
      listener();
    }
    return stored;
  }

  /** Lets subscriptions and readers dispatch as soon as a message lands; returns the unsubscribe. */
  onAppend(listener: () => void): () => void {
    this.appendListeners.add(listener);
    return () => this.appendListeners.delete(listener);
  }

  /** Index of the message with this id, or undefined for ids of other topics or not yet written. */
  indexOf(id: MessageIdParts): number | undefined {
    const known = id.ledgerId === this.ledgerId && id.entryId >= 0 && id.entryId < this.messages.length;
    return known ? id.entryId : undefined;
  }

  /** First index strictly after the given id (a reader's exclusive start position). */
  indexAfter(id: MessageIdParts): number {
    if (id.ledgerId !== this.ledgerId) {
      return id.ledgerId < this.ledgerId ? 0 : this.messages.length;
    }
    return Math.min(Math.max(id.entryId + 1, 0), this.messages.length);
  }
}

/** All topics of one fake broker; ledger ids are unique across topics so foreign ids never match. */
export class TopicStore {
  private readonly topics = new Map<string, Topic>();
  private nextLedgerId = 1;

  find(name: string): Topic | undefined {
    return this.topics.get(normalizeTopicName(name));
  }

  getOrCreate(name: string): Topic {
    const fullName = normalizeTopicName(name);
    let topic = this.topics.get(fullName);
    if (topic === undefined) {
      topic = new Topic(fullName, this.nextLedgerId++);
      this.topics.set(fullName, topic);
    }
    return topic;
  }

  names(): string[] {
    return [...this.topics.keys()];
  }
}
