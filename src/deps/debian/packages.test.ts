import assert from "node:assert/strict";
import { test } from "node:test";
import { PackageIndex } from "./package-index.js";
import { parseStanza, splitStanzas } from "./packages.js";

const SHA = "ab".repeat(32);
const INDEX = `Package: libgcc-s1
Source: gcc-14 (14.2.0-19)
Version: 14.2.0-19
Installed-Size: 147
Maintainer: Debian GCC Maintainers <gcc@example.invalid>
Architecture: amd64
Provides: libgcc1 (= 1:14.2.0-19)
Depends: gcc-14-base (= 14.2.0-19), libc6 (>= 2.35)
Multi-Arch: same
Description: GCC support library — «ünïcödé»
 Shared version of the support library.
Priority: optional
Section: libs
Filename: pool/main/g/gcc-14/libgcc-s1_14.2.0-19_amd64.deb
Size: 72772
SHA256: ${SHA}

Version: 1
Package: late-name
Architecture: all
Essential: yes
Source: late-name
Filename: pool/l.deb
Size: 1
SHA256: ${SHA}


Package: zz
Version: 2
Architecture: arm64
Filename: pool/z.deb
Size: 1
SHA256: ${SHA}
`;

test("splitStanzas finds every stanza whatever the chunk boundaries (multibyte UTF-8 included)", async () => {
  const bytes = Buffer.from(INDEX);
  for (const size of [1, 2, 3, 7, 64, bytes.length]) {
    const chunks: Buffer[] = [];
    for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
    const got: string[] = [];
    assert.equal(await splitStanzas(chunks, (s) => got.push(s)), 3);
    assert.match(got[0]!, /«ünïcödé»/);
    assert.ok(got[0]!.startsWith("Package: libgcc-s1\n") && got[0]!.endsWith(`SHA256: ${SHA}\n`));
    assert.ok(got[2]!.startsWith("Package: zz\n"));
  }
});

test("parseStanza keeps what the resolver and lock need, and the raw text", () => {
  const [first] = INDEX.split("\n\n");
  const p = parseStanza(`${first}\n`, { suite: "trixie", component: "main", where: "trixie main" });
  assert.equal(p.name, "libgcc-s1");
  assert.equal(p.version, "14.2.0-19");
  assert.equal(p.source, "gcc-14");
  assert.equal(p.sourceVersion, undefined, "same as the binary version");
  assert.equal(p.provides, "libgcc1 (= 1:14.2.0-19)");
  assert.equal(p.multiArch, "same");
  assert.equal(p.installedSize, 147);
  assert.equal(p.description, "GCC support library — «ünïcödé»");
  assert.equal(p.size, 72772);
  assert.equal(p.sha256, SHA);
  assert.equal(p.essential, false);
  assert.equal(p.control, `${first}\n`);
  assert.throws(() => parseStanza("Package: x\nVersion: 1\n", { suite: "s", component: "main", where: "s main/binary-amd64/Packages" }), /package x in s main\/binary-amd64\/Packages has no Size field/);
});

test("PackageIndex finds a Package field that is not the first line and keeps only its architecture", async () => {
  const idx = new PackageIndex("amd64", ["trixie"], ["main"]);
  await splitStanzas([Buffer.from(INDEX)], (s) => idx.addStanza(s, { suite: "trixie", component: "main", where: "t" }));
  assert.equal(idx.candidate("late-name")?.essential, true);
  assert.equal(idx.candidate("zz"), undefined, "arm64 package in an amd64 index is ignored");
  assert.equal(idx.providers("libgcc1")[0]?.version, "1:14.2.0-19");
  assert.equal(idx.providers("libgcc1")[0]?.pkg.name, "libgcc-s1");
});
