/** Auth and TLS material: HS256 tokens for three roles, and the standalone.conf keys for tokens and TLS. */
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

export function authConfig(tokens: PulsarTokens): Record<string, string> {
  return {
    authenticationEnabled: "true",
    authorizationEnabled: "true",
    authenticationProviders: "org.apache.pulsar.broker.authentication.AuthenticationProviderToken",
    tokenSecretKey: `data:;base64,${tokens.secretKeyBase64}`,
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
