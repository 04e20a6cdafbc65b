import { PaketoError } from "../../errors/index.js";

/** Error codes of the build cache (CNB-39, CNB-40, CNB-51). */
export type CacheErrorCode =
  /** The cache cannot be read (other than "there is none"), or its metadata is malformed. */
  | "CACHE_READ"
  /** Saving the cache failed; the previous cache is left as it was. */
  | "CACHE_WRITE"
  /** A cache=true layer has no contents (CNB-51). */
  | "CACHE_NO_CONTENTS";

export class CacheError extends PaketoError {
  declare readonly code: CacheErrorCode;
  constructor(code: CacheErrorCode, message: string, opts: { hint?: string; cause?: unknown } = {}) {
    super(code, message, opts);
    this.name = "CacheError";
  }
}
