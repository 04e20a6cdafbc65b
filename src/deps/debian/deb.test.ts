import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { hasCommand, tempDir } from "../../testing/index.js";
import { openDeb, type DataEntry } from "./deb.js";
import { statusFiles } from "./status.js";
import { makeDeb } from "./testing.js";

async function entriesOf(path: string): Promise<Map<string, DataEntry & { content?: string }>> {
  const deb = await openDeb(path);
  const out = new Map<string, DataEntry & { content?: string }>();
  await deb.unpackData(async (e, body) => {
    const chunks: Buffer[] = [];
    if (e.type === "file" && !e.path.endsWith("skip-me")) for await (const c of body) chunks.push(c);
    out.set(e.path, { ...e, ...(chunks.length ? { content: Buffer.concat(chunks).toString() } : {}) });
  });
  return out;
}

for (const compression of ["xz", "gzip", "zstd", "none"] as const) {
  test(`a .deb with ${compression} members: control, md5sums, scripts and data entries stream out`, async (t) => {
    assert.ok(hasCommand("dpkg-deb"));
    const d = tempDir();
    t.after(d.cleanup);
    const bytes = makeDeb(d.path, {
      name: "hello",
      version: "1.0-1",
      depends: "libc6 (>= 2.34)",
      compression,
      files: { "usr/bin/hello": "#!/bin/true\n", "etc/hello.conf": "x=1\n", "usr/share/doc/hello/skip-me": "unread" },
      conffiles: ["/etc/hello.conf"],
      postinst: "#!/bin/sh\nexit 0\n",
    });
    const path = join(d.path, "hello.deb");
    writeFileSync(path, bytes);
    const deb = await openDeb(path);
    assert.deepEqual(deb.members.map((m) => m.name), ["debian-binary", `control.tar${ext(compression)}`, `data.tar${ext(compression)}`]);
    const ctl = await deb.readControl();
    assert.equal(ctl.fields.get("Package"), "hello");
    assert.equal(ctl.fields.get("Depends"), "libc6 (>= 2.34)");
    assert.deepEqual(ctl.conffiles, ["/etc/hello.conf"]);
    assert.deepEqual(ctl.scripts, ["postinst"]);
    assert.match(ctl.md5sums, /^[0-9a-f]{32} {2}usr\/bin\/hello$/m);
    const entries = await entriesOf(path);
    assert.equal(entries.get("usr/bin/hello")?.content, "#!/bin/true\n");
    assert.equal(entries.get("usr/bin/hello")?.type, "file");
    assert.equal(entries.get("usr/bin")?.type, "directory");
    assert.equal(entries.get("etc/hello.conf")?.uname, "root");
    assert.ok(entries.has("usr/share/doc/hello/skip-me"), "an entry whose body is not read is skipped cleanly");
    assert.ok(![...entries.keys()].some((k) => k.startsWith("./") || k.startsWith("/") || k === ""));
    const status = statusFiles(ctl);
    assert.match(status[0]!.content, /^Package: hello\nStatus: install ok installed\nVersion: 1.0-1\n/);
  });
}

function ext(c: string): string {
  return c === "xz" ? ".xz" : c === "gzip" ? ".gz" : c === "zstd" ? ".zst" : "";
}

test("extractData unpacks data.tar safely into a directory with oci's extractor", async (t) => {
  const d = tempDir();
  t.after(d.cleanup);
  const path = join(d.path, "a.deb");
  writeFileSync(path, makeDeb(d.path, { name: "a", version: "1", files: { "usr/share/a/data.txt": "hello\n" } }));
  const deb = await openDeb(path);
  const root = join(d.path, "root");
  const stats = await deb.extractData(root);
  assert.ok(stats.entries >= 4);
  assert.equal(readFileSync(join(root, "usr/share/a/data.txt"), "utf8"), "hello\n");
});

test("a corrupt data member fails loudly (never a silently short listing); a non-deb is refused", async (t) => {
  const d = tempDir();
  t.after(d.cleanup);
  const files: Record<string, string> = {};
  for (let i = 0; i < 50; i++) files[`usr/share/f${i}`] = `${i}`.repeat(5000) + Math.random();
  const bytes = makeDeb(d.path, { name: "big", version: "1", files });
  const deb0 = await openDeb(join(d.path, "big_1.deb"));
  const data = deb0.members.find((m) => m.name.startsWith("data.tar"))!;
  const bad = Buffer.from(bytes);
  for (let i = data.offset + 200; i < data.offset + 260; i++) bad[i] = bad[i]! ^ 0xff;
  const path = join(d.path, "bad.deb");
  writeFileSync(path, bad);
  const deb = await openDeb(path);
  await assert.rejects(deb.unpackData(() => {}), (e: Error & { code?: string }) => {
    assert.ok(e.code === "DEBIAN_DECOMPRESS" || e.code === "DEBIAN_DEB", `${e.code}: ${e.message}`);
    assert.match(e.message, /data\.tar\.xz of .*bad\.deb/);
    return true;
  });
  writeFileSync(join(d.path, "x.deb"), "not an archive at all");
  await assert.rejects(openDeb(join(d.path, "x.deb")), /is not a Debian package \(no ar header\)/);
});

test("an error thrown by the entry callback reaches the caller unchanged", async (t) => {
  const d = tempDir();
  t.after(d.cleanup);
  makeDeb(d.path, { name: "c", version: "1", files: { "a/b": "x" } });
  const deb = await openDeb(join(d.path, "c_1.deb"));
  const mine = new Error("disk full");
  await assert.rejects(deb.unpackData(() => Promise.reject(mine)), (e) => e === mine);
});
