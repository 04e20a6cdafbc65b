import { phaseError } from "../errors.js";

/** Error codes of the analyze phase (CNB-32, CNB-33). */
export type AnalyzeErrorCode =
  /** No run image is named, or none of the candidates can be read. */
  | "ANALYZE_RUN_IMAGE"
  /** The previous image exists but cannot be read. */
  | "ANALYZE_PREVIOUS_IMAGE";

export const AnalyzeError = phaseError<AnalyzeErrorCode>("AnalyzeError", "ANALYZE_ERROR", "ANALYZE");
export type AnalyzeError = InstanceType<typeof AnalyzeError>;
