import { PaketoError } from "../errors/index.js";

/** Error codes owned by the launcher module. */
export type LauncherErrorCode =
  | "LAUNCHER_API" // a Platform or Buildpack API version that is malformed or not supported
  | "LAUNCHER_CONFIG" // a LauncherConfig that cannot be launched (unknown buildpack, duplicate type, ...)
  | "LAUNCHER_DECODE" // bytes that are not an encoded launch plan
  | "LAUNCHER_BUILD"; // compiling the launcher failed, or its sources are missing

export class LauncherError extends PaketoError {
  declare readonly code: LauncherErrorCode;
  constructor(code: LauncherErrorCode, message: string, opts: { hint?: string; cause?: unknown } = {}) {
    super(code, message, opts);
    this.name = "LauncherError";
  }
}
