// What buildpacks that install Debian packages into layers need from the platform (D10,
// src/buildpack-api/debian/README.md): the machine-wide Debian download cache bound into the
// sandbox, the archive from the host's apt sources (the build image has none), and the run
// image's packages as a dpkg status file named by PAKETO_RUN_IMAGE_STATUS.
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { type CacheLayout, debian } from "../../deps/index.js";
import { writeFileAtomic } from "../../fs/index.js";
import type { Image } from "../../oci/index.js";
import type { Bind } from "../../sandbox/index.js";
import { runImagePackages } from "./run-image-packages.js";

/** Where the Debian download cache is bound in the sandbox: `$PAKETO_CACHE/debian` as buildpacks compute it. */
export const SANDBOX_DEBIAN_CACHE = "/var/cache/paketo/debian";

/** The run image's packages, in the build config folder. */
const STATUS_FILE = "run-image.status";

/** The host's Debian cache, bound read-write like the npm one (buildpacks verify what they read from it). */
export async function debianCacheBind(cache: CacheLayout): Promise<Bind> {
  await mkdir(cache.debian, { recursive: true });
  return { source: cache.debian, target: SANDBOX_DEBIAN_CACHE };
}

/**
 * Operator env files (`.default`, so `--env` wins): the archive mirrors from the host's apt
 * sources, when it has a Debian archive, and PAKETO_RUN_IMAGE_STATUS, where writeRunImageStatus
 * puts the run image's packages (`sandboxDir`: the build config folder as buildpacks see it).
 */
export async function debianSourcesEnv(sandboxDir: string): Promise<Record<string, string>> {
  const files: Record<string, string> = { "PAKETO_RUN_IMAGE_STATUS.default": `${sandboxDir}/${STATUS_FILE}` };
  try {
    const mirrors = debian.mirrorsFromAptSources(await debian.readAptSources("/"));
    for (const [k, v] of Object.entries(debian.mirrorEnv(mirrors))) files[`${k}.default`] = v;
  } catch {
    // No Debian archive in the apt sources: a buildpack that needs one says so (PAKETO_DEBIAN_MIRROR).
  }
  return files;
}

/** Writes the run image's installed Debian packages (a dpkg status file) into the build config folder. */
export async function writeRunImageStatus(runImage: Image, buildConfigDir: string, cache: CacheLayout): Promise<void> {
  const pkgs = await runImagePackages(runImage, cache.runImagePackages);
  await mkdir(buildConfigDir, { recursive: true });
  await writeFileAtomic(join(buildConfigDir, STATUS_FILE), debian.formatStatus(pkgs));
}
