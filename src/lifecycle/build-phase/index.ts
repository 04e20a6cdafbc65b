// The build phase: bin/build of each buildpack of the group, its outputs read and checked,
// build layers' env for later buildpacks, and <layers>/config/metadata.toml (CNB-10..22, CNB-41).
export { type BuildInputs, type BuildDeps, type BuildResult, type BuiltBuildpack, FAILURE_TAIL_LINES, build } from "./build.js";
export { type BuiltLayer, type SbomFile, type SbomFormat, type SbomType, type BuildpackOutputs, readBuildpackOutputs } from "./outputs.js";
export { buildpackPlanFor, metRequires, filterPlan } from "./plan.js";
export { type ProcessSet, EMPTY_PROCESSES, mergeProcesses, sortedProcesses, mergeLabels, toMetadataProcess } from "./processes.js";
