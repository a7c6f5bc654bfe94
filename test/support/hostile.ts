/**
 * Strings that break parsers, URLs, headers and logs (control characters, commas, dot segments,
 * `/` and `%2F`, lone surrogates, zero-width and non-Latin-1 text, very long strings), mixed with
 * ordinary text: for the property tests of every name and secret a user or a server can supply.
 */
import fc from "fast-check";

/** Strings built from the pieces that break parsers, URLs and logs, mixed with ordinary text. */
export const hostileString = fc.oneof(
  fc.string({ unit: "grapheme", maxLength: 40 }),
  fc.string({ unit: "binary", maxLength: 40 }),
  fc
    .array(
      fc.oneof(
        fc.constantFrom("..", ".", "/", "%2F", ",", "\n", "\r", "\u0000", "\u0007", "\u007f", "\u0085", "\u200b", "\ud800", "\udc00", "é", "中文", "🙂", "?", "#", " ", "://", "persistent://", "a", "orders"),
        fc.string({ maxLength: 5 }),
      ),
      { maxLength: 12 },
    )
    .map((parts) => parts.join("")),
  fc.string({ minLength: 2000, maxLength: 5000 }),
);

