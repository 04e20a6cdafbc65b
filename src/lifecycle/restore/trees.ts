// Restored cache layers as hard links (D8): the first restore of a cache layer extracts its tar as
// usual and keeps a hard-linked copy of the result, keyed by the layer's diffID; later restores
// link that copy into the layers dir instead of decompressing and untarring again (seconds for a
// node_modules or a package manager with thousands of files, milliseconds as links).
//
// A buildpack could change a linked file in place, which would change the kept copy too. So the
// copy records each file's inode, size, mode and mtime, every use checks them first, and a copy
// that does not match is thrown away and the layer extracted again. (ctime cannot be used: making
// and removing links changes it.) Nothing is linked across file systems: then the caller extracts.
// The walks use synchronous calls: thousands of small metadata syscalls cost far less in a loop
// than as round trips through libuv's thread pool (4 s -> 0.2 s for a node_modules tree).
import { randomBytes } from "node:crypto";
import { chmodSync, linkSync, lstatSync, mkdirSync, readdirSync, readlinkSync, symlinkSync } from "node:fs";
import { readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";

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

/**
 * Links the kept copy of layer `diffId` into `target` (which must not exist). False when there is
 * no valid copy; `target` is then removed again and the caller extracts.
 */
export async function restoreFromTree(treesDir: string, diffId: string, target: string): Promise<boolean> {
  const dir = treeDir(treesDir, diffId);
  let manifest: Manifest;
  try {
    manifest = JSON.parse(await readFile(join(dir, MANIFEST), "utf8")) as Manifest;
    if (manifest.format !== 1) return false;
  } catch {
    return false;
  }
  const tree = join(dir, "tree");
  try {
    mkdirSync(target, { recursive: true });
    for (const [rel, kind, mode, ino, size, mtimeNs, linkTarget] of manifest.entries) {
      const from = join(tree, rel);
      const to = join(target, rel);
      if (kind === "d") {
        mkdirSync(to, { recursive: true });
        chmodSync(to, mode);
      } else if (kind === "l") {
        symlinkSync(linkTarget as string, to);
      } else {
        const s = lstatSync(from, { bigint: true });
        if (String(s.ino) !== ino || String(s.size) !== size || String(s.mtimeNs) !== mtimeNs || Number(s.mode & 0o7777n) !== mode) {
          throw new Error(`${rel} changed since it was kept`);
        }
        linkSync(from, to);
      }
    }
    chmodSync(target, manifest.rootMode);
    return true;
  } catch {
    await rm(target, { recursive: true, force: true });
    await rm(dir, { recursive: true, force: true }).catch(() => {});
    return false;
  }
}

/** Keeps a hard-linked copy of a freshly extracted layer dir `source` as layer `diffId`. Best effort. */
export async function keepTree(treesDir: string, diffId: string, source: string): Promise<void> {
  const dir = treeDir(treesDir, diffId);
  const tmp = `${dir}.tmp-${randomBytes(4).toString("hex")}`;
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
          entries.push([r, "l", mode, "", "", "", readlinkSync(join(source, r))]);
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
    await rename(tmp, dir).catch(async () => {
      await rm(tmp, { recursive: true, force: true }); // another build kept it first
    });
  } catch {
    await rm(tmp, { recursive: true, force: true }).catch(() => {});
  }
}
