// Freeing space in the cache: what processes that are gone left behind, then whole entries, least
// recently used first, until the cache is within a size (the budget, or --max-size), or those not
// used for a while (--older-than), or all (--all). Nothing a live process uses is removed
// (cache-lease.ts says why that holds even while the prune runs).
import { lstat, rename, rm, unlink } from "node:fs/promises";
import { dirname, join } from "node:path";
import { tempPath } from "../fs/index.js";
import { layout as ociLayout } from "../oci/index.js";
import type { CacheLayout } from "./cache-layout.js";
import { covers, readLeases, withCacheLock } from "./cache-lease.js";
import { type CacheEntry, type CacheScan, cacheSize, scanCache } from "./cache-usage.js";

export interface PruneOptions {
  /** Remove least recently used entries until the cache holds at most this many bytes. */
  maxBytes?: number;
  /** Remove entries not used for this long. */
  olderThanMs?: number;
  /** Remove every entry no live process uses, the state files (default stack lock, default builder marker) too. */
  all?: boolean;
  /**
   * Also tidy inside build caches (oci/layout's prune: blobs of interrupted saves) and walk live
   * work folders for the report; `paketo cache prune` does, the trim after a build does not.
   */
  thorough?: boolean;
  nowMs?: number;
}

export interface PruneResult {
  /** Entries removed (temps and work folders of processes that are gone included). */
  removed: number;
  freedBytes: number;
  /** The cache's size before and after. */
  beforeBytes: number;
  afterBytes: number;
  /** Bytes of entries that would have gone but a live process uses (or made since it began). */
  inUseBytes: number;
  /** Live processes using the cache when it was pruned. */
  liveProcesses: number;
}

/** Clock slack between Date.now() and the coarser clock the kernel stamps files with. */
const CLOCK_SLACK_MS = 1000;

/** Removes what `plan` picks, in its order, skipping what a live lease protects. */
export async function pruneCache(cache: CacheLayout, opts: PruneOptions = {}): Promise<PruneResult> {
  const scan = await scanCache(cache, { full: opts.thorough ?? false, ...(opts.nowMs !== undefined ? { nowMs: opts.nowMs } : {}) });
  return pruneScanned(cache, scan, opts);
}

/**
 * After a build: when the cache is over `budget`, prune it down to 90% of the budget (so the next
 * builds do not each trim a little). The check is the memoised cacheSize (cheap when little
 * changed); only when it says over is the cache scanned in full. Returns undefined when it was
 * within budget.
 */
export async function trimCache(cache: CacheLayout, budget: number): Promise<PruneResult | undefined> {
  if ((await cacheSize(cache)) <= budget) return undefined;
  const scan = await scanCache(cache, { full: false });
  if (scan.bytes <= budget) return undefined;
  return pruneScanned(cache, scan, { maxBytes: Math.floor(budget * 0.9) });
}

async function pruneScanned(cache: CacheLayout, scan: CacheScan, opts: PruneOptions): Promise<PruneResult> {
  const now = opts.nowMs ?? Date.now();
  const result: PruneResult = { removed: 0, freedBytes: 0, beforeBytes: scan.bytes, afterBytes: scan.bytes, inUseBytes: 0, liveProcesses: 0 };

  // What gone processes left: nobody can be using it, so no lock is needed.
  for (const g of scan.garbage) {
    await rm(g.path, { recursive: true, force: true });
    result.removed++;
    result.freedBytes += g.bytes;
  }

  // Hard-linked files: how many entries still hold each, so a removal frees only a file's last link.
  const holders = new Map<string, number>();
  for (const e of scan.entries) for (const k of e.shared?.keys() ?? []) holders.set(k, (holders.get(k) ?? 0) + 1);
  const freedBy = (e: CacheEntry): number => {
    let b = e.bytes;
    for (const [k, v] of e.shared ?? []) {
      const n = (holders.get(k) ?? 1) - 1;
      holders.set(k, n);
      if (n === 0) b += v;
    }
    return b;
  };

  const removable = scan.entries.filter((e) => e.unit === "file" || e.unit === "child" || (opts.all && e.unit === "state"));
  removable.sort((a, b) => a.lastUsedMs - b.lastUsedMs);
  const wanted = (e: CacheEntry, size: number): boolean =>
    !!opts.all ||
    (opts.olderThanMs !== undefined && now - e.lastUsedMs > opts.olderThanMs) ||
    (opts.maxBytes !== undefined && size > opts.maxBytes);

  const tombs: string[] = [];
  let size = scan.bytes;
  if (removable.some((e) => wanted(e, size))) {
    await withCacheLock(cache, "pruning the cache", async () => {
      const leases = await readLeases(cache, now);
      for (const f of leases.dead) await rm(f, { force: true });
      result.liveProcesses = leases.live.length;
      const paths = leases.live.flatMap((l) => l.paths);
      const since = leases.live.length > 0 ? Math.min(...leases.live.map((l) => l.createdMs)) - CLOCK_SLACK_MS : Infinity;
      for (const e of removable) {
        if (!wanted(e, size)) {
          if (opts.olderThanMs === undefined && !opts.all) break; // LRU order: the rest is within budget
          continue;
        }
        const st = await lstat(e.path).catch(() => undefined);
        if (!st) continue;
        if (paths.some((p) => covers(p, e.path)) || Math.max(st.mtimeMs, st.ctimeMs) >= since) {
          result.inUseBytes += e.bytes;
          continue;
        }
        const freed = freedBy(e);
        if (st.isDirectory()) {
          // Renamed away under the lock (a moment), removed after it (maybe seconds).
          const tomb = tempPath(dirname(e.path));
          await rename(e.path, tomb);
          tombs.push(tomb);
        } else await unlink(e.path).catch(() => {});
        size -= freed;
        result.removed++;
        result.freedBytes += freed;
      }
    });
  }
  for (const t of tombs) await rm(t, { recursive: true, force: true });
  result.afterBytes = Math.max(0, size);

  if (opts.thorough) {
    // Build caches are OCI layouts: drop blobs no tag reaches (a killed save's), as their own saves do.
    const buildCaches = scan.entries.filter((e) => e.part === "buildCache");
    for (const e of buildCaches) {
      if (!(await lstat(join(e.path, ociLayout.OCI_LAYOUT_FILE)).catch(() => undefined))) continue;
      const r = await ociLayout.pruneLayout(e.path).catch(() => undefined);
      if (r) {
        result.freedBytes += r.freedBytes;
        result.afterBytes = Math.max(0, result.afterBytes - r.freedBytes);
      }
    }
  }
  return result;
}
