/**
 * PEM keys for end-to-end encryption, in the forms Pulsar's Java client reads (its default key
 * reader hands PEM text to Bouncy Castle's PEMParser): RSA (`RSA PUBLIC KEY`, `PUBLIC KEY`,
 * `RSA PRIVATE KEY`, `PRIVATE KEY`) and EC on secp256r1 / secp384r1 / secp521r1 (`PUBLIC KEY`,
 * `EC PRIVATE KEY`, `PRIVATE KEY`), optionally after an `EC PARAMETERS` block, with the curve named
 * or written out as explicit parameters (`openssl ecparam … -param_enc explicit`, the form Pulsar's
 * docs show), which are mapped back to the named curve they are. A `CERTIFICATE` gives its
 * public key. Pure: the key's bytes never appear in an error.
 */
import { ECDH, X509Certificate, createECDH, createPrivateKey, createPublicKey, type KeyObject } from "node:crypto";
import { DerError, TAG, bitStringBytes, children, expect, oidHex, readTlv, unsignedInteger, type Tlv } from "./der";

export type CurveName = "prime256v1" | "secp384r1" | "secp521r1";

export interface Curve {
  /** Node's (OpenSSL's) name, as createECDH takes it. */
  name: CurveName;
  /** Bytes of a field element (and of the ECDH shared secret). */
  fieldBytes: number;
}

export type PublicKey = { type: "rsa"; key: KeyObject } | { type: "ec"; curve: Curve; /** Uncompressed point 04‖X‖Y. */ point: Buffer };
export type PrivateKey = { type: "rsa"; key: KeyObject } | { type: "ec"; curve: Curve; /** The scalar, fieldBytes long. */ d: Buffer };

export class KeyFormatError extends Error {}

const OID_EC_PUBLIC_KEY = "2a8648ce3d0201";
const OID_RSA = "2a864886f70d010101";
const OID_PRIME_FIELD = "2a8648ce3d0101";

interface CurveDef extends Curve {
  oid: string;
  p: string;
  a: string;
  b: string;
  n: string;
}

/** The three curves Pulsar's clients use for EC keys (P-256, P-384, P-521), with their SEC 2 parameters (to recognise explicit parameters). */
const CURVES: readonly CurveDef[] = [
  {
    name: "prime256v1",
    fieldBytes: 32,
    oid: "2a8648ce3d030107",
    p: "ffffffff00000001000000000000000000000000ffffffffffffffffffffffff",
    a: "ffffffff00000001000000000000000000000000fffffffffffffffffffffffc",
    b: "5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604b",
    n: "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551",
  },
  {
    name: "secp384r1",
    fieldBytes: 48,
    oid: "2b81040022",
    p: "fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffeffffffff0000000000000000ffffffff",
    a: "fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffeffffffff0000000000000000fffffffc",
    b: "b3312fa7e23ee7e4988e056be3f82d19181d9c6efe8141120314088f5013875ac656398d8a2ed19d2a85c8edd3ec2aef",
    n: "ffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973",
  },
  {
    name: "secp521r1",
    fieldBytes: 66,
    oid: "2b81040023",
    p: "01ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
    a: "01fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffc",
    b: "0051953eb9618e1c9a1f929a21a0b68540eea2da725b99b315f3b8b489918ef109e156193951ec7e937b1652c0bd3bb1bf073573df883d2c34f1ef451fd46b503f00",
    n: "01fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffa51868783bf2f966b7fcc0148f709a5d03bb5c9b8899c47aebb6fb71e91386409",
  },
];

/** A curve's generator, from OpenSSL itself: the public key of the private key 1. */
function generatorOf(curve: CurveName): Buffer {
  const ecdh = createECDH(curve);
  ecdh.setPrivateKey(Buffer.from([1]));
  return ecdh.getPublicKey(null, "uncompressed");
}

interface PemBlock {
  label: string;
  der: Buffer;
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;

export function pemBlocks(text: string): PemBlock[] {
  const out: PemBlock[] = [];
  for (const m of text.matchAll(PEM_BLOCK)) {
    const body = m[2];
    if (/^Proc-Type:/m.test(body)) throw new KeyFormatError("encrypted PEM keys are not supported: write the key without a passphrase");
    out.push({ label: m[1], der: Buffer.from(body.replace(/[\s]/g, ""), "base64") });
  }
  if (out.length === 0) throw new KeyFormatError("no PEM block (-----BEGIN …-----) found");
  return out;
}

/** The key's PEM block, and the EC PARAMETERS block OpenSSL may write before an EC key. */
function keyBlock(text: string): { block: PemBlock; params: PemBlock | undefined } {
  const blocks = pemBlocks(text);
  const params = blocks.find((b) => b.label === "EC PARAMETERS");
  const block = blocks.find((b) => b.label !== "EC PARAMETERS");
  if (!block) throw new KeyFormatError("only EC PARAMETERS, no key");
  return { block, params };
}

/** Reads a public key; throws KeyFormatError naming what is wrong (never the key's bytes). */
export function parsePublicKey(text: string): PublicKey {
  return wrap(() => {
    const { block, params } = keyBlock(text);
    switch (block.label) {
      case "RSA PUBLIC KEY":
        return { type: "rsa", key: createPublicKey({ key: block.der, format: "der", type: "pkcs1" }) };
      case "PUBLIC KEY":
        return publicFromSpki(block.der, params);
      case "CERTIFICATE": {
        const spki = new X509Certificate(pemOf(block)).publicKey.export({ format: "der", type: "spki" });
        return publicFromSpki(spki, params);
      }
      default:
        throw new KeyFormatError(`a public key is expected, this is a ${block.label}`);
    }
  });
}

/** Reads a private key; throws KeyFormatError naming what is wrong (never the key's bytes). */
export function parsePrivateKey(text: string): PrivateKey {
  return wrap(() => {
    const { block, params } = keyBlock(text);
    switch (block.label) {
      case "RSA PRIVATE KEY":
        return { type: "rsa", key: createPrivateKey({ key: block.der, format: "der", type: "pkcs1" }) };
      case "EC PRIVATE KEY":
        return ecPrivateFromSec1(block.der, params ? curveFromParams(readTlv(params.der)) : undefined);
      case "PRIVATE KEY":
        return privateFromPkcs8(block.der, params);
      case "ENCRYPTED PRIVATE KEY":
        throw new KeyFormatError("encrypted PEM keys are not supported: write the key without a passphrase");
      default:
        throw new KeyFormatError(`a private key is expected, this is a ${block.label}`);
    }
  });
}

function wrap<T>(read: () => T): T {
  try {
    return read();
  } catch (err) {
    if (err instanceof KeyFormatError) throw err;
    if (err instanceof DerError) throw new KeyFormatError(`not a valid key (${err.message})`);
    // Node's own messages name formats and OpenSSL reasons, never key material.
    throw new KeyFormatError(`not a valid key (${err instanceof Error ? err.message : String(err)})`);
  }
}

function pemOf(block: PemBlock): string {
  const b64 = block.der.toString("base64").replace(/(.{64})/g, "$1\n");
  return `-----BEGIN ${block.label}-----\n${b64}\n-----END ${block.label}-----\n`;
}

function publicFromSpki(der: Buffer, params: PemBlock | undefined): PublicKey {
  const [alg, key] = children(expect(readTlv(der), TAG.sequence, "SubjectPublicKeyInfo").body);
  const [algOid, algParams] = children(expect(alg, TAG.sequence, "algorithm").body);
  const oid = oidHex(algOid);
  if (oid === OID_RSA) return { type: "rsa", key: createPublicKey({ key: der, format: "der", type: "spki" }) };
  if (oid !== OID_EC_PUBLIC_KEY) throw new KeyFormatError("only RSA and EC keys are supported");
  const curve = algParams && algParams.tag !== 0x05 ? curveFromParams(algParams) : params ? curveFromParams(readTlv(params.der)) : undefined;
  if (!curve) throw new KeyFormatError("EC key without its curve");
  return { type: "ec", curve, point: uncompressed(bitStringBytes(expect(key, TAG.bitString, "public key")), curve) };
}

function privateFromPkcs8(der: Buffer, params: PemBlock | undefined): PrivateKey {
  const [, alg, key] = children(expect(readTlv(der), TAG.sequence, "PrivateKeyInfo").body);
  const [algOid, algParams] = children(expect(alg, TAG.sequence, "algorithm").body);
  const oid = oidHex(algOid);
  if (oid === OID_RSA) return { type: "rsa", key: createPrivateKey({ key: der, format: "der", type: "pkcs8" }) };
  if (oid !== OID_EC_PUBLIC_KEY) throw new KeyFormatError("only RSA and EC keys are supported");
  const curve = algParams && algParams.tag !== 0x05 ? curveFromParams(algParams) : params ? curveFromParams(readTlv(params.der)) : undefined;
  return ecPrivateFromSec1(expect(key, TAG.octetString, "private key").body, curve);
}

/** SEC 1 ECPrivateKey: version 1, the scalar, [0] parameters, [1] public key. */
function ecPrivateFromSec1(der: Buffer, outerCurve: Curve | undefined): PrivateKey {
  const parts = children(expect(readTlv(der), TAG.sequence, "ECPrivateKey").body);
  const d = expect(parts[1], TAG.octetString, "private scalar").body;
  const params = parts.find((p) => p.tag === TAG.context0);
  const curve = params ? curveFromParams(readTlv(params.body)) : outerCurve;
  if (!curve) throw new KeyFormatError("EC key without its curve");
  if (d.length > curve.fieldBytes || d.length === 0) throw new KeyFormatError("private scalar does not fit the curve");
  const padded = Buffer.alloc(curve.fieldBytes);
  d.copy(padded, curve.fieldBytes - d.length);
  return { type: "ec", curve, d: padded };
}

/** ECParameters: a named curve's OID, or explicit parameters that must be one of ours. */
function curveFromParams(tlv: Tlv): Curve {
  if (tlv.tag === TAG.oid) {
    const oid = oidHex(tlv);
    const def = CURVES.find((c) => c.oid === oid);
    if (!def) throw new KeyFormatError("unsupported EC curve (secp256r1, secp384r1 and secp521r1 are)");
    return { name: def.name, fieldBytes: def.fieldBytes };
  }
  const [, fieldId, curveSeq, base, order] = children(expect(tlv, TAG.sequence, "EC parameters").body);
  const [fieldType, prime] = children(expect(fieldId, TAG.sequence, "field").body);
  if (oidHex(fieldType) !== OID_PRIME_FIELD) throw new KeyFormatError("only prime-field EC curves are supported");
  const [a, b] = children(expect(curveSeq, TAG.sequence, "curve").body);
  const p = unsignedInteger(expect(prime, TAG.integer, "prime")).toString("hex");
  const def = CURVES.find((c) => stripHex(c.p) === p);
  if (!def) throw new KeyFormatError("unsupported EC curve (secp256r1, secp384r1 and secp521r1 are)");
  const same =
    sameNumber(expect(a, TAG.octetString, "a").body, def.a) &&
    sameNumber(expect(b, TAG.octetString, "b").body, def.b) &&
    sameNumber(unsignedInteger(expect(order, TAG.integer, "order")), def.n) &&
    uncompressed(expect(base, TAG.octetString, "base point").body, def).equals(generatorOf(def.name));
  if (!same) throw new KeyFormatError("explicit EC parameters that are not those of a supported named curve");
  return { name: def.name, fieldBytes: def.fieldBytes };
}

function stripHex(hex: string): string {
  return hex.replace(/^(00)+/, "");
}

function sameNumber(bytes: Buffer, hex: string): boolean {
  return stripHex(bytes.toString("hex")) === stripHex(hex);
}

/** A point as 04‖X‖Y, checked to be on the curve (OpenSSL refuses points that are not). */
function uncompressed(point: Buffer, curve: Curve): Buffer {
  const out = ECDH.convertKey(point, curve.name, undefined, undefined, "uncompressed");
  return Buffer.isBuffer(out) ? out : Buffer.from(out, "latin1");
}
