// The build cache (CNB-39, CNB-40, CNB-51): a cache dir or a cache image behind one interface,
// and saving a build's cache=true layers into it. See src/lifecycle/README.md.
export { type Cache, type CommitResult, openCacheDir, openCacheImage } from "./cache.js";
export {
  CACHE_METADATA_LABEL,
  type CacheMetadata,
  type CachedBuildpack,
  type CachedLayer,
  emptyCacheMetadata,
  parseCacheMetadata,
  stringifyCacheMetadata,
  writerOf,
} from "./metadata.js";
export { saveCache, type SaveCacheDeps, type SaveCacheInputs, type SaveCacheResult } from "./save.js";
export { CacheError, type CacheErrorCode } from "./errors.js";
