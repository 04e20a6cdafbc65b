// Where the shipped stack definition and its lock are.
import { fileURLToPath } from "node:url";

/** The shipped default stack file (stacks/trixie.toml at the root of the paketo package). */
export function defaultStackFile(): string {
  return fileURLToPath(new URL("../../stacks/trixie.toml", import.meta.url));
}

/** A stack file's lock: `trixie.toml` → `trixie.lock.toml` beside it. */
export function defaultLockPath(stackFile: string): string {
  return stackFile.replace(/(\.toml)?$/, ".lock.toml");
}
