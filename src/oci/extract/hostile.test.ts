// Hostile archives: each case builds a malicious tar, extracts it into a fresh target inside a
// fresh sandbox, and checks (a) the outcome (refused with the expected error, or neutralised as
// documented) and (b) that nothing outside the target was created or modified: the sandbox around
// the target (an "outside" directory with a secret, a sentinel) and a few absolute probes
// (/etc/passwd, /tmp/<unique>) are snapshotted before and after, inode numbers, link counts,
// modes, times and contents included.
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, symlinkSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { Readable } from "node:stream";
import { gzipSync } from "node:zlib";
import { tempDir } from "../../testing/index.js";
import { OciError, type OciErrorCode } from "../errors.js";
import { type Digest, sha256 } from "../digest.js";
import type { Layer } from "../image.js";
import { MediaType } from "../media-type.js";
import { compressedToLayer } from "../partial/index.js";
import { extractLayer, extractTar, type ExtractOptions, type ExtractStats } from "./index.js";
import { dir, entry, file, gnuLong, hardlink, pax, symlink, tar } from "./testing.js";

interface Sandbox {
  root: string;
  target: string;
  outside: string;
  secret: string;
}

type Expect =
  | { code: OciErrorCode; message: RegExp }
  /** Accepted and neutralised: `check` says how. */
  | { check: (s: Sandbox, stats: ExtractStats) => void };

interface Case {
  name: string;
  tar: (s: Sandbox) => Buffer;
  /** When given, the case extracts this compressed layer with extractLayer (and `tar` is unused). */
  layer?: () => Layer;
  setup?: (s: Sandbox) => void;
  opts?: ExtractOptions;
  expect: Expect;
  /** When given, the case runs again with parentSymlinks "inside", expecting this. */
  inside?: Expect;
}

const ESCAPE = `/tmp/paketo-extract-escape-${process.pid}`;
const PROBES = ["/etc/passwd", "/etc/shadow", ESCAPE, "/tmp/x", "/x", `${ESCAPE}-dir`];

const unsafe = (message: RegExp): Expect => ({ code: "OCI_UNSAFE_ARCHIVE", message });
const ok = (check: (s: Sandbox, stats: ExtractStats) => void = () => {}): Expect => ({ check });
const isFile = (p: string, content?: string) => {
  assert.ok(lstatSync(p).isFile(), `${p} is a regular file`);
  if (content !== undefined) assert.equal(readFileSync(p, "utf8"), content);
};
const isLink = (p: string) => assert.ok(lstatSync(p).isSymbolicLink(), `${p} is a symbolic link`);
const isDir = (p: string) => assert.ok(lstatSync(p).isDirectory(), `${p} is a directory`);
const absent = (p: string) => assert.ok(!existsSync(p) && !isDanglingLink(p), `${p} does not exist`);
const isDanglingLink = (p: string) => {
  try {
    return lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
};
/** Where an absolute path ends up once its leading "/" is stripped. */
const underTarget = (s: Sandbox, abs: string) => join(s.target, abs);

/** A gzip layer over `gz`, claiming `diffId` (default: the real one). */
function gzipLayer(gz: Buffer, diffId?: Digest): Layer {
  return compressedToLayer({
    descriptor: { mediaType: MediaType.OciLayerGzip, digest: sha256(gz), size: gz.length },
    ...(diffId ? { diffId } : {}),
    open: async () => Readable.from([gz]),
  });
}

/** One file of `size` zero bytes, gzip-compressed: about a thousand times smaller than its tar. */
const zeroBomb = (size: number): Buffer => gzipSync(Buffer.concat([entry({ name: "zeros", type: "0", size }, Buffer.alloc(size))]));

const cases: Case[] = [
  // ── names that climb out ──
  { name: "../x", tar: () => tar(file("../x", "evil")), expect: unsafe(/entry "\.\.\/x": path leaves the target directory/) },
  { name: "a/../../x", tar: () => tar(file("a/../../x", "evil")), expect: unsafe(/"a\/\.\.\/\.\.\/x": path leaves/) },
  { name: "./../x", tar: () => tar(file("./../x", "evil")), expect: unsafe(/"\.\/\.\.\/x": path leaves/) },
  { name: "directory ../evil/", tar: () => tar(dir("../evil/")), expect: unsafe(/"\.\.\/evil\/": path leaves/) },
  {
    name: "absolute /tmp/… is stripped to a path inside the target",
    tar: () => tar(file(ESCAPE, "evil")),
    expect: ok((s) => isFile(underTarget(s, ESCAPE), "evil")),
  },
  {
    name: "absolute path of an existing outside file is stripped, the file is untouched",
    tar: (s) => tar(file(s.secret, "pwned")),
    expect: ok((s) => isFile(underTarget(s, s.secret), "pwned")),
  },
  {
    name: "backslashes are ordinary characters",
    tar: () => tar(file("..\\..\\x", "evil"), file("a\\..\\..\\y", "evil")),
    expect: ok((s) => {
      isFile(join(s.target, "..\\..\\x"), "evil");
      isFile(join(s.target, "a\\..\\..\\y"), "evil");
    }),
  },
  { name: "NUL byte in a pax path", tar: () => tar(pax({ path: "a\0/../../../x" }), file("a", "evil")), expect: unsafe(/"a\\u0000\/\.\.\/\.\.\/\.\.\/x": name contains a NUL byte/) },
  {
    name: "long pax path with traversal",
    tar: () => tar(pax({ path: `${"a/".repeat(600)}${"../".repeat(601)}x` }), file("short", "evil")),
    expect: unsafe(/path leaves the target directory/),
  },
  { name: "pax path overriding an innocent name with ..", tar: () => tar(pax({ path: "../evil" }), file("innocent.txt", "evil")), expect: unsafe(/"\.\.\/evil": path leaves/) },
  {
    name: "GNU long name with traversal",
    tar: () => tar(gnuLong("L", `../${"a".repeat(150)}`), file("innocent", "evil")),
    expect: unsafe(/"\.\.\/a{150}": path leaves/),
  },
  { name: "pax path longer than PATH_MAX", tar: () => tar(pax({ path: "a".repeat(5000) }), file("x", "")), expect: unsafe(/longer than 4096 bytes/) },
  {
    name: "pax header over tar-stream's 4 MiB header cap",
    tar: () => tar(pax({ path: "a/".repeat(2.5 * 1024 * 1024) }), file("x", "")),
    expect: { code: "OCI_ARCHIVE", message: /Header exceeds max size/ },
  },
  {
    name: "onEntry renaming to a traversal is checked like any name",
    tar: () => tar(file("ok.txt", "evil")),
    opts: { onEntry: () => ({ name: "../renamed" }) },
    expect: unsafe(/"ok\.txt": path leaves/),
  },
  { name: "a file named . (the target itself)", tar: () => tar(file(".", "evil")), expect: unsafe(/cannot replace the target directory itself/) },

  // ── symbolic links ──
  {
    name: "symlink to / then a file through it",
    tar: () => tar(symlink("root", "/"), file(`root${ESCAPE}`, "evil")),
    expect: unsafe(/its parent "root" is a symbolic link/),
    inside: ok((s) => isFile(underTarget(s, ESCAPE), "evil")),
  },
  {
    name: "symlink to .. then a file through it",
    tar: () => tar(symlink("up", ".."), file("up/x", "evil")),
    expect: unsafe(/"up\/x": its parent "up" is a symbolic link/),
    inside: ok((s) => isFile(join(s.target, "x"), "evil")),
  },
  {
    name: "symlink chain a -> b, b -> ../.. then a file through a",
    tar: () => tar(symlink("b", "../.."), symlink("a", "b"), file("a/x", "evil")),
    expect: unsafe(/its parent "a" is a symbolic link/),
    inside: ok((s) => isFile(join(s.target, "x"), "evil")),
  },
  {
    name: "symlink loop a -> b, b -> a",
    tar: () => tar(symlink("a", "b"), symlink("b", "a"), file("a/x", "evil")),
    expect: unsafe(/its parent "a" is a symbolic link/),
    inside: unsafe(/too many levels of symbolic links/),
  },
  {
    name: "symlink then a directory through it",
    tar: () => tar(symlink("l", "../outside"), dir("l/newdir/")),
    expect: unsafe(/"l\/newdir\/": its parent "l" is a symbolic link/),
    inside: ok((s) => isDir(join(s.target, "outside", "newdir"))),
  },
  {
    name: "pre-existing symlink in the target pointing outside",
    setup: (s) => symlinkSync(s.outside, join(s.target, "pre")),
    tar: () => tar(file("pre/secret.txt", "pwned")),
    expect: unsafe(/its parent "pre" is a symbolic link/),
    inside: ok((s) => isFile(join(underTarget(s, s.outside), "secret.txt"), "pwned")),
  },
  {
    name: "duplicate entry: a file replaces a symlink to an outside file, never writes through it",
    tar: (s) => tar(symlink("s", relative(s.target, s.secret)), file("s", "pwned")),
    expect: ok((s) => isFile(join(s.target, "s"), "pwned")),
  },
  {
    name: "a file replaces a pre-existing symlink to an outside file",
    setup: (s) => symlinkSync(s.secret, join(s.target, "s")),
    tar: () => tar(file("s", "pwned")),
    expect: ok((s) => isFile(join(s.target, "s"), "pwned")),
  },
  {
    name: "a directory entry replaces a symlink to outside; its mode is not applied outside",
    tar: () => tar(symlink("l", "../outside"), dir("l/", 0o700, { mtime: 946684800 })),
    expect: ok((s) => {
      isDir(join(s.target, "l"));
      assert.equal(lstatSync(join(s.target, "l")).mode & 0o7777, 0o700);
    }),
    inside: ok((s) => isDir(join(s.target, "l"))),
  },
  {
    name: "directory metadata deferred to the end is not applied through a symlink that replaced it",
    tar: (s) => tar(dir("d/", 0o700, { mtime: 946684800 }), symlink("d", s.outside)),
    expect: ok((s) => isLink(join(s.target, "d"))),
  },
  {
    name: "deferred directory metadata is not applied through a symlink that replaced its parent",
    tar: (s) => tar(dir("a/"), dir("a/dir/", 0o700, { mtime: 946684800 }), symlink("a", s.outside)),
    expect: ok((s) => isLink(join(s.target, "a"))),
  },
  {
    name: "a file replaces a directory holding a symlink to outside without following it",
    setup: (s) => {
      mkdirSync(join(s.target, "d"));
      symlinkSync(s.outside, join(s.target, "d", "link"));
      writeFileSync(join(s.target, "d", "f"), "lower");
    },
    tar: () => tar(file("d", "now a file")),
    expect: ok((s) => isFile(join(s.target, "d"), "now a file")),
  },
  { name: "a file below a file", tar: () => tar(file("f", "x"), file("f/x", "evil")), expect: unsafe(/its parent "f" is not a directory/) },

  // ── hard links ──
  { name: "hard link to /etc/passwd", tar: () => tar(hardlink("h", "/etc/passwd")), expect: unsafe(/"h": hard link target "\/etc\/passwd": does not exist/) },
  { name: "hard link to ../outside/secret.txt", tar: () => tar(hardlink("h", "../outside/secret.txt")), expect: unsafe(/hard link target "\.\.\/outside\/secret\.txt": path leaves the target directory/) },
  { name: "hard link to an absolute outside path", tar: (s) => tar(hardlink("h", s.secret)), expect: unsafe(/hard link target ".*secret\.txt": does not exist/) },
  {
    name: "hard link through a symlinked directory",
    tar: () => tar(symlink("l", "../outside"), hardlink("h", "l/secret.txt")),
    expect: unsafe(/hard link target "l\/secret\.txt": its parent "l" is a symbolic link/),
    inside: unsafe(/hard link target "l\/secret\.txt": does not exist/),
  },
  {
    name: "hard link to a symlink pointing outside, then a write via the hard link",
    tar: (s) => tar(symlink("s", s.secret), hardlink("h", "s"), file("h", "pwned")),
    expect: ok((s) => {
      isFile(join(s.target, "h"), "pwned");
      isLink(join(s.target, "s"));
    }),
  },
  {
    name: "hard link to a symlink to an outside directory, then a file through the hard link",
    tar: () => tar(symlink("s", "../outside"), hardlink("h", "s"), file("h/secret.txt", "pwned")),
    expect: unsafe(/"h\/secret\.txt": its parent "h" is a symbolic link/),
    inside: ok((s) => isFile(join(s.target, "outside", "secret.txt"), "pwned")),
  },
  { name: "hard link to a directory", tar: () => tar(dir("d/"), hardlink("h", "d")), expect: unsafe(/hard link target "d": is a directory/) },
  { name: "hard link to the target itself", tar: () => tar(hardlink("h", "./")), expect: unsafe(/hard link target "\.\/": is the target directory itself/) },
  {
    name: "pax linkpath with traversal on a hard link",
    tar: () => tar(pax({ linkpath: "../outside/secret.txt" }), hardlink("h", "innocent")),
    expect: unsafe(/hard link target "\.\.\/outside\/secret\.txt": path leaves/),
  },
  {
    name: "GNU long link name with traversal on a hard link",
    tar: () => tar(gnuLong("K", `../${"o".repeat(120)}`), hardlink("h", "innocent")),
    expect: unsafe(/hard link target "\.\.\/o{120}": path leaves/),
  },
  { name: "NUL byte in a pax symlink target", tar: () => tar(pax({ linkpath: "/etc\0passwd" }), symlink("l", "x")), expect: unsafe(/symbolic link target contains a NUL byte/) },

  // ── devices and unknown types ──
  { name: "character device", tar: () => tar(entry({ name: "null", type: "3", mode: 0o666 })), expect: unsafe(/"null": character device entries are not allowed/) },
  { name: "block device", tar: () => tar(entry({ name: "sda", type: "4", mode: 0o660 })), expect: unsafe(/"sda": block device entries are not allowed/) },
  { name: "fifo", tar: () => tar(entry({ name: "pipe", type: "6", mode: 0o644 })), expect: unsafe(/"pipe": fifo entries are not allowed/) },
  {
    name: "devices skipped when asked, and counted",
    tar: () => tar(entry({ name: "null", type: "3" }), entry({ name: "pipe", type: "6" }), file("f", "ok")),
    opts: { devices: "skip" },
    expect: ok((s, stats) => {
      assert.deepEqual(stats, { entries: 3, bytes: 2, skipped: 2 });
      absent(join(s.target, "null"));
    }),
  },
  { name: "GNU sparse entry (unsupported type)", tar: () => tar(entry({ name: "sparse", type: "S" }, "data")), expect: unsafe(/"sparse": unsupported entry type/) },

  // ── bombs and broken streams ──
  {
    name: "entry count bomb",
    tar: () => tar(...Array.from({ length: 50 }, (_, i) => file(`f${i}`, ""))),
    opts: { maxEntries: 10 },
    expect: { code: "OCI_LIMIT_EXCEEDED", message: /more than 10 entries \(at entry "f10"\)/ },
  },
  {
    name: "byte bomb: one entry declaring 1 TiB (default limit)",
    tar: () => tar(entry({ name: "big", type: "0", size: 2 ** 40 })),
    expect: { code: "OCI_LIMIT_EXCEEDED", message: /"big" takes the archive's data past 68719476736 bytes/ },
  },
  {
    name: "byte bomb: many entries adding up past maxBytes",
    tar: () => tar(...Array.from({ length: 5 }, (_, i) => file(`f${i}`, "x".repeat(1000)))),
    opts: { maxBytes: 3000 },
    expect: { code: "OCI_LIMIT_EXCEEDED", message: /"f3" takes the archive's data past 3000 bytes/ },
  },
  {
    name: "header spam: thousands of pax headers and no entry",
    tar: () => tar(...Array.from({ length: 2000 }, () => pax({ comment: "x".repeat(400) }))),
    opts: { maxEntries: 10, maxBytes: 1000 },
    expect: { code: "OCI_LIMIT_EXCEEDED", message: /archive is longer than \d+ bytes/ },
  },
  {
    name: "truncated entry data",
    tar: () => Buffer.concat([entry({ name: "t", type: "0", size: 1000 }).subarray(0, 512), Buffer.from("short")]),
    expect: { code: "OCI_ARCHIVE", message: /Unexpected end of data/ },
  },
  { name: "corrupt header checksum", tar: () => tar(entry({ name: "x", type: "0", badChecksum: true })), expect: { code: "OCI_ARCHIVE", message: /Invalid tar header/ } },

  // ── whiteouts ──
  { name: "whiteout .wh... (deletes ..)", tar: () => tar(file("d/.wh...")), expect: unsafe(/"d\/\.wh\.\.\.": whiteout names "\.\."/) },
  { name: "whiteout .wh.. (deletes .)", tar: () => tar(file(".wh..")), expect: unsafe(/whiteout names "\."/) },
  {
    name: "whiteout .wh.../../x normalises to x inside the target",
    tar: () => tar(file(".wh.../../x", "data")),
    expect: ok((s) => isFile(join(s.target, "x"), "data")),
  },
  {
    name: "whiteout through a symlink to outside",
    tar: () => tar(symlink("l", "../outside"), file("l/.wh.secret.txt")),
    expect: unsafe(/"l\/\.wh\.secret\.txt": its parent "l" is a symbolic link/),
    inside: ok(),
  },
  {
    name: "whiteout through a pre-existing symlink to outside",
    setup: (s) => symlinkSync(s.outside, join(s.target, "pre")),
    tar: () => tar(file("pre/.wh.secret.txt")),
    expect: unsafe(/its parent "pre" is a symbolic link/),
    inside: ok(),
  },
  {
    name: "whiteout of a pre-existing symlink to outside removes the link only",
    setup: (s) => symlinkSync(s.outside, join(s.target, "pre")),
    tar: () => tar(file(".wh.pre")),
    expect: ok((s) => absent(join(s.target, "pre"))),
  },
  {
    name: "opaque whiteout in a symlinked directory",
    setup: (s) => writeFileSync(join(s.target, "lower.txt"), "lower"),
    tar: () => tar(symlink("l", ".."), file("l/.wh..wh..opq")),
    expect: unsafe(/"l\/\.wh\.\.wh\.\.opq": its parent "l" is a symbolic link/),
    inside: ok((s) => {
      absent(join(s.target, "lower.txt")); // l resolves to the target itself, never above it
      isLink(join(s.target, "l"));
    }),
  },
  {
    name: "opaque whiteout in a pre-existing symlink to an outside directory",
    setup: (s) => symlinkSync(s.outside, join(s.target, "pre")),
    tar: () => tar(file("pre/.wh..wh..opq")),
    expect: unsafe(/its parent "pre" is a symbolic link/),
    inside: ok(),
  },

  // ── compressed layers: bombs, corrupt and lying layers (extracted with extractLayer) ──
  {
    name: "gzip bomb: a layer expanding past 100 times its compressed size",
    tar: () => Buffer.alloc(0),
    layer: () => gzipLayer(zeroBomb(80 * 1024 * 1024)),
    expect: { code: "OCI_LIMIT_EXCEEDED", message: /^layer sha256:[0-9a-f]{64} expands to more than 64\.0 MiB, over 100 times its \d+\.\d KiB compressed size/ },
  },
  {
    name: "the same layer passes with maxRatio raised for a trusted image",
    tar: () => Buffer.alloc(0),
    layer: () => gzipLayer(zeroBomb(80 * 1024 * 1024)),
    opts: { maxRatio: 2000 },
    expect: ok((s) => assert.equal(lstatSync(join(s.target, "zeros")).size, 80 * 1024 * 1024)),
  },
  {
    name: "a layer whose tar is not what its claimed diffID says",
    tar: () => Buffer.alloc(0),
    layer: () => gzipLayer(gzipSync(tar(file("etc/os-release", "evil"))), sha256(tar(file("etc/os-release", "genuine")))),
    expect: { code: "OCI_DIGEST_MISMATCH", message: /^layer sha256:[0-9a-f]{64} \(its tar, against the diffID in the image config\): content has digest/ },
  },
  {
    name: "a layer that is not gzip at all",
    tar: () => Buffer.alloc(0),
    layer: () => gzipLayer(Buffer.from("this is not gzip data, and it never was".repeat(100))),
    expect: { code: "OCI_CORRUPT_LAYER", message: /^layer sha256:[0-9a-f]{64} is corrupt: not valid gzip data \(incorrect header check\)/ },
  },
  {
    name: "a truncated gzip layer",
    tar: () => Buffer.alloc(0),
    layer: () => {
      const gz = gzipSync(tar(file("a", "x".repeat(100_000)), file("b", "y".repeat(100_000))), { level: 0 });
      return gzipLayer(gz.subarray(0, gz.length >> 1));
    },
    expect: { code: "OCI_CORRUPT_LAYER", message: /^layer sha256:[0-9a-f]{64} is truncated: its gzip data ends early/ },
  },

  // ── permissions ──
  {
    name: "setuid and setgid bits are dropped",
    tar: () => tar(file("suid", "#!/bin/sh", 0o4755), file("sgid", "", 0o2755), dir("sgdir/", 0o2775)),
    expect: ok((s) => {
      assert.equal(lstatSync(join(s.target, "suid")).mode & 0o7777, 0o755);
      assert.equal(lstatSync(join(s.target, "sgid")).mode & 0o7777, 0o755);
      assert.equal(lstatSync(join(s.target, "sgdir")).mode & 0o7777, 0o775);
    }),
  },
];

function sandbox(t: TestContext): Sandbox {
  const tmp = tempDir("paketo-hostile-");
  t.after(tmp.cleanup);
  const root = tmp.path;
  const outside = join(root, "outside");
  mkdirSync(join(outside, "dir"), { recursive: true });
  const secret = join(outside, "secret.txt");
  writeFileSync(secret, "secret");
  writeFileSync(join(outside, "dir", "inner.txt"), "inner");
  writeFileSync(join(root, "sentinel.txt"), "sentinel");
  const target = join(root, "target");
  mkdirSync(target);
  return { root, target, outside, secret };
}

function describe(p: string): string {
  const st = lstatSync(p);
  const kind = st.isSymbolicLink() ? "link" : st.isDirectory() ? "dir" : st.isFile() ? "file" : "other";
  let d = `${kind} mode=${st.mode.toString(8)} uid=${st.uid} gid=${st.gid} ino=${st.ino} nlink=${st.nlink} mtime=${st.mtimeMs} ctime=${st.ctimeMs} size=${st.size}`;
  if (st.isFile()) d += ` sha256=${createHash("sha256").update(readFileSync(p)).digest("hex")}`;
  if (st.isSymbolicLink()) d += ` -> ${readlinkSync(p)}`;
  return d;
}

/** Everything in the sandbox but the target, and the absolute probes. */
function snapshot(s: Sandbox): Record<string, string> {
  const out: Record<string, string> = {};
  const visit = (p: string): void => {
    if (p === s.target) return;
    out[p] = describe(p);
    if (lstatSync(p).isDirectory()) for (const c of readdirSync(p)) visit(join(p, c));
  };
  visit(s.root);
  for (const p of PROBES) out[p] = existsSync(p) || isDanglingLink(p) ? describe(p) : "absent";
  return out;
}

for (const c of cases) {
  const runs: [ExtractOptions["parentSymlinks"], Expect][] = [["refuse", c.expect]];
  if (c.inside) runs.push(["inside", c.inside]);
  for (const [mode, expected] of runs) {
    test(`hostile: ${c.name}${mode === "inside" ? " [parentSymlinks: inside]" : ""}`, async (t) => {
      const s = sandbox(t);
      c.setup?.(s);
      const archive = c.tar(s);
      const before = snapshot(s);
      let stats: ExtractStats | undefined;
      let error: unknown;
      try {
        const o: ExtractOptions = { ...c.opts, parentSymlinks: mode };
        stats = c.layer ? await extractLayer(c.layer(), s.target, o) : await extractTar(Readable.from([archive]), s.target, o);
      } catch (e) {
        error = e;
      }
      // first: whatever else happened, nothing outside the target may have changed
      assert.deepEqual(snapshot(s), before, "nothing outside the target was created or modified");
      if ("code" in expected) {
        assert.ok(error instanceof OciError, `refused with an OciError, got ${error instanceof Error ? error.stack : String(error)}`);
        assert.equal(error.code, expected.code, error.message);
        assert.match(error.message, expected.message);
      } else {
        assert.equal(error, undefined, error instanceof Error ? error.stack : String(error));
        expected.check(s, stats as ExtractStats);
      }
    });
  }
}

test("the hostile set has at least 25 distinct cases", () => {
  assert.ok(cases.length >= 25, `${cases.length} cases`);
  assert.equal(new Set(cases.map((c) => c.name)).size, cases.length);
});
