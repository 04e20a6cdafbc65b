import assert from "node:assert/strict";
import { test } from "node:test";
import { formatStatus, parseStatus, statusFiles, writeStatusEntry } from "./status.js";

const STANZA = `Package: zlib1g
Source: zlib
Version: 1:1.3.dfsg+really1.3.1-1+deb13u1
Installed-Size: 168
Maintainer: Mark Brown <zlib@example.invalid>
Architecture: amd64
Multi-Arch: same
Provides: libz1
Depends: libc6 (>= 2.14)
Description: compression library - runtime
 zlib is a library implementing the deflate compression method found
 in gzip and PKZIP.
Tag: role::shared-lib
Section: libs
Priority: optional
Filename: pool/main/z/zlib/zlib1g_1.3.dfsg+really1.3.1-1+deb13u1_amd64.deb
Size: 88720
MD5sum: 00000000000000000000000000000000
SHA256: ${"a".repeat(64)}
Description-md5: 1111
`;

test("writeStatusEntry puts Status after Package and drops archive-only fields", () => {
  const s = writeStatusEntry({ control: STANZA });
  assert.equal(
    s,
    `Package: zlib1g
Status: install ok installed
Source: zlib
Version: 1:1.3.dfsg+really1.3.1-1+deb13u1
Installed-Size: 168
Maintainer: Mark Brown <zlib@example.invalid>
Architecture: amd64
Multi-Arch: same
Provides: libz1
Depends: libc6 (>= 2.14)
Description: compression library - runtime
 zlib is a library implementing the deflate compression method found
 in gzip and PKZIP.
Section: libs
Priority: optional
`,
  );
  assert.equal(writeStatusEntry({ control: "Package: a\nStatus: purge ok not-installed\nVersion: 1\n" }), "Package: a\nStatus: install ok installed\nVersion: 1\n");
});

test("statusFiles lays out status.d/<name> and status.d/<name>.md5sums", () => {
  const files = statusFiles({ control: STANZA, md5sums: "abc  usr/lib/x\n" });
  assert.deepEqual(files.map((f) => [f.path, f.mode]), [
    ["var/lib/dpkg/status.d/zlib1g", 0o644],
    ["var/lib/dpkg/status.d/zlib1g.md5sums", 0o644],
  ]);
  assert.equal(files[1]?.content, "abc  usr/lib/x\n");
  assert.equal(statusFiles({ control: STANZA }).length, 1);
});

test("parseStatus reads installed packages (status and status.d alike) and formatStatus writes them back", () => {
  const text = [
    "Package: libc6\nStatus: install ok installed\nArchitecture: amd64\nMulti-Arch: same\nVersion: 2.41-12\nDescription: x\n more",
    "Package: mawk\nStatus: install ok installed\nArchitecture: amd64\nVersion: 1.3.4\nProvides: awk",
    "Package: gone\nStatus: deinstall ok config-files\nArchitecture: amd64\nVersion: 1",
    "Package: noarch\nVersion: 1",
  ].join("\n\n");
  const pkgs = parseStatus(text);
  assert.deepEqual(pkgs, [
    { name: "libc6", version: "2.41-12", architecture: "amd64", multiArch: "same" },
    { name: "mawk", version: "1.3.4", architecture: "amd64", provides: "awk" },
  ]);
  assert.deepEqual(parseStatus(formatStatus(pkgs)), pkgs);
  assert.equal(formatStatus([]), "");
});
