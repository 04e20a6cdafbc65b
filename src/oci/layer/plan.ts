import { type BigIntStats, lstatSync, readlinkSync } from "node:fs";
import { OciError } from "../errors.js";
import { readError } from "./read.js";
import { checkId, checkMode, type LayerEntry, type Settings, splitPath } from "./options.js";

/** One tar entry, fully decided: what the writer emits, in order. */
export interface PlannedEntry {
  /** Path inside the layer: no leading or trailing `/`. */
  name: string;
  type: "file" | "directory" | "symlink" | "link";
  /** Permission bits, 0–0o7777. */
  mode: number;
  uid: number;
  gid: number;
  /** Bytes of content (files only; 0 for the rest). */
  size: number;
  /** Symlink target, or for a hardlink the name of the entry it links to. */
  linkname?: string;
  /** File to read the content from, or the content itself. */
  source?: string;
  content?: Buffer;
}

/** Stats already taken by directoryEntries, so a walked tree is not lstat'ed twice. */
export const knownStats = new WeakMap<LayerEntry, BigIntStats>();

const SURROGATE = /[\uD800-\uDFFF]/;
const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
const S_IFLNK = 0o120000;

/** What kind of inode a mode is, in words, for error messages. */
export function describeSpecial(mode: number): string {
  switch (mode & S_IFMT) {
    case 0o020000:
      return "a character device";
    case 0o060000:
      return "a block device";
    case 0o010000:
      return "a fifo";
    case 0o140000:
      return "a socket";
    default:
      return "a special file";
  }
}

/**
 * Decides the entries of a layer: resolves what is on disk (never following symlinks), applies
 * the owner and mode rules, adds missing parent folders, sorts by the bytes of the tar path, and turns
 * second and later paths to one inode into hardlinks to the first.
 */
export function planLayer(entries: readonly LayerEntry[], s: Settings): PlannedEntry[] {
  const byName = new Map<string, PlannedEntry>();
  const inodes = new Map<PlannedEntry, string>();
  const add = (e: PlannedEntry, what: string): void => {
    if (byName.has(e.name)) throw new OciError("OCI_ARCHIVE", `${what}: the layer already has an entry at ${e.name}`);
    byName.set(e.name, e);
  };

  for (let i = 0; i < s.prefix.length; i++) {
    add({ name: s.prefix.slice(0, i + 1).join("/"), type: "directory", size: 0, ...s.parent }, "prefix");
  }

  const prefix = s.prefix.join("/");
  for (const e of entries) {
    const r = resolveEntry(e, s, prefix);
    if (!r) continue;
    add(r.entry, r.what);
    if (r.inode) inodes.set(r.entry, r.inode);
  }

  // Parent folders nobody described get the parentDirs settings.
  for (const name of [...byName.keys()]) {
    let i = name.lastIndexOf("/");
    while (i > 0) {
      const parent = name.slice(0, i);
      const have = byName.get(parent);
      if (have) {
        if (have.type !== "directory") {
          throw new OciError("OCI_ARCHIVE", `${parent} is a ${have.type} in the layer, but ${name} is inside it`);
        }
        break;
      }
      byName.set(parent, { name: parent, type: "directory", size: 0, ...s.parent });
      i = parent.lastIndexOf("/");
    }
  }

  // The order is that of the names as the tar writes them (folders end in "/"): byte order,
  // which `LC_ALL=C sort` reproduces; a folder still comes before everything inside it.
  // Comparing JS strings compares UTF-16 units, which is byte order of UTF-8 unless a surrogate
  // pair (a character past U+FFFF) is involved; then compare the bytes themselves.
  const keyed = [...byName.values()].map((e) => ({ e, key: e.type === "directory" ? `${e.name}/` : e.name }));
  if (keyed.some((k) => SURROGATE.test(k.key))) {
    const bytes = new Map(keyed.map((k) => [k, Buffer.from(k.key)]));
    keyed.sort((a, b) => Buffer.compare(bytes.get(a) as Buffer, bytes.get(b) as Buffer));
  } else keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const plan = keyed.map((k) => k.e);

  // Hardlinks: a later entry for an inode already written links to the first, when it would be
  // written with the same mode and owner (otherwise it is a copy, as the caller asked).
  const first = new Map<string, PlannedEntry>();
  for (const [i, e] of plan.entries()) {
    const inode = inodes.get(e);
    if (!inode) continue;
    const f = first.get(inode);
    if (!f) first.set(inode, e);
    else if (f.mode === e.mode && f.uid === e.uid && f.gid === e.gid) {
      plan[i] = { name: e.name, type: "link", mode: e.mode, uid: e.uid, gid: e.gid, size: 0, linkname: f.name };
    }
  }
  return plan;
}

interface Resolved {
  entry: PlannedEntry;
  /** dev:ino of a regular file read from disk. */
  inode?: string;
  what: string;
}

function resolveEntry(e: LayerEntry, s: Settings, prefix: string): Resolved | undefined {
  const rel = normalPath(e.path, "layer path");
  const name = prefix ? `${prefix}/${rel}` : rel;
  const uid = e.uid === undefined ? s.uid : checkId(e.uid, `uid of ${e.path}`);
  const gid = e.gid === undefined ? s.gid : checkId(e.gid, `gid of ${e.path}`);
  const explicit = e.mode === undefined ? undefined : checkMode(e.mode, `mode of ${e.path}`);

  if ("source" in e) {
    const known = knownStats.get(e);
    const st = known ?? lstatOf(e.source);
    const mode = Number(st.mode);
    const m = explicit ?? (s.keepSpecialBits ? mode & 0o7777 : mode & 0o777);
    switch (mode & S_IFMT) {
      case S_IFREG: {
        const entry: PlannedEntry = { name, type: "file", mode: m, uid, gid, size: Number(st.size), source: e.source };
        // A walk meets an inode twice only through hardlinks; a caller may also list one file twice.
        const inode = !known || st.nlink > 1n ? `${st.dev}:${st.ino}` : undefined;
        return inode ? { entry, inode, what: e.source } : { entry, what: e.source };
      }
      case S_IFDIR:
        return { entry: { name, type: "directory", mode: m, uid, gid, size: 0 }, what: e.source };
      case S_IFLNK: {
        let target: string;
        try {
          target = readlinkSync(e.source);
        } catch (err) {
          throw readError(e.source, err);
        }
        return { entry: { name, type: "symlink", mode: m, uid, gid, size: 0, linkname: target }, what: e.source };
      }
      default:
        if (s.specialFiles === "skip") return undefined;
        throw new OciError("OCI_ARCHIVE", `${e.source} is ${describeSpecial(mode)}, which a layer cannot hold`, {
          hint: "remove it from the folder, or build with specialFiles: \"skip\" to leave such files out",
        });
    }
  }
  if ("content" in e) {
    const content = typeof e.content === "string" ? Buffer.from(e.content) : Buffer.from(e.content.buffer, e.content.byteOffset, e.content.byteLength);
    return { entry: { name, type: "file", mode: explicit ?? 0o644, uid, gid, size: content.length, content }, what: `content for ${e.path}` };
  }
  if ("dir" in e) return { entry: { name, type: "directory", mode: explicit ?? 0o755, uid, gid, size: 0 }, what: `folder ${e.path}` };
  if ("symlink" in e) {
    if (e.symlink === "" || e.symlink.includes("\0")) {
      throw new OciError("OCI_ARCHIVE", `symlink ${e.path} has an empty or NUL-containing target`);
    }
    return { entry: { name, type: "symlink", mode: explicit ?? 0o777, uid, gid, size: 0, linkname: e.symlink }, what: `symlink ${e.path}` };
  }
  throw new OciError("OCI_ARCHIVE", `layer entry ${JSON.stringify((e as { path?: unknown }).path)} has none of source, content, dir or symlink`);
}

/** Matches what splitPath would change: empty, "." or ".." components, NUL. */
const UNCLEAN = /(?:^|\/)\.{0,2}(?:\/|$)|\0/;

function normalPath(p: string, what: string): string {
  return UNCLEAN.test(p) ? splitPath(p, what).join("/") : p;
}

function lstatOf(p: string): BigIntStats {
  try {
    return lstatSync(p, { bigint: true });
  } catch (err) {
    throw readError(p, err);
  }
}

export { S_IFDIR, S_IFLNK, S_IFMT, S_IFREG };
