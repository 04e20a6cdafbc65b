import { PaketoError } from "../../errors/index.js";

/** Error codes of the analyze phase (CNB-32, CNB-33). */
export type AnalyzeErrorCode =
  /** No run image is named, or none of the candidates can be read. */
  | "ANALYZE_RUN_IMAGE"
  /** The previous image exists but cannot be read. */
  | "ANALYZE_PREVIOUS_IMAGE";

/** The spec's generic analyze exit code (CNB-28). */
export const ANALYZE_EXIT_CODE = 32;

export class AnalyzeError extends PaketoError {
  declare readonly code: AnalyzeErrorCode;
  readonly exitCode = ANALYZE_EXIT_CODE;
  constructor(code: AnalyzeErrorCode, message: string, opts: { hint?: string; cause?: unknown } = {}) {
    super(code, message, opts);
    this.name = "AnalyzeError";
  }
}
