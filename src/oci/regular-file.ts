// Local files paketo reads as input (a layout's oci-layout, index.json and blobs, an archive) are
// untrusted: any of them may be a symlink to /dev/zero, a fifo, a directory. They are opened
// through src/fs (non-blocking, checked on the opened descriptor, read with a cap, never to the
// end); this names the refusals as OciErrors.
import type { FileHandle } from "node:fs/promises";
import * as fs from "../fs/index.js";
import { OciError, type OciErrorCode } from "./errors.js";

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

function refusal(e: unknown, ctx: FileContext, max?: number): unknown {
  if (!(e instanceof fs.ReadRefusedError)) return e;
  if (e.why === "too-large") {
    return new OciError("OCI_LIMIT_EXCEEDED", `${ctx.what} is ${e.size} bytes, over the ${max} byte limit (${e.path})`);
  }
  return new OciError(ctx.code, `${ctx.what} is ${e.found ?? "not a regular file"}, not a regular file (${e.path})`);
}

/** Opens a regular file (symlinks to one are followed); undefined when there is none. The caller closes `fh`. */
export async function openRegularFile(path: string, ctx: FileContext): Promise<OpenedFile | undefined> {
  try {
    return await fs.openRegularFile(path);
  } catch (e) {
    throw refusal(e, ctx);
  }
}

/** Reads a regular file of at most `max` bytes whole (a bigger one is refused unread); undefined when there is none. */
export async function readRegularFile(path: string, max: number, ctx: FileContext): Promise<Buffer | undefined> {
  try {
    return await fs.readRegularFile(path, { maxBytes: max });
  } catch (e) {
    throw refusal(e, ctx, max);
  }
}
