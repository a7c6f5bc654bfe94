/**
 * pulsar-out's `splitArrays`: an array msg.payload → one produce frame per element, and the
 * outcome of those elements → one answer for the msg. Pure.
 *
 * The msg's other fields (key, properties, msg.pulsar options) are validated and serialized once
 * and shared by every element's frame: an array of 100 costs one JSON.stringify of them, not 100.
 * An element that cannot be converted refuses the whole msg before anything is sent, naming
 * its index, so a msg is never half published because of its own contents.
 */
import { PulsarError } from "./errors";
import { CONTEXT_OVERHEAD, frameOf, frameRest, payloadSource, prepareFrame, type PreparedFrame, type ProduceInput } from "./produce";

/** An element that cannot be converted: `element` is the error a single payload would get. */
export class ArrayElementError extends PulsarError {
  constructor(
    readonly index: number,
    readonly element: PulsarError,
  ) {
    super("input", "array-element", { index, reason: element.message });
  }
}

/** Each element of `payloads` as a frame carrying the msg's other fields. */
export function prepareFrames(input: ProduceInput, payloads: readonly unknown[]): PreparedFrame[] {
  const frames = new Array<PreparedFrame>(payloads.length);
  // Element errors come first, as a single payload's error comes before its msg's fields'.
  const sources = new Array<string | Buffer>(payloads.length);
  for (let i = 0; i < payloads.length; i++) sources[i] = elementOf(i, () => payloadSource(payloads[i]));
  const shared = frameRest(input);
  for (let i = 0; i < sources.length; i++) frames[i] = frameOf(sources[i], shared);
  return frames;
}

/**
 * With schema "topic": each element already encoded, a KEY_VALUE schema giving each element its
 * own key. Elements without one share the msg's fields as above.
 */
export function prepareEncodedFrames(input: ProduceInput, encoded: readonly { payload: Buffer; key?: string }[]): PreparedFrame[] {
  const shared = frameRest(input);
  return encoded.map((e, i) => (e.key === undefined ? frameOf(e.payload, shared) : elementOf(i, () => prepareFrame({ ...input, payload: e.payload, key: e.key }))));
}

function elementOf<T>(index: number, convert: () => T): T {
  try {
    return convert();
  } catch (err) {
    throw new ArrayElementError(index, err instanceof PulsarError ? err : new PulsarError("input", "unexpected", { message: String(err) }));
  }
}

/** What the sessions an array goes to can hold at once, each: in flight, then buffered. */
export interface ArrayCapacity {
  readonly maxInFlight: number;
  readonly bufferMessages: number;
  readonly bufferBytes: number;
  /** The session of each element (a partition index), in element order; undefined: all in one session. */
  readonly targets?: readonly number[];
}

/**
 * The refusal of an array that its sessions could not hold at once, or undefined. A session
 * sends up to `maxInFlight` frames and buffers the rest (its offline buffer's bounds, counted
 * as it counts its frames); each element is counted in the session it goes to. Checked before
 * anything is sent: an array is refused whole, never sent in part because of its size. Elements
 * can still fail if other msgs fill the same sessions meanwhile (or while offline, when nothing
 * goes in flight).
 */
export function arrayOverCapacity(frames: readonly PreparedFrame[], capacity: ArrayCapacity): PulsarError | undefined {
  const { maxInFlight, bufferMessages, bufferBytes, targets } = capacity;
  const perSession = new Map<number, { count: number; buffered: number; bytes: number }>();
  let bytes = 0;
  let over = false;
  for (let i = 0; i < frames.length; i++) {
    const size = frames[i].bytes + CONTEXT_OVERHEAD;
    bytes += size;
    const k = targets ? targets[i] : 0;
    let s = perSession.get(k);
    if (!s) perSession.set(k, (s = { count: 0, buffered: 0, bytes: 0 }));
    if (s.count++ < maxInFlight) continue;
    s.buffered++;
    s.bytes += size;
    if (s.buffered > bufferMessages || s.bytes > bufferBytes) over = true;
  }
  if (!over) return undefined;
  const sessions = perSession.size;
  return new PulsarError("overflow", "array-too-large", {
    messages: frames.length,
    bytes,
    sessions,
    maxMessages: sessions * (maxInFlight + bufferMessages),
    inFlight: sessions * maxInFlight,
    buffered: sessions * bufferMessages,
    maxBytes: sessions * bufferBytes,
  });
}

/** Failed elements that share one reason, by index in ascending order. */
export interface FailureGroup {
  readonly indexes: number[];
  readonly reason: string;
}

/**
 * The failed elements grouped by reason (`describe` gives an error's text), groups in the order of
 * their first index: "which indexes failed and why" without repeating one reason a hundred times.
 */
export function groupFailures<E>(errors: readonly (E | undefined)[], describe: (err: E) => string): FailureGroup[] {
  const groups = new Map<string, number[]>();
  const described = new Map<E, string>();
  errors.forEach((err, index) => {
    if (err === undefined) return;
    let reason = described.get(err);
    if (reason === undefined) described.set(err, (reason = describe(err)));
    const indexes = groups.get(reason);
    if (indexes) indexes.push(index);
    else groups.set(reason, [index]);
  });
  return [...groups].map(([reason, indexes]) => ({ indexes, reason }));
}

/** How many runs of indexes a list names before it says how many more there are. */
const RUNS_NAMED = 20;

/** Ascending indexes as a short list: runs of three or more as "a–b", "[3, 7, 10–19]", capped. */
export function formatIndexes(indexes: readonly number[]): string {
  const runs: string[] = [];
  let i = 0;
  let named = 0;
  while (i < indexes.length) {
    let j = i;
    while (j + 1 < indexes.length && indexes[j + 1] === indexes[j] + 1) j++;
    if (runs.length >= RUNS_NAMED) {
      return `[${runs.join(", ")}, … ${indexes.length - named} more]`;
    }
    if (j - i >= 2) runs.push(`${indexes[i]}–${indexes[j]}`);
    else for (let k = i; k <= j; k++) runs.push(String(indexes[k]));
    named += j - i + 1;
    i = j + 1;
  }
  return `[${runs.join(", ")}]`;
}
