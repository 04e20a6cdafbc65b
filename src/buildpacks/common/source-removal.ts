// Removing the app source once a compiled language has built its binaries, except what the user
// keeps: colon lists of globs relative to the app root, matched as Go's path.Match matches (`*`
// stays within one path element). A path a keep glob matches is kept whole (a directory with
// everything in it) unless a drop glob matches it; its parent directories stay, holding only what
// is kept. Used by go-build (BP_KEEP_FILES) and cargo (BP_INCLUDE_FILES, BP_EXCLUDE_FILES).
import { readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { go } from "../../deps/index.js";

/** A colon-separated list of globs, `./` prefixes and trailing slashes dropped. */
export function globList(value: string | undefined): string[] {
  return (value ?? "")
    .split(":")
    .map((g) => g.trim().replace(/^(\.\/)+/, "").replace(/\/+$/, ""))
    .filter(Boolean);
}

/** Removes everything under `appDir` no `keep` glob keeps (or a `drop` glob drops); returns what was kept (relative paths). */
export async function removeSource(appDir: string, keep: readonly string[], drop: readonly string[] = []): Promise<string[]> {
  const parents = new Set<string>();
  for (const g of keep) {
    const parts = g.split("/");
    for (let i = 1; i < parts.length; i++) parents.add(parts.slice(0, i).join("/"));
  }
  const kept: string[] = [];
  const walk = async (dir: string, rel: string): Promise<void> => {
    for (const e of await readdir(dir, { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      const dropped = drop.some((g) => go.pathMatch(g, r));
      if (!dropped && keep.some((g) => go.pathMatch(g, r))) {
        if (e.isDirectory() && drop.length > 0) await walkKept(join(dir, e.name), r);
        kept.push(r);
      } else if (!dropped && e.isDirectory() && [...parents].some((p) => go.pathMatch(p, r))) await walk(join(dir, e.name), r);
      else await rm(join(dir, e.name), { recursive: true, force: true });
    }
  };
  // inside a kept directory: only what a drop glob matches goes
  const walkKept = async (dir: string, rel: string): Promise<void> => {
    for (const e of await readdir(dir, { withFileTypes: true })) {
      const r = `${rel}/${e.name}`;
      if (drop.some((g) => go.pathMatch(g, r))) await rm(join(dir, e.name), { recursive: true, force: true });
      else if (e.isDirectory()) await walkKept(join(dir, e.name), r);
    }
  };
  await walk(appDir, "");
  return kept.sort();
}
