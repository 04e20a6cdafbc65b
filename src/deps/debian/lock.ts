// The lockfile model: exact versions, files and hashes. A lock alone is enough to get the same
// .debs again: from the cache with no network at all, or from the mirror by pinned file + hash.
import { DepsError } from "../errors.js";
import { ContentCache } from "./cache.js";
import { fetchToCache, mapLimit } from "./download.js";
import type { HttpOptions } from "./http.js";
import type { BinaryPackage } from "./packages.js";
import { baseUrlFor, type Mirrors } from "./sources.js";
import type { OnProgress } from "../../oci/index.js";

export interface LockedPackage {
  name: string;
  version: string;
  architecture: string;
  /** Path relative to the archive root of the suite's mirror. */
  filename: string;
  /** Lowercase hex SHA-256 of the .deb. */
  sha256: string;
  size: number;
  /** The suite it was resolved from; picks the mirror (`*-security` → the security archive). */
  suite: string;
  /** The source package, when the index names one different from the binary name. */
  source?: string;
  sourceVersion?: string;
}

/** Lock entries for resolved packages, sorted by name. */
export function lockPackages(pkgs: readonly BinaryPackage[]): LockedPackage[] {
  return pkgs
    .map((p) => {
      const l: LockedPackage = {
        name: p.name,
        version: p.version,
        architecture: p.architecture,
        filename: p.filename,
        sha256: p.sha256,
        size: p.size,
        suite: p.suite,
      };
      if (p.source && p.source !== p.name) l.source = p.source;
      if (p.sourceVersion) l.sourceVersion = p.sourceVersion;
      return l;
    })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

export interface FetchPackagesOptions {
  cacheDir: string;
  /** Where to download missing packages; not needed when every package is cached. */
  mirrors?: Mirrors;
  http?: HttpOptions;
  /** Never touch the network: a missing package is an error listing everything missing. */
  offline?: boolean;
  /** Parallel downloads. Default 4. */
  concurrency?: number;
  onProgress?: OnProgress;
}

export interface CachedPackage {
  pkg: LockedPackage;
  /** The verified .deb in the cache. */
  path: string;
  url?: string;
  downloaded: boolean;
}

/** The URL of a locked (or resolved) package on the mirror of its suite. */
export function packageUrl(mirrors: Mirrors, pkg: { suite: string; filename: string }): string {
  return `${baseUrlFor(mirrors, pkg.suite)}/${pkg.filename.replace(/^\/+/, "")}`;
}

/**
 * Ensures every package is in the cache, verified, and returns the cached paths in lock order.
 * Cached packages cost no network; missing ones are fetched by pinned filename and checked
 * against the pinned SHA-256 and size while they stream.
 */
export async function fetchPackages(lock: readonly LockedPackage[], opts: FetchPackagesOptions): Promise<CachedPackage[]> {
  const cache = new ContentCache(opts.cacheDir);
  const missing: LockedPackage[] = [];
  for (const p of lock) if (!(await cache.has(p))) missing.push(p);
  if (missing.length > 0 && (opts.offline || !opts.mirrors || !opts.http)) {
    const names = missing.map((p) => `${p.name}=${p.version}`);
    throw new DepsError("DEBIAN_OFFLINE", `${missing.length} package(s) not in the cache ${opts.cacheDir}: ${names.slice(0, 10).join(", ")}${names.length > 10 ? ", ..." : ""}`, {
      hint: opts.offline ? "run once with network access to fill the cache" : "pass a mirror (or apt sources) and network access so they can be downloaded",
    });
  }
  const http = opts.http;
  const mirrors = opts.mirrors;
  return mapLimit(lock, opts.concurrency ?? 4, async (pkg) => {
    if (!missing.includes(pkg) || !mirrors || !http) return { pkg, path: cache.path(pkg.sha256), downloaded: false };
    const url = packageUrl(mirrors, pkg);
    const r = await fetchToCache(url, pkg, `${pkg.name} ${pkg.version}`, { cache, http, ...(opts.onProgress ? { onProgress: opts.onProgress } : {}) });
    return { pkg, path: r.path, url, downloaded: r.downloaded };
  });
}
