import { PaketoError } from "../errors/index.js";

export type SignErrorCode =
  /** A key file that cannot be read, decrypted or used (wrong password, unknown format, wrong algorithm). */
  | "SIGN_KEY"
  /** The image is named in a transport signatures cannot be stored beside (only docker:// and oci: can). */
  | "SIGN_TRANSPORT"
  /** No signature (or attestation) is stored for the image's digest. */
  | "SIGN_UNSIGNED"
  /** A signature or attestation does not verify with the key: signed by another key, or changed since. */
  | "SIGN_BAD_SIGNATURE"
  /** A valid signature, but for another image digest: the tag was moved, or a signature copied. */
  | "SIGN_WRONG_IMAGE"
  /** A signature or attestation that is not in the format cosign writes. */
  | "SIGN_FORMAT"
  /** An attestation the caller required is missing. */
  | "SIGN_MISSING_ATTESTATION";

export class SignError extends PaketoError {
  declare readonly code: SignErrorCode;
  constructor(code: SignErrorCode, message: string, opts: { hint?: string; cause?: unknown } = {}) {
    super(code, message, opts);
    this.name = "SignError";
  }
}
