// What the cache holds: its entries (CACHE_PARTS says what one entry is in each part), their size
// on disk and when each was last used. Read without the cache lock; prune checks again under it.
//
// A size memo (cacheLayout().sizeMemo) lets the check after every build be cheap: each folder of a
// `file` part is listed again only when its mtime changed (every write in the cache is a rename
// into a folder, which changes it), and then only new names are looked at; a `child` entry is
// walked again only when its own mtime changed, an immutable one (named by its content) never.
// The memo may overstate (a file's hard links it has not seen go), never much understate; when it
// says the cache is over budget, the full scan decides.
import { lstatSync, readdirSync, type Stats } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { writeFileAtomic, staleTemp, tempOwner } from "../fs/index.js";
import { type CacheLayout, type CachePartName, type CacheUnit, cacheParts } from "./cache-layout.js";

export interface CacheEntry {
  part: CachePartName;
  unit: CacheUnit;
  path: string;
  /** Bytes on disk of the files only this entry holds (hard links counted once, as du does). */
  bytes: number;
  /** Files this entry shares by hard link with other entries: inode key → bytes. */
  shared?: Map<string, number>;
  /** For LRU: a file's later of atime and mtime; a folder's mtime (touched by CacheLease.use). */
  lastUsedMs: number;
  /** The later of mtime and ctime: an entry changed since a live process began is kept. */
  changedMs: number;
}

export interface PartUsage {
  name: CachePartName;
  /** The part's folder (or file) relative to the root, as `du` shows it. */
  dir: string;
  path: string;
  what: string;
  unit: CacheUnit;
  entries: number;
  bytes: number;
  /** The part is a symbolic link (or under one) to another cache's: not counted, never pruned. */
  linked?: boolean;
}

export interface CacheScan {
  root: string;
  entries: CacheEntry[];
  parts: PartUsage[];
  /** Bytes of every entry, each hard-linked file counted once. */
  bytes: number;
  /** What processes that are gone left behind: temps, work folders. Safe to remove without the lock. */
  garbage: Array<{ path: string; bytes: number }>;
  /** Top-level names that no part of this paketo claims (another version's): reported, never pruned. */
  other: Array<{ name: string; bytes: number }>;
}

export interface ScanOptions {
  /** Walk live work folders and unknown top-level folders for their size (du does; a trim need not). Default true. */
  full?: boolean;
  nowMs?: number;
}

/** Temps in the old `.tmp-*` naming (no owner recorded) are garbage once this old. */
const LEGACY_TEMP_MS = 3600_000;
/** A work folder named the old way (no owner recorded) is stale once untouched this long. */
const LEGACY_WORK_MS = 24 * 3600_000;

function diskBytes(st: Stats): number {
  return st.blocks !== undefined ? st.blocks * 512 : st.size;
}

function inodeKey(st: Stats): string {
  return `${st.dev}:${st.ino}`;
}

/** Whether a name is a temp, and if so whether its writer is gone. */
function tempState(name: string, st: Stats, now: number): "live" | "stale" | undefined {
  if (tempOwner(name)) return staleTemp(name) ? "stale" : "live";
  if (name.startsWith(".tmp-")) return now - st.mtimeMs > LEGACY_TEMP_MS ? "stale" : "live";
  return undefined;
}

/**
 * Whether a work folder's process is gone. Work folders are named `<kind>-<host>.<pid>.<random>`
 * (platform/creator/work-dir.ts: the owner as fs/temp.ts records it); older ones
 * (`build-XXXXXX`, made by mkdtemp) are judged by age. The one place that decides it.
 */
export function staleWorkFolder(name: string, st: Pick<Stats, "mtimeMs">, now = Date.now()): boolean {
  const owner = name.replace(/^(?:build|builder)-/, "");
  if (tempOwner(owner)) return staleTemp(owner);
  return now - st.mtimeMs > LEGACY_WORK_MS;
}

// The walks use synchronous calls: thousands of small metadata syscalls cost far less in a loop
// than as round trips through libuv's thread pool.
function lstatOrUndefined(p: string): Stats | undefined {
  try {
    return lstatSync(p);
  } catch {
    return undefined; // removed while we looked
  }
}

function list(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/**
 * Whether a part is reached through a symbolic link (a part of another cache linked in, as the
 * benchmarks do): such a part is not this cache's, and is neither counted nor pruned.
 */
function linkedPart(root: string, dir: string): boolean {
  let p = root;
  for (const seg of dir.split("/")) {
    p = join(p, seg);
    const st = lstatOrUndefined(p);
    if (!st) return false;
    if (st.isSymbolicLink()) return true;
  }
  return false;
}

/** Size of a tree: unique bytes, and its hard-linked files by inode (counted once). */
function walkSize(path: string, shared: Map<string, number>): number {
  let bytes = 0;
  const visit = (p: string, st: Stats): void => {
    if (st.isFile() && st.nlink > 1) shared.set(inodeKey(st), diskBytes(st));
    else bytes += diskBytes(st);
    if (!st.isDirectory()) return;
    for (const name of list(p)) {
      const child = join(p, name);
      const cst = lstatOrUndefined(child);
      if (cst) visit(child, cst);
    }
  };
  const st = lstatOrUndefined(path);
  if (st) visit(path, st);
  return bytes;
}

/** One folder of a `file` part as last listed: its files (bytes, inode key when hard-linked) and sub-folders. */
interface DirMemo {
  ino: number;
  mtimeMs: number;
  files: Record<string, [bytes: number, shared?: string]>;
  dirs: string[];
}

/** A `child` entry's size: immutable ones by inode, others by inode and mtime. */
interface EntryMemo {
  ino: number;
  mtimeMs?: number;
  bytes: number;
  shared?: Array<[string, number]>;
}

interface SizeMemo {
  format: 1;
  dirs: Record<string, DirMemo>;
  entries: Record<string, EntryMemo>;
}

async function readMemo(cache: CacheLayout): Promise<SizeMemo> {
  const m = await readFile(cache.sizeMemo, "utf8").then((t) => JSON.parse(t) as Partial<SizeMemo>, () => undefined);
  return m?.format === 1 && m.dirs && m.entries ? (m as SizeMemo) : { format: 1, dirs: {}, entries: {} };
}

async function writeMemo(cache: CacheLayout, memo: SizeMemo): Promise<void> {
  await writeFileAtomic(cache.sizeMemo, JSON.stringify(memo)).catch(() => {}); // a memo only
}

function fileRecord(st: Stats): [number, string?] {
  return st.isFile() && st.nlink > 1 ? [diskBytes(st), inodeKey(st)] : [diskBytes(st)];
}

function childRecord(p: string, st: Stats, immutable: boolean): EntryMemo {
  const shared = new Map<string, number>();
  let bytes = walkSize(p, shared);
  // An immutable entry's hard links are its own (a root filesystem's), or a build's for moments.
  if (immutable) bytes += [...shared.values()].reduce((a, b) => a + b, 0);
  const rec: EntryMemo = { ino: st.ino, bytes, ...(immutable ? {} : { mtimeMs: st.mtimeMs }) };
  if (!immutable && shared.size > 0) rec.shared = [...shared];
  return rec;
}

function memoValid(m: EntryMemo | undefined, st: Stats, immutable: boolean): m is EntryMemo {
  return !!m && m.ino === st.ino && (immutable || m.mtimeMs === st.mtimeMs);
}

/** Reads what the cache holds. Removes nothing (it refreshes the size memo). */
export async function scanCache(cache: CacheLayout, opts: ScanOptions = {}): Promise<CacheScan> {
  const now = opts.nowMs ?? Date.now();
  const full = opts.full ?? true;
  const parts = cacheParts(cache.root);
  const partPaths = new Set(parts.map((p) => p.path));
  const memo = await readMemo(cache);
  const newMemo: SizeMemo = { format: 1, dirs: {}, entries: {} };
  const scan: CacheScan = { root: cache.root, entries: [], parts: [], bytes: 0, garbage: [], other: [] };

  for (const part of parts) {
    const usage: PartUsage = { name: part.name, dir: part.dir, path: part.path, what: part.what, unit: part.unit, entries: 0, bytes: 0 };
    scan.parts.push(usage);
    const add = (e: CacheEntry) => {
      scan.entries.push(e);
      usage.entries++;
      usage.bytes += e.bytes + [...(e.shared?.values() ?? [])].reduce((a, b) => a + b, 0);
    };
    if (part.unit === "internal") continue;
    if (linkedPart(cache.root, part.dir)) {
      usage.linked = true;
      continue;
    }
    const top = lstatOrUndefined(part.path);
    if (!top) continue;
    if (part.unit === "state") {
      if (top.isFile()) add({ part: part.name, unit: part.unit, path: part.path, bytes: diskBytes(top), lastUsedMs: Math.max(top.atimeMs, top.mtimeMs), changedMs: Math.max(top.mtimeMs, top.ctimeMs) });
      continue;
    }
    if (!top.isDirectory()) continue;
    if (part.unit === "file") {
      // Every file below, except under another part nested in this one.
      const walk = (dir: string, dst: Stats): void => {
        const dm: DirMemo = { ino: dst.ino, mtimeMs: dst.mtimeMs, files: {}, dirs: [] };
        for (const name of list(dir)) {
          const p = join(dir, name);
          if (partPaths.has(p)) continue;
          const st = lstatOrUndefined(p);
          if (!st) continue;
          const temp = tempState(name, st, now);
          if (temp === "stale") scan.garbage.push({ path: p, bytes: walkSize(p, new Map()) });
          if (temp) continue;
          if (st.isDirectory()) {
            dm.dirs.push(name);
            walk(p, st);
            continue;
          }
          const rec = fileRecord(st);
          dm.files[name] = rec;
          const e: CacheEntry = { part: part.name, unit: part.unit, path: p, bytes: 0, lastUsedMs: Math.max(st.atimeMs, st.mtimeMs), changedMs: Math.max(st.mtimeMs, st.ctimeMs) };
          if (rec[1]) e.shared = new Map([[rec[1], rec[0]]]);
          else e.bytes = rec[0];
          add(e);
        }
        newMemo.dirs[dir] = dm;
      };
      walk(part.path, top);
      continue;
    }
    // child and work: each name in the part's folder is one entry.
    for (const name of list(part.path)) {
      const p = join(part.path, name);
      if (partPaths.has(p)) continue;
      const st = lstatOrUndefined(p);
      if (!st) continue;
      const temp = tempState(name, st, now);
      if (temp === "stale" || (part.unit === "work" && staleWorkFolder(name, st, now))) {
        scan.garbage.push({ path: p, bytes: full ? walkSize(p, new Map()) : 0 });
        continue;
      }
      if (temp) continue;
      const e: CacheEntry = { part: part.name, unit: part.unit, path: p, bytes: 0, lastUsedMs: st.isDirectory() ? st.mtimeMs : Math.max(st.atimeMs, st.mtimeMs), changedMs: Math.max(st.mtimeMs, st.ctimeMs) };
      if (part.unit === "work") {
        // A live build's folder: never pruned, gone when the build ends; walked for du only.
        if (full) e.bytes = walkSize(p, new Map());
        add(e);
        continue;
      }
      const immutable = part.immutable === true;
      const known = memo.entries[p];
      const rec = memoValid(known, st, immutable) ? known : childRecord(p, st, immutable);
      newMemo.entries[p] = rec;
      e.bytes = rec.bytes;
      if (rec.shared) e.shared = new Map(rec.shared);
      add(e);
    }
  }

  scan.bytes = totalBytes(scan.entries);
  await writeMemo(cache, newMemo);

  const claimed = new Set(parts.map((p) => p.dir.split("/")[0]));
  for (const name of list(cache.root)) {
    if (claimed.has(name)) continue;
    const p = join(cache.root, name);
    const st = lstatOrUndefined(p);
    if (!st) continue;
    const temp = tempState(name, st, now);
    if (temp === "stale") scan.garbage.push({ path: p, bytes: 0 });
    else if (!temp) scan.other.push({ name, bytes: full ? walkSize(p, new Map()) : 0 });
  }
  return scan;
}

/** Bytes of entries, each hard-linked file once however many entries hold it. */
function totalBytes(entries: Iterable<{ bytes: number; shared?: Map<string, number> | undefined }>): number {
  let bytes = 0;
  const seen = new Map<string, number>();
  for (const e of entries) {
    bytes += e.bytes;
    for (const [k, b] of e.shared ?? []) seen.set(k, b);
  }
  for (const b of seen.values()) bytes += b;
  return bytes;
}

/**
 * The cache's size from the memo, looking again only at what changed since the last look (see
 * the top of this file). What the trim after a build checks first; work folders are not counted.
 */
export async function cacheSize(cache: CacheLayout): Promise<number> {
  const parts = cacheParts(cache.root);
  const partPaths = new Set(parts.map((p) => p.path));
  const memo = await readMemo(cache);
  const newMemo: SizeMemo = { format: 1, dirs: {}, entries: {} };
  const counted: Array<{ bytes: number; shared?: Map<string, number> }> = [];
  for (const part of parts) {
    if (part.unit === "internal" || part.unit === "work" || linkedPart(cache.root, part.dir)) continue;
    const top = lstatOrUndefined(part.path);
    if (!top) continue;
    if (part.unit === "state") {
      counted.push({ bytes: diskBytes(top) });
      continue;
    }
    if (!top.isDirectory()) continue;
    if (part.unit === "file") {
      const walk = (dir: string, dst: Stats): void => {
        const old = memo.dirs[dir];
        let dm: DirMemo;
        if (old && old.ino === dst.ino && old.mtimeMs === dst.mtimeMs) dm = old;
        else {
          // Listed again; names seen before keep their record (files here are never rewritten in place).
          const before = old && old.ino === dst.ino ? old : undefined;
          dm = { ino: dst.ino, mtimeMs: dst.mtimeMs, files: {}, dirs: [] };
          for (const name of list(dir)) {
            const p = join(dir, name);
            if (partPaths.has(p) || name.startsWith(".tmp-") || tempOwner(name)) continue;
            if (before?.dirs.includes(name)) dm.dirs.push(name);
            else if (before?.files[name]) dm.files[name] = before.files[name];
            else {
              const st = lstatOrUndefined(p);
              if (!st) continue;
              if (st.isDirectory()) dm.dirs.push(name);
              else dm.files[name] = fileRecord(st);
            }
          }
        }
        newMemo.dirs[dir] = dm;
        for (const [b, k] of Object.values(dm.files)) counted.push(k ? { bytes: 0, shared: new Map([[k, b]]) } : { bytes: b });
        for (const d of dm.dirs) {
          const st = lstatOrUndefined(join(dir, d));
          if (st?.isDirectory()) walk(join(dir, d), st);
        }
      };
      walk(part.path, top);
      continue;
    }
    const immutable = part.immutable === true;
    for (const name of list(part.path)) {
      const p = join(part.path, name);
      if (partPaths.has(p) || name.startsWith(".tmp-") || tempOwner(name)) continue;
      const known = memo.entries[p];
      // An immutable entry is named by its content: known means unchanged, without a look.
      const st = immutable && known ? undefined : lstatOrUndefined(p);
      const rec = known && (!st || memoValid(known, st, immutable)) ? known : st ? childRecord(p, st, immutable) : undefined;
      if (!rec) continue;
      newMemo.entries[p] = rec;
      counted.push({ bytes: rec.bytes, ...(rec.shared ? { shared: new Map(rec.shared) } : {}) });
    }
  }
  if (JSON.stringify(newMemo) !== JSON.stringify(memo)) await writeMemo(cache, newMemo);
  return totalBytes(counted);
}
