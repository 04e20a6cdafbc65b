// Verifiable dependency sources (docs/architecture.md D4). Each source is a namespace.
export * as debian from "./debian/index.js";
export * as npm from "./npm/index.js";
export { CACHE_PARTS, type CacheLayout, cacheLayout, cacheParts, type CachePartName, type CacheUnit, paketoCacheRoot } from "./cache-layout.js";
export { type CacheLease, covers, type LiveLease, openLease, readLeases, withCacheLock } from "./cache-lease.js";
export { type CacheEntry, type CacheScan, cacheSize, type PartUsage, scanCache, staleWorkFolder } from "./cache-usage.js";
export { pruneCache, type PruneOptions, type PruneResult, trimCache } from "./cache-prune.js";
export { cacheBudget, DEFAULT_CACHE_MAX, parseDuration, parseSize } from "./cache-budget.js";
export * as go from "./go/index.js";
export * as pypi from "./pypi/index.js";
export * as maven from "./maven/index.js";
export { ContentCache } from "./content-cache.js";
export type { Expected, Staged } from "./content-cache.js";
export { DepsError } from "./errors.js";
export type { DepsErrorCode } from "./errors.js";
