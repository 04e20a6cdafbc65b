// The CNB lifecycle, in-process (docs/architecture.md D2; docs/cnb-conformance.md part 2). Every phase has one
// signature, `phase(inputs: XInputs, deps: XDeps) → Promise<XResult>`: inputs are everything that
// decides the result (paths, images, the layer factory whose settings stamp the layers, the cache,
// transport options); deps are where it reports and how it runs buildpacks (log, runner).
// Phases (analyze, detect, restore, build, export, rebase) import only the shared pieces (env,
// exec, images, layers-dir, layer-cache, cache, log, errors), never another phase.
export { EXIT_CODES, type ExitKind, LifecycleError, isLifecycleError, toLifecycleError } from "./errors.js";
export { type BuildLog, type Clock, type LogSink, type PhaseLog, type Timing, createBuildLog, formatMs, quietLog, systemClock } from "./log.js";
export { type Env, type EnvFileContent, baseEnv, applyPlatformEnv, applyEnvDir, prependBuildLayer, applyBuildLayer } from "./env/index.js";
export { type BuildPaths, type BuildDirs, SANDBOX_DIRS, buildPaths, type ExecSettings, type Buildpack, type BuildpackStore, buildpackKey, dirStore, type HostFactory, hostFactory } from "./exec/index.js";
export { digestReference, isNotFound, labelImageName, previousMetadata, readImage, runImageName, saveImage, writeReport } from "./images/index.js";
export { LayerFactory, openLayerFactory, pruneLayerCache, type LayerFactoryOptions } from "./layer-cache/index.js";
export { type AnalyzeDeps, type AnalyzeInputs, type AnalyzeResult, AnalyzeError, analyze } from "./analyze/index.js";
export { type DetectInputs, type DetectDeps, type DetectResult, type DetectOutcomes, type DetectRun, detect, orderFromBuildpacks, readOrderFile, readSystemFile, expandOrder, resolveGroup } from "./detect/index.js";
/** At most n tasks at a time (detect runs buildpacks with it; the app copy its file copies). */
export { limiter } from "./detect/run.js";
export { type Lent, type RestoreDeps, type RestoreInputs, type RestoreResult, RestoreError, restore, planRestore, returnTrees } from "./restore/index.js";
export { type BuildInputs, type BuildDeps, type BuildResult, type BuiltBuildpack, type BuiltLayer, type SbomFile, build } from "./build-phase/index.js";
export { type ExportDeps, type ExportInputs, type ExportResult, type ExportedLayerInfo, ExportError, exportImage, planExport } from "./export/index.js";
export { type Cache, type CacheMetadata, type SaveCacheDeps, type SaveCacheInputs, type SaveCacheResult, CacheError, openCacheDir, openCacheImage, saveCache, stringifyCacheMetadata } from "./cache/index.js";
export { type RebaseDeps, type RebaseInputs, type RebaseResult, RebaseError, rebase, rebaseImage } from "./rebase/index.js";
