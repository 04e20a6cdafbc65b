import { homedir } from "node:os";
import { join } from "node:path";

/**
 * The machine-wide cache every paketo process shares: `$PAKETO_CACHE` when set, else
 * `${XDG_CACHE_HOME:-~/.cache}/paketo`. Each user of it takes a subfolder (debian, npm, rootfs,
 * layers, launcher, build-cache, ...). Takes the environment as an argument.
 */
export function paketoCacheRoot(env: Readonly<Record<string, string | undefined>>, home: string = homedir()): string {
  if (env["PAKETO_CACHE"]) return env["PAKETO_CACHE"];
  const xdg = env["XDG_CACHE_HOME"] || join(env["HOME"] || home, ".cache");
  return join(xdg, "paketo");
}
