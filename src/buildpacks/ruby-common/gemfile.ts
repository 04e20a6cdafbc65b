// What the Ruby buildpacks read from an app's Gemfile and Gemfile.lock: which gems it names (for
// the start buildpacks' detection) and the lock's BUNDLED WITH. Plain text reads, as detect must be cheap.
import { readFile } from "node:fs/promises";
import { join } from "node:path";

/** Gems the Gemfile names with `gem "<name>"` (and those Gemfile.lock lists), lowercased. */
export async function gemsOf(appDir: string): Promise<Set<string>> {
  const gemfile = await readFile(join(appDir, "Gemfile"), "utf8").catch(() => "");
  const lock = await readFile(join(appDir, "Gemfile.lock"), "utf8").catch(() => "");
  const out = new Set<string>();
  for (const m of gemfile.matchAll(/^\s*gem\s*\(?\s*["']([^"']+)["']/gm)) out.add((m[1] as string).toLowerCase());
  for (const m of lock.matchAll(/^ {4}([A-Za-z0-9_.-]+) \(/gm)) out.add((m[1] as string).toLowerCase());
  return out;
}

/** The Bundler version Gemfile.lock was written with (`BUNDLED WITH`), if any. */
export function bundledWith(lock: string): string | undefined {
  return /^BUNDLED WITH\s*\n\s+(\S+)/m.exec(lock)?.[1];
}
