// The content identity of a layer's files without reading them (D8: an unchanged layer is not
// re-tarred). See src/lifecycle/README.md, "The layer content cache", for why it cannot name the
// wrong layer.
import { createHash } from "node:crypto";
import { type BigIntStats, closeSync, constants, lstatSync, openSync, readdirSync, readlinkSync, readSync } from "node:fs";
import { join } from "node:path";
import * as oci from "../../oci/index.js";
import { UnphasedError } from "../errors.js";

/** Bumped whenever the layer bytes for the same files could change (tar writer, entry rules). */
export const LAYER_FORMAT = "paketo-layer/1";

/** Everything but the files that decides a layer's bytes. */
export interface LayerSettings {
  /** Owner of the entries (CNB-45: the CNB user for layer and app files, 0 for the launcher). */
  uid: number;
  gid: number;
  /** Owner and mode of parent folders the entries do not describe. */
  parentDirs: { uid: number; gid: number; mode: number };
  /** Seconds since the epoch stamped on every entry. */
  sourceDateEpoch: number;
  /** gzip level. */
  level: number;
}

/** The files of one layer, as walked: what the tar writer needs plus what the key was made of. */
export interface LayerFiles {
  entries: oci.layer.LayerEntry[];
  /** sha256 over the settings and, per entry, its path and inode state (or literal content). */
  key: string;
  /** Newest ctime/mtime among the entries read from disk, in ns since the epoch (0 when none). */
  newestChangeNs: bigint;
  /** No entry read from disk had a sub-second timestamp: the filesystem keeps coarse times. */
  coarseTimes: boolean;
  /** Bytes of regular files read from disk. */
  bytes: number;
}

/** One entry of a walk: where it goes in the layer and where it is on disk. */
export interface Walked {
  path: string;
  source: string;
  stat: BigIntStats;
}

const YIELD_EVERY = 2000;

/**
 * `root` itself (as `at`) and everything under it, never following a symlink. The walk uses
 * synchronous calls and lets the event loop run every few thousand entries, as oci/layer's walk does.
 */
export async function walkTree(root: string, at: string): Promise<Walked[]> {
  const out: Walked[] = [];
  const rootStat = lstatOrThrow(root);
  out.push({ path: at, source: root, stat: rootStat });
  if (!rootStat.isDirectory()) return out;
  const todo: Array<[string, string]> = [[root, at]];
  let since = 0;
  for (let next = todo.pop(); next; next = todo.pop()) {
    const [abs, rel] = next;
    let names: string[];
    try {
      names = readdirSync(abs);
    } catch (e) {
      throw new UnphasedError("LAYERS_DIR", `cannot list ${abs}: ${(e as Error).message}`, { cause: e });
    }
    for (const name of names) {
      const source = join(abs, name);
      const stat = lstatOrThrow(source);
      const path = rel ? `${rel}/${name}` : name;
      out.push({ path, source, stat });
      if (stat.isDirectory()) todo.push([source, path]);
    }
    since += names.length;
    if (since >= YIELD_EVERY) {
      since = 0;
      await new Promise((r) => setImmediate(r));
    }
  }
  return out;
}

function lstatOrThrow(p: string): BigIntStats {
  try {
    return lstatSync(p, { bigint: true });
  } catch (e) {
    throw new UnphasedError("LAYERS_DIR", `cannot read ${p}: ${(e as Error).message}`, { cause: e });
  }
}

/** Re-reads the inode state of walked entries (after waiting out a racy window). */
export function restat(walked: readonly Walked[]): Walked[] {
  return walked.map((w) => ({ ...w, stat: lstatOrThrow(w.source) }));
}

/** A literal entry (no disk source) or a walked one, possibly with an explicit mode and owner. */
export type KeyedEntry =
  | { walked: Walked; mode?: number; uid?: number; gid?: number; hash?: (s: BigIntStats) => string | undefined }
  | { literal: oci.layer.LayerEntry };

/**
 * The layer files and their key. Entries read from disk are identified by their inode state:
 * path in the layer, device, inode, mode, size, link count, mtime and ctime in ns. Literal
 * entries by their content. The order of `entries` does not matter: the key sorts them.
 */
export function layerFiles(settings: LayerSettings, entries: readonly KeyedEntry[]): LayerFiles {
  const lines: string[] = [];
  const out: oci.layer.LayerEntry[] = [];
  let newest = 0n;
  let coarse = true;
  let fromDisk = 0;
  let bytes = 0;
  for (const e of entries) {
    if ("walked" in e) {
      const { path, source, stat: s } = e.walked;
      const entry: oci.layer.SourceEntry = { path, source };
      if (e.mode !== undefined) entry.mode = e.mode;
      if (e.uid !== undefined) entry.uid = e.uid;
      if (e.gid !== undefined) entry.gid = e.gid;
      out.push(entry);
      lines.push(`${path}\0S\0${s.dev}\0${s.ino}\0${s.mode}\0${s.size}\0${s.nlink}\0${s.mtimeNs}\0${s.ctimeNs}\0${e.mode ?? ""}\0${e.uid ?? ""}\0${e.gid ?? ""}`);
      const changed = s.ctimeNs > s.mtimeNs ? s.ctimeNs : s.mtimeNs;
      if (changed > newest) newest = changed;
      if (s.ctimeNs % 1_000_000_000n !== 0n || s.mtimeNs % 1_000_000_000n !== 0n) coarse = false;
      fromDisk++;
      if (s.isFile()) bytes += Number(s.size);
    } else {
      const l = e.literal;
      out.push(l);
      lines.push(`${l.path}\0L\0${literalIdentity(l)}`);
    }
  }
  lines.sort();
  const h = createHash("sha256");
  h.update(`${LAYER_FORMAT}\n${JSON.stringify(settings)}\n`);
  for (const l of lines) h.update(`${l}\n`);
  return { entries: out, key: h.digest("hex"), newestChangeNs: newest, coarseTimes: fromDisk > 0 && coarse, bytes };
}

function literalIdentity(l: oci.layer.LayerEntry): string {
  const owner = `${l.mode ?? ""}\0${l.uid ?? ""}\0${l.gid ?? ""}`;
  if ("content" in l) return `C\0${createHash("sha256").update(l.content).digest("hex")}\0${owner}`;
  if ("dir" in l) return `D\0${owner}`;
  if ("symlink" in l) return `L\0${l.symlink}\0${owner}`;
  // A source entry given as a literal is not identified by content: never cache it.
  throw new Error("layerFiles: a source entry must come from a walk");
}

/**
 * A key over what the tar is made of, reading every file: path, type, permission bits, size,
 * content digest, symlink target and hard-link grouping, plus the settings. For trees every build
 * copies afresh (the app dir), whose inode state never repeats but whose content usually does.
 * Reading and hashing costs a tenth of tarring and compressing.
 */
export function contentKey(settings: LayerSettings, entries: readonly KeyedEntry[]): string {
  const lines: string[] = [];
  const firstOfInode = new Map<string, string>();
  const walked = entries.filter((e): e is Extract<KeyedEntry, { walked: Walked }> => "walked" in e).sort((a, b) => (a.walked.path < b.walked.path ? -1 : a.walked.path > b.walked.path ? 1 : 0));
  const buf = Buffer.allocUnsafe(1 << 20);
  for (const e of walked) {
    const { path, source, stat: s } = e.walked;
    const owner = `${e.mode ?? ""}\0${e.uid ?? ""}\0${e.gid ?? ""}`;
    const mode = Number(s.mode) & 0o777;
    if (s.isDirectory()) lines.push(`${path}\0D\0${mode}\0${owner}`);
    else if (s.isSymbolicLink()) lines.push(`${path}\0Y\0${readlinkSync(source)}\0${owner}`);
    else if (s.isFile()) {
      let link = "";
      if (s.nlink > 1n) {
        const id = `${s.dev}:${s.ino}`;
        const first = firstOfInode.get(id);
        if (first === undefined) firstOfInode.set(id, path);
        else link = first;
      }
      // A hash the caller vouches for at this inode state (a platform's record of the file) saves the read.
      lines.push(`${path}\0F\0${mode}\0${s.size}\0${link ? `=${link}` : (e.hash?.(s) ?? hashFile(source, buf))}\0${owner}`);
    } else lines.push(`${path}\0X\0${Number(s.mode)}`);
  }
  for (const e of entries) if ("literal" in e) lines.push(`${e.literal.path}\0L\0${literalIdentity(e.literal)}`);
  lines.sort();
  const h = createHash("sha256");
  h.update(`${LAYER_FORMAT} content\n${JSON.stringify(settings)}\n`);
  for (const l of lines) h.update(`${l}\n`);
  return h.digest("hex");
}

function hashFile(path: string, buf: Buffer): string {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (e) {
    throw new UnphasedError("LAYERS_DIR", `cannot read ${path}: ${(e as Error).message}`, { cause: e });
  }
  try {
    const h = createHash("sha256");
    for (let n = readSync(fd, buf, 0, buf.length, null); n > 0; n = readSync(fd, buf, 0, buf.length, null)) h.update(buf.subarray(0, n));
    return h.digest("hex");
  } finally {
    closeSync(fd);
  }
}
