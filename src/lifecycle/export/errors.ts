import { PaketoError } from "../../errors/index.js";

/** Error codes of the export phase (CNB-42..53). */
export type ExportErrorCode =
  /** A file of the layers dir cannot be read, or is not what the spec says (a symlink, a malformed toml). */
  | "EXPORT_LAYERS_DIR"
  /** A layer dir is a symlink out of the layers dir (or otherwise not a directory). */
  | "EXPORT_LAYER_SYMLINK"
  /** A launch layer has no contents and the previous image has no such layer to reuse. */
  | "EXPORT_REUSE"
  /** A cache=true layer has no contents (CNB-25, CNB-51). */
  | "EXPORT_CACHE_NO_CONTENTS"
  /** The platform asked for a process type the build does not have (CNB-46). */
  | "EXPORT_PROCESS_TYPE"
  /** A slice glob is malformed or leaves the app dir (CNB-20). */
  | "EXPORT_SLICE"
  /** The launcher binary or its config cannot be used. */
  | "EXPORT_LAUNCHER"
  /** Tags that cannot all be written (CNB-52), or writing the image failed. */
  | "EXPORT_WRITE";

/** The spec's generic export exit code (CNB-28). */
export const EXPORT_EXIT_CODE = 62;

export class ExportError extends PaketoError {
  declare readonly code: ExportErrorCode;
  /** The lifecycle exit code for this failure (CNB-28: export is 60–69). */
  readonly exitCode = EXPORT_EXIT_CODE;
  constructor(code: ExportErrorCode, message: string, opts: { hint?: string; cause?: unknown } = {}) {
    super(code, message, opts);
    this.name = "ExportError";
  }
}
