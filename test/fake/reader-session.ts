// Reader socket: its own exclusive-start cursor on the topic and a window freed by any text frame.

import type { FakeConnection } from "./connection";
import { ConsumerCommand, messageFrame, parseConsumerCommand } from "./consumer-frames";
import type { ReaderSettings } from "./query-params";
import { FAILED_TO_DESERIALIZE, MALFORMED_COMMAND_CLOSE, Session } from "./session";
import type { Topic } from "./topic-store";

export class ReaderSession implements Session {
  private position: number;
  private outstanding = 0;
  private readonly stopListening: () => void;

  constructor(
    readonly connection: FakeConnection,
    private readonly topic: Topic,
    private readonly settings: ReaderSettings,
    private readonly utcOffsetMinutes: number,
  ) {
    const start = settings.start;
    this.position = start === "earliest" ? 0
      : start === "latest" ? topic.messages.length
        : topic.indexAfter(start);
    this.stopListening = topic.onAppend(() => this.dispatch());
  }

  /** isEndOfTopic is answered; any other text frame, even invalid JSON, frees one window slot. */
  handleText(text: string): void {
    let command: ConsumerCommand | undefined;
    try {
      command = parseConsumerCommand(text);
    } catch {
      command = undefined;
    }
    if (command?.type === "isEndOfTopic") {
      const atEnd = this.topic.terminated && this.position >= this.topic.messages.length;
      this.connection.sendJson({ endOfTopic: atEnd });
      return;
    }
    this.outstanding -= 1;
    this.dispatch();
    if (command === undefined) {
      this.connection.close(MALFORMED_COMMAND_CLOSE, FAILED_TO_DESERIALIZE);
    }
  }

  closed(): void {
    this.stopListening();
  }

  resume(): void {
    this.dispatch();
  }

  dispatch(): void {
    while (this.position < this.topic.messages.length && this.canSend()) {
      this.outstanding += 1;
      this.connection.sendJson(messageFrame(this.topic.messages[this.position++], 0, this.utcOffsetMinutes));
    }
  }

  private canSend(): boolean {
    return this.connection.isOpen && !this.connection.frozen && this.outstanding < this.settings.window;
  }
}
