// cnb: the Cloud Native Buildpacks file formats and API versions, as pure codecs (no I/O).
// `parseX(text, where)` validates and names the file and field in its errors (CnbError);
// `stringifyX(value)` writes the file. The lifecycle (platform side) and the buildpack author API
// (buildpack side) both build on this module. Each type documents who writes and who reads it.

export { CnbError, type CnbErrorCode } from "./errors.js";
export type { Table } from "./fields.js";

// Versions and versioned behaviour
export {
  type ApiVersion,
  parseApiVersion,
  compareApi,
  apiAtLeast,
  apiLessThan,
  apiSupported,
  BUILDPACK_APIS,
  PLATFORM_APIS,
  requireBuildpackApi,
  requirePlatformApi,
  highestCommonApi,
} from "./api-version.js";
export {
  BUILDPACK_FEATURE_TABLE,
  PLATFORM_FEATURE_TABLE,
  buildpackFeatures,
  platformFeatures,
  gateOpen,
  type FeatureGate,
  type BuildpackFeatures,
  type PlatformFeatures,
} from "./features.js";

// Identifiers
export {
  type BuildpackId,
  type BuildpackVersion,
  type LayerName,
  type ProcessType,
  RESERVED_BUILDPACK_IDS,
  RESERVED_LAYER_NAMES,
  parseBuildpackId,
  parseBuildpackVersion,
  parseLayerName,
  parseProcessType,
  parseExecEnvName,
  escapeId,
  findCaseInsensitiveDuplicate,
  isStrictVersion,
  execEnvMatches,
} from "./ids.js";

// Targets
export {
  type Target,
  type Distro,
  type StackRef,
  type RunImageTarget,
  BIONIC_STACK_ID,
  inferTargets,
  targetMatches,
  targetSatisfied,
} from "./targets.js";

// Buildpack side: descriptor, detect and build outputs
export {
  type BuildpackDescriptor,
  type BuildpackInfo,
  type License,
  SBOM_MEDIA_TYPES,
  isComposite,
  parseBuildpackDescriptor,
  stringifyBuildpackDescriptor,
} from "./buildpack-descriptor.js";
export { type ExtensionDescriptor, parseExtensionDescriptor, refuseExtension, extensionUnsupported } from "./extension-descriptor.js";
export { type DetectPlan, type PlanSections, type Provide, parseDetectPlan, stringifyDetectPlan, planAlternatives } from "./detect-plan.js";
export {
  type DetectRead,
  type DetectReads,
  type DetectReadKind,
  DETECT_READS_FILE,
  DETECT_READ_KINDS,
  isAppRelative,
  normaliseReads,
  parseDetectReads,
  stringifyDetectReads,
} from "./detect-reads.js";
export { type BuildRecord, type MetadataUse, BUILD_RECORD_FILE, parseBuildRecord, stringifyBuildRecord } from "./build-record.js";
export { type BuildpackPlan, parseBuildpackPlan, stringifyBuildpackPlan } from "./buildpack-plan.js";
export {
  type LayerMetadataFile,
  type LayerTypes,
  type StoreFile,
  parseLayerMetadata,
  stringifyLayerMetadata,
  isIgnoredLayer,
  layerExecEnv,
  parseStoreToml,
  stringifyStoreToml,
} from "./layer-metadata.js";
export {
  type LaunchFile,
  type LaunchProcess,
  type ImageLabel,
  type Slice,
  type BuildFile,
  parseLaunchToml,
  stringifyLaunchToml,
  parseBuildToml,
  stringifyBuildToml,
  sliceEscapesApp,
} from "./launch.js";
export type { BomEntry } from "./bom.js";
export { type EnvAction, type EnvFile, parseEnvFileName, defaultEnvAction } from "./env-file.js";
export { parseExecDOutput } from "./exec-d.js";

// Platform side: lifecycle files
export {
  type Order,
  type OrderGroup,
  type OrderEntry,
  type OrderFile,
  type SystemFile,
  parseOrderToml,
  stringifyOrderToml,
  parseSystemToml,
  stringifySystemToml,
} from "./order.js";
export { type GroupFile, type GroupEntry, parseGroupToml, stringifyGroupToml } from "./group.js";
export { type PlanFile, type PlanEntry, type PlanProvider, type Requirement, parsePlanToml, stringifyPlanToml } from "./plan.js";
export { type AnalyzedFile, type AnalyzedRunImage, parseAnalyzedToml, stringifyAnalyzedToml } from "./analyzed.js";
export {
  type BuildMetadata,
  type BuildMetadataLabel,
  type BuildpackRef,
  type MetadataProcess,
  type LauncherInfo,
  BUILD_METADATA_LABEL,
  parseBuildMetadata,
  stringifyBuildMetadata,
  buildMetadataLabel,
  parseBuildMetadataLabel,
  stringifyBuildMetadataLabel,
} from "./build-metadata.js";
export { type RunFile, type RunImageRef, type StackFile, parseRunToml, stringifyRunToml, parseStackToml, stringifyStackToml, runFileFromStack } from "./run.js";
export { type ReportFile, parseReportToml, stringifyReportToml } from "./report.js";
export {
  type LifecycleMetadata,
  type BuildpackLayersMetadata,
  type ExportedLayer,
  type LayerDiff,
  type RunImageForExport,
  type RunImageForRebase,
  LIFECYCLE_METADATA_LABEL,
  parseLifecycleMetadataLabel,
  stringifyLifecycleMetadataLabel,
} from "./lifecycle-metadata.js";
export {
  type ProjectMetadata,
  type ProjectSource,
  PROJECT_METADATA_LABEL,
  parseProjectMetadataToml,
  stringifyProjectMetadataToml,
  parseProjectMetadataLabel,
  stringifyProjectMetadataLabel,
} from "./project-metadata.js";

// Platform tooling (pack conventions): project, builder and package configuration; distribution labels
export {
  type ProjectDescriptor,
  type ProjectSchemaVersion,
  type ProjectBuildpack,
  type ProjectScript,
  type ProjectEnv,
  type ProjectInfo,
  parseProjectDescriptor,
  stringifyProjectDescriptor,
} from "./project.js";
export {
  type BuilderConfig,
  type BuilderOrder,
  type BuilderOrderEntry,
  type BuildConfigEnv,
  type ModuleSource,
  parseBuilderConfig,
  stringifyBuilderConfig,
  builderImages,
  buildConfigEnvFiles,
} from "./builder-config.js";
export { type PackageConfig, parsePackageConfig, stringifyPackageConfig } from "./package-config.js";
export {
  type ModuleInfo,
  type BuildpackageMetadata,
  type BuildpackLayerInfo,
  type BuildpackLayers,
  type BuilderMetadata,
  type ApiSupport,
  BUILDPACKAGE_METADATA_LABEL,
  BUILDPACK_LAYERS_LABEL,
  BUILDER_METADATA_LABEL,
  BUILDPACK_ORDER_LABEL,
  BUILDPACK_ORDER_EXTENSIONS_LABEL,
  parseBuildpackageMetadataLabel,
  stringifyBuildpackageMetadataLabel,
  parseBuildpackLayersLabel,
  stringifyBuildpackLayersLabel,
  parseBuilderMetadataLabel,
  stringifyBuilderMetadataLabel,
  parseBuildpackOrderLabel,
  stringifyBuildpackOrderLabel,
} from "./distribution-labels.js";
