import { phaseError } from "../errors.js";

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

export const ExportError = phaseError<ExportErrorCode>("ExportError", "EXPORT_ERROR", "EXPORT");
export type ExportError = InstanceType<typeof ExportError>;
