/**
 * The keys config node's reading of its keys at deploy: what cannot be used is a configuration
 * error naming the key, never a throw later when a producer session opens (that one ended
 * Node-RED from a partition lookup's callback).
 */
import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { resolveKeys } from "../../nodes/lib/keys-config";
import { PulsarError } from "../../nodes/lib/protocol/errors";

const rsaPublic = (bits: number): string => generateKeyPairSync("rsa", { modulusLength: bits }).publicKey.export({ type: "spki", format: "pem" }).toString();

describe("keys-config resolveKeys", () => {
  it("an RSA key too small to wrap a 256-bit data key with OAEP-SHA1 is refused at deploy, naming the key", () => {
    assert.throws(
      () => resolveKeys({ keys: [{ name: "tiny", publicKey: rsaPublic(512) }] } as Parameters<typeof resolveKeys>[0], undefined),
      (err: PulsarError) => err instanceof PulsarError && err.code === "key-unusable" && err.details.name === "tiny" && /1024 bits/.test(String(err.details.reason)),
    );
  });

  it("a 2048-bit RSA key is taken", () => {
    const keys = resolveKeys({ keys: [{ name: "ok", publicKey: rsaPublic(2048) }] } as Parameters<typeof resolveKeys>[0], undefined);
    assert.deepEqual([...keys.publicKeys.keys()], ["ok"]);
  });
});
