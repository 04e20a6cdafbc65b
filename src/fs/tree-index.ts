// A stat-keyed index of a folder tree: per path its kind, mode, size, mtime, ctime, inode and
// device, and the SHA-256 of its bytes (a symlink: its target). Kept from one scan to the next, so
// the digest of an unchanged tree is known from lstat calls alone and a changed tree rehashes only
// the files whose inode state moved.
//
// Why it is exactly as safe as hashing everything: a file's bytes cannot change without its ctime
// changing (write, truncate, chmod, rename and link count changes all set it, and no system call
// sets it to a chosen value), and a file replaced by another has another inode or device. The
// one gap is the clock's tick: the kernel stamps ctime from a coarse clock, so a write in the same
// tick as the stat we kept could leave every field equal. An entry is therefore trusted only when
// its newest change is older than the scan that saw it by more than the window (as Git's "racy
// clean" rule); any newer entry is hashed again next time. Hashing reads through one descriptor
// and compares its fstat before and after with the walk's lstat: a file that changed meanwhile is
// hashed but not trusted.
//
// The walk and hashing use synchronous calls (thousands of lstat calls cost far less in a loop
// than as thread-pool round trips), letting the event loop run every few thousand entries.
import { createHash } from "node:crypto";
import { type BigIntStats, closeSync, constants, fstatSync, lstatSync, openSync, readdirSync, readFileSync, readlinkSync, readSync } from "node:fs";
import { join } from "node:path";
import { writeLinesAtomic } from "./atomic.js";

/** One path of the tree. `rel` uses `/`; the tree's root itself is not an entry. */
export interface TreeEntry {
  rel: string;
  kind: "d" | "f" | "l";
  /** st_mode's permission bits and type bits, as lstat gives them. */
  mode: number;
  size: number;
  /** The inode state: inode, device, size, mtime and ctime in ns, mode (inodeState()). */
  state: string;
  /** A file's SHA-256 (hex), a symlink's target, "" for a folder. */
  hash: string;
  /** The inode state identifies `hash` (see the file comment); false: hash again next scan. */
  trusted: boolean;
}

/** What identifies a file's bytes without reading them (see the file comment). */
export function inodeState(s: BigIntStats): string {
  return `${s.ino}:${s.dev}:${s.size}:${s.mtimeNs}:${s.ctimeNs}:${s.mode}`;
}

export interface TreeScan {
  /** Every entry, in walk order: names sorted, a folder before what it holds. */
  entries: TreeEntry[];
  /** SHA-256 over every entry's path, kind, permission bits and content (times and inodes left out). */
  digest: string;
  /** Files whose bytes were read this scan, and files known from the index. */
  hashed: number;
  reused: number;
  files: number;
  bytes: number;
}

export interface ScanOptions {
  /** Where the index is kept between scans; absent or unreadable: every file is hashed. */
  indexPath?: string;
  /** Which paths belong to the tree: false leaves the path (and, for a folder, all under it) out. */
  keep?: (rel: string, isDir: boolean) => boolean;
  /** How long after its last change an entry's inode state is trusted (default 100 ms; 2 s on whole-second times). */
  windowNs?: bigint;
  /** The clock (ns since the epoch); tests may replace it. */
  nowNs?: () => bigint;
}

const FORMAT = "paketo-tree-index/1";
const FINE_WINDOW_NS = 100_000_000n;
const COARSE_WINDOW_NS = 2_000_000_000n;
const YIELD_EVERY = 2000;

const wallNs = (): bigint => BigInt(Date.now()) * 1_000_000n;

/** The digest line of an entry: what a copy of the tree keeps (no times, no inode numbers). */
function digestLine(e: TreeEntry): string {
  return `${e.kind}\0${e.rel}\0${e.kind === "l" ? "" : e.mode & 0o7777}\0${e.hash}\n`;
}

/**
 * Walks `root`, taking each file's content hash from the index when its inode state is unchanged
 * and trusted, hashing it otherwise; then writes the new index (when `indexPath` is given).
 * Special files (sockets, fifos, devices) are not part of the tree. Symlinks are never followed.
 */
export async function scanTree(root: string, opts: ScanOptions = {}): Promise<TreeScan> {
  const now = opts.nowNs ?? wallNs;
  const known = opts.indexPath ? readIndex(opts.indexPath) : new Map<string, string>();
  // The index is written again only when something in it changed.
  let dirty = known.size === 0;
  let seen = 0;
  const entries: TreeEntry[] = [];
  const buf = Buffer.allocUnsafe(1 << 20);
  const stats = { hashed: 0, reused: 0, files: 0, bytes: 0 };
  const h = createHash("sha256");
  let since = 0;
  // Entries changed at or after this time are not trusted (the stat calls come after it).
  const scanStart = now();
  const walk = async (dirAbs: string, dirRel: string): Promise<void> => {
    const names = readdirSync(dirAbs).sort();
    for (const name of names) {
      const abs = join(dirAbs, name);
      const rel = dirRel ? `${dirRel}/${name}` : name;
      const s = lstatSync(abs, { bigint: true });
      const isDir = s.isDirectory();
      if (opts.keep && !opts.keep(rel, isDir)) continue;
      const kind = isDir ? "d" : s.isFile() ? "f" : s.isSymbolicLink() ? "l" : undefined;
      if (kind === undefined) continue;
      const e: TreeEntry = { rel, kind, mode: Number(s.mode), size: Number(s.size), state: inodeState(s), hash: "", trusted: true };
      const newest = s.ctimeNs > s.mtimeNs ? s.ctimeNs : s.mtimeNs;
      const coarse = s.ctimeNs % 1_000_000_000n === 0n && s.mtimeNs % 1_000_000_000n === 0n;
      const window = opts.windowNs ?? (coarse ? COARSE_WINDOW_NS : FINE_WINDOW_NS);
      e.trusted = newest + window < scanStart;
      if (kind === "l") e.hash = readlinkSync(abs);
      else if (kind === "f") {
        stats.files++;
        stats.bytes += e.size;
        const k = known.get(rel);
        // A kept line is `state NUL hash` for a trusted entry; untrusted ones are not kept.
        if (k !== undefined && k.length === e.state.length + 65 && k.startsWith(e.state) && k.charCodeAt(e.state.length) === 0) {
          e.hash = k.slice(e.state.length + 1);
          stats.reused++;
          seen++;
        } else {
          const r = hashFile(abs, s, buf);
          e.hash = r.hash;
          if (!r.steady) e.trusted = false;
          stats.hashed++;
          dirty = true;
        }
        if (k !== undefined && !e.trusted) dirty = true;
      }
      entries.push(e);
      h.update(digestLine(e));
      if (++since >= YIELD_EVERY) {
        since = 0;
        await new Promise((r) => setImmediate(r));
      }
      if (isDir) await walk(abs, rel);
    }
  };
  await walk(root, "");
  const scan: TreeScan = { entries, digest: h.digest("hex"), ...stats };
  if (opts.indexPath && (dirty || seen !== known.size)) await writeIndex(opts.indexPath, entries);
  return scan;
}

function sameState(a: BigIntStats, b: BigIntStats): boolean {
  return a.ino === b.ino && a.dev === b.dev && a.size === b.size && a.mtimeNs === b.mtimeNs && a.ctimeNs === b.ctimeNs && a.mode === b.mode;
}

/** A file's SHA-256, and whether it stayed the file the walk saw while it was read. */
function hashFile(path: string, walked: BigIntStats, buf: Buffer): { hash: string; steady: boolean } {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  try {
    const before = fstatSync(fd, { bigint: true });
    const h = createHash("sha256");
    for (let n = readSync(fd, buf, 0, buf.length, null); n > 0; n = readSync(fd, buf, 0, buf.length, null)) h.update(buf.subarray(0, n));
    const after = fstatSync(fd, { bigint: true });
    return { hash: h.digest("hex"), steady: sameState(before, walked) && sameState(after, walked) };
  } finally {
    closeSync(fd);
  }
}

/**
 * The index file: a header line, then per trusted file `rel NUL state NUL hash`. Lines, not
 * JSON, and kept as strings until compared: two hundred thousand entries cost little to read.
 */
function readIndex(path: string): Map<string, string> {
  const out = new Map<string, string>();
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    return out;
  }
  if (!text.startsWith(`${FORMAT}\n`)) return out;
  let at = FORMAT.length + 1;
  while (at < text.length) {
    const end = text.indexOf("\n", at);
    const line = text.slice(at, end < 0 ? text.length : end);
    at = end < 0 ? text.length : end + 1;
    const cut = line.indexOf("\0");
    // A damaged line: that file is hashed again (a kept value must be `state NUL hash`).
    if (cut > 0) out.set(line.slice(0, cut), line.slice(cut + 1));
  }
  return out;
}

function writeIndex(path: string, entries: readonly TreeEntry[]): Promise<void> {
  return writeLinesAtomic(path, indexLines(entries));
}

function* indexLines(entries: readonly TreeEntry[]): Iterable<string> {
  yield `${FORMAT}\n`;
  for (const e of entries) {
    // A name with a line break would split its line: such a file is simply hashed every time.
    if (e.kind !== "f" || !e.trusted || e.rel.includes("\n")) continue;
    yield `${e.rel}\0${e.state}\0${e.hash}\n`;
  }
}
