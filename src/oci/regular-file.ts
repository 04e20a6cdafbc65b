// Local files paketo reads as input (a layout's oci-layout, index.json and blobs, an archive) are
// untrusted: any of them may be a symlink to /dev/zero, a fifo, a directory. They are opened
// without blocking (O_NONBLOCK: opening a fifo does not wait for a writer), checked on the opened
// descriptor (so nothing can be swapped in between), and read with a cap, never to the end.
import { constants, type Stats } from "node:fs";
import { type FileHandle, open } from "node:fs/promises";
import { OciError, type OciErrorCode } from "./errors.js";

const FLAGS = constants.O_RDONLY | constants.O_NONBLOCK;

export interface OpenedFile {
  fh: FileHandle;
  size: number;
}

/** How a file is named in errors, and the code a file that is not a regular file fails with. */
export interface FileContext {
  /** `OCI layout /x: index.json`. */
  what: string;
  code: OciErrorCode;
}

function kind(st: Stats): string {
  if (st.isDirectory()) return "a directory";
  if (st.isFIFO()) return "a fifo";
  if (st.isCharacterDevice()) return "a character device";
  if (st.isBlockDevice()) return "a block device";
  if (st.isSocket()) return "a socket";
  return "not a regular file";
}

/**
 * Opens a regular file for reading (symlinks to one are followed). Anything else is refused with
 * `ctx.code`; a failure to open (ENOENT, EACCES) is thrown as it is, for the caller to word.
 */
export async function openRegularFile(path: string, ctx: FileContext): Promise<OpenedFile> {
  const fh = await open(path, FLAGS);
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw new OciError(ctx.code, `${ctx.what} is ${kind(st)}, not a regular file (${path})`);
    return { fh, size: st.size };
  } catch (e) {
    await fh.close();
    throw e;
  }
}

/**
 * Reads a regular file of at most `max` bytes whole. A bigger file is refused before any of it is
 * read; one that grows meanwhile is read only up to the size it had.
 */
export async function readRegularFile(path: string, max: number, ctx: FileContext): Promise<Buffer> {
  const { fh, size } = await openRegularFile(path, ctx);
  try {
    if (size > max) {
      throw new OciError("OCI_LIMIT_EXCEEDED", `${ctx.what} is ${size} bytes, over the ${max} byte limit (${path})`);
    }
    const buf = Buffer.allocUnsafe(size);
    let n = 0;
    while (n < size) {
      const { bytesRead } = await fh.read(buf, n, size - n, n);
      if (bytesRead === 0) break;
      n += bytesRead;
    }
    return buf.subarray(0, n);
  } finally {
    await fh.close();
  }
}
