// Removing the app source once the binaries are built, except what BP_KEEP_FILES names: a colon
// list of globs relative to the app root, matched as Go's path.Match matches (`*` stays within one
// path element). A path a glob matches is kept whole (a directory with everything in it); its
// parent directories stay, holding only what is kept. (Paketo keeps a matched directory but empties
// it unless the glob ends in `/*`; `public` here means the folder and its files.)
import { readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { go } from "../../deps/index.js";
import { colonList, type Env } from "../go-common/index.js";

/** Removes everything under `appDir` no BP_KEEP_FILES glob keeps; returns what was kept (relative paths). */
export async function removeSource(appDir: string, env: Env): Promise<string[]> {
  const globs = colonList(env.BP_KEEP_FILES).map((g) => g.replace(/^(\.\/)+/, "").replace(/\/+$/, ""));
  const parents = new Set<string>();
  for (const g of globs) {
    const parts = g.split("/");
    for (let i = 1; i < parts.length; i++) parents.add(parts.slice(0, i).join("/"));
  }
  const kept: string[] = [];
  const walk = async (dir: string, rel: string): Promise<void> => {
    for (const e of await readdir(dir, { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (globs.some((g) => go.pathMatch(g, r))) kept.push(r);
      else if (e.isDirectory() && [...parents].some((p) => go.pathMatch(p, r))) await walk(join(dir, e.name), r);
      else await rm(join(dir, e.name), { recursive: true, force: true });
    }
  };
  await walk(appDir, "");
  return kept.sort();
}
