import { reproducibleDate } from "../config.js";
import { OciError } from "../errors.js";
import type { OnProgress } from "../progress.js";

/**
 * One item of a layer as the caller describes it. `path` is the path inside the layer
 * (`/`-separated; a leading `/` or `./` is ignored). `mode`, `uid` and `gid` override what the
 * item would otherwise get; an explicit `mode` is written as given, setuid/setgid/sticky included.
 */
export type LayerEntry = SourceEntry | ContentEntry | DirEntry | SymlinkEntry;

interface Owned {
  path: string;
  mode?: number;
  uid?: number;
  gid?: number;
}

/**
 * Whatever is at `source` on disk, taken as it is and never followed: a regular file, a symlink,
 * or a directory (just the directory entry, not its contents; use directoryEntries for those).
 */
export interface SourceEntry extends Owned {
  source: string;
}

/** A regular file whose bytes are given (mode defaults to 0o644). */
export interface ContentEntry extends Owned {
  content: Uint8Array | string;
}

/** A directory (mode defaults to 0o755). */
export interface DirEntry extends Owned {
  dir: true;
}

/** A symbolic link to `symlink`, written as given. */
export interface SymlinkEntry extends Owned {
  symlink: string;
}

/** How a layer is built. Everything but `outputDir` has a reproducible default. */
export interface LayerOptions {
  /** Folder the compressed layer is written to, as a file named by the hex of its digest. */
  outputDir: string;
  /** Puts every entry under this folder of the layer (`"workspace"`, `"layers/acme_node/node"`). */
  prefix?: string;
  /** Owner of every entry unless the entry says otherwise (default 0). */
  uid?: number;
  gid?: number;
  /**
   * Mode and owner of directories the layer needs but no entry describes: the prefix folders and
   * any missing parent. Defaults: 0o755, and `uid` / `gid` above.
   */
  parentDirs?: { mode?: number; uid?: number; gid?: number };
  /** Seconds since the epoch stamped on every entry (default 1980-01-01T00:00:01Z). */
  sourceDateEpoch?: number;
  /** Keep setuid, setgid and sticky bits of files read from disk (default: dropped). */
  keepSpecialBits?: boolean;
  /** Device nodes, sockets and fifos found on disk: fail (default) or leave them out. */
  specialFiles?: "error" | "skip";
  /** gzip level 0–9 (default DEFAULT_LEVEL, 4). The digest depends on it. */
  level?: number;
  /** Reports op "compress" events, counting the bytes of file content read. */
  onProgress?: OnProgress;
  /** Names the layer in progress events (defaults to the folder or "layer"). */
  label?: string;
  signal?: AbortSignal;
}

/**
 * The default gzip level. Measured with Node 20's zlib on a 543 MB tar of mixed content (the
 * layer-throughput benchmark): level 1 took 6.0 CPU s for 213.9 MB, 4 took 8.0 s for 200.4 MB,
 * 6 took 16.1 s for 195.5 MB, 9 took about twice 6 for 0.4% less. Level 4 keeps three quarters
 * of what 6 saves over 1 at half the CPU of 6; compressing is most of a layer build's cost.
 */
export const DEFAULT_LEVEL = 4;
const MAX_ID = 0o777777; // what a ustar header's 6 octal digits hold
const MAX_EPOCH = 2 ** 31 - 1; // tar-stream writes mtime through a 32-bit integer

/** The options with defaults applied and checked, as the tar writer uses them. */
export interface Settings {
  uid: number;
  gid: number;
  parent: { mode: number; uid: number; gid: number };
  mtime: Date;
  keepSpecialBits: boolean;
  specialFiles: "error" | "skip";
  level: number;
  prefix: string[];
}

export function settingsOf(opts: LayerOptions): Settings {
  const uid = checkId(opts.uid ?? 0, "uid");
  const gid = checkId(opts.gid ?? 0, "gid");
  const level = opts.level ?? DEFAULT_LEVEL;
  if (!Number.isInteger(level) || level < 0 || level > 9) {
    throw new OciError("OCI_ARCHIVE", `gzip level ${level} is not an integer from 0 to 9`);
  }
  const mtime = reproducibleDate(opts.sourceDateEpoch);
  if (mtime.getTime() / 1000 > MAX_EPOCH) {
    throw new OciError("OCI_ARCHIVE", `sourceDateEpoch ${opts.sourceDateEpoch} is past 2038, which layer headers cannot hold`);
  }
  return {
    uid,
    gid,
    parent: {
      mode: checkMode(opts.parentDirs?.mode ?? 0o755, "parentDirs.mode"),
      uid: checkId(opts.parentDirs?.uid ?? uid, "parentDirs.uid"),
      gid: checkId(opts.parentDirs?.gid ?? gid, "parentDirs.gid"),
    },
    mtime,
    keepSpecialBits: opts.keepSpecialBits ?? false,
    specialFiles: opts.specialFiles ?? "error",
    level,
    prefix: opts.prefix === undefined ? [] : splitPath(opts.prefix, "prefix", true),
  };
}

export function checkId(n: number, what: string): number {
  if (!Number.isInteger(n) || n < 0 || n > MAX_ID) {
    throw new OciError("OCI_ARCHIVE", `${what} ${n} is not an integer from 0 to ${MAX_ID}`);
  }
  return n;
}

export function checkMode(n: number, what: string): number {
  if (!Number.isInteger(n) || n < 0 || n > 0o7777) {
    throw new OciError("OCI_ARCHIVE", `${what} ${n.toString(8)} is not a permission mode from 0 to 0o7777`);
  }
  return n;
}

/**
 * The components of a path inside a layer: `/` and `./` at the start, empty and `.` components are
 * dropped; `..` and NUL are refused, so nothing can point outside the layer's root.
 */
export function splitPath(p: string, what: string, allowEmpty = false): string[] {
  const parts = p.split("/").filter((c) => c !== "" && c !== ".");
  if (parts.includes("..") || p.includes("\0")) {
    throw new OciError("OCI_ARCHIVE", `${what} ${JSON.stringify(p)} may not contain ".." or NUL`);
  }
  if (parts.length === 0 && !allowEmpty) {
    throw new OciError("OCI_ARCHIVE", `${what} ${JSON.stringify(p)} names no file inside the layer`);
  }
  return parts;
}
