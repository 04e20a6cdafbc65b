import { PaketoError } from "../errors/index.js";

/** Error codes owned by the sbom module. */
export type SbomErrorCode =
  | "SBOM_INVALID" // a document or component breaks a rule of the model (empty name, bad hash, bad timestamp)
  | "SBOM_DUPLICATE_REF" // two different components share one ref
  | "SBOM_UNKNOWN_REF" // dependsOn names a ref that is not in the document
  | "SBOM_PARSE" // a CycloneDX document could not be read
  | "PURL_INVALID"; // a package URL is malformed

export class SbomError extends PaketoError {
  declare readonly code: SbomErrorCode;
  constructor(code: SbomErrorCode, message: string, opts: { hint?: string; cause?: unknown } = {}) {
    super(code, message, opts);
    this.name = "SbomError";
  }
}
