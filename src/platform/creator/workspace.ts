// The app as buildpacks see it (/workspace), made without copying the whole app for every build.
//
// scanApp walks the app folder with the stat-keyed tree index (fs/tree-index.ts): its digest is
// the app's identity for the build and detection memos, known from lstat calls alone when
// nothing changed. The workspace is a kept copy of the app per destination (cacheLayout's
// appTree), lent to the build by one rename and given back after it. syncWorkspace brings that
// copy to the app's current state, copying only what differs: every kept file's inode state was
// recorded when it was last made equal to the app, so a file a buildpack wrote, replaced or
// removed in the last build, or one the app changed since, no longer matches and is copied
// again; what the build added is removed. The app folder itself is only ever read.
//
// Symlinks are copied as symlinks and never followed, so a link in the app that points outside
// it cannot pull host files into the build; special files (sockets, fifos, devices) are left
// out. Modes are kept (executable bits matter to buildpacks; setuid, setgid and sticky bits of
// files are dropped); times are not (export fixes them anyway).
import { createHash } from "node:crypto";
import { type BigIntStats, chmodSync, copyFileSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync } from "node:fs";
import { lstat, mkdir, rename } from "node:fs/promises";
import { join } from "node:path";
import ignore from "ignore";
import { PaketoError } from "../../errors/index.js";
import { inodeState, scanTree, type TreeEntry, type TreeScan, writeLinesAtomic } from "../../fs/index.js";

export interface WorkspaceFilter {
  /** gitignore-style patterns: only matching files are copied (project.toml `include`). */
  include?: readonly string[];
  /** gitignore-style patterns: matching files are left out (project.toml `exclude`). */
  exclude?: readonly string[];
}

/** The app's files as the build takes them: the tree scan, filtered by project.toml. */
export async function scanApp(src: string, filter: WorkspaceFilter = {}, indexPath?: string): Promise<TreeScan> {
  const st = await lstat(src).catch((e: unknown) => {
    throw new PaketoError("PLATFORM_APP_DIR", `the app directory ${src} cannot be read`, { cause: e, hint: "pass the app with --path DIR" });
  });
  if (!st.isDirectory()) throw new PaketoError("PLATFORM_APP_DIR", `${src} is not a directory`, { hint: "pass the app with --path DIR" });
  const inc = filter.include?.length ? ignore().add([...filter.include]) : undefined;
  const exc = filter.exclude?.length ? ignore().add([...filter.exclude]) : undefined;
  // With include patterns, a file is taken only if it matches (folders are walked).
  const keep = inc || exc ? (rel: string, isDir: boolean) => !exc?.ignores(isDir ? `${rel}/` : rel) && (isDir || !inc || inc.ignores(rel)) : undefined;
  return scanTree(src, { ...(indexPath ? { indexPath } : {}), ...(keep ? { keep } : {}) });
}

/**
 * A kept file of the workspace: `inode:size:mtimeNs:ctimeNs:mode/sha256`, its inode state right
 * after it was made equal to the app's and the bytes it then held. One string per file: two
 * hundred thousand of them stay small.
 */
type Kept = string;

/** Per path of the kept copy, what it was when last made equal to the app. */
type KeptFiles = Map<string, Kept>;

/**
 * The record beside the kept copy: a header line, the copy's root folder inode (a record is only
 * ever paired with the copy it describes), then `path NUL kept` per file. Lines, not JSON: two
 * hundred thousand files are read and written without an object or a string of them all.
 */
const STATE = "state";
const STATE_FORMAT = "paketo-kept-workspace/3";

function readKept(path: string, root: string): KeptFiles {
  const out: KeptFiles = new Map();
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    return out;
  }
  const head = `${STATE_FORMAT}\n${root}\n`;
  if (!text.startsWith(head)) return out;
  for (let at = head.length; at < text.length; ) {
    const end = text.indexOf("\n", at);
    const stop = end < 0 ? text.length : end;
    const cut = text.indexOf("\0", at);
    if (cut > at && cut < stop) out.set(text.slice(at, cut), text.slice(cut + 1, stop));
    at = stop + 1;
  }
  return out;
}

function writeKept(path: string, root: string, files: KeptFiles): Promise<void> {
  return writeLinesAtomic(path, keptLines(root, files));
}

function* keptLines(root: string, files: KeptFiles): Iterable<string> {
  yield `${STATE_FORMAT}\n${root}\n`;
  for (const [rel, k] of files) {
    if (rel.includes("\n")) continue; // such a file is simply copied again next time
    yield `${rel}\0${k}\n`;
  }
}
const TREE = "tree";

/** How long after our last write the workspace is lent out: later writes then show in ctime. */
const WINDOW_MS = 100;

function stateOf(s: BigIntStats): string {
  return `${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}:${s.mode}`;
}

function keptOf(s: BigIntStats | string, hash: string): Kept {
  return `${typeof s === "string" ? s : stateOf(s)}/${hash}`;
}

function sameKept(k: Kept | undefined, state: string, hash: string): boolean {
  return k !== undefined && k.length === state.length + 65 && k.endsWith(hash) && k.startsWith(state) && k[state.length] === "/";
}

const modeOf = (state: string): number => Number(state.slice(state.lastIndexOf(":") + 1));

/** What a sync did. */
export interface SyncStats {
  /** The workspace came from the kept copy (false: made from nothing). */
  lent: boolean;
  copied: number;
  kept: number;
  removed: number;
  /**
   * Every copied file was, while copied, the file the scan hashed. false: the app changed during
   * the build's start, so the workspace may differ from the scan's digest (memos are then not kept).
   */
  steady: boolean;
  /** A workspace file's SHA-256 while it is still exactly as this sync left it (same inode state), else undefined. */
  hashOf: (rel: string, st: BigIntStats) => string | undefined;
}

/**
 * Lends the destination's kept workspace (`keptDir`, cacheLayout's appTree) to `workspace` by
 * rename, or makes an empty one when there is none (first build, or another build of the same
 * destination holds it). Returns what the copy's files were when last made equal to an app.
 */
export async function lendWorkspace(keptDir: string, workspace: string): Promise<{ lent: boolean; state: KeptFiles }> {
  try {
    await rename(join(keptDir, TREE), workspace);
  } catch {
    await mkdir(workspace, { recursive: true });
    return { lent: false, state: new Map() };
  }
  const root = String((await lstat(workspace, { bigint: true })).ino);
  return { lent: true, state: readKept(join(keptDir, STATE), root) };
}

/**
 * Makes `workspace` hold exactly the app's files as `scan` describes them (from `src`), touching
 * only what differs, and writes what its files now are to `keptDir`'s state. Returns when a
 * later write to the workspace can no longer leave a kept file's inode state as recorded.
 */
export async function syncWorkspace(o: { src: string; scan: TreeScan; workspace: string; keptDir?: string; state?: KeptFiles; lent?: boolean }): Promise<SyncStats> {
  const state: KeptFiles = o.state ?? new Map();
  const want = new Map<string, TreeEntry>();
  for (const e of o.scan.entries) want.set(e.rel, e);
  const stats: SyncStats = { lent: o.lent ?? false, copied: 0, kept: 0, removed: 0, steady: true, hashOf: () => undefined };
  const files: KeptFiles = new Map();
  // Whatever the workspace holds that the app does not (or holds as another kind) goes first.
  const have = new Map<string, string>();
  const sweep = (rel: string): void => {
    const abs = rel ? join(o.workspace, rel) : o.workspace;
    for (const name of readdirSync(abs)) {
      const r = rel ? `${rel}/${name}` : name;
      const s = lstatSync(join(o.workspace, r), { bigint: true });
      const w = want.get(r);
      const kind = s.isDirectory() ? "d" : s.isFile() ? "f" : s.isSymbolicLink() ? "l" : "x";
      if (w === undefined || w.kind !== kind) {
        if (s.isDirectory()) chmodSync(join(o.workspace, r), 0o700);
        rmTree(join(o.workspace, r));
        stats.removed++;
        continue;
      }
      have.set(r, stateOf(s));
      if (kind === "d") {
        // A folder a buildpack (or the app) left read-only still takes our writes; its mode is set last.
        if ((s.mode & 0o700n) !== 0o700n) chmodSync(join(o.workspace, r), 0o700);
        sweep(r);
      }
    }
  };
  sweep("");
  let newest = 0n;
  const dirs: TreeEntry[] = [];
  for (const e of o.scan.entries) {
    const out = join(o.workspace, e.rel);
    const s = have.get(e.rel);
    if (e.kind === "d") {
      if (!s) mkdirSync(out);
      dirs.push(e);
    } else if (e.kind === "l") {
      if (s && readlinkSync(out) === e.hash) continue;
      if (s) rmSync(out);
      symlinkSync(e.hash, out);
    } else {
      if (s && sameKept(state.get(e.rel), s, e.hash)) {
        stats.kept++;
        // Same bytes; only the app's mode changed.
        if ((modeOf(s) & 0o777) !== (e.mode & 0o777)) {
          chmodSync(out, e.mode & 0o777);
          const after = lstatSync(out, { bigint: true });
          files.set(e.rel, keptOf(after, e.hash));
          if (after.ctimeNs > newest) newest = after.ctimeNs;
        } else files.set(e.rel, state.get(e.rel) as Kept);
        continue;
      }
      if (s) rmSync(out);
      copyFileSync(join(o.src, e.rel), out);
      // copyFile gives the copy the source's mode; setuid, setgid and sticky bits are taken off.
      if (e.mode & 0o7000) chmodSync(out, e.mode & 0o777);
      const after = lstatSync(out, { bigint: true });
      // The app's file may have changed since the scan: then the copy is not what the scan says.
      const src = lstatSync(join(o.src, e.rel), { bigint: true });
      // On a filesystem with whole-second times a later write could keep them: such copies are not kept.
      // A file the scan could not trust (changed within the clock's tick) is checked by its bytes.
      const steady = inodeState(src) === e.state && (e.trusted || sha256File(out) === e.hash);
      if (!steady) stats.steady = false;
      if (steady && after.ctimeNs % 1_000_000_000n !== 0n) files.set(e.rel, keptOf(after, e.hash));
      if (after.ctimeNs > newest) newest = after.ctimeNs;
      stats.copied++;
    }
  }
  // Deepest first, so a read-only folder is made so after what is in it.
  for (const d of dirs.reverse()) chmodSync(join(o.workspace, d.rel), d.mode & 0o7777);
  const root = String(lstatSync(o.workspace, { bigint: true }).ino);
  state.clear();
  if (o.keptDir) await writeKept(join(o.keptDir, STATE), root, files);
  // The maps of the app's and the workspace's entries go now: hashOf (made outside this scope, so
  // its closure holds nothing else) keeps only the kept record through the build and export.
  want.clear();
  have.clear();
  stats.hashOf = keptHashes(files);
  // Wait out the clock's tick: a buildpack's write then cannot carry the ctime recorded here.
  const waitMs = Number(newest / 1_000_000n) + WINDOW_MS - Date.now();
  if (waitMs > 0) await new Promise((r) => setTimeout(r, waitMs));
  return stats;
}

/** A file's SHA-256 while it is exactly as the sync left it (same inode state), else undefined. */
function keptHashes(files: KeptFiles): SyncStats["hashOf"] {
  return (rel, st) => {
    const k = files.get(rel);
    if (k === undefined) return undefined;
    const hash = k.slice(-64);
    return sameKept(k, stateOf(st), hash) ? hash : undefined;
  };
}

/** Gives the workspace back to be kept for the next build; when another build's copy is already kept, drops this one. */
export async function returnWorkspace(keptDir: string, workspace: string): Promise<boolean> {
  await mkdir(keptDir, { recursive: true });
  try {
    await rename(workspace, join(keptDir, TREE));
    return true;
  } catch {
    return false;
  }
}

/** Copies the app into an empty `dest` (tests and one-off use): scan, then sync. */
export async function copyApp(src: string, dest: string, filter: WorkspaceFilter = {}): Promise<TreeScan> {
  const scan = await scanApp(src, filter);
  await mkdir(dest, { recursive: true });
  await syncWorkspace({ src, scan, workspace: dest });
  return scan;
}

function sha256File(path: string): string {
  return createHash("sha256").update(readFileSync(path)).digest("hex");
}

function rmTree(path: string): void {
  try {
    rmSync(path, { recursive: true, force: true });
  } catch {
    // Folders a buildpack made read-only inside: open them up, then remove.
    const open = (p: string): void => {
      const s = lstatSync(p);
      if (!s.isDirectory()) return;
      chmodSync(p, 0o700);
      for (const n of readdirSync(p)) open(join(p, n));
    };
    open(path);
    rmSync(path, { recursive: true, force: true });
  }
}
