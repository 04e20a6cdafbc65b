// The analyze phase (CNB-32, CNB-33). See src/lifecycle/export/README.md.
export { analyze, readImage, type AnalyzeInputs, type AnalyzeResult } from "./analyze.js";
export { chooseRunImage, digestReference, labelImageName, registryOf, runImageName, targetOf, type RunImageChoice } from "./run-image.js";
export { AnalyzeError, ANALYZE_EXIT_CODE, type AnalyzeErrorCode } from "./errors.js";
