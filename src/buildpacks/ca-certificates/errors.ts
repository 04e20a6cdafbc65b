import { PaketoError } from "../../errors/index.js";

/** Error codes of the ca-certificates buildpack. */
export type CaCertsErrorCode =
  | "CA_CERTS_PEM" // a binding file holds no certificate, or a damaged one
  | "CA_CERTS_CONFIG" // a BP_* setting has a value that cannot be used
  | "CA_CERTS_IO"; // the system bundle or a layer file cannot be read or written

/** An expected failure of the ca-certificates buildpack; the message names the binding file or setting. */
export class CaCertsError extends PaketoError {
  declare readonly code: CaCertsErrorCode;
  constructor(code: CaCertsErrorCode, message: string, opts: { hint?: string; cause?: unknown } = {}) {
    super(code, message, opts);
    this.name = "CaCertsError";
  }
}
