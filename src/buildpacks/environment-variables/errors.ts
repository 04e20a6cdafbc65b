import { PaketoError } from "../../errors/index.js";

/** Error codes of the environment-variables buildpack. */
export type EnvVarsErrorCode = "BPE_NAME"; // a BPE_* variable names no usable variable

export class EnvVarsError extends PaketoError {
  declare readonly code: EnvVarsErrorCode;
  constructor(code: EnvVarsErrorCode, message: string, opts: { hint?: string; cause?: unknown } = {}) {
    super(code, message, opts);
    this.name = "EnvVarsError";
  }
}
