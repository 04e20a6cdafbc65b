import { PaketoError } from "../errors/index.js";

/** Error codes owned by the stack module. */
export type StackErrorCode =
  | "STACK_FILE" // the stack file is missing or invalid
  | "STACK_LOCK" // the lockfile is missing, invalid, or does not match the stack file
  | "STACK_PACKAGE_GONE" // a locked .deb is no longer on the mirror (Debian removed a superseded version)
  | "STACK_RESOLVE" // the flavors' package sets do not fit together (build must contain base)
  | "STACK_ASSEMBLY" // building the root filesystem failed (a maintainer-script effect, ldconfig, ...)
  | "STACK_DESTINATION"; // the destination cannot hold the images asked for

export class StackError extends PaketoError {
  declare readonly code: StackErrorCode;
  constructor(code: StackErrorCode, message: string, opts: { hint?: string; cause?: unknown } = {}) {
    super(code, message, opts);
    this.name = "StackError";
  }
}
