import { PaketoError } from "../../errors/index.js";

/** Error codes of the Go module proxy source. */
export type GoProxyErrorCode =
  | "GOPROXY_CONFIG" // GOPROXY / GOSUMDB missing or malformed, or a checksum database without a known key
  | "GOPROXY_OFF" // GOPROXY=off (or only `direct`): module downloads are disabled for this source
  | "GOPROXY_UNREACHABLE" // no proxy answered (connection refused, DNS, reset after retries)
  | "GOPROXY_HTTP" // a proxy answered with an error status
  | "GOPROXY_NOT_FOUND" // no proxy has this module version (404/410 from each)
  | "GOPROXY_VERSION" // a version (or version range) is malformed, or nothing published satisfies it
  | "GOPROXY_SUMDB" // the checksum database's answer does not verify (signature, inclusion proof, record)
  | "GOPROXY_CHECKSUM" // a module zip's h1 hash differs from the checksum database's (or the cached one's)
  | "GOPROXY_ZIP" // a module zip is malformed or has an entry outside its module@version/ prefix
  | "GOPROXY_OFFLINE"; // something is not cached and the network may not be used

export class GoProxyError extends PaketoError {
  declare readonly code: GoProxyErrorCode;
  constructor(code: GoProxyErrorCode, message: string, opts: { hint?: string; cause?: unknown } = {}) {
    super(code, message, opts);
    this.name = "GoProxyError";
  }
}
