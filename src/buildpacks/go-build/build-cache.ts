// The build cache's two layers (see cacheprog.ts): `gocache` (base) and `gocache-new` (delta), and
// the merge of delta into base once delta is large, keeping only the entries the build used.
import { lstat, readdir, readFile, rename, rm } from "node:fs/promises";
import { join } from "node:path";

/** Bytes and entries of one cache dir (its `o/` outputs and `a/` entries). */
export async function cacheSize(dir: string): Promise<{ bytes: number; entries: number }> {
  let bytes = 0;
  let entries = 0;
  for (const sub of ["a", "o"]) {
    for (const name of await readdir(join(dir, sub)).catch(() => [] as string[])) {
      const st = await lstat(join(dir, sub, name)).catch(() => undefined);
      if (!st?.isFile()) continue;
      bytes += st.size;
      if (sub === "a") entries++;
    }
  }
  return { bytes, entries };
}

/**
 * Should delta be merged into base now? When it is over a quarter of base (so the first build's
 * results become the base) and over `minBytes` (so small changes never rewrite the base).
 */
export function shouldCompact(base: number, delta: number, minBytes = 1 << 20): boolean {
  return delta > Math.max(minBytes, base / 4);
}

/**
 * Merges `delta` into `base`: entries the build used (`used`, action ids) move to base with their
 * outputs; base entries it did not use go, and outputs no entry names. Delta ends empty.
 * Returns base's new size and how many entries were dropped.
 */
export async function compact(base: string, delta: string, used: ReadonlySet<string>): Promise<{ bytes: number; entries: number; dropped: number }> {
  let dropped = 0;
  for (const id of await readdir(join(delta, "a")).catch(() => [] as string[])) {
    if (id.includes(".tmp-")) continue;
    if (used.has(id)) await rename(join(delta, "a", id), join(base, "a", id));
    else dropped++;
  }
  for (const id of await readdir(join(base, "a")).catch(() => [] as string[])) {
    if (!used.has(id)) {
      await rm(join(base, "a", id), { force: true });
      dropped++;
    }
  }
  const wanted = new Set<string>();
  for (const id of await readdir(join(base, "a"))) {
    const out = (await readFile(join(base, "a", id), "utf8").catch(() => "")).split(" ")[0];
    if (out) wanted.add(out);
  }
  for (const out of await readdir(join(delta, "o")).catch(() => [] as string[])) {
    if (wanted.has(out)) await rename(join(delta, "o", out), join(base, "o", out));
  }
  for (const out of await readdir(join(base, "o"))) if (!wanted.has(out)) await rm(join(base, "o", out), { force: true });
  await rm(delta, { recursive: true, force: true });
  const size = await cacheSize(base);
  return { ...size, dropped };
}
