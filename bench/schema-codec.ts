/**
 * `npm run build && node dist/bench/schema-codec.js [--n 200000]`
 *
 * CPU per message of the schema codecs on a 10-field Avro record (goal: under 10 µs each
 * way): pulsar-out's encode (the check naming the first field that does not fit, then Avro
 * binary) and pulsar-in's decode (strict: every byte used, every value valid, plain objects), as
 * the nodes call them, without the network. Median of 5 runs after a warm-up. Figures only.
 */
import { buildCodec } from "../nodes/lib/protocol/schema-codec";
import { decodeFirst, type VersionedCodec } from "../nodes/lib/protocol/schema-versions";

const SCHEMA = {
  type: "record",
  name: "Reading",
  namespace: "bench",
  fields: [
    { name: "sensor", type: "string" },
    { name: "site", type: "string" },
    { name: "temperature", type: "double" },
    { name: "humidity", type: "float" },
    { name: "count", type: "long" },
    { name: "sequence", type: "int" },
    { name: "ok", type: "boolean" },
    { name: "note", type: ["null", "string"], default: null },
    { name: "state", type: { type: "enum", name: "State", symbols: ["ON", "OFF", "FAULT"] } },
    { name: "at", type: "long" },
  ],
};

const RECORD = {
  sensor: "sensor-0042",
  site: "plant-7/hall-3",
  temperature: 21.37,
  humidity: 48.5,
  count: 123456789,
  sequence: 42,
  ok: true,
  note: "calibrated",
  state: "ON",
  at: 1767225600000,
};

function perMessageMicros(n: number, fn: () => void): number {
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) fn();
  return Number(process.hrtime.bigint() - start) / 1000 / n;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function main(): void {
  const at = process.argv.indexOf("--n");
  const n = at > 0 ? Number(process.argv[at + 1]) : 200_000;
  const info = { type: "AVRO", schema: JSON.stringify(SCHEMA), properties: {}, version: 0 };
  const codec = buildCodec(info);
  const versions: VersionedCodec[] = [{ version: 0, info, codec }];
  const bytes = codec.encode(RECORD).payload;
  let sink = 0;
  const encode = (): void => {
    sink += codec.encode(RECORD).payload.length;
  };
  const decode = (): void => {
    sink += decodeFirst(versions, bytes, undefined) ? 1 : 0;
  };
  perMessageMicros(n / 4, encode);
  perMessageMicros(n / 4, decode);
  const enc: number[] = [];
  const dec: number[] = [];
  for (let r = 0; r < 5; r++) {
    enc.push(perMessageMicros(n, encode));
    dec.push(perMessageMicros(n, decode));
  }
  console.log(`schema codec, 10-field Avro record (${bytes.length} bytes), ${n} messages × 5 runs, Node ${process.version}`);
  console.log(`| encode (check + Avro binary) | ${median(enc).toFixed(2)} µs/msg | goal < 10 µs |`);
  console.log(`| decode (strict, plain object) | ${median(dec).toFixed(2)} µs/msg | goal < 10 µs |`);
  if (sink < 0) console.log(sink);
}

main();
