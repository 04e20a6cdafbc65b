import assert from "node:assert/strict";
import { test } from "node:test";
import { parseDeb822 } from "./deb822.js";
import { checkFreshness, checkSuite, parseRelease } from "./release.js";
import { clearsignedTextUnverified } from "./signature.js";

const RELEASE = `Origin: Debian
Suite: stable
Codename: trixie
Date: Sat, 21 Nov 2026 09:15:44 UTC
Valid-Until: Sat, 28 Nov 2026 09:15:44 UTC
Acquire-By-Hash: yes
No-Support-for-Architecture-all: Packages
Architectures: all amd64 arm64
Components: main contrib
MD5Sum:
 203e1451a4c2e0edf3646a5da3cec2d8  9679304 main/binary-amd64/Packages.xz
SHA256:
 be3d7d96a040eda0505c1808cccc67f183bbc05dff0842c50f88e6c396557412  9679304 main/binary-amd64/Packages.xz
 2efd6103f013081f8118f4c9f228739bc97bff2e4e1de496f80458c7e72a24ac 56634892 main/binary-amd64/Packages
`;

test("parseRelease reads the fields and the SHA256 section only", () => {
  const r = parseRelease(RELEASE, "test Release");
  assert.equal(r.codename, "trixie");
  assert.equal(r.suite, "stable");
  assert.deepEqual(r.architectures, ["all", "amd64", "arm64"]);
  assert.deepEqual(r.components, ["main", "contrib"]);
  assert.equal(r.acquireByHash, true);
  assert.equal(r.allInArchIndexes, true);
  assert.equal(r.date?.toISOString(), "2026-11-21T09:15:44.000Z");
  assert.equal(r.validUntil?.toISOString(), "2026-11-28T09:15:44.000Z");
  assert.equal(r.files.size, 2);
  assert.deepEqual(r.files.get("main/binary-amd64/Packages.xz"), {
    sha256: "be3d7d96a040eda0505c1808cccc67f183bbc05dff0842c50f88e6c396557412",
    size: 9679304,
  });
});

test("a Release without SHA256 is refused; Valid-Until and suite are enforced", () => {
  assert.throws(() => parseRelease("Codename: x\nMD5Sum:\n abc 1 f\n", "r"), (e: Error & { code?: string }) => e.code === "DEBIAN_RELEASE" && /no SHA256/.test(e.message));
  const r = parseRelease(RELEASE, "r");
  assert.throws(() => checkFreshness(r, new Date("2026-12-01T00:00:00Z"), "r"), /expired on 2026-11-28/);
  checkFreshness(r, new Date("2026-11-22T00:00:00Z"), "r");
  checkSuite(r, "trixie", "r");
  checkSuite(r, "stable", "r");
  assert.throws(() => checkSuite(r, "bookworm", "r"), /describes trixie, not bookworm/);
});

test("parseDeb822 keeps order, continuation lines and raw text; skips comments", () => {
  const [a, b] = parseDeb822("# c\nPackage: a\nDescription: one\n two\n .\n\n\nPackage: b\n");
  assert.equal(a?.get("package"), "a");
  assert.equal(a?.get("Description"), "one\ntwo\n.");
  assert.deepEqual(a?.fields.map(([k]) => k), ["Package", "Description"]);
  assert.equal(a?.raw, "Package: a\nDescription: one\n two\n .\n");
  assert.equal(b?.get("Package"), "b");
});

test("clearsignedTextUnverified extracts the signed body and undoes dash-escaping", () => {
  const doc = "-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\nOrigin: x\n- -dashed\n-----BEGIN PGP SIGNATURE-----\nabc\n-----END PGP SIGNATURE-----\n";
  assert.equal(clearsignedTextUnverified(doc), "Origin: x\n-dashed\n");
});
