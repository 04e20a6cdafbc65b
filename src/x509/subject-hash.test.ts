import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { hasCommand, run, tempDir } from "../testing/index.js";
import { makeCert } from "../stack/testing.js";
import { subjectHash } from "./subject-hash.js";

test("subject hashes match `openssl x509 -subject_hash`: case, spaces, UTF-8, IA5, multi-valued RDNs", (t) => {
  assert.ok(hasCommand("openssl"), "openssl must be installed");
  const d = tempDir();
  t.after(d.cleanup);
  const subjects: Array<[string, string[]]> = [
    ["/CN=Example Root CA/O=Example/C=DE", []],
    ["/CN=  Mixed   CASE\tand  spaces  /O=ACME, Inc./C=US", []],
    ["/CN=Főtanúsítvány/O=NetLock Kft./L=Budapest/C=HU", ["-utf8"]],
    ["/CN=multi+OU=valued+O=rdn/C=FR", ["-multivalue-rdn"]],
    ["/emailAddress=Root@Example.COM/CN=with email", []],
    ["/C=JP/O=Printable/CN=ps", ["-config", "/dev/null", "-utf8"]],
  ];
  subjects.forEach(([subject, extra], i) => {
    let file: string;
    try {
      file = makeCert(d.path, `c${i}`, subject, extra);
    } catch {
      file = makeCert(d.path, `c${i}`, subject, extra.filter((x) => x !== "-config" && x !== "/dev/null"));
    }
    const expected = run("openssl", ["x509", "-subject_hash", "-noout", "-in", file]).trim();
    assert.equal(subjectHash(new X509Certificate(readFileSync(file)).raw), expected, subject);
  });
});
