// What the Ruby buildpacks read from an app's Gemfile and Gemfile.lock: which gems it names (for
// the start buildpacks' detection) and the lock's BUNDLED WITH. Plain text reads, as detect must be cheap.
import { readdir, readFile } from "node:fs/promises";
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

/** Set by mri (build env) to the Debian gem packages in its layer: bundle-install then lets bundler see them. */
export const DEBIAN_GEMS_ENV = "PAKETO_RUBY_DEBIAN_GEMS";

/**
 * For each gem the Gemfile names that vendor/cache has no .gem of, the Debian packages that may be
 * it: `ruby-<name>` (Debian's naming of gem libraries) and `<name>` (servers such as puma, thin,
 * unicorn, rake are packaged under their own name). Those the index lacks are dropped at install.
 */
export async function debianGemCandidates(appDir: string): Promise<string[][]> {
  const gemfile = await readFile(join(appDir, "Gemfile"), "utf8").catch(() => "");
  const cached = new Set(
    (await readdir(join(appDir, "vendor/cache")).catch(() => [] as string[])).filter((f) => f.endsWith(".gem")).map((f) => f.replace(/-\d[^-]*(-[^-]+)?\.gem$/, "").toLowerCase()),
  );
  const out: string[][] = [];
  for (const m of gemfile.matchAll(/^\s*gem\s*\(?\s*["']([^"']+)["']/gm)) {
    const name = (m[1] as string).toLowerCase();
    if (cached.has(name) || name === "bundler") continue;
    const deb = name.replace(/_/g, "-");
    out.push([`ruby-${deb}`, ...(/^(puma|thin|unicorn|rake)$/.test(deb) ? [deb] : [])]);
  }
  return out;
}
