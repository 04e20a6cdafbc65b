// The analyze phase (CNB-32, CNB-33). See src/lifecycle/README.md.
export { analyze, type AnalyzeDeps, type AnalyzeInputs, type AnalyzeResult } from "./analyze.js";
export { AnalyzeError, type AnalyzeErrorCode } from "./errors.js";
