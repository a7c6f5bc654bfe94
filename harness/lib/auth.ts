/**
 * Auth and TLS material: tokens for three roles (HS256 with a fresh secret, or RS256 from a
 * caller's key), and the standalone.conf keys for tokens and TLS.
 */
import { createHmac, randomBytes } from "node:crypto";
import type { PulsarTokens, StartOptions } from "./types";

export const ROLES = { admin: "admin", allowed: "allowed-role", forbidden: "forbidden-role" } as const;

/** An HS256 JWT with the given subject, as Pulsar's AuthenticationProviderToken accepts it. */
export function signHs256Token(subject: string, secretKeyBase64: string): string {
  const encode = (value: object): string => Buffer.from(JSON.stringify(value)).toString("base64url");
  const unsigned = `${encode({ alg: "HS256", typ: "JWT" })}.${encode({ sub: subject })}`;
  const signature = createHmac("sha256", Buffer.from(secretKeyBase64, "base64")).update(unsigned).digest("base64url");
  return `${unsigned}.${signature}`;
}

/** A fresh secret key per instance, so tokens of one test's Pulsar never work on another's. */
export function newTokens(): PulsarTokens {
  const secretKeyBase64 = randomBytes(32).toString("base64");
  return {
    admin: signHs256Token(ROLES.admin, secretKeyBase64),
    allowed: signHs256Token(ROLES.allowed, secretKeyBase64),
    forbidden: signHs256Token(ROLES.forbidden, secretKeyBase64),
    secretKeyBase64,
  };
}

/** Tokens signed elsewhere (a test's OAuth2 issuer), validated by Pulsar with its RS256 public key. */
export function rs256Tokens(key: NonNullable<StartOptions["tokenPublicKey"]>): PulsarTokens {
  return {
    admin: key.sign(ROLES.admin),
    allowed: key.sign(ROLES.allowed),
    forbidden: key.sign(ROLES.forbidden),
    publicKeyBase64: key.publicKey.export({ type: "spki", format: "der" }).toString("base64"),
  };
}

export function authConfig(tokens: PulsarTokens): Record<string, string> {
  const key: Record<string, string> = tokens.publicKeyBase64
    ? { tokenPublicKey: `data:;base64,${tokens.publicKeyBase64}`, tokenPublicAlg: "RS256" }
    : { tokenSecretKey: `data:;base64,${tokens.secretKeyBase64 ?? ""}` };
  return {
    authenticationEnabled: "true",
    authorizationEnabled: "true",
    authenticationProviders: "org.apache.pulsar.broker.authentication.AuthenticationProviderToken",
    ...key,
    superUserRoles: ROLES.admin,
    // Used by the broker's own admin client and by the embedded WebSocket service's Pulsar client.
    brokerClientAuthenticationPlugin: "org.apache.pulsar.client.impl.auth.AuthenticationToken",
    brokerClientAuthenticationParameters: `token:${tokens.admin}`,
  };
}

export function tlsConfig(tls: NonNullable<StartOptions["tls"]>, port: number): Record<string, string> {
  return {
    webServicePortTls: String(port),
    tlsCertificateFilePath: tls.certFile,
    tlsKeyFilePath: tls.keyFile,
    tlsTrustCertsFilePath: tls.caFile,
    tlsRequireTrustedClientCertOnConnect: String(tls.requireClientCert ?? false),
  };
}
