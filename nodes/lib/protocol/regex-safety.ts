/**
 * Topic patterns are regular expressions from a flow or from the editor, run by the runtime on
 * the event loop over every name a namespace lists (pulsar-in's discovery, the editor's preview).
 * JavaScript's backtracking engine can take exponential time on some shapes (`(a+)+b` over 30
 * characters blocks the process for seconds), so a pattern is refused unless its shape bounds
 * the work. The bounds, all checked here on the pattern's text before it is compiled:
 *
 * - at most MAX_PATTERN_CHARS characters;
 * - no repeated group (`*`, `+`, `{n,m}` with m > 1) that contains, at any depth, something
 *   that can match more than one way: a part of varying width (`+`, `*`, `?`, `{n,m}` with
 *   m > n) or alternatives. That nesting makes backtracking exponential (`(a+)+`, `(a|aa)*`, and
 *   `(aa?)+`, which is the same thing written differently);
 * - at most MAX_OPEN_REPETITIONS repetitions that may match a varying count (`*`, `+`, `{n,}`,
 *   `{n,m}` with m > n): k of them make backtracking O(length^k);
 * - no backreferences (matching with them is not bounded by any of the above).
 *
 * The names a pattern is tested against are bounded too (MAX_MATCHED_NAME_CHARS, see
 * matchPattern). With both, the worst accepted pattern costs well under a millisecond a name.
 */

export const MAX_PATTERN_CHARS = 256;
export const MAX_OPEN_REPETITIONS = 2;
/** A topic's local name longer than this is never matched by a pattern. */
export const MAX_MATCHED_NAME_CHARS = 512;

interface Repetition {
  /** Characters the quantifier takes (lazy `?` included). */
  length: number;
  min: number;
  max: number;
}

interface Group {
  /** Holds, at any depth, a part of varying width or alternatives. */
  ambiguous: boolean;
}

/** Why `source` is refused as a topic pattern's regex, or undefined when its shape is bounded. */
export function regexProblem(source: string): string | undefined {
  if (source.length > MAX_PATTERN_CHARS) return `longer than ${MAX_PATTERN_CHARS} characters`;
  const groups: Group[] = [{ ambiguous: false }];
  let open = 0;
  let i = 0;
  // Whether the previous token is something a quantifier can apply to.
  let atom = false;
  while (i < source.length) {
    const c = source[i];
    if (c === "\\") {
      const next = source[i + 1] ?? "";
      if (/[1-9]/.test(next) || (next === "k" && source[i + 2] === "<")) return "a backreference is not allowed in a topic pattern";
      i += 2;
      atom = true;
      continue;
    }
    if (c === "[") {
      i = classEnd(source, i);
      atom = true;
      continue;
    }
    if (c === "(") {
      groups.push({ ambiguous: false });
      i = groupBodyStart(source, i);
      atom = false;
      continue;
    }
    if (c === ")") {
      const inner = groups.length > 1 ? groups.pop()! : { ambiguous: false };
      const q = repetitionAt(source, i + 1);
      if (q && q.max > 1 && inner.ambiguous) {
        return "a repeated group that contains a repetition, an optional part or alternatives can take exponential time: write the repetition once";
      }
      const top = groups[groups.length - 1];
      top.ambiguous ||= inner.ambiguous || (q !== undefined && q.max > q.min);
      if (q && q.max > q.min) open++;
      i += 1 + (q?.length ?? 0);
      atom = false;
      continue;
    }
    if (c === "|") {
      groups[groups.length - 1].ambiguous = true;
      i++;
      atom = false;
      continue;
    }
    const q = atom ? repetitionAt(source, i) : undefined;
    if (q) {
      if (q.max > q.min) {
        groups[groups.length - 1].ambiguous = true;
        open++;
      }
      i += q.length;
      atom = false;
      continue;
    }
    i++;
    atom = c !== "^" && c !== "$";
  }
  if (open > MAX_OPEN_REPETITIONS) return `more than ${MAX_OPEN_REPETITIONS} open-ended repetitions (such as .* or +) can take very long: use at most ${MAX_OPEN_REPETITIONS}`;
  return undefined;
}

/** Index just past the character class starting at `start` (escapes inside it included). */
function classEnd(source: string, start: number): number {
  let i = start + 1;
  while (i < source.length && source[i] !== "]") i += source[i] === "\\" ? 2 : 1;
  return i + 1;
}

/** Index of a group's first character: past `(` and any `?:`, `?=`, `?!`, `?<=`, `?<!`, `?<name>`. */
function groupBodyStart(source: string, start: number): number {
  if (source[start + 1] !== "?") return start + 1;
  const kind = source[start + 2];
  if (kind === "<" && source[start + 3] !== "=" && source[start + 3] !== "!") {
    const close = source.indexOf(">", start + 3);
    return close < 0 ? source.length : close + 1;
  }
  return start + (kind === "<" ? 4 : 3);
}

/** The quantifier at `i` (`*`, `+`, `?`, `{n}`, `{n,}`, `{n,m}`, each maybe lazy), if any. */
function repetitionAt(source: string, i: number): Repetition | undefined {
  const c = source[i];
  let q: Repetition | undefined;
  if (c === "*") q = { length: 1, min: 0, max: Infinity };
  else if (c === "+") q = { length: 1, min: 1, max: Infinity };
  else if (c === "?") q = { length: 1, min: 0, max: 1 };
  else if (c === "{") {
    const m = /^\{(\d+)(,(\d*))?\}/.exec(source.slice(i));
    if (!m) return undefined;
    const min = Number(m[1]);
    q = { length: m[0].length, min, max: m[2] === undefined ? min : m[3] === "" ? Infinity : Number(m[3]) };
  }
  if (q && source[i + q.length] === "?") q.length++;
  return q;
}
