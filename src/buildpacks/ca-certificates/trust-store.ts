// The certificates of ca-certificates bindings, and the trust-store directory made of them: one
// PEM per certificate, OpenSSL's `<subject hash>.<n>` links to them (so the directory works as a
// CApath / SSL_CERT_DIR), the system bundle plus them (an SSL_CERT_FILE), and them alone (for
// NODE_EXTRA_CA_CERTS, since Node.js reads neither SSL_CERT_DIR nor SSL_CERT_FILE by default).
import { mkdir, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Binding } from "../../buildpack-api/index.js";
import { type Cert, parseCerts } from "./pem.js";
import { subjectHash } from "../../x509/index.js";

export const BINDING_TYPE = "ca-certificates";

export interface BoundCert extends Cert {
  /** `binding <name>: <file>`. */
  from: string;
  /** The PEM's file name in the certs dir. */
  file: string;
}

/** Bindings of type ca-certificates (the type compared without case, as libcnb does). */
export function certBindings(bindings: readonly Binding[]): Binding[] {
  return bindings.filter((b) => b.type.toLowerCase() === BINDING_TYPE);
}

const safe = (s: string) => s.replace(/\.(pem|crt|cer)$/i, "").replace(/[^A-Za-z0-9._-]/g, "_");

/** Every certificate of the bindings, once each (by fingerprint), in binding and file name order. */
export function boundCerts(bindings: readonly Binding[]): BoundCert[] {
  const seen = new Set<string>();
  const out: BoundCert[] = [];
  for (const b of certBindings(bindings)) {
    for (const entry of Object.keys(b.entries).sort()) {
      const from = `binding ${b.name}: ${entry}`;
      const certs = parseCerts(b.entries[entry] as string, from);
      certs.forEach((c, i) => {
        if (seen.has(c.fingerprint256)) return;
        seen.add(c.fingerprint256);
        out.push({ ...c, from, file: `${safe(b.name)}_${safe(entry)}${certs.length > 1 ? `_${i + 1}` : ""}.pem` });
      });
    }
  }
  return out;
}

/** `<hash>.<n>` → PEM file name; a hash shared by several certificates counts up, in file name order. */
export function hashLinks(certs: readonly BoundCert[]): [string, string][] {
  const byHash = new Map<string, string[]>();
  for (const c of [...certs].sort((a, b) => (a.file < b.file ? -1 : 1))) {
    const h = subjectHash(c.der);
    byHash.set(h, [...(byHash.get(h) ?? []), c.file]);
  }
  return [...byHash].flatMap(([h, files]) => files.map((f, i): [string, string] => [`${h}.${i}`, f]));
}

export interface StorePaths {
  certsDir: string;
  bundle: string;
  extra: string;
}

/** Writes the trust-store files into `dir`; `system` is the system bundle's text, if there is one. */
export async function writeTrustStore(dir: string, certs: readonly BoundCert[], system: string | undefined): Promise<StorePaths> {
  const certsDir = join(dir, "certs");
  await mkdir(certsDir, { recursive: true });
  for (const c of certs) await writeFile(join(certsDir, c.file), c.pem);
  for (const [link, target] of hashLinks(certs)) await symlink(target, join(certsDir, link));
  const extraText = certs.map((c) => c.pem).join("");
  const systemText = system === undefined || system === "" ? "" : system.endsWith("\n") ? system : `${system}\n`;
  const paths = { certsDir, bundle: join(dir, "ca-certificates.crt"), extra: join(dir, "extra-ca-certificates.crt") };
  await writeFile(paths.bundle, systemText + extraText);
  await writeFile(paths.extra, extraText);
  return paths;
}
