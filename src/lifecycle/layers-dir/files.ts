// Reading what buildpacks left in the layers dir. Buildpacks are untrusted (with `--sandbox none`
// they write the host's files directly), so a spec file is read only when it is a regular file:
// a `<layer>.toml` that is a symlink to /etc/shadow must not end up in an image label.
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { type EntryKind, entryKind, ReadRefusedError, readRegularFile } from "../../fs/index.js";
import { UnphasedError } from "../errors.js";

/** Spec files are small; anything bigger is refused rather than read into memory. */
export const MAX_SPEC_FILE_BYTES = 16 << 20;

/**
 * The text of a spec file, or undefined when there is none. A symlink, a directory or another
 * non-regular file where the spec expects a file is an error, as is a file over 16 MiB.
 */
export async function readSpecFile(path: string): Promise<string | undefined> {
  try {
    return (await readRegularFile(path, { maxBytes: MAX_SPEC_FILE_BYTES, followSymlinks: false }))?.toString("utf8");
  } catch (e) {
    if (e instanceof ReadRefusedError) {
      const why =
        e.why === "symlink"
          ? "is a symlink; the lifecycle reads only regular files there"
          : e.why === "not-a-file"
            ? "is not a regular file"
            : `is ${e.size} bytes, over the ${MAX_SPEC_FILE_BYTES} byte limit for lifecycle files`;
      throw new UnphasedError("LAYERS_DIR", `${path} ${why}`, { cause: e });
    }
    throw new UnphasedError("LAYERS_DIR", `cannot read ${path}: ${(e as Error).message}`, { cause: e });
  }
}

/** What is at a path, without following a symlink there. */
export async function kindOf(path: string): Promise<EntryKind> {
  try {
    return await entryKind(path);
  } catch (e) {
    throw new UnphasedError("LAYERS_DIR", `cannot read ${path}: ${(e as Error).message}`, { cause: e });
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
      throw new UnphasedError("LAYER_SYMLINK", `${path} is ${k === "symlink" ? "a symlink" : "not a directory"}; the lifecycle expects a directory there`);
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
    throw new UnphasedError("LAYERS_DIR", `cannot list ${dir}: ${(e as Error).message}`, { cause: e });
  }
}
