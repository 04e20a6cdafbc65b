// The machine-wide cache every paketo process shares, and what each part of it is for. Its
// sub-folders are spelled here only (docs/build.md describes them); callers take the paths from
// cacheLayout(root) and never join names onto the root themselves.
import { createHash } from "node:crypto";
import { homedir } from "node:os";
import { join } from "node:path";

/**
 * The cache root: `$PAKETO_CACHE` when set, else `${XDG_CACHE_HOME:-~/.cache}/paketo`. Takes the
 * environment as an argument (only the CLI reads the process's).
 */
export function paketoCacheRoot(env: Readonly<Record<string, string | undefined>>, home: string = homedir()): string {
  if (env["PAKETO_CACHE"]) return env["PAKETO_CACHE"];
  const xdg = env["XDG_CACHE_HOME"] || join(env["HOME"] || home, ".cache");
  return join(xdg, "paketo");
}

export interface CacheLayout {
  root: string;
  /** Verified .deb downloads and indexes by sha256, signed InRelease files, buildpacks' resolutions (deps/debian); bound into the build sandbox. */
  debian: string;
  /** npm packuments and verified tarballs (deps/npm); bound into the build sandbox for buildpacks. */
  npm: string;
  /** Each run image's installed Debian packages as a dpkg status file, by image digest (platform). */
  runImagePackages: string;
  /** Go module zips (toolchains), checksum database answers, version lists (deps/go); bound into the build sandbox. */
  go: string;
  /** Stack layers made from .debs, by package set (stack/layer-cache). */
  stackLayers: string;
  /** The default stack's lock as last resolved (platform's default builder). */
  defaultStackLock: string;
  /** The default builder's fingerprint and digest. */
  defaultBuilderMarker: string;
  /** Build images' root filesystems, one per set of layers, shared by builders (sandbox). */
  rootfs: string;
  /** The layer content cache: layers tarred once per content (lifecycle/layer-cache). */
  layers: string;
  /** Kept copies of restored cache layers, lent to builds by rename (lifecycle/restore). */
  layerTrees: string;
  /** Compiled launchers: by source (launcher) and by build image (platform). */
  launcher: string;
  launcherByBuildImage: string;
  /** One work folder per running build or builder creation; removed when it ends. */
  work: string;
  /** The build cache of a destination when no --cache-dir/--cache-image is given (CNB-64). */
  buildCache(dest: string): string;
  /** The detection memo of a destination. */
  detectMemo(dest: string): string;
  /** The build memo of a destination: its last build's inputs and image. */
  buildMemo(dest: string): string;
}

/** A short, stable key of a destination name, for the per-destination parts of the cache. */
function destKey(dest: string): string {
  return createHash("sha256").update(dest).digest("hex").slice(0, 16);
}

export function cacheLayout(root: string): CacheLayout {
  return {
    root,
    debian: join(root, "debian"),
    npm: join(root, "npm"),
    runImagePackages: join(root, "run-image-packages"),
    go: join(root, "go"),
    stackLayers: join(root, "stack"),
    defaultStackLock: join(root, "stack", "default", "trixie.lock.toml"),
    defaultBuilderMarker: join(root, "default-builder.json"),
    rootfs: join(root, "rootfs"),
    layers: join(root, "layers"),
    layerTrees: join(root, "layers", "trees"),
    launcher: join(root, "launcher"),
    launcherByBuildImage: join(root, "launcher", "by-build-image"),
    work: join(root, "work"),
    buildCache: (dest) => join(root, "build-cache", destKey(dest)),
    detectMemo: (dest) => join(root, "detect", `${destKey(dest)}.json`),
    buildMemo: (dest) => join(root, "build-memo", `${destKey(dest)}.json`),
  };
}
