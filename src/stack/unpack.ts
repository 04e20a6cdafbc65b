// Installing .debs into a staging root the way dpkg would, minus the maintainer scripts: each
// package's data unpacked (merged-/usr links followed inside the root), then its dpkg status entry.
//
// Unpacking is waiting (on xz, on the file system), so packages unpack several at a time, each
// into a folder of its own, and are then moved into the root one by one in a fixed order (renames:
// cheap), which keeps the result independent of which unpack finished first.
import { lstatSync, readdirSync, renameSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { debian } from "../deps/index.js";
import { StackError } from "./errors.js";
import { filterMd5sums } from "./paths.js";
import type { Rootfs } from "./staging-rootfs.js";

export interface UnpackOptions {
  /** Which package paths go into the image (`usr/share/doc/x/copyright`, no leading `/`). */
  include: (path: string) => boolean;
  /** Where packages unpack before they are moved into the root (default: beside the root). */
  scratchDir?: string;
  /** Packages unpacking at once (default 4). */
  concurrency?: number;
  decompressors?: debian.Decompressors;
  signal?: AbortSignal;
}

interface Unpacked {
  pkg: debian.LockedPackage;
  dir: string;
  control: debian.DebControl;
  /** Folder modes and non-root owners the archive gave, by path inside the package. */
  dirModes: Array<[string, number]>;
  owners: Array<{ path: string; uid: number; gid: number }>;
}

/**
 * Unpacks every package into the root, base-files first (it carries the `bin -> usr/bin` links
 * the others are unpacked through), then by name, and writes `var/lib/dpkg/status.d/<name>` and
 * `<name>.md5sums` (listing only the files kept) for each. Owners and folder modes from the
 * archives are recorded on the Rootfs, not applied to disk.
 */
export async function unpackPackages(root: Rootfs, debs: readonly debian.CachedPackage[], opts: UnpackOptions): Promise<void> {
  const ordered = [...debs].sort((a, b) => rank(a.pkg.name) - rank(b.pkg.name) || (a.pkg.name < b.pkg.name ? -1 : a.pkg.name > b.pkg.name ? 1 : 0));
  const scratch = opts.scratchDir ?? `${root.dir}.unpack`;
  const window = Math.max(1, opts.concurrency ?? 4);
  const started: Array<Promise<Unpacked>> = [];
  const start = (i: number) => {
    const d = ordered[i];
    if (d && !started[i]) {
      const p = unpackOne(d, join(scratch, String(i)), opts);
      p.catch(() => {}); // awaited in order below; an early failure must not go unhandled meanwhile
      started[i] = p;
    }
  };
  try {
    for (let i = 0; i < ordered.length; i++) {
      for (let j = i; j < i + window; j++) start(j);
      opts.signal?.throwIfAborted();
      const u = await (started[i] as Promise<Unpacked>);
      mergeInto(root, u.dir, "");
      for (const [p, mode] of u.dirModes) root.noteDirMode(p, mode);
      for (const o of u.owners) root.setOwner(o.path, o.uid, o.gid);
      for (const f of debian.statusFiles({ control: u.control.control, md5sums: filterMd5sums(u.control.md5sums, opts.include) })) {
        root.writeFile(f.path, f.content, f.mode);
      }
      rmSync(u.dir, { recursive: true, force: true });
    }
  } finally {
    await Promise.allSettled(started);
    rmSync(scratch, { recursive: true, force: true });
  }
}

async function unpackOne({ pkg, path }: debian.CachedPackage, dir: string, opts: UnpackOptions): Promise<Unpacked> {
  const what = `${pkg.name}_${pkg.version}_${pkg.architecture}.deb`;
  const deb = await debian.openDeb(path, { what, ...(opts.decompressors ? { decompressors: opts.decompressors } : {}) });
  const control = await deb.readControl();
  const name = control.fields.get("Package");
  const version = control.fields.get("Version");
  if (name !== pkg.name || version !== pkg.version) {
    throw new StackError("STACK_ASSEMBLY", `${what} says it is ${name} ${version}, not ${pkg.name} ${pkg.version}`, {
      hint: "the cache or the lock is inconsistent; re-resolve with --update",
    });
  }
  const u: Unpacked = { pkg, dir, control, dirModes: [], owners: [] };
  await deb.extractData(dir, {
    what,
    parentSymlinks: "inside",
    whiteouts: "keep", // `.wh.` names in a package are ordinary files
    keepSetuid: true,
    mtime: "now", // every layer entry gets one fixed time anyway
    onEntry: (e) => {
      const p = normalize(e.name);
      if (p === "") return undefined;
      if (!opts.include(p)) return false;
      if (e.type === "link" && e.linkname !== undefined && !opts.include(normalize(e.linkname))) return false;
      if (e.type === "directory") u.dirModes.push([p, e.mode & 0o7777]);
      if (e.uid !== 0 || e.gid !== 0) u.owners.push({ path: p, uid: e.uid, gid: e.gid });
      return undefined;
    },
  });
  return u;
}

/**
 * Moves a package's unpacked tree into the root. Folders of the root are kept (a symbolic link to
 * a folder counts as one, as dpkg follows `lib -> usr/lib`); anything else at a path is replaced
 * by what the package has there. A folder the root lacks moves over whole.
 */
function mergeInto(root: Rootfs, from: string, rel: string): void {
  for (const name of readdirSync(rel ? join(from, rel) : from)) {
    const r = rel ? `${rel}/${name}` : name;
    const src = join(from, r);
    const dest = root.abs(root.resolve(r));
    const existing = lstatOrUndefined(dest);
    if (existing && lstatSync(src).isDirectory() && (existing.isDirectory() || (existing.isSymbolicLink() && isDir(root.abs(root.realpath(r)))))) {
      mergeInto(root, from, r);
      continue;
    }
    if (existing) rmSync(dest, { recursive: true, force: true });
    renameSync(src, dest);
  }
}

function lstatOrUndefined(p: string): ReturnType<typeof lstatSync> | undefined {
  try {
    return lstatSync(p);
  } catch {
    return undefined;
  }
}

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

function rank(name: string): number {
  return name === "base-files" ? 0 : 1;
}

/** `./usr/bin/` → `usr/bin`. */
function normalize(name: string): string {
  return name.replace(/^(\.\/|\/)+/, "").replace(/\/+$/, "").replace(/^\.$/, "");
}
