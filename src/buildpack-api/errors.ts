import { PaketoError } from "../errors/index.js";

/** Error codes owned by the buildpack-api module. */
export type BuildpackErrorCode =
  | "BUILDPACK_INVOCATION" // bin/detect or bin/build was run without the arguments or env the spec gives it
  | "BUILDPACK_METADATA" // metadata (buildpack.toml, a layer, a plan entry, store.toml) does not match its schema
  | "BUILDPACK_RESULT" // a detect or build result the spec does not allow (two defaults, unknown unmet, ...)
  | "BUILDPACK_LAYER" // a layer used in a way the spec does not allow (twice, written while reused, ...)
  | "BUILDPACK_SBOM" // an SBOM in a format buildpack.toml does not declare
  | "BUILDPACK_IO" // reading or writing a spec file failed
  | "BUILDPACK_PACKAGE" // bundling a buildpack failed
  | "BUILDPACK_DEBIAN"; // Debian packages cannot be installed into a layer as asked (debian/)

/** An expected failure of the buildpack-api runtime; the message names the file or value. */
export class BuildpackError extends PaketoError {
  declare readonly code: BuildpackErrorCode;
  constructor(code: BuildpackErrorCode, message: string, opts: { hint?: string; cause?: unknown } = {}) {
    super(code, message, opts);
    this.name = "BuildpackError";
  }
}
