// Questions about paths that many modules ask, answered once: does it exist, what kind of entry
// is it (without following a final symlink), and its bytes when it is a regular file of bounded
// size (never a device, a FIFO or a link elsewhere).
import { constants, type Stats } from "node:fs";
import { type FileHandle, lstat, open, stat } from "node:fs/promises";

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
    /** For "not-a-file": what is there instead ("a fifo", "a character device", "a directory"...). */
    readonly found?: string,
  ) {
    super(
      why === "symlink"
        ? `${path} is a symlink`
        : why === "not-a-file"
          ? `${path} is ${found ?? "something other than a regular file"}, not a regular file`
          : `${path} is ${size} bytes, over the limit`,
    );
    this.name = "ReadRefusedError";
  }
}

function described(st: Stats): string {
  if (st.isDirectory()) return "a directory";
  if (st.isFIFO()) return "a fifo";
  if (st.isCharacterDevice()) return "a character device";
  if (st.isBlockDevice()) return "a block device";
  if (st.isSocket()) return "a socket";
  return "something other than a regular file";
}

/**
 * Opens a regular file for reading, or undefined when there is none. The kind is checked on the
 * opened descriptor (so a swap between check and read cannot fool it), and the file is opened
 * non-blocking, so a FIFO never hangs the reader; anything but a regular file is a
 * ReadRefusedError. `followSymlinks: false` refuses a final symlink. The caller closes `fh`.
 */
export async function openRegularFile(path: string, opts: { followSymlinks?: boolean } = {}): Promise<{ fh: FileHandle; size: number } | undefined> {
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
    if (!st.isFile()) throw new ReadRefusedError(path, "not-a-file", undefined, described(st));
    return { fh, size: st.size };
  } catch (e) {
    await fh.close();
    throw e;
  }
}

/**
 * The bytes of a regular file (see openRegularFile), or undefined when there is none. A file over
 * `maxBytes` is refused before any of it is read.
 */
export async function readRegularFile(path: string, opts: { maxBytes: number; followSymlinks?: boolean }): Promise<Buffer | undefined> {
  const opened = await openRegularFile(path, opts);
  if (!opened) return undefined;
  const { fh, size } = opened;
  try {
    if (size > opts.maxBytes) throw new ReadRefusedError(path, "too-large", size);
    const buf = Buffer.alloc(size);
    let off = 0;
    while (off < size) {
      const { bytesRead } = await fh.read(buf, off, size - off, off);
      if (bytesRead === 0) break;
      off += bytesRead;
    }
    // A file that grew since the stat is read up to its size then; one that shrank, as it is.
    return off === size ? buf : buf.subarray(0, off);
  } finally {
    await fh.close();
  }
}
