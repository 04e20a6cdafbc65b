import { phaseError } from "../errors.js";

/** Error codes of the restore phase (CNB-39). */
export type RestoreErrorCode =
  /** The layers dir cannot be read or written. */
  | "RESTORE_LAYERS_DIR"
  /** A buildpack's layers dir is a symlink or not a directory. */
  | "RESTORE_LAYER_SYMLINK"
  /** The cache cannot be read, or a cache layer holds files outside its layer. */
  | "RESTORE_CACHE";

export const RestoreError = phaseError<RestoreErrorCode>("RestoreError", "RESTORE_ERROR", "RESTORE");
export type RestoreError = InstanceType<typeof RestoreError>;
