// Where package managers come from: the npm registry through deps/npm (verified tarballs in the
// machine-wide content-addressed cache). The buildpacks take this as an injected dependency.
import { homedir } from "node:os";
import type { Progress } from "../../buildpack-api/index.js";
import { npm } from "../../deps/index.js";
import type { Env } from "./project.js";

export interface PackageSource {
  /** The package's metadata (cached with its ETag; the cached copy alone when offline). */
  packument(name: string): Promise<npm.Packument>;
  /** `name@version` unpacked into `dest` (replaced), verified against the registry's integrity. */
  install(name: string, version: string, dest: string, manifest: npm.PackumentVersion): Promise<{ integrity: string; tarball: string }>;
}

/**
 * The registry of the machine's npm configuration, the shared download cache, and PAKETO_OFFLINE.
 * Downloads report to `progress` (the build context's: live on the platform's terminal).
 */
export function registrySource(env: Env, progress?: Progress): PackageSource {
  let options: Promise<npm.RegistryOptions> | undefined;
  const opts = (): Promise<npm.RegistryOptions> => {
    options ??= (async () => {
      const home = env.HOME || homedir();
      const offline = env.PAKETO_OFFLINE === "true";
      const registry = (await npm.registryFromConfig(env, home)).url;
      return { registry, env, home, cacheDir: npm.defaultCacheDir(env, home), offline, ...(progress ? { onProgress: progress } : {}) };
    })();
    return options;
  };
  return {
    packument: async (name) => npm.packument(name, await opts()),
    install: async (name, version, dest, manifest) => {
      const r = await npm.installPackage(name, version, dest, { ...(await opts()), manifest });
      return { integrity: r.tarball.integrity, tarball: r.tarball.path };
    },
  };
}
