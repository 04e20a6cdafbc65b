// buildpack-api: what CNB buildpacks are written on (packit / libcnb.rs role). A buildpack is
// `defineBuildpack({ detect, build })`; results are values; layers come with explicit
// keep-or-rebuild decisions; env changes are values; `main()` turns it into bin/detect and bin/build.
// Test harness: ./testing/index.ts. Packaging into a buildpack directory: ./packaging/index.ts.

export { BuildpackError, type BuildpackErrorCode } from "./errors.js";
export { defineBuildpack, type Buildpack } from "./define.js";
export { main } from "./main.js";
export { runBuildpack, formatError, EXIT, type RuntimeIO } from "./run.js";
export { pureProcesses } from "./observe.js";

// Detect
export { pass, fail, type DetectResult, type PlanInput, type PlanAlternative, type Provide, type Require } from "./detect.js";
export { type DetectContext, type BuildContext, type BuildpackDetails, type Platform, type Binding, type TargetInfo, type PlanEntry, PlanEntries } from "./context.js";

// Build
export { type BuildResult, type Process, launchToml, buildToml } from "./build.js";
export {
  Layers,
  LayerRef,
  decideRestored,
  type CachedLayerDefinition,
  type UncachedLayerDefinition,
  type LayerState,
  type RestoredDecision,
  type Restored,
  type ExecD,
} from "./layers.js";
export { LayerEnv, layerEnv, scopeDir, type Scope, type Modification, type EnvChange } from "./layer-env.js";
export { type Sbom, type SbomFormat, sbomFileName, sbomMediaType } from "./sbom.js";
export { createLogger, type Logger, type LineWriter, type Write } from "./logger.js";

// Typed metadata
export { s, check, parseWith, type Schema, type Infer, type StandardSchemaV1, type BuiltinSchema, type Checked } from "./schema.js";
