/**
 * Certificates for the TLS scenarios, made by the test with openssl: a CA, a server certificate for
 * 127.0.0.1 / localhost signed by it, and a client certificate (CN = the role it authenticates as).
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

export interface TestCerts {
  dir: string;
  caCert: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  /** A second CA that signed nothing we use: "the wrong CA". */
  otherCaCert: string;
}

function openssl(args: string[], cwd: string): void {
  execFileSync("openssl", args, { cwd, stdio: ["ignore", "ignore", "pipe"] });
}

export function makeCerts(clientRole: string): TestCerts {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "faults-tls-"));
  const p = (f: string): string => path.join(dir, f);
  const days = "2";
  // CA
  openssl(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt", "-days", days, "-subj", "/CN=faults-test-ca"], dir);
  openssl(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "other-ca.key", "-out", "other-ca.crt", "-days", days, "-subj", "/CN=some-other-ca"], dir);
  // Server: SAN for the loopback address the harness binds.
  fs.writeFileSync(p("server.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n");
  openssl(["req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1"], dir);
  openssl(["x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-out", "server.crt", "-days", days, "-extfile", "server.ext"], dir);
  // Client: the CN is the role Pulsar's TLS authentication provider sees.
  fs.writeFileSync(p("client.ext"), "extendedKeyUsage=clientAuth\n");
  openssl(["req", "-newkey", "rsa:2048", "-nodes", "-keyout", "client.key", "-out", "client.csr", "-subj", `/CN=${clientRole}`], dir);
  openssl(["x509", "-req", "-in", "client.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-out", "client.crt", "-days", days, "-extfile", "client.ext"], dir);
  return { dir, caCert: p("ca.crt"), serverCert: p("server.crt"), serverKey: p("server.key"), clientCert: p("client.crt"), clientKey: p("client.key"), otherCaCert: p("other-ca.crt") };
}

export function removeCerts(certs: TestCerts | undefined): void {
  if (certs) fs.rmSync(certs.dir, { recursive: true, force: true });
}
