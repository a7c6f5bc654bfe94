// Re-implementations of the few JDK behaviours the Pulsar WebSocket service exposes to clients
// (URL decoding, base64, ISO dates, number parsing), so the fake accepts and rejects the same input.

/** Java's URLDecoder.decode(s, UTF-8) (Pulsar's Codec.decode): '+' is a space, runs of %XX are UTF-8 bytes. */
export function javaUrlDecode(text: string): string {
  let decoded = "";
  let index = 0;
  while (index < text.length) {
    const char = text[index];
    if (char === "%") {
      const bytes: number[] = [];
      while (text[index] === "%") {
        bytes.push(percentEscapeByte(text, index));
        index += 3;
      }
      decoded += Buffer.from(bytes).toString("utf8");
    } else {
      decoded += char === "+" ? " " : char;
      index += 1;
    }
  }
  return decoded;
}

function percentEscapeByte(text: string, index: number): number {
  if (index + 2 >= text.length) {
    throw new Error("URLDecoder: Incomplete trailing escape (%) pattern");
  }
  const hex = text.slice(index + 1, index + 3);
  if (!/^[0-9a-fA-F]{2}$/.test(hex)) {
    throw new Error(`URLDecoder: Illegal hex characters in escape (%) pattern - ${hex}`);
  }
  return parseInt(hex, 16);
}

/** The JDK's helpful NullPointerException text for Base64.getDecoder().decode(null) (missing payload/messageId). */
export const NULL_BASE64_INPUT_MESSAGE = 'Cannot invoke "String.getBytes(java.nio.charset.Charset)" because "src" is null';

/**
 * java.util.Base64.getDecoder().decode(String): standard alphabet only, padding optional but exact when
 * present. Node's own decoder silently skips bad characters, which would hide client bugs.
 */
export function decodeJavaBase64(text: string): Buffer {
  const illegalAt = text.search(/[^A-Za-z0-9+/=]/);
  if (illegalAt >= 0) {
    throw new Error(`Illegal base64 character ${text.charCodeAt(illegalAt).toString(16)}`);
  }
  const paddingAt = text.indexOf("=");
  const data = paddingAt < 0 ? text : text.slice(0, paddingAt);
  const padding = paddingAt < 0 ? "" : text.slice(paddingAt);
  if (data.length % 4 === 1) {
    throw new Error("Last unit does not have enough valid bits");
  }
  if (padding !== "" && padding !== "=".repeat((4 - (data.length % 4)) % 4)) {
    throw new Error("Input byte array has wrong 4-byte ending unit");
  }
  return Buffer.from(data, "base64");
}

const ISO_OFFSET_DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2}(?::\d{2})?)$/i;

/**
 * DateTimeFormatter.ISO_OFFSET_DATE_TIME parsing (the server's DateFormatter.parse), to epoch ms.
 * The offset is mandatory: "2026-01-01T00:00:00" is rejected exactly like on the real server.
 */
export function parseIsoOffsetDateTime(text: string): number {
  const match = ISO_OFFSET_DATE_TIME.exec(text);
  if (!match) {
    throw new Error(`Text '${text}' could not be parsed`);
  }
  const [year, month, day, hour, minute, second = "0", fraction = "", offset] = match.slice(1);
  const date = new Date(0);
  date.setUTCFullYear(Number(year), Number(month) - 1, Number(day));
  const validDate = date.getUTCMonth() === Number(month) - 1 && date.getUTCDate() === Number(day);
  if (!validDate || Number(hour) > 23 || Number(minute) > 59 || Number(second) > 59) {
    throw new Error(`Text '${text}' could not be parsed: invalid date or time field`);
  }
  const millis = Number(fraction.padEnd(3, "0").slice(0, 3));
  const timeOfDayMs = ((Number(hour) * 60 + Number(minute)) * 60 + Number(second)) * 1000 + millis;
  return date.getTime() + timeOfDayMs - offsetMillis(offset, text);
}

function offsetMillis(offset: string, text: string): number {
  if (offset.toUpperCase() === "Z") {
    return 0;
  }
  const sign = offset.startsWith("-") ? -1 : 1;
  const [hours, minutes, seconds = "0"] = offset.slice(1).split(":");
  if (Number(hours) > 18 || Number(minutes) > 59 || Number(seconds) > 59) {
    throw new Error(`Text '${text}' could not be parsed: invalid offset`);
  }
  return sign * ((Number(hours) * 60 + Number(minutes)) * 60 + Number(seconds)) * 1000;
}

/**
 * DateFormatter.format(ms): ISO_OFFSET_DATE_TIME in the server's zone, seconds always printed and the
 * fraction without trailing zeros (120 ms → ".12", 0 ms → no fraction), "Z" for UTC.
 */
export function formatJavaIsoDateTime(epochMs: number, utcOffsetMinutes = 0): string {
  const local = new Date(epochMs + utcOffsetMinutes * 60_000).toISOString();
  const [dateTime, millis] = local.slice(0, -1).split(".");
  const fraction = millis.replace(/0+$/, "");
  return dateTime + (fraction === "" ? "" : `.${fraction}`) + formatOffset(utcOffsetMinutes);
}

function formatOffset(utcOffsetMinutes: number): string {
  if (utcOffsetMinutes === 0) {
    return "Z";
  }
  const sign = utcOffsetMinutes < 0 ? "-" : "+";
  const absolute = Math.abs(utcOffsetMinutes);
  const pad = (value: number): string => String(value).padStart(2, "0");
  return `${sign}${pad(Math.floor(absolute / 60))}:${pad(absolute % 60)}`;
}

const INT_MIN = -(2 ** 31);
const INT_MAX = 2 ** 31 - 1;

/** Integer.parseInt: optional sign and decimal digits only, 32-bit range, JDK error text. */
export function parseJavaInt(text: string): number {
  const value = parseJavaLong(text);
  if (value < INT_MIN || value > INT_MAX) {
    throw new Error(`For input string: "${text}"`);
  }
  return value;
}

/** Long.parseLong for the values a test can meaningfully send (exact up to 2^53). */
export function parseJavaLong(text: string): number {
  if (!/^[+-]?\d+$/.test(text)) {
    throw new Error(`For input string: "${text}"`);
  }
  return Number(text);
}
