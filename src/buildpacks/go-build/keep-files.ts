// Removing the app source once the binaries are built, except what BP_KEEP_FILES names
// (common/source-removal.ts). (Paketo keeps a matched directory but empties it unless the glob
// ends in `/*`; `public` here means the folder and its files.)
import { globList, removeSource as remove } from "../common/source-removal.js";
import type { Env } from "../go-common/index.js";

/** Removes everything under `appDir` no BP_KEEP_FILES glob keeps; returns what was kept (relative paths). */
export function removeSource(appDir: string, env: Env): Promise<string[]> {
  return remove(appDir, globList(env.BP_KEEP_FILES));
}
