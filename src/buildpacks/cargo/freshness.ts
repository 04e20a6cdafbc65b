// Cargo decides that a workspace crate must be compiled again by file times: a source newer than
// the crate's dep-info file in target/. The app arrives with fresh times at every build and the
// target/ cache layer comes back with the layer's fixed time, so cargo would recompile every
// workspace crate. Instead, times follow content: each source file whose SHA-256 equals the one
// recorded after the last build gets a time older than any cached output; a changed or new file
// keeps its fresh one. So a one-line change recompiles the crate that has it (and its dependents).
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { readdir, readFile, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";


/** Where the record lives in the target/ cache layer. */
const RECORD = ".paketo-sources.json";
/** Folders that are never sources. */
const SKIP = new Set([".git", "target"]);

async function sha256(path: string): Promise<string> {
  const h = createHash("sha256");
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest("hex");
}

/** Every regular file of the app (relative path → SHA-256). */
export async function sourceDigests(appDir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (dir: string, rel: string): Promise<void> => {
    for (const e of await readdir(dir, { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        if (!SKIP.has(e.name)) await walk(join(dir, e.name), r);
      } else if (e.isFile()) out[r] = await sha256(join(dir, e.name));
    }
  };
  await walk(appDir, "");
  return out;
}

/**
 * Gives unchanged sources (same digest as recorded in `targetDir`) the time `old`, older than the
 * cached outputs; returns how many files changed since the last build (all of them when nothing
 * is recorded) and the digests, to record after the build.
 */
export async function settleSourceTimes(appDir: string, targetDir: string, old: Date): Promise<{ changed: string[]; total: number; digests: Record<string, string> }> {
  const digests = await sourceDigests(appDir);
  const recorded = await readFile(join(targetDir, RECORD), "utf8").then((t) => JSON.parse(t) as Record<string, string>, () => ({}) as Record<string, string>);
  const changed: string[] = [];
  for (const [rel, digest] of Object.entries(digests)) {
    if (recorded[rel] === digest) await utimes(join(appDir, rel), old, old);
    else changed.push(rel);
  }
  return { changed: changed.sort(), total: Object.keys(digests).length, digests };
}

export async function recordSources(targetDir: string, digests: Record<string, string>): Promise<void> {
  await writeFile(join(targetDir, RECORD), JSON.stringify(digests));
}
