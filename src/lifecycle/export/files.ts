// Reading what buildpacks left in the layers dir. Buildpacks are untrusted (with `--sandbox none`
// they write the host's files directly), so a spec file is read only when it is a regular file:
// a `<layer>.toml` that is a symlink to /etc/shadow must not end up in an image label.
import { constants } from "node:fs";
import { lstat, open, readdir, rename, rm, writeFile } from "node:fs/promises";
import { randomUUID } from "node:crypto";
import { dirname, join } from "node:path";
import { ExportError } from "./errors.js";

/** Spec files are small; anything bigger is refused rather than read into memory. */
export const MAX_SPEC_FILE_BYTES = 16 << 20;

/**
 * The text of a spec file, or undefined when there is none. A symlink, a directory or another
 * non-regular file where the spec expects a file is an error, as is a file over 16 MiB.
 */
export async function readSpecFile(path: string): Promise<string | undefined> {
  let fh;
  try {
    fh = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return undefined;
    if (code === "ELOOP") throw new ExportError("EXPORT_LAYERS_DIR", `${path} is a symlink; the lifecycle reads only regular files there`, { cause: e });
    throw new ExportError("EXPORT_LAYERS_DIR", `cannot read ${path}: ${(e as Error).message}`, { cause: e });
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw new ExportError("EXPORT_LAYERS_DIR", `${path} is not a regular file`);
    if (st.size > MAX_SPEC_FILE_BYTES) throw new ExportError("EXPORT_LAYERS_DIR", `${path} is ${st.size} bytes, over the ${MAX_SPEC_FILE_BYTES} byte limit for lifecycle files`);
    return await fh.readFile("utf8");
  } finally {
    await fh.close();
  }
}

/** What is at a path, without following a symlink there. */
export async function kindOf(path: string): Promise<"missing" | "dir" | "file" | "symlink" | "other"> {
  try {
    const st = await lstat(path);
    if (st.isDirectory()) return "dir";
    if (st.isFile()) return "file";
    if (st.isSymbolicLink()) return "symlink";
    return "other";
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return "missing";
    throw new ExportError("EXPORT_LAYERS_DIR", `cannot read ${path}: ${(e as Error).message}`, { cause: e });
  }
}

/**
 * Whether `root/parts...` is a directory reached without a symlink on the way ("missing" when
 * some component does not exist). A symlink or a file there is refused: the lifecycle must not
 * read or write anything out of the layers dir through a link a buildpack made.
 */
export async function realDir(root: string, ...parts: string[]): Promise<"dir" | "missing"> {
  let path = root;
  for (const part of parts) {
    path = join(path, part);
    const k = await kindOf(path);
    if (k === "missing") return "missing";
    if (k !== "dir") {
      throw new ExportError("EXPORT_LAYER_SYMLINK", `${path} is ${k === "symlink" ? "a symlink" : "not a directory"}; the lifecycle expects a directory there`);
    }
  }
  return "dir";
}

/** Names in a directory, sorted bytewise; [] when it does not exist. */
export async function listDir(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return [];
    throw new ExportError("EXPORT_LAYERS_DIR", `cannot list ${dir}: ${(e as Error).message}`, { cause: e });
  }
}

/** Replaces `path` by a complete file holding `data` (temp file + rename in the same folder). */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const tmp = join(dirname(path), `.${randomUUID()}.tmp`);
  try {
    await writeFile(tmp, data, { flag: "wx" });
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}
