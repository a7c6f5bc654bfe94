/**
 * A cheap walk over Avro binary before avsc decodes it. avsc allocates an array or a map for the
 * block count a payload claims and reads past the end of the buffer as zeros, so six bytes that
 * claim 2^31 items run Node out of memory (and any producer on the topic can send them). The walk
 * follows the writer's type and refuses a block that claims more items than the bytes left could
 * hold (every item takes at least one byte, except `null` and empty records, which get a cap), and
 * any length past the end. It allocates nothing.
 */
import type { Type } from "avsc";

/** Items of a type that takes no bytes (`null`, an empty record) one payload may claim in all. */
const MAX_EMPTY_ITEMS = 100_000;

export class AvroBoundsError extends Error {}

interface Cursor {
  pos: number;
  emptyItems: number;
}

/** Throws AvroBoundsError when `bytes` cannot be one datum of `type` without over-reading. */
export function checkAvroBounds(type: Type, bytes: Buffer): void {
  walk(type, bytes, { pos: 0, emptyItems: 0 });
}

interface Shape {
  typeName: string;
  fields?: { type: Type }[];
  itemsType?: Type;
  valuesType?: Type;
  types?: Type[];
  size?: number;
  underlyingType?: Type;
}

function walk(type: Type, bytes: Buffer, c: Cursor): void {
  const t = type as unknown as Shape;
  switch (t.typeName) {
    case "null":
      return;
    case "boolean":
      return advance(bytes, c, 1);
    case "int":
    case "long":
    case "abstract:long": // the package's long mapping (number or BigInt) over Avro's long
    case "enum":
      varint(bytes, c);
      return;
    case "float":
      return advance(bytes, c, 4);
    case "double":
      return advance(bytes, c, 8);
    case "bytes":
    case "string":
      return advance(bytes, c, length(bytes, c));
    case "fixed":
      return advance(bytes, c, t.size ?? 0);
    case "record":
    case "error":
      for (const f of t.fields ?? []) walk(f.type, bytes, c);
      return;
    case "array":
      return blocks(bytes, c, (item) => walk(item, bytes, c), t.itemsType!, takesNoBytes(t.itemsType!));
    case "map":
      // Every map entry has a key, so it takes at least a byte whatever its value.
      return blocks(bytes, c, (values) => {
        advance(bytes, c, length(bytes, c));
        walk(values, bytes, c);
      }, t.valuesType!, false);
    case "union:unwrapped":
    case "union:wrapped": {
      const branch = t.types?.[varint(bytes, c)];
      if (!branch) throw new AvroBoundsError("a union branch index the schema does not have");
      return walk(branch, bytes, c);
    }
    default:
      // A logical type: its underlying Avro type is what is on the wire.
      if (t.underlyingType) return walk(t.underlyingType, bytes, c);
      throw new AvroBoundsError(`an Avro type this check does not know: ${t.typeName}`);
  }
}

function blocks(bytes: Buffer, c: Cursor, item: (t: Type) => void, itemType: Type, empty: boolean): void {
  for (;;) {
    let count = varint(bytes, c);
    if (count === 0) return;
    if (count < 0) {
      count = -count;
      length(bytes, c); // the block's size in bytes, which a reader may skip by
    }
    if (empty) {
      c.emptyItems += count;
      if (c.emptyItems > MAX_EMPTY_ITEMS) throw new AvroBoundsError(`more than ${MAX_EMPTY_ITEMS} empty items`);
    } else if (count > bytes.length - c.pos) {
      throw new AvroBoundsError(`a block claims ${count} items with ${bytes.length - c.pos} bytes left`);
    }
    for (let i = 0; i < count; i++) item(itemType);
  }
}

function takesNoBytes(type: Type): boolean {
  const t = type as unknown as Shape;
  if (t.typeName === "null") return true;
  if (t.typeName === "record" || t.typeName === "error") return (t.fields ?? []).every((f) => takesNoBytes(f.type));
  if (t.typeName === "fixed") return (t.size ?? 0) === 0;
  return t.underlyingType ? takesNoBytes(t.underlyingType) : false;
}

function advance(bytes: Buffer, c: Cursor, n: number): void {
  if (n < 0 || c.pos + n > bytes.length) throw new AvroBoundsError("too few bytes: the payload ends inside a value");
  c.pos += n;
}

function length(bytes: Buffer, c: Cursor): number {
  const n = varint(bytes, c);
  if (n < 0) throw new AvroBoundsError("a negative length");
  return n;
}

/** A zig-zag varint as Avro writes int and long, as a number (a long beyond 2^53 loses nothing that matters here). */
function varint(bytes: Buffer, c: Cursor): number {
  let n = 0;
  let scale = 1;
  for (let i = 0; i < 10; i++) {
    if (c.pos >= bytes.length) throw new AvroBoundsError("too few bytes: the payload ends inside a number");
    const b = bytes[c.pos++];
    n += (b & 0x7f) * scale;
    if ((b & 0x80) === 0) return n % 2 === 0 ? n / 2 : -(n + 1) / 2;
    scale *= 128;
  }
  throw new AvroBoundsError("a number longer than ten bytes");
}
