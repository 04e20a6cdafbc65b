import { PaketoError } from "../../errors/index.js";

/** Error codes owned by buildpack distribution (buildpackages and builders). */
export type DistributionErrorCode =
  | "DIST_ARTIFACT" // a buildpack folder or .tgz that is missing or not a buildpack (CNB-65)
  | "DIST_SOURCE" // a uri or image name that names nothing usable
  | "DIST_PACKAGE" // a buildpackage that cannot be made or read (CNB-66, CNB-67)
  | "DIST_BUILDER_CONFIG" // a builder.toml / package.toml whose values do not fit together
  | "DIST_BUILD_IMAGE" // a build image that breaks the base image contract (CNB-31)
  | "DIST_BUILDER" // an image that is not a readable builder (CNB-68)
  | "DIST_USAGE"; // a command line that does not fit (unknown subcommand, bad flag value)

export class DistributionError extends PaketoError {
  declare readonly code: DistributionErrorCode;
  constructor(code: DistributionErrorCode, message: string, opts: { hint?: string; cause?: unknown } = {}) {
    super(code, message, opts);
    this.name = "DistributionError";
  }
}
