import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { chmodSync, createReadStream, linkSync, mkdirSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { extract, type Header } from "tar-stream";
import { createGunzip } from "node:zlib";
import { hasCommand, run, tempDir, writeTree } from "../../testing/index.js";
import { OciError } from "../errors.js";
import type { ProgressEvent } from "../progress.js";
import { DEFAULT_LEVEL, directoryEntries, layerFromDirectory, layerFromFiles } from "./index.js";

interface ReadEntry {
  header: Header;
  data: Buffer;
}

/** Every entry of a gzip tar file, with its content, read back with tar-stream. */
async function readLayer(path: string): Promise<ReadEntry[]> {
  const ex = extract();
  createReadStream(path).pipe(createGunzip()).pipe(ex);
  const out: ReadEntry[] = [];
  for await (const entry of ex) {
    const chunks: Buffer[] = [];
    for await (const c of entry) chunks.push(c as Buffer);
    out.push({ header: entry.header, data: Buffer.concat(chunks) });
  }
  return out;
}

const hex = (b: Uint8Array): string => createHash("sha256").update(b).digest("hex");
const names = (es: ReadEntry[]): string[] => es.map((e) => e.header.name);
const byName = (es: ReadEntry[], n: string): ReadEntry => {
  const e = es.find((x) => x.header.name === n);
  assert.ok(e, `entry ${n} in ${names(es).join(", ")}`);
  return e;
};

/** A small app tree with a hardlink and a symlink, written in the given key order. */
function appTree(root: string, order: "forward" | "reverse"): string {
  const files: Record<string, string | { content: string; mode: number } | { symlink: string }> = {
    "package.json": '{"name":"app"}\n',
    "src/index.js": "console.log('hi')\n",
    "src/lib/util.js": "export const x = 1;\n",
    "bin/run": { content: "#!/bin/sh\nexec node src/index.js\n", mode: 0o755 },
    "current": { symlink: "src" },
    "a-b.txt": "dash sorts before slash\n",
  };
  const keys = Object.keys(files);
  if (order === "reverse") keys.reverse();
  for (const k of keys) writeTree(root, { [k]: files[k] as never });
  linkSync(join(root, "src/index.js"), join(root, "src/index-hardlink.js"));
  return root;
}

test("the same tree in two folders, written in a different order at different times, gives the same digest and diffID", async (t) => {
  const tmp = tempDir();
  t.after(tmp.cleanup);
  const a = appTree(join(tmp.path, "a"), "forward");
  const b = appTree(join(tmp.path, "elsewhere/b"), "reverse");
  // Different mtimes and atimes on everything in b (ctime differs anyway).
  for (const e of await directoryEntries(b)) {
    if (!e.path.endsWith("current")) utimesSync(e.source, new Date("2001-02-03T04:05:06Z"), new Date("2020-06-07T08:09:10Z"));
  }
  utimesSync(join(a, "package.json"), new Date("1999-01-01T00:00:00Z"), new Date("2030-01-01T00:00:00Z"));

  const la = await layerFromDirectory(a, { outputDir: join(tmp.path, "out-a") });
  const lb = await layerFromDirectory(b, { outputDir: join(tmp.path, "out-b") });
  assert.equal(la.stats.diffId, lb.stats.diffId);
  assert.equal(la.stats.digest, lb.stats.digest);
  assert.deepEqual(readFileSync(la.filePath()), readFileSync(lb.filePath()));
  // And the entries really are the tree (not, say, an empty tar twice).
  assert.deepEqual(names(await readLayer(la.filePath())), [
    "a-b.txt",
    "bin/",
    "bin/run",
    "current",
    "package.json",
    "src/",
    "src/index-hardlink.js",
    "src/index.js",
    "src/lib/",
    "src/lib/util.js",
  ]);
});

test("digest, diffID, sizes and entry count are those of the written file; it is named by its digest", async (t) => {
  const tmp = tempDir();
  t.after(tmp.cleanup);
  const src = appTree(join(tmp.path, "src"), "forward");
  const out = join(tmp.path, "out");
  const l = await layerFromDirectory(src, { outputDir: out });
  const gz = readFileSync(l.filePath());
  const tar = gunzipSync(gz);
  assert.equal(l.stats.digest, `sha256:${hex(gz)}`);
  assert.equal(l.stats.diffId, `sha256:${hex(tar)}`);
  assert.equal(l.stats.size, gz.length);
  assert.equal(l.stats.uncompressedSize, tar.length);
  assert.equal(l.stats.entries, 10);
  assert.equal(l.filePath(), join(out, hex(gz)));
  assert.deepEqual(readdirSync(out), [hex(gz)], "no temporary file left behind");
  // The Layer interface agrees, and its streams give the same bytes.
  assert.equal(await l.digest(), l.stats.digest);
  assert.equal(await l.diffId(), l.stats.diffId);
  assert.equal(await l.size(), gz.length);
  assert.equal(await l.mediaType(), "application/vnd.oci.image.layer.v1.tar+gzip");
  const chunks: Buffer[] = [];
  for await (const c of await l.uncompressed()) chunks.push(c as Buffer);
  assert.equal(`sha256:${hex(Buffer.concat(chunks))}`, l.stats.diffId);
  const zchunks: Buffer[] = [];
  for await (const c of await l.compressed()) zchunks.push(c as Buffer);
  assert.deepEqual(Buffer.concat(zchunks), gz);
});

test("system tar and gzip accept the layer; the gzip header carries no time and a fixed OS byte", async (t) => {
  assert.ok(hasCommand("tar") && hasCommand("gzip"), "tar and gzip are needed");
  const tmp = tempDir();
  t.after(tmp.cleanup);
  const src = appTree(join(tmp.path, "src"), "forward");
  const l = await layerFromDirectory(src, { outputDir: join(tmp.path, "out") });
  run("gzip", ["-t", l.filePath()]);
  const listed = run("tar", ["-tzf", l.filePath()]).trim().split("\n");
  assert.equal(listed.length, 10);
  assert.deepEqual(listed, run("sort", [], { env: { ...process.env, LC_ALL: "C" }, input: listed.join("\n") }).trim().split("\n"), "LC_ALL=C sort order");
  assert.ok(listed.includes("src/lib/util.js"));
  const x = join(tmp.path, "x");
  mkdirSync(x);
  run("tar", ["-xzf", l.filePath(), "-C", x]);
  assert.equal(readFileSync(join(x, "src/index-hardlink.js"), "utf8"), "console.log('hi')\n");
  const gz = readFileSync(l.filePath());
  assert.deepEqual([...gz.subarray(0, 8)], [0x1f, 0x8b, 8, 0, 0, 0, 0, 0], "gzip magic, deflate, no flags, mtime 0");
  assert.equal(gz[9], 3, "OS byte: Unix");
});

test("uid and gid land in every header; user and group names stay empty; mtime is 1980-01-01T00:00:01Z", async (t) => {
  const tmp = tempDir();
  t.after(tmp.cleanup);
  const src = appTree(join(tmp.path, "src"), "forward");
  const l = await layerFromDirectory(src, { outputDir: join(tmp.path, "out"), uid: 1000, gid: 2001 });
  const es = await readLayer(l.filePath());
  for (const e of es) {
    assert.equal(e.header.uid, 1000, e.header.name);
    assert.equal(e.header.gid, 2001, e.header.name);
    assert.equal(e.header.uname, "");
    assert.equal(e.header.gname, "");
    assert.equal(e.header.mtime.toISOString(), "1980-01-01T00:00:01.000Z");
  }
  const lines = run("tar", ["--numeric-owner", "-tvzf", l.filePath()]).trim().split("\n");
  assert.equal(lines.length, 10);
  for (const line of lines) assert.match(line, / 1000\/2001 +\d+ 1980-01-01 00:00 /);
});

test("modes are kept; setuid, setgid and sticky from disk are dropped unless keepSpecialBits; explicit modes are written as given", async (t) => {
  const tmp = tempDir();
  t.after(tmp.cleanup);
  const src = join(tmp.path, "src");
  writeTree(src, { "suid": { content: "x", mode: 0o4755 }, "sgid": { content: "y", mode: 0o2750 }, "private": { content: "z", mode: 0o600 }, "none": { content: "", mode: 0 } });
  mkdirSync(join(src, "shared"));
  chmodSync(join(src, "shared"), 0o1777);
  const modes = async (opts: { keepSpecialBits?: boolean }): Promise<Record<string, number>> => {
    const l = await layerFromDirectory(src, { outputDir: join(tmp.path, "out"), ...opts });
    return Object.fromEntries((await readLayer(l.filePath())).map((e) => [e.header.name, e.header.mode]));
  };
  assert.deepEqual(await modes({}), { "none": 0, "private": 0o600, "sgid": 0o750, "shared/": 0o777, "suid": 0o755 });
  assert.deepEqual(await modes({ keepSpecialBits: true }), { "none": 0, "private": 0o600, "sgid": 0o2750, "shared/": 0o1777, "suid": 0o4755 });

  const l = await layerFromFiles([{ path: "tmp", dir: true, mode: 0o1777 }, { path: "bin/su", content: "s", mode: 0o4755 }], { outputDir: join(tmp.path, "out") });
  const es = await readLayer(l.filePath());
  assert.equal(byName(es, "tmp/").header.mode, 0o1777);
  assert.equal(byName(es, "bin/su").header.mode, 0o4755);
  assert.equal(run("tar", ["-tvzf", l.filePath()]).split("\n").find((s) => s.endsWith(" tmp/"))?.slice(0, 10), "drwxrwxrwt");
});

test("symlinks stay symlinks (never followed) and hardlinks become link entries to the first path in sorted order", async (t) => {
  const tmp = tempDir();
  t.after(tmp.cleanup);
  const src = join(tmp.path, "src");
  writeTree(src, { "z/original": "shared content\n", "outside": { symlink: "/etc/passwd" }, "dirlink": { symlink: "z" }, "dangling": { symlink: "nowhere/at/all" } });
  linkSync(join(src, "z/original"), join(src, "a-second"));
  linkSync(join(src, "z/original"), join(src, "m-third"));
  const l = await layerFromDirectory(src, { outputDir: join(tmp.path, "out") });
  const es = await readLayer(l.filePath());
  assert.deepEqual(names(es), ["a-second", "dangling", "dirlink", "m-third", "outside", "z/", "z/original"]);
  const first = byName(es, "a-second");
  assert.equal(first.header.type, "file");
  assert.equal(first.data.toString(), "shared content\n");
  for (const n of ["m-third", "z/original"]) {
    assert.equal(byName(es, n).header.type, "link");
    assert.equal(byName(es, n).header.linkname, "a-second");
    assert.equal(byName(es, n).header.size, 0);
  }
  for (const [n, target] of [["outside", "/etc/passwd"], ["dirlink", "z"], ["dangling", "nowhere/at/all"]] as const) {
    assert.equal(byName(es, n).header.type, "symlink");
    assert.equal(byName(es, n).header.linkname, target);
  }
  assert.match(run("tar", ["-tvzf", l.filePath()]), /^h.* z\/original link to a-second$/m);
});

test("entries are sorted by the bytes of the tar path (folders end in /), so parents come first; prefix folders get the chosen mode and owner", async (t) => {
  const tmp = tempDir();
  t.after(tmp.cleanup);
  const src = join(tmp.path, "src");
  writeTree(src, { "b/c": "1", "b-c": "2", "B": "3", "a/é": "4", "a/z": "5", "a.txt": "6" });
  const l = await layerFromDirectory(src, {
    outputDir: join(tmp.path, "out"),
    prefix: "/layers/acme_node/",
    uid: 1000,
    gid: 1000,
    parentDirs: { mode: 0o750, uid: 0, gid: 0 },
  });
  const es = await readLayer(l.filePath());
  assert.deepEqual(names(es), [
    "layers/",
    "layers/acme_node/",
    "layers/acme_node/B",
    "layers/acme_node/a.txt",
    "layers/acme_node/a/",
    "layers/acme_node/a/z",
    "layers/acme_node/a/é",
    "layers/acme_node/b-c",
    "layers/acme_node/b/",
    "layers/acme_node/b/c",
  ]);
  for (const n of ["layers/", "layers/acme_node/"]) {
    assert.deepEqual([byName(es, n).header.mode, byName(es, n).header.uid, byName(es, n).header.gid], [0o750, 0, 0]);
  }
  assert.equal(byName(es, "layers/acme_node/a/").header.uid, 1000);
});

test("sourceDateEpoch sets every mtime and changes the digest but not the content", async (t) => {
  const tmp = tempDir();
  t.after(tmp.cleanup);
  const src = appTree(join(tmp.path, "src"), "forward");
  const fixed = await layerFromDirectory(src, { outputDir: join(tmp.path, "out") });
  const l = await layerFromDirectory(src, { outputDir: join(tmp.path, "out"), sourceDateEpoch: 1700000000 });
  const es = await readLayer(l.filePath());
  for (const e of es) assert.equal(e.header.mtime.getTime(), 1700000000 * 1000, e.header.name);
  assert.notEqual(l.stats.diffId, fixed.stats.diffId);
  const strip = (xs: ReadEntry[]): unknown[] => xs.map((e) => [e.header.name, e.header.mode, e.data.toString("hex")]);
  assert.deepEqual(strip(es), strip(await readLayer(fixed.filePath())));
  assert.match(run("tar", ["-tvzf", l.filePath()]), / 2023-11-14 \d\d:\d\d src\/lib\/util.js$/m);
  await assert.rejects(layerFromDirectory(src, { outputDir: join(tmp.path, "out"), sourceDateEpoch: 2 ** 32 }), OciError);
});

test("long and non-ASCII names and long symlink targets survive, and stay deterministic", async (t) => {
  const tmp = tempDir();
  t.after(tmp.cleanup);
  const deep = `${"d".repeat(60)}/${"e".repeat(70)}/${"f".repeat(80)}`; // 212 bytes: ustar prefix split
  const longName = `${"n".repeat(200)}.txt`; // one component over 100 bytes: needs a pax header
  const files = {
    [`${deep}/file.js`]: "deep\n",
    [longName]: "long\n",
    "ünïcödé/名前.txt": "utf8\n",
    "link": { symlink: `${"t".repeat(150)}/target` },
  };
  const one = writeTree(join(tmp.path, "one"), files);
  const two = writeTree(join(tmp.path, "two"), Object.fromEntries(Object.entries(files).reverse()));
  const l1 = await layerFromDirectory(one, { outputDir: join(tmp.path, "out"), prefix: "workspace" });
  const l2 = await layerFromDirectory(two, { outputDir: join(tmp.path, "out2"), prefix: "workspace" });
  assert.equal(l1.stats.digest, l2.stats.digest);
  const es = await readLayer(l1.filePath());
  assert.equal(byName(es, `workspace/${deep}/file.js`).data.toString(), "deep\n");
  assert.equal(byName(es, `workspace/${longName}`).data.toString(), "long\n");
  assert.equal(byName(es, "workspace/ünïcödé/名前.txt").data.toString(), "utf8\n");
  assert.equal(byName(es, "workspace/link").header.linkname, `${"t".repeat(150)}/target`);
  const x = join(tmp.path, "x");
  mkdirSync(x);
  run("tar", ["-xzf", l1.filePath(), "-C", x]);
  assert.equal(readFileSync(join(x, "workspace", longName), "utf8"), "long\n");
  assert.equal(readFileSync(join(x, "workspace", deep, "file.js"), "utf8"), "deep\n");
  assert.equal(readFileSync(join(x, "workspace/ünïcödé/名前.txt"), "utf8"), "utf8\n");
  // No pax header carries a time: only path and linkpath records.
  const tar = gunzipSync(readFileSync(l1.filePath())).toString("latin1");
  assert.ok(tar.includes(" path=workspace/"), "a pax path record");
  assert.doesNotMatch(tar, /[0-9]+ (mtime|atime|ctime)=/);
});

test("a fifo in the folder fails with its path named; specialFiles: skip leaves it out; no temp file remains", async (t) => {
  assert.ok(hasCommand("mkfifo"), "mkfifo is needed");
  const tmp = tempDir();
  t.after(tmp.cleanup);
  const src = writeTree(join(tmp.path, "src"), { "ok.txt": "fine\n" });
  run("mkfifo", [join(src, "pipe")]);
  const out = join(tmp.path, "out");
  await assert.rejects(layerFromDirectory(src, { outputDir: out }), (e: unknown) => {
    assert.ok(e instanceof OciError);
    assert.equal(e.code, "OCI_ARCHIVE");
    assert.ok(e.message.includes(join(src, "pipe")), e.message);
    assert.match(e.message, /is a fifo/);
    assert.match(e.hint ?? "", /specialFiles/);
    return true;
  });
  const l = await layerFromDirectory(src, { outputDir: out, specialFiles: "skip" });
  assert.deepEqual(names(await readLayer(l.filePath())), ["ok.txt"]);
  assert.deepEqual(readdirSync(out), [l.filePath().slice(out.length + 1)]);
});

test("a source that is missing fails with its path named, before any temp file is made", async (t) => {
  const tmp = tempDir();
  t.after(tmp.cleanup);
  const missing = join(tmp.path, "no-such-file");
  const out = join(tmp.path, "out");
  await assert.rejects(layerFromFiles([{ path: "x", source: missing }], { outputDir: out }), (e: unknown) => {
    assert.ok(e instanceof OciError);
    assert.equal(e.message, `${missing} vanished while the layer was being built`);
    return true;
  });
  await assert.rejects(layerFromDirectory(missing, { outputDir: out }), (e: unknown) => e instanceof OciError && e.message.includes(missing));
});

test("layerFromFiles mixes files from disk, content, folders and symlinks, and adds missing parents", async (t) => {
  const tmp = tempDir();
  t.after(tmp.cleanup);
  const disk = writeTree(join(tmp.path, "disk"), { "launcher": { content: "ELF...", mode: 0o755 }, "conf/a.conf": "a", "conf/sub/b.conf": "b" });
  chmodSync(join(disk, "conf"), 0o700);
  const l = await layerFromFiles(
    [
      ...(await directoryEntries(join(disk, "conf"), { at: "/etc/app" })),
      { path: "var/empty", source: join(disk, "conf/sub") }, // a folder as a source: the folder alone
      { path: "/cnb/lifecycle/launcher", source: join(disk, "launcher") },
      { path: "cnb/process/web", symlink: "../lifecycle/launcher" },
      { path: "./tmp", dir: true, mode: 0o1777, uid: 0, gid: 0 },
      { path: "etc/app.toml", content: "name = 'app'\n", mode: 0o640 },
      { path: "etc/bin.dat", content: new Uint8Array([0, 1, 2, 255]) },
    ],
    { outputDir: join(tmp.path, "out"), uid: 1000, gid: 1000, parentDirs: { mode: 0o755, uid: 0, gid: 0 } },
  );
  const es = await readLayer(l.filePath());
  assert.deepEqual(
    es.map((e) => [e.header.name, e.header.type, e.header.mode, e.header.uid]),
    [
      ["cnb/", "directory", 0o755, 0],
      ["cnb/lifecycle/", "directory", 0o755, 0],
      ["cnb/lifecycle/launcher", "file", 0o755, 1000],
      ["cnb/process/", "directory", 0o755, 0],
      ["cnb/process/web", "symlink", 0o777, 1000],
      ["etc/", "directory", 0o755, 0],
      ["etc/app.toml", "file", 0o640, 1000],
      ["etc/app/", "directory", 0o755, 0],
      ["etc/app/a.conf", "file", 0o644, 1000],
      ["etc/app/sub/", "directory", 0o755, 1000],
      ["etc/app/sub/b.conf", "file", 0o644, 1000],
      ["etc/bin.dat", "file", 0o644, 1000],
      ["tmp/", "directory", 0o1777, 0],
      ["var/", "directory", 0o755, 0],
      ["var/empty/", "directory", 0o755, 1000],
    ],
  );
  assert.equal(byName(es, "cnb/lifecycle/launcher").data.toString(), "ELF...");
  assert.deepEqual([...byName(es, "etc/bin.dat").data], [0, 1, 2, 255]);
  assert.equal(byName(es, "cnb/process/web").header.linkname, "../lifecycle/launcher");
});

test("files bigger than the read chunk stream through intact, and the level changes the digest but not the diffID", async (t) => {
  const tmp = tempDir();
  t.after(tmp.cleanup);
  const big = Buffer.alloc(3 * 1024 * 1024 + 123);
  for (let i = 0; i < big.length; i++) big[i] = (i * 7919) % 251;
  const src = writeTree(join(tmp.path, "src"), { "big.bin": big, "small.txt": "s" });
  const l6 = await layerFromDirectory(src, { outputDir: join(tmp.path, "out"), level: 6 });
  const l1 = await layerFromDirectory(src, { outputDir: join(tmp.path, "out"), level: 1 });
  const def = await layerFromDirectory(src, { outputDir: join(tmp.path, "out") });
  const es = await readLayer(l6.filePath());
  assert.equal(hex(byName(es, "big.bin").data), hex(big));
  assert.equal(l1.stats.diffId, l6.stats.diffId);
  assert.equal(def.stats.diffId, l6.stats.diffId);
  assert.notEqual(l1.stats.digest, l6.stats.digest);
  assert.ok(l1.stats.size > l6.stats.size, `level 1 (${l1.stats.size}) compresses less than 6 (${l6.stats.size})`);
  assert.equal(def.stats.digest, (await layerFromDirectory(src, { outputDir: join(tmp.path, "out"), level: DEFAULT_LEVEL })).stats.digest);
  assert.equal(DEFAULT_LEVEL, 4);
  await assert.rejects(layerFromDirectory(src, { outputDir: join(tmp.path, "out"), level: 10 }), /gzip level 10/);
});

test("progress reports start, content bytes and done under one key", async (t) => {
  const tmp = tempDir();
  t.after(tmp.cleanup);
  const src = writeTree(join(tmp.path, "src"), { "a.bin": Buffer.alloc(5 << 20, 1), "b.bin": Buffer.alloc(5 << 20, 2), "c.txt": "c" });
  const events: ProgressEvent[] = [];
  await layerFromDirectory(src, { outputDir: join(tmp.path, "out"), onProgress: (e) => events.push(e), label: "app" });
  const total = (10 << 20) + 1;
  const first = events[0];
  const last = events.at(-1);
  assert.ok(first?.kind === "blob-start" && first.op === "compress" && first.total === total && first.what === "app");
  assert.ok(last?.kind === "blob-done" && last.total === total && last.digest === first.digest);
  const mid = events.slice(1, -1);
  assert.ok(mid.length >= 2, `${mid.length} progress events`);
  for (const e of mid) assert.ok(e.kind === "blob-progress" && e.digest === first.digest && e.done <= total);
});

test("one big file moves the progress while it is read, not only when it is through", async (t) => {
  const tmp = tempDir();
  t.after(tmp.cleanup);
  const src = writeTree(join(tmp.path, "src"), { "big.bin": Buffer.alloc(13 << 20, 5) });
  const done: number[] = [];
  await layerFromDirectory(src, { outputDir: join(tmp.path, "out"), onProgress: (e) => e.kind === "blob-progress" && done.push(e.done) });
  const before = done.filter((n) => n < 13 << 20);
  assert.ok(before.length >= 2, `progress before the end: ${done.join(", ")}`);
  assert.deepEqual(before, [...before].sort((a, b) => a - b));
});

test("an aborted build rejects and leaves no temp file", async (t) => {
  const tmp = tempDir();
  t.after(tmp.cleanup);
  const src = writeTree(join(tmp.path, "src"), Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`f${i}`, "x".repeat(1000)])));
  const out = join(tmp.path, "out");
  mkdirSync(out);
  writeFileSync(join(out, "keep"), "");
  const ac = new AbortController();
  ac.abort(new Error("stop now"));
  await assert.rejects(layerFromDirectory(src, { outputDir: out, signal: ac.signal }), /stop now/);
  assert.deepEqual(readdirSync(out), ["keep"]);

  // Aborted in the middle of a big file: the streams are torn down, not finished first.
  writeTree(src, { "big.bin": Buffer.alloc(64 << 20, 3) });
  const mid = new AbortController();
  let progressed = 0;
  const t0 = performance.now();
  await assert.rejects(
    layerFromDirectory(src, {
      outputDir: out,
      level: 9,
      signal: mid.signal,
      onProgress: (e) => {
        if (e.kind === "blob-start") setTimeout(() => mid.abort(new Error("stop midway")), 20);
        if (e.kind === "blob-progress") progressed = e.done;
      },
    }),
    /stop midway/,
  );
  assert.ok(progressed < 64 << 20, `aborted before the big file was through (${progressed} bytes)`);
  assert.deepEqual(readdirSync(out), ["keep"]);
  t.diagnostic(`aborted after ${(performance.now() - t0).toFixed(0)} ms`);
});

test("files that vanish, grow or shrink after the walk fail the build with the path named, leaving no temp file", async (t) => {
  const tmp = tempDir();
  t.after(tmp.cleanup);
  const big = Buffer.alloc(2 << 20, 7);
  const src = writeTree(join(tmp.path, "src"), { "a.txt": "a", "gone.txt": "soon gone", "grows.txt": "12345", "shrinks.bin": big, "z.txt": "z" });
  const out = join(tmp.path, "out");
  const cases: Array<[string, () => void, RegExp]> = [
    ["gone.txt", () => rmSync(join(src, "gone.txt")), /gone\.txt vanished while the layer was being built/],
    ["grows.txt", () => writeFileSync(join(src, "grows.txt"), "123456"), /grows\.txt grew while the layer was being built \(it had 5 bytes\)/],
    ["shrinks.bin", () => writeFileSync(join(src, "shrinks.bin"), big.subarray(0, 1 << 20)), /shrinks\.bin shrank while the layer/],
  ];
  for (const [name, change, expected] of cases) {
    const entries = await directoryEntries(src);
    change();
    await assert.rejects(layerFromFiles(entries, { outputDir: out }), (e: unknown) => {
      assert.ok(e instanceof OciError, String(e));
      assert.match(e.message, expected);
      assert.ok(e.message.startsWith(join(src, name)), e.message);
      return true;
    });
    assert.deepEqual(readdirSync(out), [], `no temp file after ${name}`);
  }
});

test("a failed write (here a file size limit) names the output folder, leaves no temp file, and does not hang", async (t) => {
  const tmp = tempDir();
  t.after(tmp.cleanup);
  const src = writeTree(join(tmp.path, "src"), { "a.bin": Buffer.alloc(3 << 20, 1), "b.txt": "b" });
  const out = join(tmp.path, "out");
  const mod = new URL("./index.js", import.meta.url).href;
  const script = `import { layerFromDirectory } from ${JSON.stringify(mod)};
    try { await layerFromDirectory(${JSON.stringify(src)}, { outputDir: ${JSON.stringify(out)}, level: 0 }); console.log("built"); }
    catch (e) { console.log(e.code + " " + e.message); }`;
  // The child lowers its own file size limit: writes past it fail with EFBIG, as on a full disk.
  const r = spawnSync("sh", ["-c", 'ulimit -f 1024; exec "$0" --input-type=module -e "$1"', process.execPath, script], { encoding: "utf8", timeout: 30_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), `OCI_ARCHIVE writing a layer to ${out} failed: EFBIG: file too large, write`);
  assert.deepEqual(readdirSync(out), []);
});
