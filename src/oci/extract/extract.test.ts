import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { lstatSync, readdirSync, readFileSync, readlinkSync, statSync, symlinkSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { Readable } from "node:stream";
import { gzipSync } from "node:zlib";
import { hasCommand, run, tempDir, writeTree } from "../../testing/index.js";
import { sha256 } from "../digest.js";
import { OciError } from "../errors.js";
import { MediaType } from "../media-type.js";
import { compressedToLayer } from "../partial/index.js";
import { layerFromTarBytes } from "../static-layer.js";
import { extractLayer, extractTar, type ExtractOptions } from "./index.js";
import { dir, entry, file, hardlink, symlink, tar } from "./testing.js";

const T2000 = 946684800; // 2000-01-01T00:00:00Z

function target(t: TestContext): string {
  const d = tempDir("paketo-extract-");
  t.after(d.cleanup);
  return join(d.path, "root");
}

const extract = (archive: Buffer, to: string, opts?: ExtractOptions) => extractTar(Readable.from([archive]), to, opts);
const mode = (p: string) => lstatSync(p).mode & 0o7777;

/** The tree under root as {path: description}, for comparing two extractions. */
function tree(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const visit = (rel: string): void => {
    for (const name of readdirSync(join(root, rel)).sort()) {
      const r = rel ? `${rel}/${name}` : name;
      const p = join(root, r);
      const st = lstatSync(p);
      if (st.isSymbolicLink()) out[r] = `link -> ${readlinkSync(p)}`;
      else if (st.isDirectory()) {
        out[r] = `dir ${(st.mode & 0o7777).toString(8)}`;
        visit(r);
      } else out[r] = `file ${(st.mode & 0o7777).toString(8)} ${readFileSync(p, "utf8")}`;
    }
  };
  visit("");
  return out;
}

test("extracts files, directories, symlinks and hard links with their modes and times", async (t) => {
  const to = target(t);
  const stats = await extract(
    tar(
      dir("./", 0o755),
      dir("./usr/", 0o755, { mtime: T2000 }),
      dir("./usr/bin/", 0o755, { mtime: T2000 }),
      file("./usr/bin/tool", "#!/bin/sh\necho hi\n", 0o755, { mtime: T2000 }),
      file("./usr/bin/ro", "read only", 0o444),
      hardlink("./usr/bin/tool2", "./usr/bin/tool"),
      symlink("./usr/bin/sh", "/bin/busybox"),
      file("etc/motd", "hello"), // parent directory not in the archive
    ),
    to,
  );
  assert.deepEqual(stats, { entries: 8, bytes: 18 + 9 + 5, skipped: 0 });
  assert.equal(readFileSync(join(to, "usr/bin/tool"), "utf8"), "#!/bin/sh\necho hi\n");
  assert.equal(mode(join(to, "usr/bin/tool")), 0o755);
  assert.equal(mode(join(to, "usr/bin/ro")), 0o444);
  assert.equal(statSync(join(to, "usr/bin/tool")).mtimeMs, T2000 * 1000);
  assert.equal(statSync(join(to, "usr/bin")).mtimeMs, T2000 * 1000, "directory times are set after their entries");
  assert.equal(statSync(join(to, "usr/bin/tool2")).ino, statSync(join(to, "usr/bin/tool")).ino);
  assert.equal(readlinkSync(join(to, "usr/bin/sh")), "/bin/busybox");
  assert.equal(readFileSync(join(to, "etc/motd"), "utf8"), "hello");
});

test("read-only directories still receive their entries; their modes are applied at the end", async (t) => {
  const to = target(t);
  await extract(tar(dir("ro/", 0o555), dir("ro/sub/", 0o500), file("ro/sub/f", "x", 0o400), dir("sticky/", 0o1777)), to);
  assert.equal(mode(join(to, "ro")), 0o555);
  assert.equal(mode(join(to, "ro/sub")), 0o500);
  assert.equal(mode(join(to, "ro/sub/f")), 0o400);
  assert.equal(mode(join(to, "sticky")), 0o1777);
});

test("later entries replace earlier ones: a file over a directory, a directory over a file, a link over a file", async (t) => {
  const to = target(t);
  writeTree(to, { lower: "lower" });
  await extract(
    tar(dir("a/"), file("a/x", "1"), file("a", "now a file"), file("b", "1"), dir("b/"), file("c", "1"), symlink("c", "a"), hardlink("h", "lower"), file("h", "upper")),
    to,
  );
  assert.equal(readFileSync(join(to, "lower"), "utf8"), "lower", "writing a hard-linked name replaces it, never rewrites the shared file");
  assert.equal(readFileSync(join(to, "h"), "utf8"), "upper");
  assert.equal(readFileSync(join(to, "a"), "utf8"), "now a file");
  assert.ok(lstatSync(join(to, "b")).isDirectory());
  assert.equal(readlinkSync(join(to, "c")), "a");
});

test("whiteouts delete lower-layer files but never entries of their own layer", async (t) => {
  const to = target(t);
  await extract(tar(dir("etc/"), file("etc/a", "lower"), file("etc/b", "lower"), dir("etc/d/"), file("etc/d/x", "lower"), symlink("etc/l", "/")), to);
  const stats = await extract(
    tar(file("etc/.wh.a"), file("etc/.wh.d"), file("etc/.wh.l"), file("etc/new", "upper"), file("etc/.wh.new"), file("etc/.wh.missing"), file("nodir/.wh.x")),
    to,
  );
  assert.deepEqual(readdirSync(join(to, "etc")).sort(), ["b", "new"]);
  assert.equal(readFileSync(join(to, "etc/new"), "utf8"), "upper");
  assert.deepEqual(readdirSync(to).sort(), ["etc"], "a whiteout in a missing directory creates nothing");
  assert.deepEqual(stats, { entries: 7, bytes: 5, skipped: 0 });
});

test("an opaque whiteout clears what lower layers put in its directory, keeping its own layer's entries", async (t) => {
  const to = target(t);
  await extract(tar(dir("opt/"), file("opt/lower", "l"), dir("opt/keep/"), file("opt/keep/lower", "l"), file("other", "o")), to);
  await extract(tar(dir("opt/"), dir("opt/keep/"), file("opt/keep/upper", "u"), file("opt/.wh..wh..opq"), file("opt/after", "a")), to);
  assert.deepEqual(tree(join(to, "opt")), { after: "file 644 a", keep: "dir 755", "keep/upper": "file 644 u" });
  assert.equal(readFileSync(join(to, "other"), "utf8"), "o");
});

test("whiteouts: 'keep' writes them as files, 'ignore' skips them; reserved .wh..wh. names are never written", async (t) => {
  const to = target(t);
  await extract(tar(file("a", "lower")), to);
  await extract(tar(file(".wh.a"), file(".wh..wh..opq")), to, { whiteouts: "keep" });
  assert.deepEqual(readdirSync(to).sort(), [".wh..wh..opq", ".wh.a", "a"]);
  const to2 = target(t);
  await extract(tar(file("a", "lower")), to2);
  const stats = await extract(tar(file(".wh.a"), file(".wh...")), to2, { whiteouts: "ignore" });
  assert.deepEqual(readdirSync(to2), ["a"]);
  assert.equal(stats.skipped, 2);
  const to3 = target(t);
  const s3 = await extract(tar(file(".wh..wh.plnk"), file("x", "")), to3);
  assert.deepEqual(readdirSync(to3), ["x"]);
  assert.equal(s3.skipped, 1);
});

test("ownership: ignored by default, kept from the archive when asked and running as root", async (t) => {
  const archive = tar(dir("d/", 0o755, { uid: 1234, gid: 5678 }), file("d/f", "x", 0o644, { uid: 1234, gid: 5678 }), entry({ name: "d/l", type: "2", linkname: "f", uid: 1234, gid: 5678 }));
  const me = process.getuid?.() ?? 0;
  const a = target(t);
  await extract(archive, a);
  for (const p of ["d", "d/f", "d/l"]) assert.equal(lstatSync(join(a, p)).uid, me);
  const b = target(t);
  await extract(archive, b, { ownership: "keep" });
  const want = me === 0 ? [1234, 5678] : [me, process.getgid?.()];
  for (const p of ["d", "d/f", "d/l"]) {
    const st = lstatSync(join(b, p));
    assert.deepEqual([st.uid, st.gid], want, p);
  }
});

test("mtime: a fixed date for everything, or left at extraction time", async (t) => {
  const archive = tar(dir("d/", 0o755, { mtime: T2000 }), file("d/f", "x", 0o644, { mtime: T2000 }), symlink("d/l", "f"));
  const fixed = new Date("2020-02-02T00:00:00Z");
  const a = target(t);
  await extract(archive, a, { mtime: fixed });
  for (const p of ["d", "d/f", "d/l"]) assert.equal(lstatSync(join(a, p)).mtimeMs, fixed.getTime(), p);
  const b = target(t);
  const before = Date.now() - 5000;
  await extract(archive, b, { mtime: "now" });
  for (const p of ["d", "d/f"]) assert.ok(lstatSync(join(b, p)).mtimeMs > before, p);
});

test("permissions: umask applies without preservePermissions; setuid kept only when asked", async (t) => {
  const old = process.umask(0o027);
  t.after(() => process.umask(old));
  const archive = tar(dir("d/", 0o777), file("d/f", "x", 0o777), file("suid", "", 0o4755));
  const a = target(t);
  await extract(archive, a, { preservePermissions: false });
  assert.equal(mode(join(a, "d")), 0o750);
  assert.equal(mode(join(a, "d/f")), 0o750);
  assert.equal(mode(join(a, "suid")), 0o750);
  const b = target(t);
  await extract(archive, b, { keepSetuid: true });
  assert.equal(mode(join(b, "d")), 0o777);
  assert.equal(mode(join(b, "suid")), 0o4755);
});

test("onEntry skips and renames entries (strip the first component, links included)", async (t) => {
  const to = target(t);
  const seen: string[] = [];
  const stats = await extract(tar(dir("package/"), file("package/a.txt", "a"), hardlink("package/b.txt", "package/a.txt"), file("package/skip.me", "s"), file("other/x", "x")), to, {
    onEntry: (e) => {
      seen.push(`${e.type} ${e.name}`);
      if (e.name.endsWith("skip.me") || !e.name.startsWith("package/")) return false;
      const strip = (n: string) => n.slice("package/".length);
      return { name: strip(e.name), ...(e.linkname ? { linkname: strip(e.linkname) } : {}) };
    },
  });
  assert.deepEqual(seen, ["directory package/", "file package/a.txt", "link package/b.txt", "file package/skip.me", "file other/x"]);
  assert.deepEqual(readdirSync(to).sort(), ["a.txt", "b.txt"]);
  assert.equal(statSync(join(to, "b.txt")).ino, statSync(join(to, "a.txt")).ino);
  assert.deepEqual(stats, { entries: 5, bytes: 1, skipped: 2 });
});

test("hard links may name files already in the target from a lower layer", async (t) => {
  const to = target(t);
  writeTree(to, { "lib/libc.so.6": "libc" });
  await extract(tar(hardlink("lib/libc.so", "lib/libc.so.6"), hardlink("lib/libc.so.6", "lib/libc.so.6")), to);
  assert.equal(statSync(join(to, "lib/libc.so")).ino, statSync(join(to, "lib/libc.so.6")).ino);
});

test("parentSymlinks 'inside': a merged-/usr root keeps lib -> usr/lib and files land through it", async (t) => {
  const to = target(t);
  mkdirSync(join(to, "usr/lib"), { recursive: true });
  symlinkSync("usr/lib", join(to, "lib"));
  symlinkSync("/usr/lib", join(to, "lib64"));
  const archive = tar(dir("./lib/"), file("./lib/libfoo.so", "foo"), dir("./lib64/"), file("./lib64/ld.so", "ld"), hardlink("./lib/libfoo.so.1", "./lib64/../lib/libfoo.so"));
  // by default a directory entry replaces the link (as docker does), and a file under the link is refused
  await extract(tar(dir("./lib/")), to);
  assert.ok(lstatSync(join(to, "lib")).isDirectory());
  await assert.rejects(extract(tar(file("lib64/ld.so", "ld")), to), (e: unknown) => e instanceof OciError && /"lib64\/ld\.so": its parent "lib64" is a symbolic link/.test(e.message));
  const again = target(t);
  mkdirSync(join(again, "usr/lib"), { recursive: true });
  symlinkSync("usr/lib", join(again, "lib"));
  symlinkSync("/usr/lib", join(again, "lib64"));
  await extract(archive, again, { parentSymlinks: "inside" });
  assert.equal(readlinkSync(join(again, "lib")), "usr/lib");
  assert.equal(readlinkSync(join(again, "lib64")), "/usr/lib");
  assert.deepEqual(readdirSync(join(again, "usr/lib")).sort(), ["ld.so", "libfoo.so", "libfoo.so.1"]);
});

test("extractLayer unpacks a gzip layer and names it in errors", async (t) => {
  const to = target(t);
  const stats = await extractLayer(layerFromTarBytes(tar(file("hello.txt", "hi"))), to);
  assert.deepEqual(stats, { entries: 1, bytes: 2, skipped: 0 });
  const gz = gzipSync(tar(file("../evil", "x")));
  const layer = compressedToLayer({
    descriptor: { mediaType: MediaType.OciLayerGzip, digest: sha256(gz), size: gz.length },
    open: () => Promise.resolve(Readable.from([gz])),
  });
  await assert.rejects(
    extractLayer(layer, to),
    (e: unknown) => e instanceof OciError && e.message === `unsafe archive entry "../evil" in layer ${sha256(gz)}: path leaves the target directory`,
  );
  await assert.rejects(extractTar(Readable.from([gz]), to, { what: "cache.tar" }), (e: unknown) => e instanceof OciError && e.code === "OCI_ARCHIVE" && e.message.startsWith("reading cache.tar:"));
});

test("maxBytes and maxEntries are inclusive limits", async (t) => {
  const to = target(t);
  const stats = await extract(tar(file("a", "x".repeat(600)), file("b", "y".repeat(400))), to, { maxBytes: 1000, maxEntries: 2 });
  assert.deepEqual(stats, { entries: 2, bytes: 1000, skipped: 0 });
});

test("archives made by GNU tar (gnu and pax formats) extract to the same tree", async (t) => {
  assert.ok(hasCommand("tar"), "GNU tar is needed for this test");
  const src = tempDir("paketo-extract-src-");
  t.after(src.cleanup);
  const out = tempDir("paketo-extract-tars-");
  t.after(out.cleanup);
  const long = `${"deep/".repeat(30)}${"n".repeat(120)}.txt`;
  writeTree(src.path, {
    "bin/run": { content: "#!/bin/sh\n", mode: 0o755 },
    "etc/conf": "k=v\n",
    "etc/link": { symlink: "conf" },
    "etc/abs": { symlink: "/etc/conf" },
    [long]: "long name",
    "empty/": { dir: true, mode: 0o700 },
    "unicodé/ファイル": "utf8",
  });
  run("ln", [join(src.path, "etc/conf"), join(src.path, "etc/hard")]);
  for (const format of ["gnu", "pax"]) {
    const archive = join(out.path, `${format}.tar`);
    run("tar", ["-C", src.path, `--format=${format}`, "-cf", archive, "."]);
    const to = target(t);
    await extractTar(Readable.from([readFileSync(archive)]), to);
    assert.deepEqual(tree(to), tree(src.path), format);
    assert.equal(statSync(join(to, "etc/hard")).ino, statSync(join(to, "etc/conf")).ino, format);
  }
});

test("an input stream that fails before extraction starts is one error, not a crash", async (t) => {
  const { tempDir } = await import("../../testing/index.js");
  const { PassThrough } = await import("node:stream");
  const tmp = tempDir();
  t.after(tmp.cleanup);
  const input = new PassThrough();
  // Fails at once, while extractTar is still preparing the target directory.
  process.nextTick(() => input.destroy(new Error("corrupt gzip data")));
  await assert.rejects(extractTar(input, `${tmp.path}/deep/target`), /corrupt gzip data|archive/);
});
