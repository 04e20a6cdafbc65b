import { PaketoError } from "../../errors/index.js";

/** Error codes of the npm registry source. */
export type NpmErrorCode =
  | "NPM_CONFIG" // no registry URL could be found in the npm configuration
  | "NPM_NAME" // a package name is not a valid npm package name
  | "NPM_UNREACHABLE" // the registry did not answer (connection refused, DNS, reset after retries)
  | "NPM_HTTP" // the registry answered with an error status
  | "NPM_NOT_FOUND" // the registry has no such package, or the package has no such version
  | "NPM_METADATA" // a packument is malformed, or a version lacks dist.tarball / integrity
  | "NPM_RANGE" // a version range is not valid semver
  | "NPM_NO_VERSION" // no (non-deprecated) version satisfies the range
  | "NPM_INTEGRITY" // downloaded (or cached) bytes do not match dist.integrity
  | "NPM_ARCHIVE" // a package tarball cannot be unpacked (not gzip, corrupt tar, an unsafe entry)
  | "NPM_OFFLINE"; // something is not cached and the network may not be used

export class NpmError extends PaketoError {
  declare readonly code: NpmErrorCode;
  constructor(code: NpmErrorCode, message: string, opts: { hint?: string; cause?: unknown } = {}) {
    super(code, message, opts);
    this.name = "NpmError";
  }
}
