// Restored cache layers without untarring (D8): the first restore of a cache layer extracts its tar
// as usual and keeps a hard-linked copy of the result, keyed by the layer's diffID. A later restore
// lends that copy to the build: one rename into the layers dir, instead of decompressing and
// untarring thousands of files again. After the build, a layer that is still exactly as lent is
// renamed back (`returnTrees`); one the build changed or removed is simply not kept. A layer the
// build wrote is kept the same way when the cache is saved (../cache/save.ts): then even the first
// restore after it untars nothing.
//
// The copy records each file's inode, size, mode and mtime; lending and taking back check them
// (lstat only: reads, cheap even when the disk is busy), so a copy that anything changed in place
// is thrown away and the layer extracted again. (ctime cannot be used: making and removing links
// changes it.) Nothing is linked across file systems: then the caller just extracts.
// The walks use synchronous calls: thousands of small metadata syscalls cost far less in a loop
// than as round trips through libuv's thread pool.
import { linkSync, lstatSync, mkdirSync, readdirSync, readlinkSync, symlinkSync } from "node:fs";
import { mkdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { publish, tempPath } from "../../fs/index.js";

type Entry = [rel: string, kind: "d" | "f" | "l", mode: number, ino: string, size: string, mtimeNs: string, target?: string];

interface Manifest {
  format: 1;
  /** The layer dir's own mode (extraction gives it the mode the tar says). */
  rootMode: number;
  entries: Entry[];
}

const MANIFEST = "manifest.json";

function treeDir(treesDir: string, diffId: string): string {
  return join(treesDir, diffId.replace(/^sha256:/, ""));
}

/** Whether the files under `dir` are exactly the manifest's (same names, kinds, inodes, sizes, modes, mtimes). */
function matches(dir: string, manifest: Manifest): boolean {
  const want = new Map(manifest.entries.map((e) => [e[0], e]));
  let seen = 0;
  const walk = (rel: string): boolean => {
    for (const name of readdirSync(join(dir, rel))) {
      const r = rel === "" ? name : `${rel}/${name}`;
      const e = want.get(r);
      if (!e) return false;
      seen++;
      const s = lstatSync(join(dir, r), { bigint: true });
      if (Number(s.mode & 0o7777n) !== e[2] && e[1] !== "l") return false;
      if (e[1] === "d") {
        if (!s.isDirectory() || !walk(r)) return false;
      } else if (e[1] === "l") {
        if (!s.isSymbolicLink() || readlinkSync(join(dir, r)) !== e[6]) return false;
      } else if (!s.isFile() || String(s.ino) !== e[3] || String(s.size) !== e[4] || String(s.mtimeNs) !== e[5]) return false;
    }
    return true;
  };
  try {
    return walk("") && seen === manifest.entries.length && Number(lstatSync(dir, { bigint: true }).mode & 0o7777n) === manifest.rootMode;
  } catch {
    return false;
  }
}

async function readManifest(dir: string): Promise<Manifest | undefined> {
  try {
    const m = JSON.parse(await readFile(join(dir, MANIFEST), "utf8")) as Manifest;
    return m.format === 1 ? m : undefined;
  } catch {
    return undefined;
  }
}

/** A layer lent to a build, to be given back after it. */
export interface Lent {
  diffId: string;
  dir: string;
}

/**
 * Moves the kept copy of layer `diffId` to `target` (which must not exist). False when there is no
 * valid copy (or another build has it): the caller extracts.
 */
export async function restoreFromTree(treesDir: string, diffId: string, target: string): Promise<boolean> {
  const dir = treeDir(treesDir, diffId);
  const manifest = await readManifest(dir);
  if (!manifest) return false;
  const tree = join(dir, "tree");
  if (!(await stat(tree).catch(() => undefined))) return false; // lent to another build right now
  if (!matches(tree, manifest)) {
    await rm(dir, { recursive: true, force: true }).catch(() => {});
    return false;
  }
  await mkdir(dirname(target), { recursive: true });
  return rename(tree, target).then(
    () => true,
    () => false, // lent to a concurrent build a moment ago
  );
}

/** Renames lent layers that the build left exactly as they were back into the kept copies. */
export async function returnTrees(treesDir: string, lent: readonly Lent[]): Promise<number> {
  let back = 0;
  for (const l of lent) {
    const dir = treeDir(treesDir, l.diffId);
    const manifest = await readManifest(dir);
    if (!manifest || !matches(l.dir, manifest)) continue;
    if (await rename(l.dir, join(dir, "tree")).then(() => true, () => false)) back++;
  }
  return back;
}

/**
 * Keeps a hard-linked copy of layer dir `source` (freshly extracted, or as the build that made
 * layer `diffId` left it) as layer `diffId`, unless a copy is kept (or lent) already. Best effort.
 */
export async function keepTree(treesDir: string, diffId: string, source: string): Promise<void> {
  const dir = treeDir(treesDir, diffId);
  if (await stat(join(dir, MANIFEST)).then(() => true, () => false)) return;
  const tmp = tempPath(dirname(dir));
  try {
    const entries: Entry[] = [];
    const walk = (rel: string): void => {
      for (const name of readdirSync(join(source, rel)).sort()) {
        const r = rel === "" ? name : `${rel}/${name}`;
        const s = lstatSync(join(source, r), { bigint: true });
        const mode = Number(s.mode & 0o7777n);
        if (s.isDirectory()) {
          entries.push([r, "d", mode, "", "", ""]);
          mkdirSync(join(tmp, "tree", r));
          walk(r);
        } else if (s.isSymbolicLink()) {
          const target = readlinkSync(join(source, r));
          symlinkSync(target, join(tmp, "tree", r));
          entries.push([r, "l", mode, "", "", "", target]);
        } else if (s.isFile()) {
          linkSync(join(source, r), join(tmp, "tree", r));
          entries.push([r, "f", mode, String(s.ino), String(s.size), String(s.mtimeNs)]);
        } else {
          throw new Error(`${r} is not a file, directory or symlink`);
        }
      }
    };
    mkdirSync(join(tmp, "tree"), { recursive: true });
    walk("");
    const rootMode = Number(lstatSync(source, { bigint: true }).mode & 0o7777n);
    await writeFile(join(tmp, MANIFEST), JSON.stringify({ format: 1, rootMode, entries } satisfies Manifest));
    await publish(tmp, dir); // another build may have kept it first: theirs stays
  } catch {
    await rm(tmp, { recursive: true, force: true }).catch(() => {});
  }
}
