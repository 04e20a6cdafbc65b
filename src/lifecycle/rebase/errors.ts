import { phaseError } from "../errors.js";

/** Error codes of the rebaser (CNB-54). */
export type RebaseErrorCode =
  /** The app image was not exported by a CNB lifecycle, or its label is malformed. */
  | "REBASE_NOT_BUILDPACKS"
  /** io.buildpacks.rebasable is "false" (without --force). */
  | "REBASE_NOT_REBASABLE"
  /** The new run image's target (or stack and mixins) does not fit the app image (without --force). */
  | "REBASE_INCOMPATIBLE"
  /** The new run image is not the one the label names, nor a mirror (without --force), or none is known. */
  | "REBASE_RUN_IMAGE_NAME"
  /** No new run image can be chosen or read. */
  | "REBASE_RUN_IMAGE"
  /** The app image or the run image cannot be read. */
  | "REBASE_READ"
  /** The result cannot be written. */
  | "REBASE_WRITE";

export const RebaseError = phaseError<RebaseErrorCode>("RebaseError", "REBASE_ERROR", "REBASE");
export type RebaseError = InstanceType<typeof RebaseError>;
