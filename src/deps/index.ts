// Verifiable dependency sources (docs/architecture.md D4). Each source is a namespace.
export * as debian from "./debian/index.js";
export * as npm from "./npm/index.js";
export { type CacheLayout, cacheLayout, paketoCacheRoot } from "./cache-layout.js";
export * as go from "./go/index.js";
export { ContentCache } from "./content-cache.js";
export type { Expected, Staged } from "./content-cache.js";
export { DepsError } from "./errors.js";
export type { DepsErrorCode } from "./errors.js";
