// PEM parsing and OpenSSL's subject hash, checked against the openssl CLI on real certificates.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { parseCerts } from "./pem.js";
import { subjectHash } from "../../x509/index.js";
import { makePki, openssl } from "./testing/openssl.js";

const dir = mkdtempSync(join(tmpdir(), "ca-certs-hash-"));
const pki = makePki();
after(() => {
  rmSync(dir, { recursive: true, force: true });
  rmSync(pki.dir, { recursive: true, force: true });
});
writeFileSync(join(dir, "default-mask.cnf"), "[req]\ndistinguished_name = dn\nstring_mask = default\n[dn]\n");

function selfSigned(subject: string, extra: string[] = []): string {
  const out = join(dir, `c${Math.random().toString(36).slice(2)}.pem`);
  openssl(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", `${out}.key`, "-out", out, "-days", "1", "-subj", subject, "-utf8", ...extra]);
  return out;
}

test("subject hash: equals `openssl x509 -subject_hash` for every string type, case, spacing and multi-valued names", () => {
  const mask = ["-config", join(dir, "default-mask.cnf")];
  const cases: [string, string[]][] = [
    ["/CN=Paketo Test CA", []],
    ["/C=DE/O=  Mixed   Case\tOrg /OU=Unit/CN=UPPER lower", []],
    ["/CN=a+OU=Z  b/O=Multi", ["-multivalue-rdn"]],
    ["/CN=zzz+CN=aaa", ["-multivalue-rdn"]],
    // DER order of the original (B < a) differs from the canonical one (a < b): the SET is re-sorted.
    ["/CN=B+CN=a", ["-multivalue-rdn"]],
    ["/CN=Mail CA/emailAddress=Admin@Example.ORG", []],
    ["/DC=org/DC=Example/CN=Domain CA", []],
    ["/CN=Société Générale ÉÀ", []],
    ["/CN=Printable Upper CA", mask],
    ["/O=Ünïcode Lätin/CN=T61 CA", mask],
    ["/CN=日本 Root CA", mask],
    ["/O=Only Org", []],
  ];
  for (const [subject, extra] of cases) {
    const file = selfSigned(subject, extra);
    const want = openssl(["x509", "-noout", "-subject_hash", "-in", file]).trim();
    const [cert] = parseCerts(openssl(["x509", "-in", file]), file);
    assert.ok(cert);
    assert.equal(subjectHash(cert.der), want, `${subject} ${extra.join(" ")}`);
  }
  // The string types really differ: the default mask gives PrintableString, T61String and BMPString.
  const asn1 = (f: string) => openssl(["asn1parse", "-in", f]);
  assert.match(asn1(selfSigned("/CN=Printable Upper CA", mask)), /PRINTABLESTRING/);
  assert.match(asn1(selfSigned("/O=Ünïcode/CN=x", mask)), /T61STRING/);
  assert.match(asn1(selfSigned("/CN=日本", mask)), /BMPSTRING/);
});

test("PEM: several certificates with text around them and CRLF line ends", () => {
  const text = `subject=CN = Paketo Test CA\r\n${pki.caPem.replaceAll("\n", "\r\n")}\n# another\n\n${pki.otherCaPem}trailing words\n`;
  const certs = parseCerts(text, "binding b: ca.pem");
  assert.deepEqual(
    certs.map((c) => c.subject),
    ["O=Paketo Test, CN=Paketo Test CA", "CN=Some Other CA"],
  );
  assert.equal(certs[0]?.pem, openssl(["x509", "-in", pki.caFile]), "canonical PEM, as openssl writes it");
});

test("PEM: damaged files are errors naming the file and the line", () => {
  const body = pki.caPem.split("\n").slice(1, -2);
  const where = "binding corp: ca.pem";
  const err = (text: string) => {
    try {
      parseCerts(text, where);
    } catch (e) {
      assert.equal((e as { code?: string }).code, "CA_CERTS_PEM");
      return (e as Error).message;
    }
    assert.fail("no error");
  };
  assert.equal(err(""), "binding corp: ca.pem: no PEM certificate in it");
  assert.equal(err("just text\n"), "binding corp: ca.pem: no PEM certificate in it");
  assert.equal(err(`x\n-----BEGIN CERTIFICATE-----\n${body.join("\n")}\n`), "binding corp: ca.pem: line 2: the CERTIFICATE block is not closed (no -----END CERTIFICATE-----)");
  assert.equal(err(`-----BEGIN CERTIFICATE-----\n${body[0]}\n!!notbase64!!\n-----END CERTIFICATE-----\n`), "binding corp: ca.pem: line 2: the certificate's base64 is damaged");
  assert.match(err(`-----BEGIN CERTIFICATE-----\nAAAA${body.join("\n")}\n-----END CERTIFICATE-----\n`), /^binding corp: ca\.pem: line 1: not an X\.509 certificate/);
  assert.equal(err(`${pki.caPem}-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n`), "binding corp: ca.pem: line 13: a PRIVATE KEY block: only certificates can be trusted".replace("13", String(pki.caPem.split("\n").length)));
});
