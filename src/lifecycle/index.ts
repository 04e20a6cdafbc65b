// The CNB lifecycle, in-process (ARCHITECTURE.md D2; CNB-SPEC.md §2): each phase is
// `phase(inputs: XInputs, deps: XDeps) → Promise<XResult>`.
export { EXIT_CODES, type ExitKind, LifecycleError, isLifecycleError, toLifecycleError } from "./exit-codes.js";
export { type BuildLog, type Clock, type LogSink, type Timing, createBuildLog, formatMs, systemClock } from "./log.js";
export { type Env, type EnvFileContent, baseEnv, applyPlatformEnv, applyEnvDir, prependBuildLayer, applyBuildLayer } from "./env/index.js";
export { type BuildPaths, type BuildDirs, SANDBOX_DIRS, buildPaths, type ExecSettings, type Buildpack, type BuildpackStore, dirStore } from "./exec/index.js";
export { type DetectInputs, type DetectDeps, type DetectResult, detect, orderFromBuildpacks, readOrderFile, readSystemFile, expandOrder, resolveGroup } from "./detect/index.js";
export { type BuildInputs, type BuildDeps, type BuildResult, type BuiltBuildpack, type BuiltLayer, type SbomFile, build } from "./build/index.js";
