// Crash safety rests on one rule: a file or folder appears under its final name only by an atomic
// rename of a complete temp made beside it (same filesystem). A killed process leaves at worst a
// temp named by temp.ts, which its owner's next tidy-up removes.
import { closeSync, openSync, writeSync } from "node:fs";
import { type FileHandle, mkdir, open, rename, rm } from "node:fs/promises";
import { dirname } from "node:path";
import { tempPath } from "./temp.js";

export interface AtomicWriteOptions {
  /** File mode (default 0644 less the umask). */
  mode?: number;
  /**
   * fsync the file and its folder, so the write survives a power cut (content-addressed stores,
   * lockfiles). Off for caches that are only ever a speed-up.
   */
  durable?: boolean;
  /** Where the temp file is made (default: the destination's folder); must be the same filesystem. */
  tmpDir?: string;
}

/** Creates a fresh temp file in `dir` (made when missing), open for writing. */
export async function createTemp(dir: string, mode = 0o644): Promise<{ path: string; fh: FileHandle }> {
  for (let attempt = 0; ; attempt++) {
    const path = tempPath(dir);
    try {
      return { path, fh: await open(path, "wx", mode) };
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

/** Replaces `path` by a complete file holding `data`: readers see the old file or the whole new one. */
export async function writeFileAtomic(path: string, data: string | Uint8Array, opts: AtomicWriteOptions = {}): Promise<void> {
  const { path: tmp, fh } = await createTemp(opts.tmpDir ?? dirname(path), opts.mode);
  try {
    await fh.writeFile(data);
    if (opts.mode !== undefined) await fh.chmod(opts.mode);
    if (opts.durable) await fh.sync();
    await fh.close();
    await rename(tmp, path);
  } catch (e) {
    await fh.close().catch(() => {});
    await rm(tmp, { force: true });
    throw e;
  }
  if (opts.durable) await fsyncDir(dirname(path));
}

/**
 * Fills a temp path beside `dest` with `fill` (a download, a copy, a compiler's output), then
 * renames it into place. On any failure the temp is removed and `dest` is as it was. `fill` must
 * have closed what it wrote before it settles.
 */
export async function writeFileAtomicWith<T>(dest: string, fill: (tmp: string) => Promise<T>): Promise<T> {
  const tmp = tempPath(dirname(dest));
  try {
    const r = await fill(tmp);
    await rename(tmp, dest);
    return r;
  } finally {
    await rm(tmp, { force: true, recursive: true });
  }
}

/**
 * Writes `lines` (each ending in its own `\n`) to `dest` atomically, in pieces of about 1 MiB:
 * no string of the whole file is ever made, for indexes of hundreds of thousands of entries.
 */
export async function writeLinesAtomic(dest: string, lines: Iterable<string>): Promise<void> {
  await mkdir(dirname(dest), { recursive: true });
  await writeFileAtomicWith(dest, async (tmp) => {
    const fd = openSync(tmp, "wx", 0o644);
    try {
      let piece = "";
      for (const line of lines) {
        piece += line;
        if (piece.length >= 1 << 20) {
          writeSync(fd, piece);
          piece = "";
        }
      }
      writeSync(fd, piece);
    } finally {
      closeSync(fd);
    }
  });
}

/**
 * Moves a finished temp folder (or file) to `dest`. When another writer got there first (the
 * destination is a non-empty folder), theirs is kept and `tmp` removed: for content-addressed
 * caches both hold the same thing. Returns whether `tmp` became `dest`.
 */
export async function publish(tmp: string, dest: string): Promise<boolean> {
  try {
    await rename(tmp, dest);
    return true;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== "ENOTEMPTY" && code !== "EEXIST") throw e;
    await rm(tmp, { recursive: true, force: true });
    return false;
  }
}
