// A layout's writes follow src/fs's rule (a complete, fsync'd temp renamed into place); the temps
// live in the layout's private tmp dir, so prune can find what a killed writer left.
import { type FileHandle } from "node:fs/promises";
import { createTemp as createTempIn, writeFileAtomic as writeAtomic } from "../../fs/index.js";
import { privatePaths } from "./paths.js";

export { fsyncDir } from "../../fs/index.js";

/** Creates a fresh temp file in the layout's private tmp dir. */
export function createTemp(root: string): Promise<{ path: string; fh: FileHandle }> {
  return createTempIn(privatePaths(root).tmp);
}

/** Writes `data` to `dest` (inside layout `root`) so that readers see either the old file or the whole new one. */
export function writeFileAtomic(root: string, dest: string, data: Uint8Array): Promise<void> {
  return writeAtomic(dest, data, { durable: true, tmpDir: privatePaths(root).tmp });
}
