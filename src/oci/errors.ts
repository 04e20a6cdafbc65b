import { PaketoError } from "../errors/index.js";

/** Error codes owned by the oci module. */
export type OciErrorCode =
  | "OCI_INVALID_DIGEST"
  | "OCI_INVALID_REFERENCE"
  | "OCI_INVALID_MANIFEST"
  | "OCI_INVALID_CONFIG"
  | "OCI_UNSUPPORTED_MEDIA_TYPE"
  | "OCI_DIGEST_MISMATCH"
  | "OCI_SIZE_MISMATCH"
  | "OCI_CORRUPT_LAYER"
  | "OCI_BLOB_NOT_FOUND"
  | "OCI_IMAGE_NOT_FOUND"
  | "OCI_LAYOUT"
  | "OCI_ARCHIVE"
  | "OCI_UNSAFE_ARCHIVE"
  | "OCI_LIMIT_EXCEEDED"
  | "OCI_TRANSPORT"
  | "OCI_STORE_LOCKED"
  | "OCI_REGISTRY"
  | "OCI_REGISTRY_AUTH"
  | "OCI_REGISTRY_UNREACHABLE"
  | "OCI_CREDENTIALS"
  | "OCI_INVALID_PLATFORM";

export class OciError extends PaketoError {
  declare readonly code: OciErrorCode;
  constructor(code: OciErrorCode, message: string, opts: { hint?: string; cause?: unknown } = {}) {
    super(code, message, opts);
    this.name = "OciError";
  }
}
