// Buildpack distribution (CNB-65..69), pack's role without a daemon: buildpack artifacts (folders
// and .tgz files) become reproducible layers; buildpackages and builders are images composed of
// them, written to and read from any transport. Decisions: README.md in this folder.
export { DistributionError, type DistributionErrorCode } from "./errors.js";
export { type PackagedBuildpack, BUILDPACKS_DIR, buildpackDir, moduleInfoOf } from "./module.js";
export { type BuildpackArtifact, type ArtifactOptions, readBuildpackArtifact, packBuildpack, loadBuildpack, distributionMode } from "./artifact.js";
export { mergeCompatibleStacks, resolveStacks } from "./stacks.js";
export { type BuildpackageSpec, type Buildpackage, buildpackageImage, readBuildpackage, checkPackageReferences } from "./buildpackage.js";
export { type PullPolicy, PULL_POLICIES, parsePullPolicy, type ImageAccess, type OpenedImage, openImage, type ModuleLocation, locateModule, looksLikePath } from "./source.js";
export { type ResolveContext, type ResolvedModule, resolveModule } from "./resolve.js";
export { type PackageBuildpackOptions, type PackageResult, packageBuildpack } from "./package.js";
export { type BuildImageUser, buildImageUser } from "./build-image.js";
export { resolveBuilderOrder, resolveOrderEntry, checkBuilderBuildpacks } from "./builder-order.js";
export { type BuilderSpec, builderImage, lifecycleMetadata, LAUNCHER_IN_BUILDER, SYSTEM_LABEL } from "./builder-image.js";
export { type BuilderBuildpack, type BuilderInfo, readBuilder } from "./builder-read.js";
export { type CreateBuilderOptions, type CreateBuilderResult, createBuilder, platformLifecycleBundle } from "./builder-create.js";
export { readImageFile } from "./image-files.js";
export { PAKETO_VERSION } from "./version.js";
export { type CompiledLauncher, type CompileLauncherOptions, compileLauncher } from "./launcher.js";
