/**
 * pulsar-out's `splitArrays`, once the elements are frames: each goes out through the node's
 * usual send path (same session, same order, same partition routing as single messages), and
 * the msg learns the outcome once, when the last element is acked or failed. The callbacks are
 * the node's: this file knows no Node-RED.
 */
import { PulsarError } from "./protocol/errors";
import { formatIndexes, groupFailures } from "./protocol/produce-array";
import type { PreparedFrame } from "./protocol/produce";
import type { PartitionedSendCallback } from "./session/partitioned-topics";

export type SendFrame = (frame: PreparedFrame, callback: PartitionedSendCallback) => void;

/**
 * `messageIds`: each element's id in element order, null where it failed; `errors`: undefined
 * when every element was acked, else each element's error (undefined where it was acked).
 */
export type ArrayFinish = (messageIds: (string | null)[], errors: (PulsarError | undefined)[] | undefined) => void;

/**
 * Sends the frames in order; `finish` is called exactly once, after every element's own
 * callback. The only per-element work beyond the send is one small closure (its index).
 */
export function sendElements(frames: readonly PreparedFrame[], send: SendFrame, finish: ArrayFinish): void {
  const total = frames.length;
  const ids = new Array<string | null>(total).fill(null);
  let errors: (PulsarError | undefined)[] | undefined;
  let left = total;
  if (total === 0) return finish(ids, undefined);
  const settle = (index: number, err: PulsarError | undefined, messageId: string | undefined): void => {
    if (err) (errors ??= new Array<PulsarError | undefined>(total))[index] = err;
    else ids[index] = messageId ?? null;
    if (--left === 0) finish(ids, errors);
  };
  for (let i = 0; i < total; i++) send(frames[i], (err, messageId) => settle(i, err, messageId));
}

/**
 * The one error of a msg whose elements partly failed: how many, which indexes, and why, one
 * reason per group ("2 of 100 elements failed: [3, 7] <reason>"). `describe` gives a reason's
 * text (translated by the node).
 */
export function arrayFailure(errors: readonly (PulsarError | undefined)[], describe: (err: PulsarError) => string): PulsarError {
  const groups = groupFailures(errors, describe);
  const failed = groups.reduce((n, g) => n + g.indexes.length, 0);
  const reasons = groups.map((g) => `${formatIndexes(g.indexes)} ${g.reason}`).join("; ");
  return new PulsarError("server", "array-failed", { failed, total: errors.length, reasons });
}
