// The detect phase: order resolution, group selection and build plan resolution (CNB-5..9, CNB-34..38).
export { type DetectInputs, type DetectDeps, type DetectResult, type DetectOutcomes, detect, orderFromBuildpacks } from "./detect.js";
export { type DetectRun } from "./run.js";
export { type CompositeOrder, MAX_GROUPS, expandOrder, withSystemBuildpacks } from "./order.js";
export { type Candidate, type DetectOutcome, type GroupResolution, type ResolvedEntry, resolveGroup } from "./resolve.js";
export { readOrderFile, readSystemFile } from "./files.js";
