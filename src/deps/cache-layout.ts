// The machine-wide cache every paketo process shares, and what each part of it is for. Its
// sub-folders are spelled here only (docs/build.md describes them); callers take the paths from
// cacheLayout(root) and never join names onto the root themselves. CACHE_PARTS also says how
// `paketo cache du` counts each part and how `paketo cache prune` may remove from it.
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
  /** Python index pages and verified distribution files (deps/pypi); bound into the build sandbox. */
  pypi: string;
  /** Maven repository artifacts by SHA-256 and which artifact each is, version lists (deps/maven); bound into the build sandbox. */
  maven: string;
  /** Stack layers made from .debs, by package set (stack/layer-cache). */
  stackLayers: string;
  /** The default stack's lock as last resolved (platform's default builder). */
  defaultStackLock: string;
  /** The default builder's fingerprint and digest. */
  defaultBuilderMarker: string;
  /** The default builder's input files by inode state (fs/tree-index), so its fingerprint costs lstat calls. */
  defaultBuilderIndex: string;
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
  /** One lease file per process using the cache: what it uses, so no prune removes it (cache-lease.ts). */
  leases: string;
  /** Sizes of entries that never change once made (root filesystems, kept trees), so a trim need not walk them again. */
  sizeMemo: string;
  /** The build memo of a destination: its last build's inputs and image. */
  buildMemo(dest: string): string;
  /** The stat-keyed index of a destination's app tree (fs/tree-index.ts). */
  appIndex(dest: string): string;
  /** A destination's kept workspace: the app as last built, lent to the next build by rename. */
  appTree(dest: string): string;
  /** The record of a destination's last app layer, chunk by chunk (oci/layer/chunked.ts): its next one writes only changed chunks. */
  appLayer(dest: string): string;
}

/**
 * How a part of the cache is counted and pruned.
 * - `file`: every file under the part's folder is an entry of its own (content-addressed downloads
 *   and layers, small memos);
 * - `child`: each entry directly in the part's folder is one entry, kept or removed whole (a root
 *   filesystem, a build cache);
 * - `work`: like `child`, but an entry is removed only when the process named in it is gone;
 * - `state`: one file that records a decision rather than caching bytes; removed only by `--all`;
 * - `internal`: the cache's own bookkeeping, tidied but never counted as an entry.
 */
export type CacheUnit = "file" | "child" | "work" | "state" | "internal";

export interface CachePartSpec {
  /** Path under the root, `/`-separated. */
  dir: string;
  unit: CacheUnit;
  /** `child` entries that never change once made (a named root filesystem): their size is memoised. */
  immutable?: boolean;
  /** One line for `paketo cache du`. */
  what: string;
}

/** The parts of the cache, by the CacheLayout field that names each one's folder or file. */
export const CACHE_PARTS: Record<Exclude<keyof CacheLayout, "root">, CachePartSpec> = {
  debian: { dir: "debian", unit: "file", what: "Debian indexes and .debs, by SHA-256" },
  npm: { dir: "npm", unit: "file", what: "npm packuments and tarballs (Node.js, package managers)" },
  stackLayers: { dir: "stack", unit: "file", what: "stack image layers made from .debs" },
  defaultStackLock: { dir: "stack/default/trixie.lock.toml", unit: "state", what: "the default stack's lock as last resolved" },
  defaultBuilderMarker: { dir: "default-builder.json", unit: "state", what: "the default builder's fingerprint and digest" },
  defaultBuilderIndex: { dir: "default-builder.index", unit: "state", what: "the default builder's input files by inode state" },
  rootfs: { dir: "rootfs", unit: "child", immutable: true, what: "build images' root filesystems (base-*) and builders' own layers (top-*)" },
  layers: { dir: "layers", unit: "file", what: "built layers, by content (the layer content cache)" },
  layerTrees: { dir: "layers/trees", unit: "child", immutable: true, what: "kept copies of restored cache layers" },
  launcher: { dir: "launcher", unit: "file", what: "launcher binaries, by source" },
  launcherByBuildImage: { dir: "launcher/by-build-image", unit: "file", what: "launcher binaries compiled in a build image" },
  work: { dir: "work", unit: "work", what: "work folders of running builds" },
  buildCache: { dir: "build-cache", unit: "child", what: "build caches, one per destination" },
  detectMemo: { dir: "detect", unit: "file", what: "detection memos, one per destination" },
  buildMemo: { dir: "build-memo", unit: "file", what: "build memos, one per destination" },
  appIndex: { dir: "app-index", unit: "file", what: "app tree indexes (path, inode state, content hash), one per destination" },
  appTree: { dir: "app-trees", unit: "child", what: "kept workspaces (the app as last built), one per destination" },
  appLayer: { dir: "app-layer", unit: "file", what: "app layer records (each chunk's key, length and CRC), one per destination" },
  go: { dir: "go", unit: "file", what: "Go toolchain zips, checksum database answers and version lists" },
  pypi: { dir: "pypi", unit: "file", what: "Python package index pages and verified wheels (pip, uv and other tools)" },
  maven: { dir: "maven", unit: "file", what: "Maven repository artifacts (Maven, Tomcat, JARs) and version lists" },
  runImagePackages: { dir: "run-image-packages", unit: "file", what: "run images' installed Debian packages, by image digest" },
  leases: { dir: "leases", unit: "internal", what: "what running paketo processes use" },
  sizeMemo: { dir: "sizes.json", unit: "internal", what: "sizes of root filesystems and kept trees" },
};

export type CachePartName = keyof typeof CACHE_PARTS;

/** A short, stable key of a destination name, for the per-destination parts of the cache. */
function destKey(dest: string): string {
  return createHash("sha256").update(dest).digest("hex").slice(0, 16);
}

export function cacheLayout(root: string): CacheLayout {
  const at = (part: CachePartName) => join(root, ...CACHE_PARTS[part].dir.split("/"));
  return {
    root,
    debian: at("debian"),
    npm: at("npm"),
    stackLayers: at("stackLayers"),
    defaultStackLock: at("defaultStackLock"),
    defaultBuilderMarker: at("defaultBuilderMarker"),
    defaultBuilderIndex: at("defaultBuilderIndex"),
    rootfs: at("rootfs"),
    layers: at("layers"),
    layerTrees: at("layerTrees"),
    launcher: at("launcher"),
    launcherByBuildImage: at("launcherByBuildImage"),
    work: at("work"),
    buildCache: (dest) => join(at("buildCache"), destKey(dest)),
    detectMemo: (dest) => join(at("detectMemo"), `${destKey(dest)}.json`),
    leases: at("leases"),
    sizeMemo: at("sizeMemo"),
    buildMemo: (dest) => join(at("buildMemo"), `${destKey(dest)}.json`),
    appIndex: (dest) => join(at("appIndex"), destKey(dest)),
    appTree: (dest) => join(at("appTree"), destKey(dest)),
    appLayer: (dest) => join(at("appLayer"), destKey(dest)),
    runImagePackages: at("runImagePackages"),
    go: at("go"),
    pypi: at("pypi"),
    maven: at("maven"),
  };
}

/** Each part's folder (or file) under `root`, with its spec. */
export function cacheParts(root: string): Array<CachePartSpec & { name: CachePartName; path: string }> {
  return (Object.entries(CACHE_PARTS) as Array<[CachePartName, CachePartSpec]>).map(([name, spec]) => ({ ...spec, name, path: join(root, ...spec.dir.split("/")) }));
}
