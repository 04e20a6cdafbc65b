// Questions about paths that many modules ask, answered once: does it exist, what kind of entry
// is it (without following a final symlink), and its bytes when it is a regular file of bounded
// size (never a device, a FIFO or a link elsewhere).
import { constants } from "node:fs";
import { lstat, open, stat } from "node:fs/promises";

/** Whether something exists at `path`, following symlinks (a dangling link does not exist). */
export async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** What is at a path, without following a final symlink. */
export type EntryKind = "missing" | "dir" | "file" | "symlink" | "other";

/** The kind of entry at `path`; "missing" also when a parent is not a directory. Other errors throw. */
export async function entryKind(path: string): Promise<EntryKind> {
  try {
    const s = await lstat(path);
    return s.isDirectory() ? "dir" : s.isFile() ? "file" : s.isSymbolicLink() ? "symlink" : "other";
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return "missing";
    throw e;
  }
}

/** Why readRegularFile refused a path. */
export type ReadRefusal = "symlink" | "not-a-file" | "too-large";

export class ReadRefusedError extends Error {
  constructor(
    readonly path: string,
    readonly why: ReadRefusal,
    readonly size?: number,
  ) {
    super(why === "symlink" ? `${path} is a symlink` : why === "not-a-file" ? `${path} is not a regular file` : `${path} is ${size} bytes, over the limit`);
    this.name = "ReadRefusedError";
  }
}

/**
 * The bytes of a regular file, or undefined when there is none. The kind and size are checked on
 * the opened descriptor (so a swap between check and read cannot fool it); the file is opened
 * non-blocking, so a FIFO never hangs the reader. `followSymlinks: false` refuses a final symlink.
 */
export async function readRegularFile(path: string, opts: { maxBytes: number; followSymlinks?: boolean }): Promise<Buffer | undefined> {
  const flags = constants.O_RDONLY | constants.O_NONBLOCK | (opts.followSymlinks === false ? constants.O_NOFOLLOW : 0);
  let fh;
  try {
    fh = await open(path, flags);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return undefined;
    if (code === "ELOOP" && opts.followSymlinks === false) throw new ReadRefusedError(path, "symlink");
    throw e;
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw new ReadRefusedError(path, "not-a-file");
    if (st.size > opts.maxBytes) throw new ReadRefusedError(path, "too-large", st.size);
    const buf = Buffer.alloc(st.size);
    let off = 0;
    while (off < st.size) {
      const { bytesRead } = await fh.read(buf, off, st.size - off, off);
      if (bytesRead === 0) break;
      off += bytesRead;
    }
    // A file that grew since the stat is read up to its size then; one that shrank, as it is.
    return off === st.size ? buf : buf.subarray(0, off);
  } finally {
    await fh.close();
  }
}
