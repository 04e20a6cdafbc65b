// Certificates from PEM text: every `-----BEGIN CERTIFICATE-----` block, checked to be an X.509
// certificate. Text outside the blocks is ignored, as OpenSSL does (bundles often carry comments);
// a block that is cut off, has bad base64, is not a certificate, or is another kind of PEM (a key)
// is an error naming the file.
import { X509Certificate } from "node:crypto";
import { CaCertsError } from "./errors.js";

export interface Cert {
  der: Buffer;
  /** Canonical PEM: 64-column base64 between the certificate markers, newline-terminated. */
  pem: string;
  subject: string;
  fingerprint256: string;
}

const BEGIN = /^-----BEGIN ([A-Z0-9 ]+)-----$/;

export function toPem(der: Buffer): string {
  const b64 = der.toString("base64").replace(/.{64}/g, "$&\n").replace(/\n$/, "");
  return `-----BEGIN CERTIFICATE-----\n${b64}\n-----END CERTIFICATE-----\n`;
}

/** The certificates in `text`; `where` names its file in errors. A file with none is an error. */
export function parseCerts(text: string, where: string): Cert[] {
  const lines = text.split("\n").map((l) => l.replace(/\r$/, ""));
  const certs: Cert[] = [];
  const fail = (line: number, problem: string): never => {
    throw new CaCertsError("CA_CERTS_PEM", `${where}: line ${line}: ${problem}`, {
      hint: "each file of a ca-certificates binding holds one or more PEM certificates (-----BEGIN CERTIFICATE----- ... -----END CERTIFICATE-----)",
    });
  };
  for (let i = 0; i < lines.length; i++) {
    const m = BEGIN.exec((lines[i] as string).trim());
    if (m === null) continue;
    const label = m[1] as string;
    if (label !== "CERTIFICATE") fail(i + 1, `a ${label} block: only certificates can be trusted`);
    const end = lines.findIndex((l, j) => j > i && l.trim() === `-----END ${label}-----`);
    if (end < 0) fail(i + 1, `the ${label} block is not closed (no -----END ${label}-----)`);
    const body = lines.slice(i + 1, end).join("").replace(/\s+/g, "");
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(body) || body.length % 4 !== 0) fail(i + 2, "the certificate's base64 is damaged");
    const der = Buffer.from(body, "base64");
    let x509: X509Certificate;
    try {
      x509 = new X509Certificate(der);
    } catch (e) {
      return fail(i + 1, `not an X.509 certificate: ${(e as Error).message}`);
    }
    const certDer = Buffer.from(x509.raw);
    certs.push({ der: certDer, pem: toPem(certDer), subject: x509.subject.replaceAll("\n", ", "), fingerprint256: x509.fingerprint256 });
    i = end;
  }
  if (certs.length === 0) {
    throw new CaCertsError("CA_CERTS_PEM", `${where}: no PEM certificate in it`, { hint: "the file must hold -----BEGIN CERTIFICATE----- blocks" });
  }
  return certs;
}
