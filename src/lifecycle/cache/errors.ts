import { phaseError } from "../errors.js";

/** Error codes of the build cache (CNB-39, CNB-40, CNB-51). */
export type CacheErrorCode =
  /** The cache cannot be read (other than "there is none"), or its metadata is malformed. */
  | "CACHE_READ"
  /** Saving the cache failed; the previous cache is left as it was. */
  | "CACHE_WRITE"
  /** The layers dir cannot be read while saving. */
  | "CACHE_LAYERS_DIR"
  /** A layer dir is a symlink or not a directory. */
  | "CACHE_LAYER_SYMLINK"
  /** A cache=true layer has no contents (CNB-51). */
  | "CACHE_NO_CONTENTS";

/** The cache is a speed-up: a failure to save it is reported with the generic exit code. */
export const CacheError = phaseError<CacheErrorCode>("CacheError", "FAILED", "CACHE");
export type CacheError = InstanceType<typeof CacheError>;
