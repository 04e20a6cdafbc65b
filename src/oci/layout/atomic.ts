import { type FileHandle, mkdir, open, rename, rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import { privatePaths } from "./paths.js";
import { tempName } from "./owner.js";

/**
 * Crash safety rests on one rule: a file only appears under its final name by an atomic rename
 * of a complete, fsync'd temp file on the same filesystem. A killed process leaves at worst a
 * temp file in `.paketo/tmp/`, which prune removes.
 */

/** Creates a fresh temp file in the layout's private tmp dir. */
export async function createTemp(root: string): Promise<{ path: string; fh: FileHandle }> {
  const dir = privatePaths(root).tmp;
  for (let attempt = 0; ; attempt++) {
    const path = join(dir, tempName());
    try {
      return { path, fh: await open(path, "wx", 0o644) };
    } catch (e) {
      // The dir may be missing, or removed by a writer tidying up at the same moment.
      if ((e as NodeJS.ErrnoException).code !== "ENOENT" || attempt >= 5) throw e;
      await mkdir(dir, { recursive: true });
    }
  }
}

/** Flushes a directory, so renames into it survive a power cut. */
export async function fsyncDir(dir: string): Promise<void> {
  let fh: FileHandle | undefined;
  try {
    fh = await open(dir, "r");
    await fh.sync();
  } catch (e) {
    // Some filesystems refuse to fsync a directory; the rename is still atomic.
    if (!["EINVAL", "EISDIR", "EPERM", "EBADF"].includes((e as NodeJS.ErrnoException).code ?? "")) throw e;
  } finally {
    await fh?.close();
  }
}

/** Writes `data` to `dest` so that readers see either the old file or the whole new one. */
export async function writeFileAtomic(root: string, dest: string, data: Uint8Array): Promise<void> {
  const { path, fh } = await createTemp(root);
  try {
    await fh.writeFile(data);
    await fh.sync();
    await fh.close();
    await rename(path, dest);
  } catch (e) {
    await fh.close().catch(() => {});
    await rm(path, { force: true });
    throw e;
  }
  await fsyncDir(dirname(dest));
}
