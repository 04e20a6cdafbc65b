import { PaketoError } from "../errors/index.js";

/** Error codes owned by the deps module. */
export type DepsErrorCode =
  | "DEBIAN_SOURCES" // no usable archive in the apt sources, and no mirror given
  | "DEBIAN_UNREACHABLE" // the mirror did not answer (connection refused, DNS, reset after retries)
  | "DEBIAN_HTTP" // the mirror answered with an error status
  | "DEBIAN_SIGNATURE" // the Release signature is bad, or cannot be checked while required
  | "DEBIAN_RELEASE" // a Release file is malformed, expired, or does not list what we need
  | "DEBIAN_INTEGRITY" // downloaded bytes do not match the SHA-256/size the signed index promised
  | "DEBIAN_INDEX" // a Packages index is malformed
  | "DEBIAN_VERSION" // a version string is not a Debian version
  | "DEBIAN_NOT_FOUND" // a wanted package is not in the index
  | "DEBIAN_UNSATISFIABLE" // a dependency cannot be satisfied
  | "DEBIAN_EXCLUDED" // a dependency can be satisfied only by an excluded package
  | "DEBIAN_DEB" // a .deb file is malformed
  | "DEBIAN_DECOMPRESS" // a decompressor is missing or failed
  | "DEBIAN_OFFLINE" // a package is not cached and the network may not be used
  | "CACHE_SETTING"; // a cache size or duration (PAKETO_CACHE_MAX, paketo cache prune) does not parse

export class DepsError extends PaketoError {
  declare readonly code: DepsErrorCode;
  constructor(code: DepsErrorCode, message: string, opts: { hint?: string; cause?: unknown } = {}) {
    super(code, message, opts);
    this.name = "DepsError";
  }
}
