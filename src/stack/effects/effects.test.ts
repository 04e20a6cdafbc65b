import assert from "node:assert/strict";
import { cpSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { hasCommand, run, tempDir, writeTree } from "../../testing/index.js";
import { Rootfs } from "../staging-rootfs.js";
import type { Alternative } from "../stack-file.js";
import { applyAlternatives } from "./alternatives.js";
import { writeCaCertificates } from "./ca-certificates.js";
import { writeShells } from "./shells.js";
import { makeCert } from "../testing.js";

test("CA certificates: conf, .pem links, bundle in conf order, and the hash links `openssl rehash` makes", (t) => {
  assert.ok(hasCommand("openssl"), "openssl must be installed");
  const d = tempDir();
  t.after(d.cleanup);
  const root = new Rootfs(join(d.path, "root"));
  const certs = join(root.dir, "usr/share/ca-certificates");
  mkdirSync(join(certs, "mozilla"), { recursive: true });
  mkdirSync(join(certs, "extra"), { recursive: true });
  const names = ["b_Root", "A Root (2020), Inc", "a_lower", "Same Subject 1", "Same Subject 2"];
  for (const n of names) makeCert(join(certs, "mozilla"), n, `/CN=${n.startsWith("Same") ? "Same Subject" : n}/O=Test`);
  makeCert(join(certs, "extra"), "Extra", "/CN=Extra/O=Test");
  for (const f of readdirSync(join(certs, "mozilla"))) if (f.endsWith(".key")) run("rm", [join(certs, "mozilla", f)]);
  run("rm", [join(certs, "extra/Extra.key")]);

  const r = writeCaCertificates(root);
  assert.deepEqual(r, { certificates: 6, hashLinks: 6 });
  const conf = readFileSync(join(root.dir, "etc/ca-certificates.conf"), "utf8");
  const listed = conf.split("\n").filter((l) => l && !l.startsWith("#"));
  // byte order, as the postinst's sort under LC_ALL=C: upper case before lower case
  assert.deepEqual(listed, ["extra/Extra.crt", "mozilla/A Root (2020), Inc.crt", "mozilla/Same Subject 1.crt", "mozilla/Same Subject 2.crt", "mozilla/a_lower.crt", "mozilla/b_Root.crt"]);
  const etc = join(root.dir, "etc/ssl/certs");
  assert.equal(readlinkSync(join(etc, "A_Root_=2020=__Inc.pem")), "/usr/share/ca-certificates/mozilla/A Root (2020), Inc.crt");
  const bundle = readFileSync(join(etc, "ca-certificates.crt"), "utf8");
  assert.equal(bundle, listed.map((c) => readFileSync(join(certs, c), "utf8")).join(""));
  assert.equal(lstatSync(join(etc, "ca-certificates.crt")).mode & 0o777, 0o644);

  // openssl rehash over the same certificates (the links resolved to files) names the same links
  const check = join(d.path, "check");
  mkdirSync(check);
  for (const f of readdirSync(etc)) {
    if (!f.endsWith(".pem")) continue;
    cpSync(join(certs, readlinkSync(join(etc, f)).replace("/usr/share/ca-certificates/", "")), join(check, f));
  }
  run("openssl", ["rehash", check]);
  // openssl numbers certificates sharing a hash in readdir order (it does not sort); paketo in
  // byte order of the names. So compare which certificates share which hash, then our numbering.
  const buckets = (dir: string) => {
    const m = new Map<string, string[]>();
    for (const f of readdirSync(dir).filter((x) => /^[0-9a-f]{8}\.\d+$/.test(x))) {
      const h = f.slice(0, 8);
      m.set(h, [...(m.get(h) ?? []), readlinkSync(join(dir, f))].sort());
    }
    return [...m].sort();
  };
  assert.deepEqual(buckets(etc), buckets(check));
  const same = buckets(etc).find(([, targets]) => targets.length === 2);
  assert.ok(same, "two certificates with one subject share a hash");
  assert.equal(readlinkSync(join(etc, `${same[0]}.0`)), "Same_Subject_1.pem");
  assert.equal(readlinkSync(join(etc, `${same[0]}.1`)), "Same_Subject_2.pem");
});

test("alternatives: the highest priority present wins; missing slaves and real files are left alone", (t) => {
  const d = tempDir();
  t.after(d.cleanup);
  const root = new Rootfs(writeTree(join(d.path, "root"), {
    "usr/bin/mawk": "mawk",
    "usr/bin/gawk": "gawk",
    "usr/bin/gcc": "gcc",
    "usr/bin/pager": "a real file",
    "usr/bin/less": "less",
    "usr/bin/update-alternatives": "",
    "usr/lib/.keep": "",
    lib: { symlink: "usr/lib" },
    "usr/bin/cpp": "cpp",
  }));
  const alts: Alternative[] = [
    { name: "awk", link: "usr/bin/awk", path: "usr/bin/mawk", priority: 5, slaves: [{ name: "nawk", link: "usr/bin/nawk", path: "usr/bin/mawk" }, { name: "awk.1.gz", link: "usr/share/man/man1/awk.1.gz", path: "usr/share/man/man1/mawk.1.gz" }] },
    { name: "awk", link: "usr/bin/awk", path: "usr/bin/gawk", priority: 10, slaves: [] },
    { name: "awk", link: "usr/bin/awk", path: "usr/bin/original-awk", priority: 50, slaves: [] },
    { name: "cc", link: "usr/bin/cc", path: "usr/bin/gcc", priority: 20, slaves: [] },
    { name: "cpp", link: "lib/cpp", path: "usr/bin/cpp", priority: 10, slaves: [] },
    { name: "pager", link: "usr/bin/pager", path: "usr/bin/less", priority: 77, slaves: [] },
  ];
  const r = applyAlternatives(root, alts);
  const at = (p: string) => readlinkSync(join(root.dir, p));
  assert.equal(at("usr/bin/awk"), "/etc/alternatives/awk");
  assert.equal(at("etc/alternatives/awk"), "/usr/bin/gawk");
  assert.throws(() => lstatSync(join(root.dir, "usr/bin/nawk")), "a slave of the losing alternative is not made");
  assert.equal(at("usr/bin/cc"), "/etc/alternatives/cc");
  assert.equal(at("usr/lib/cpp"), "/etc/alternatives/cpp", "a link under lib/ lands in usr/lib/ through the merged-/usr link");
  assert.equal(readFileSync(join(root.dir, "usr/bin/pager"), "utf8"), "a real file");
  assert.deepEqual(r.skipped, ["/usr/bin/pager"]);
  assert.equal(readFileSync(join(root.dir, "var/lib/dpkg/alternatives/awk"), "utf8"), "auto\n/usr/bin/awk\n\n/usr/bin/mawk\n5\n/usr/bin/gawk\n10\n\n");
});

test("/etc/shells lists the template's shells and each package's, under both paths", (t) => {
  const d = tempDir();
  t.after(d.cleanup);
  const root = new Rootfs(writeTree(join(d.path, "root"), {
    bin: { symlink: "usr/bin" },
    "usr/bin/dash": "",
    "usr/share/debianutils/shells": "# /etc/shells: valid login shells\n/bin/sh\n",
    "usr/share/debianutils/shells.d/dash": "/usr/bin/dash\n",
    "usr/share/debianutils/shells.d/bash": "/bin/bash\n/bin/rbash\n",
  }));
  writeShells(root);
  assert.equal(readFileSync(join(root.dir, "etc/shells"), "utf8"), "# /etc/shells: valid login shells\n/bin/sh\n/usr/bin/sh\n/bin/bash\n/usr/bin/bash\n/bin/rbash\n/usr/bin/rbash\n/usr/bin/dash\n");
});
