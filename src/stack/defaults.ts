// Where the shipped stack definition, its lock and the layer cache are.
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The shipped default stack file (stacks/trixie.toml at the root of the paketo package). */
export function defaultStackFile(): string {
  return fileURLToPath(new URL("../../stacks/trixie.toml", import.meta.url));
}

/** A stack file's lock: `trixie.toml` → `trixie.lock.toml` beside it. */
export function defaultLockPath(stackFile: string): string {
  return stackFile.replace(/(\.toml)?$/, ".lock.toml");
}

/** The layer cache beside the Debian download cache: `<cache>/paketo/stack`. */
export function defaultLayerCacheDir(debCacheDir: string): string {
  return join(dirname(debCacheDir), "stack");
}
