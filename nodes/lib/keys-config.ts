/**
 * What a `pulsar-ws-keys` config node holds, without Node-RED: named public keys (PEM text or a
 * `file:///abs/path.pem`) and, from its credentials, named private keys (JSON text
 * `{"<name>": "<PEM or file:// path>"}`), read and parsed once at deploy. Errors name the key and
 * what is wrong with it, never its bytes.
 */
import fs from "node:fs";
import type { Node } from "node-red";
import { fileURLToPath } from "node:url";
import { configError, PulsarError } from "./protocol/errors";
import { canEncode, CODECS, type Codec } from "./protocol/codecs";
import { KeyFormatError, parsePrivateKey, parsePublicKey, type PrivateKey } from "./protocol/pem-keys";
import { wrapDataKey } from "./protocol/message-crypto";
import { Decryptor, SessionEncryption, type NamedPublicKey } from "./session/message-keys";

export interface KeysCredentials {
  privateKeys?: string;
}

/** The config node as its users see it. */
export interface KeysNode extends Node<KeysCredentials> {
  keys?: ResolvedKeys;
  configError?: PulsarError;
}

export interface KeysDef {
  keys?: unknown;
}

export interface ResolvedKeys {
  publicKeys: ReadonlyMap<string, NamedPublicKey>;
  privateKeys: ReadonlyMap<string, PrivateKey>;
}

const MAX_KEY_TEXT = 64 * 1024;

/** PEM text, or the content of the file a `file://` URL (or absolute path after it) names. */
function keyText(name: string, value: string, kind: "public" | "private"): string {
  const v = value.trim();
  if (!v.startsWith("file:")) return v;
  let file: string;
  try {
    file = fileURLToPath(v);
  } catch {
    throw configError("key-file-url", { name, kind });
  }
  try {
    const stat = fs.statSync(file);
    if (stat.size > MAX_KEY_TEXT) throw new Error("too large");
    return fs.readFileSync(file, "utf8");
  } catch (err) {
    throw configError("key-file-unreadable", { name, kind, file, reason: (err as NodeJS.ErrnoException).code ?? (err as Error).message });
  }
}

function parsed<T>(name: string, kind: "public" | "private", read: () => T): T {
  try {
    return read();
  } catch (err) {
    if (err instanceof PulsarError) throw err;
    throw configError("key-unusable", { name, kind, reason: err instanceof KeyFormatError ? err.message : "unreadable" });
  }
}

export function resolveKeys(def: KeysDef, privateKeysCredential: string | undefined): ResolvedKeys {
  const publicKeys = new Map<string, NamedPublicKey>();
  const list = Array.isArray(def.keys) ? (def.keys as unknown[]) : [];
  for (const entry of list) {
    if (typeof entry !== "object" || entry === null) continue;
    const { name, publicKey } = entry as { name?: unknown; publicKey?: unknown };
    if (typeof name !== "string" || name.trim() === "") throw configError("key-name-missing");
    if (typeof publicKey !== "string" || publicKey.trim() === "") continue;
    const key = parsed(name, "public", () => parsePublicKey(keyText(name, publicKey, "public")));
    // Wrapped once now, so a key that cannot hold a data key (RSA under 528 bits with OAEP-SHA1)
    // is a deploy-time error, not a throw when a producer session opens.
    parsed(name, "public", () => {
      try {
        wrapDataKey(Buffer.alloc(32), key);
      } catch {
        throw new KeyFormatError("the key cannot encrypt a 256-bit data key (an RSA key needs at least 1024 bits)");
      }
    });
    publicKeys.set(name.trim(), { name: name.trim(), key });
  }
  const privateKeys = new Map<string, PrivateKey>();
  const text = privateKeysCredential?.trim();
  if (text) {
    let map: unknown;
    try {
      map = JSON.parse(text);
    } catch {
      throw configError("private-keys-not-json");
    }
    if (typeof map !== "object" || map === null || Array.isArray(map)) throw configError("private-keys-not-json");
    for (const [name, value] of Object.entries(map as Record<string, unknown>)) {
      if (typeof value !== "string" || value.trim() === "") continue;
      privateKeys.set(name, parsed(name, "private", () => parsePrivateKey(keyText(name, value, "private"))));
    }
  }
  return { publicKeys, privateKeys };
}

/** The public keys named in `names` (comma-separated; empty = all of them). */
export function selectPublicKeys(keys: ResolvedKeys, names: string | undefined): NamedPublicKey[] {
  const wanted = (names ?? "")
    .split(",")
    .map((n) => n.trim())
    .filter((n) => n !== "");
  if (wanted.length === 0) {
    if (keys.publicKeys.size === 0) throw configError("no-public-keys");
    return [...keys.publicKeys.values()];
  }
  return wanted.map((n) => {
    const k = keys.publicKeys.get(n);
    if (!k) throw configError("public-key-unknown", { name: n });
    return k;
  });
}

export function decryptorOf(keys: ResolvedKeys): Decryptor {
  return new Decryptor(keys.privateKeys);
}

function usableKeys(node: KeysNode | null): ResolvedKeys {
  if (!node) throw configError("no-keys-node");
  if (node.configError) throw node.configError;
  if (!node.keys) throw configError("no-keys-node");
  return node.keys;
}

/**
 * pulsar-out with `keys`: a factory of one SessionEncryption per producer session (its own data
 * key), for the named public keys; the codec (the node's compressionType) runs in the node.
 */
export function producerEncryption(node: KeysNode | null, names: string | undefined, compressionType: unknown): () => SessionEncryption {
  const keys = selectPublicKeys(usableKeys(node), names);
  const codec: Codec = typeof compressionType === "string" && (CODECS as readonly string[]).includes(compressionType) ? (compressionType as Codec) : "NONE";
  if (!canEncode(codec)) throw configError("codec-not-in-node", { codec });
  return () => new SessionEncryption(keys, codec);
}

/** pulsar-in with `keys`: its decryptor (private keys and the data-key cache). */
export function consumerDecryptor(node: KeysNode | null): Decryptor {
  return decryptorOf(usableKeys(node));
}
