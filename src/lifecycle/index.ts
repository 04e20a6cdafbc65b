// The CNB lifecycle, in-process (ARCHITECTURE.md D2; CNB-SPEC.md §2): each phase is
// `phase(inputs: XInputs, deps: XDeps) → Promise<XResult>`.
export { EXIT_CODES, type ExitKind, LifecycleError, isLifecycleError, toLifecycleError } from "./exit-codes.js";
export { type BuildLog, type Clock, type LogSink, type Timing, createBuildLog, formatMs, systemClock } from "./log.js";
export { type Env, type EnvFileContent, baseEnv, applyPlatformEnv, applyEnvDir, prependBuildLayer, applyBuildLayer } from "./env/index.js";
export { type BuildPaths, type BuildDirs, SANDBOX_DIRS, buildPaths, type ExecSettings, type Buildpack, type BuildpackStore, dirStore } from "./exec/index.js";
export { type DetectInputs, type DetectDeps, type DetectResult, detect, orderFromBuildpacks, readOrderFile, readSystemFile, expandOrder, resolveGroup } from "./detect/index.js";
export { type BuildInputs, type BuildDeps, type BuildResult, type BuiltBuildpack, type BuiltLayer, type SbomFile, build } from "./build/index.js";
export { type ExportInputs, type ExportResult, type ExportedLayerInfo, type PhaseLog, ExportError, exportImage, saveImage, writeReport, planExport, LayerFactory, openLayerFactory, pruneLayerCache, type LayerFactoryOptions, writeFileAtomic } from "./export/index.js";
export { type AnalyzeInputs, type AnalyzeResult, AnalyzeError, analyze, digestReference, labelImageName, readImage } from "./analyze/index.js";
export { type Lent, type RestoreInputs, type RestoreResult, RestoreError, restore, planRestore, returnTrees } from "./restore/index.js";
export { type Cache, type CacheMetadata, type SaveCacheInputs, type SaveCacheResult, CacheError, openCacheDir, openCacheImage, saveCache } from "./cache/index.js";
export { type RebaseInputs, type RebaseResult, RebaseError, rebase, rebaseImage } from "./rebase/index.js";
