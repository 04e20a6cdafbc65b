import { PaketoError } from "../../errors/index.js";

/** Error codes of the restore phase (CNB-39). */
export type RestoreErrorCode =
  /** The layers dir cannot be written. */
  | "RESTORE_LAYERS_DIR"
  /** The cache cannot be read, or a cache layer holds files outside its layer. */
  | "RESTORE_CACHE";

/** The spec's generic restore exit code (CNB-28). */
export const RESTORE_EXIT_CODE = 42;

export class RestoreError extends PaketoError {
  declare readonly code: RestoreErrorCode;
  readonly exitCode = RESTORE_EXIT_CODE;
  constructor(code: RestoreErrorCode, message: string, opts: { hint?: string; cause?: unknown } = {}) {
    super(code, message, opts);
    this.name = "RestoreError";
  }
}
