/**
 * `pulsar-ws-keys` ("pulsar keys"): a config node with named public keys and, as a credential,
 * named private keys, for end-to-end encryption (pulsar-out `keys` encrypts, pulsar-in `keys`
 * decrypts). Keys are read once at deploy (lib/keys-config.ts); a key that cannot be used is a
 * configuration error of the nodes that use it, named but never shown.
 */
import type { Node, NodeAPI, NodeDef } from "node-red";
import { resolveKeys, type KeysCredentials, type KeysDef, type KeysNode } from "./lib/keys-config";
import { asPulsarError } from "./lib/protocol/errors";

export = function register(RED: NodeAPI): void {
  function PulsarWsKeys(this: Node<KeysCredentials>, def: NodeDef & KeysDef): void {
    RED.nodes.createNode(this, def);
    const node = this as KeysNode;
    try {
      node.keys = resolveKeys(def, node.credentials?.privateKeys);
    } catch (err) {
      node.configError = asPulsarError(err, "config");
    }
  }

  RED.nodes.registerType<Node<KeysCredentials>, NodeDef & KeysDef, never, KeysCredentials>("pulsar-ws-keys", PulsarWsKeys, {
    credentials: { privateKeys: { type: "password" } },
  });
};
